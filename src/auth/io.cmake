# parley_auth: the relying party's I/O side (discovery/JWKS cache, code
# exchange, sessions with their store, sign-in flow). Coroutines only: the
# transport and the store are interfaces, so no Beast here.
parley_library(parley_auth
  SOURCES oidc_client.cpp bearer.cpp session_service.cpp sign_in.cpp
  DEPS parley_auth_proto parley_http_proto parley_observability Boost::json Boost::url)
target_link_libraries(parley_auth PUBLIC Boost::headers)
