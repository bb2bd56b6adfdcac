#pragma once
// The protocol core of mock-entra-id: Entra ID v2.0 endpoints as functions from
// request parameters to a reply, with no sockets in it. Thread-safe: every
// public member may be called from any server thread (one mutex inside).

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "crypto.hpp"

namespace mock_entra {

struct User {
  std::string id;  // picker value
  std::string name;
  std::string email;  // also preferred_username
  std::string oid;
  std::string tid;  // empty: the default tenant
  std::vector<std::string> roles;
};

struct App {  // a confidential client for client_credentials (--app)
  std::string client_id;
  std::string secret;
  std::vector<std::string> roles;
};

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string tenant = "11111111-2222-3333-4444-555555555555";
  std::string client_id = "parley-dev-client";
  std::string client_secret = "parley-dev-secret";
  std::vector<std::string> redirect_uris;  // empty: the dev default
  // Front-channel logout URLs of the registered app, loaded in hidden
  // iframes by the logout page with ?sid=, as Entra does. Empty: each
  // redirect URI's origin + /api/auth/frontchannel-logout.
  std::vector<std::string> frontchannel_logout_uris;
  std::vector<App> apps;
  std::vector<User> users;  // empty: the three default users
  std::string port_file;
  int access_token_lifetime = 3599;
};

std::vector<User> default_users();
// Parses a --users file body: [{"id","name","email","oid","tid"?,"roles"?}].
// Throws std::runtime_error naming the problem.
std::vector<User> parse_users(const std::string& json_text, const std::string& default_tenant);

using Params = std::map<std::string, std::string>;

struct Reply {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class Provider {
 public:
  // `origin`: "http://127.0.0.1:<port>", the base of every issuer and endpoint.
  Provider(Options options, std::string origin);

  Reply discovery(const std::string& tenant);
  Reply jwks(const std::string& tenant);
  Reply authorize(const std::string& tenant, const Params& query, const std::string& cookies);
  Reply pick(const std::string& tenant, const Params& form, const std::string& cookies);
  Reply token(const std::string& tenant, const Params& form, const std::string& authorization);
  Reply logout(const std::string& tenant, const Params& query, const std::string& cookies);

  // Control endpoints (docs/MOCKS.md).
  Reply set_behaviour(const std::string& body);
  Reply get_behaviour();
  Reply reset();
  Reply rotate_keys();
  Reply federated_token(const std::string& body);
  Reply stats();
  Reply reset_stats();

  std::string issuer_for(const std::string& tenant) const;
  std::string federation_issuer() const { return origin_ + "/_mock/federation"; }

 private:
  struct Code {
    std::string client_id, redirect_uri, challenge, nonce, user_id, scope, sid;
    std::chrono::steady_clock::time_point expires;
    bool used = false;
  };
  struct AuthzRequest {
    std::string client_id, redirect_uri, scope, state, nonce, challenge, prompt, login_hint;
  };
  struct Keys {
    std::shared_ptr<const RsaKey> signing, spare, next;
  };

  bool known_tenant(const std::string& tenant) const;
  Reply unknown_tenant(const std::string& tenant, bool html) const;
  // Validates an authorize request; on failure `error` holds the page or redirect.
  bool validate_authorize(const std::string& tenant, const Params& p, AuthzRequest& out,
                          Reply& error);
  Reply issue_code(const AuthzRequest& a, const User& user, const std::string& sso_session);
  Reply picker(const std::string& tenant, const Params& p) const;
  Reply token_authorization_code(const Params& form, const std::string& client_id,
                                 const std::string& secret);
  std::optional<Reply> check_client_assertion(const std::string& assertion_type,
                                             const std::string& assertion) const;
  Reply token_client_credentials(const Params& form, const std::string& client_id,
                                 const std::string& secret);
  std::string mint_id_token(const User& user, const std::string& client_id,
                            const std::string& nonce, const std::string& sid);
  std::string mint_user_access_token(const User& user, const std::string& client_id,
                                     const std::string& scope);
  const User* find_user(const std::string& id) const;
  const User* find_user_by_login(const std::string& login) const;
  std::string sso_user(const std::string& cookies);
  Keys keys() const;
  boost::json::object behaviour_section(const char* name) const;

  Options options_;
  std::string origin_;
  std::vector<std::string> redirect_uris_;
  std::vector<std::string> frontchannel_logout_uris_;

  mutable std::mutex mutex_;  // guards everything below
  Keys keys_;
  std::map<std::string, Code> codes_;
  std::map<std::string, std::string> sso_sessions_;  // cookie value -> user id
  boost::json::object behaviour_;

  std::atomic<long> token_requests_{0}, client_credentials_requests_{0},
      authorization_code_requests_{0}, jwks_requests_{0}, discovery_requests_{0},
      authorize_requests_{0};
};

}  // namespace mock_entra
