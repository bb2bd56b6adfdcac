# Outbound HTTP(S) client (TLS, CA bundle, HTTPS_PROXY/NO_PROXY, streaming
# bodies). Its scripted fake is test code (tests/support/http).
parley_library(parley_http_client
  SOURCES client.cpp client_request.cpp proxy.cpp
  DEPS parley_http_proto parley_observability Boost::url OpenSSL::SSL)
parley_use_asio_pch(parley_http_client)
