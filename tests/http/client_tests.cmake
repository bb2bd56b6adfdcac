# Outbound HTTP client: routing rules and the test fake (tests/support/http)
# are unit tests; the client itself runs against loopback fixtures (plain,
# TLS with a test CA, proxy).
parley_test(http_client_unit_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/client_proxy_test.cpp ${CMAKE_CURRENT_SOURCE_DIR}/client_fake_test.cpp
  DEPS parley_http_client parley_fake_http_client
  LABELS unit)
parley_test(http_client_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/client_test.cpp
  DEPS parley_http_client parley_test_support
  LABELS integration)
# Also one entry for the whole unit executable, so `ctest -R client` (the
# discovered names are LoopbackHost.*, NoProxy.*, ...) runs it too.
add_test(NAME http_client_unit_test COMMAND http_client_unit_test --gtest_color=no)
set_tests_properties(http_client_unit_test PROPERTIES LABELS unit TIMEOUT 60)
