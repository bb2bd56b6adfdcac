# Pure protocol pieces next to message.cpp: no Asio, no sockets.
target_sources(parley_http_proto PRIVATE router.cpp cookies.cpp sse.cpp traceparent.cpp
                                         request_target.cpp response_head.cpp)
