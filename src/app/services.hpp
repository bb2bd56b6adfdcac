#pragma once
// What handlers may use, built once by the composition root (serve.cpp).

#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "admin/audit_service.hpp"
#include "admin/users_service.hpp"
#include "auth/csrf.hpp"
#include "chat/service.hpp"
#include "auth/session_service.hpp"
#include "auth/sign_in.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/random.hpp"
#include "http/message.hpp"
#include "observability/metrics.hpp"

namespace parley::admin {
class ApiGate;
class DataRights;
}
namespace parley::auth {
class BearerVerifier;
}
namespace parley::llm {
class ChatModel;
}

namespace parley::app {

struct Readiness {
  bool ok = false;
  std::string detail;
};

struct Services {
  const config::Config* config = nullptr;
  auth::SessionService* sessions = nullptr;
  auth::SignInService* sign_in = nullptr;
  const auth::CsrfKeys* csrf = nullptr;
  auth::AuditSink* audit = nullptr;
  metrics::Registry* metrics = nullptr;
  chat::ChatService* chat = nullptr;
  admin::AuditService* audit_log = nullptr;
  admin::DataRights* data_rights = nullptr;
  admin::UsersAdmin* users_admin = nullptr;
  const Clock* clock = nullptr;
  // The service API (/v1): the access-token check and the model it relays to.
  auth::BearerVerifier* bearer = nullptr;
  llm::ChatModel* model = nullptr;
  admin::ApiGate* api_gate = nullptr;
  // Database reachable and migrations applied.
  std::function<boost::asio::awaitable<Readiness>()> readiness;

  // Derived once from config.
  std::string session_cookie_name;      // parley.session or __Host-parley.session
  std::string transaction_cookie_name;  // parley.oidc or __Host-parley.oidc
  http::Headers security_headers;       // security_headers(config), on every response
  // The front-channel logout page's CSP: the issuer's origin may frame it.
  std::string frontchannel_logout_csp;
  bool https = false;
};

}  // namespace parley::app
