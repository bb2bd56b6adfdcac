# parley_auth_proto: JOSE (JWS RS256, JWK), ID-token claim rules, session and
# transaction sealing, CSRF, PKCE, redirect sanitising. Pure: no Asio, no I/O;
# time and randomness are parameters.
parley_library(parley_auth_proto
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/jose.cpp ${CMAKE_CURRENT_LIST_DIR}/id_token.cpp
          ${CMAKE_CURRENT_LIST_DIR}/access_token.cpp
          ${CMAKE_CURRENT_LIST_DIR}/seal.cpp ${CMAKE_CURRENT_LIST_DIR}/session_cookie.cpp
          ${CMAKE_CURRENT_LIST_DIR}/oidc_transaction.cpp ${CMAKE_CURRENT_LIST_DIR}/csrf.cpp
          ${CMAKE_CURRENT_LIST_DIR}/redirect.cpp ${CMAKE_CURRENT_LIST_DIR}/sign_in_throttle.cpp
  DEPS parley_core Boost::json Boost::url OpenSSL::Crypto)
