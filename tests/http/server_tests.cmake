# Pure HTTP protocol pieces (router, cookies, SSE, traceparent, headers,
# request-target, response head) and
# the Beast server over real loopback sockets.
parley_test(http_proto_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/router_test.cpp ${CMAKE_CURRENT_SOURCE_DIR}/cookies_test.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/sse_test.cpp ${CMAKE_CURRENT_SOURCE_DIR}/message_test.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/request_target_test.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/response_head_test.cpp
  DEPS parley_http_proto
  LABELS unit)
parley_test(http_server_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/server_test.cpp
  DEPS parley_http_server
  LABELS integration)
parley_use_asio_pch(http_server_test)
