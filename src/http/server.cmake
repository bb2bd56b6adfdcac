# Beast coroutine server: keep-alive, limits, timeouts, graceful stop, access log.
parley_library(parley_http_server SOURCES server.cpp connection.cpp DEPS parley_http_proto parley_observability)
parley_use_asio_pch(parley_http_server)
