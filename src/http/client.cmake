# Outbound HTTP(S) client (TLS, CA bundle, HTTPS_PROXY/NO_PROXY, streaming
# bodies) and a scripted fake for tests of higher layers.
parley_library(parley_http_client
  SOURCES client.cpp proxy.cpp client_fake.cpp
  DEPS parley_http_proto parley_observability Boost::url OpenSSL::SSL)
parley_use_asio_pch(parley_http_client)
