#include "provider.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <future>
#include <sstream>
#include <stdexcept>

#include "jwt.hpp"

namespace mock_entra {

namespace json = boost::json;

namespace {

constexpr const char* kJwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr const char* kExchangeAudience = "api://AzureADTokenExchange";
constexpr const char* kSsoCookie = "mock-entra-sso";
constexpr auto kCodeLifetime = std::chrono::minutes(10);
constexpr std::int64_t kIdTokenLifetime = 3600;

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string timestamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

std::string url_encode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string param(const Params& p, const std::string& name) {
  const auto it = p.find(name);
  return it == p.end() ? std::string() : it->second;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool has_word(const std::string& list, const std::string& word) {
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto end = std::min(list.find(' ', start), list.size());
    if (list.compare(start, end - start, word) == 0) return true;
    start = end + 1;
  }
  return false;
}

// "scheme://host[:port]" of an absolute URL, or empty.
std::string origin_of(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return {};
  const auto end = url.find_first_of("/?#", scheme + 3);
  return lower(url.substr(0, end));
}

// Secret comparison in constant time (the mock is a fixture, but a good one).
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

Reply json_reply(int status, const json::value& v) {
  Reply r;
  r.status = status;
  r.body = json::serialize(v);
  r.headers.emplace_back("Cache-Control", "no-store, no-cache");
  r.headers.emplace_back("Pragma", "no-cache");
  return r;
}

// Entra's error body: error, error_description starting with the AADSTS code,
// error_codes, timestamp, trace_id, correlation_id (v2-oauth2-auth-code-flow.md).
Reply aad_error(int status, const std::string& error, int code, const std::string& message) {
  const std::string trace = random_uuid();
  const std::string correlation = random_uuid();
  const std::string ts = timestamp();
  json::object o;
  o["error"] = error;
  o["error_description"] = "AADSTS" + std::to_string(code) + ": " + message +
                           "\r\nTrace ID: " + trace + "\r\nCorrelation ID: " + correlation +
                           "\r\nTimestamp: " + ts;
  o["error_codes"] = json::array{code};
  o["timestamp"] = ts;
  o["trace_id"] = trace;
  o["correlation_id"] = correlation;
  return json_reply(status, o);
}

Reply html_page(int status, const std::string& title, const std::string& body_html) {
  Reply r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-store, no-cache");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; form-action *; "
                         "frame-ancestors 'none'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.body = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
           html_escape(title) +
           "</title><style>body{font-family:sans-serif;max-width:32rem;margin:4rem auto}"
           "button{display:block;width:100%;margin:.5rem 0;padding:.75rem;font-size:1rem;"
           "text-align:left}</style></head><body>\n<h1>" +
           html_escape(title) + "</h1>\n" + body_html + "\n</body></html>\n";
  return r;
}

Reply aad_error_page(int status, int code, const std::string& message) {
  return html_page(
      status, "Sign in",
      "<p>Sorry, but we're having trouble signing you in.</p>\n<p id=\"error\">AADSTS" +
          std::to_string(code) + ": " + html_escape(message) + "</p>");
}

Reply redirect_to(const std::string& location) {
  Reply r;
  r.status = 302;
  r.content_type = "text/html; charset=utf-8";
  r.headers.emplace_back("Location", location);
  r.headers.emplace_back("Cache-Control", "no-store, no-cache");
  r.body = "<html><body>Object moved</body></html>";
  return r;
}

std::string with_query(const std::string& uri,
                       const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out = uri;
  char sep = uri.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : params) {
    out += sep;
    out += url_encode(k) + "=" + url_encode(v);
    sep = '&';
  }
  return out;
}

Reply error_redirect(const std::string& redirect_uri, const std::string& error, int code,
                     const std::string& message, const std::string& state) {
  std::vector<std::pair<std::string, std::string>> q = {
      {"error", error},
      {"error_description",
       "AADSTS" + std::to_string(code) + ": " + message + "\r\nTrace ID: " + random_uuid() +
           "\r\nCorrelation ID: " + random_uuid() + "\r\nTimestamp: " + timestamp()}};
  if (!state.empty()) q.emplace_back("state", state);
  return redirect_to(with_query(redirect_uri, q));
}

std::string cookie_value(const std::string& header, const std::string& name) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    while (pos < header.size() && (header[pos] == ' ' || header[pos] == ';')) ++pos;
    const auto end = std::min(header.find(';', pos), header.size());
    const auto eq = header.find('=', pos);
    if (eq != std::string::npos && eq < end && header.compare(pos, eq - pos, name) == 0) {
      return header.substr(eq + 1, end - eq - 1);
    }
    pos = end + 1;
  }
  return {};
}

// The `sid` claim of every token issued in one SSO session (a GUID, as Entra's).
std::string sid_of(const std::string& sso) { return uuid_from("sid:" + sso); }

std::string picker_label(const User& u) {
  std::string role;
  if (u.roles.empty()) {
    role = "user";
  } else if (u.roles.size() > 3) {
    role = std::to_string(u.roles.size()) + " roles";
  } else {
    role = u.roles.front();
  }
  return u.name + " (" + role + ")";
}

std::int64_t int_or(const json::object& o, const char* key, std::int64_t fallback) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  return fallback;
}

std::string string_or(const json::object& o, const char* key, const std::string& fallback) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : fallback;
}

json::array roles_array(const std::vector<std::string>& roles) {
  json::array a;
  for (const auto& r : roles) a.emplace_back(r);
  return a;
}

}  // namespace

std::vector<User> default_users() {
  std::vector<User> users = {
      {"ada",
       "Ada Lovelace",
       "ada@example.com",
       "6f1c2a3b-0d4e-4f5a-9b6c-7d8e9fa0b1c2",
       "",
       {"Parley.Admin"}},  // Parley's default PARLEY_ADMIN_ROLE
      {"grace",
       "Grace Hopper",
       "grace@example.com",
       "7a2b3c4d-1e5f-4a6b-8c7d-9e0f1a2b3c4d",
       "",
       {}},
      {"heavy", "Role Heavy", "heavy@example.com", "8b3c4d5e-2f6a-4b7c-9d8e-0f1a2b3c4d5e", "", {}},
  };
  // 250 app roles whose names embed GUIDs, as large Entra tenants have them:
  // an ID token of about 20 KB (it must sign in, and the cookie stays small).
  for (int i = 1; i <= 250; ++i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "Project.%08x-7c1d-4e2f-9a3b-%012x.Member", 0x3f000000 + i,
                  0x1000 + i);
    users[2].roles.emplace_back(buf);
  }
  return users;
}

std::vector<User> parse_users(const std::string& json_text, const std::string& default_tenant) {
  boost::system::error_code ec;
  json::value v = json::parse(json_text, ec);
  if (ec) throw std::runtime_error("users file is not JSON: " + ec.message());
  if (v.is_object() && v.as_object().contains("users")) v = v.at("users");
  if (!v.is_array()) throw std::runtime_error("users file must be a JSON array");
  std::vector<User> users;
  for (const auto& item : v.as_array()) {
    if (!item.is_object()) throw std::runtime_error("each user must be an object");
    const auto& o = item.as_object();
    User u;
    u.id = string_or(o, "id", "");
    u.name = string_or(o, "name", "");
    u.email = string_or(o, "email", string_or(o, "preferred_username", ""));
    u.oid = string_or(o, "oid", "");
    u.tid = string_or(o, "tid", default_tenant);
    if (u.id.empty() || u.name.empty() || u.email.empty()) {
      throw std::runtime_error("each user needs id, name and email");
    }
    if (u.oid.empty()) u.oid = uuid_from("user:" + u.tid + ":" + u.id);
    if (const auto* roles = o.if_contains("roles"); roles != nullptr) {
      if (!roles->is_array()) throw std::runtime_error("roles must be an array of strings");
      for (const auto& r : roles->as_array()) {
        if (!r.is_string()) throw std::runtime_error("roles must be an array of strings");
        u.roles.emplace_back(r.as_string());
      }
    }
    users.push_back(std::move(u));
  }
  return users;
}

Provider::Provider(Options options, std::string origin)
    : options_(std::move(options)), origin_(std::move(origin)) {
  if (options_.users.empty()) options_.users = default_users();
  for (auto& u : options_.users) {
    if (u.tid.empty()) u.tid = options_.tenant;
  }
  redirect_uris_ = options_.redirect_uris;
  if (redirect_uris_.empty()) {
    // The dev client registers Parley's callback under each path it answers
    // (AUTH_CALLBACK_PATH may pick any of them).
    for (const char* path : {"microsoft-entra-id", "azure-ad", "entra-id"}) {
      redirect_uris_.push_back(std::string("http://localhost:3000/api/auth/callback/") + path);
    }
  }
  frontchannel_logout_uris_ = options_.frontchannel_logout_uris;
  if (frontchannel_logout_uris_.empty()) {
    for (const auto& uri : redirect_uris_) {
      const std::string fcl = origin_of(uri) + "/api/auth/frontchannel-logout";
      if (std::find(frontchannel_logout_uris_.begin(), frontchannel_logout_uris_.end(), fcl) ==
          frontchannel_logout_uris_.end()) {
        frontchannel_logout_uris_.push_back(fcl);
      }
    }
  }
  // RSA key generation dominates start-up: the three keys are made in parallel.
  auto spare = std::async(std::launch::async, &RsaKey::generate);
  auto next = std::async(std::launch::async, &RsaKey::generate);
  keys_.signing = RsaKey::generate();
  keys_.spare = spare.get();
  keys_.next = next.get();
}

std::string Provider::issuer_for(const std::string& tenant) const {
  return origin_ + "/" + tenant + "/v2.0";
}

bool Provider::known_tenant(const std::string& tenant) const {
  if (tenant == options_.tenant || tenant == "organizations" || tenant == "common") return true;
  return std::any_of(options_.users.begin(), options_.users.end(),
                     [&](const User& u) { return u.tid == tenant; });
}

Reply Provider::unknown_tenant(const std::string& tenant, bool html) const {
  const std::string msg = "Tenant '" + tenant +
                          "' not found. Check to make sure you have the correct tenant ID and "
                          "are signing into the correct cloud.";
  if (html) return aad_error_page(400, 90002, msg);
  return aad_error(400, "invalid_tenant", 90002, msg);
}

Provider::Keys Provider::keys() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

json::object Provider::behaviour_section(const char* name) const {
  std::lock_guard lock(mutex_);
  const auto* v = behaviour_.if_contains(name);
  return v != nullptr && v->is_object() ? v->as_object() : json::object();
}

// --- discovery and keys ------------------------------------------------------

Reply Provider::discovery(const std::string& tenant) {
  ++discovery_requests_;
  if (!known_tenant(tenant)) return unknown_tenant(tenant, false);
  const bool multi = tenant == "organizations" || tenant == "common";
  // access-tokens.md: common/organizations documents carry a {tenantid} template.
  const std::string issuer = multi ? origin_ + "/{tenantid}/v2.0" : issuer_for(tenant);
  const std::string base = origin_ + "/" + tenant;
  json::object o;
  o["token_endpoint"] = base + "/oauth2/v2.0/token";
  o["token_endpoint_auth_methods_supported"] =
      json::array{"client_secret_post", "private_key_jwt", "client_secret_basic"};
  o["jwks_uri"] = base + "/discovery/v2.0/keys";
  o["response_modes_supported"] = json::array{"query", "fragment", "form_post"};
  o["subject_types_supported"] = json::array{"pairwise"};
  o["id_token_signing_alg_values_supported"] = json::array{"RS256"};
  o["response_types_supported"] =
      json::array{"code", "id_token", "code id_token", "id_token token"};
  o["scopes_supported"] = json::array{"openid", "profile", "email", "offline_access"};
  o["issuer"] = issuer;
  o["request_uri_parameter_supported"] = false;
  o["userinfo_endpoint"] = origin_ + "/oidc/userinfo";
  o["authorization_endpoint"] = base + "/oauth2/v2.0/authorize";
  o["device_authorization_endpoint"] = base + "/oauth2/v2.0/devicecode";
  o["http_logout_supported"] = true;
  o["frontchannel_logout_supported"] = true;
  o["end_session_endpoint"] = base + "/oauth2/v2.0/logout";
  o["claims_supported"] = json::array{"sub",
                                      "iss",
                                      "cloud_instance_name",
                                      "cloud_instance_host_name",
                                      "cloud_graph_host_name",
                                      "msgraph_host",
                                      "aud",
                                      "exp",
                                      "iat",
                                      "auth_time",
                                      "acr",
                                      "nonce",
                                      "preferred_username",
                                      "name",
                                      "tid",
                                      "ver",
                                      "at_hash",
                                      "c_hash",
                                      "email"};
  o["kerberos_endpoint"] = base + "/kerberos";
  o["code_challenge_methods_supported"] = json::array{"S256"};
  o["tenant_region_scope"] = "WW";
  o["cloud_instance_name"] = "microsoftonline.com";
  o["cloud_graph_host_name"] = "graph.windows.net";
  o["msgraph_host"] = "graph.microsoft.com";
  o["rbac_url"] = "https://pas.windows.net";
  Reply r = json_reply(200, o);
  r.headers = {{"Cache-Control", "max-age=86400, private"}};
  return r;
}

Reply Provider::jwks(const std::string& tenant) {
  ++jwks_requests_;
  if (const auto b = behaviour_section("jwks"); b.contains("status")) {
    Reply r;
    r.status = static_cast<int>(int_or(b, "status", 500));
    r.body = string_or(b, "body", R"({"error":"temporarily_unavailable"})");
    return r;
  }
  if (!known_tenant(tenant)) return unknown_tenant(tenant, false);
  const Keys k = keys();
  json::array list;
  // The spare key comes first: a relying party must select by kid, not take keys[0].
  for (const auto& key : {k.spare, k.signing}) {
    json::object j;
    j["kty"] = "RSA";
    j["use"] = "sig";
    j["kid"] = key->kid();
    j["x5t"] = key->kid();
    j["n"] = key->n();
    j["e"] = key->e();
    j["issuer"] = origin_ + "/{tenantid}/v2.0";
    list.emplace_back(std::move(j));
  }
  Reply r = json_reply(200, json::object{{"keys", std::move(list)}});
  r.headers = {{"Cache-Control", "max-age=86400, private"}};
  return r;
}

// --- authorize ---------------------------------------------------------------

bool Provider::validate_authorize(const std::string& tenant, const Params& p, AuthzRequest& a,
                                  Reply& error) {
  if (!known_tenant(tenant)) {
    error = unknown_tenant(tenant, true);
    return false;
  }
  a.client_id = param(p, "client_id");
  a.redirect_uri = param(p, "redirect_uri");
  a.scope = param(p, "scope");
  a.state = param(p, "state");
  a.nonce = param(p, "nonce");
  a.challenge = param(p, "code_challenge");
  a.prompt = param(p, "prompt");
  a.login_hint = param(p, "login_hint");
  if (a.client_id.empty()) {
    error = aad_error_page(400, 900144,
                           "The request body must contain the following parameter: 'client_id'.");
    return false;
  }
  if (a.client_id != options_.client_id) {
    error = aad_error_page(400, 700016,
                           "Application with identifier '" + a.client_id +
                               "' was not found in the directory '" + tenant + "'.");
    return false;
  }
  // Never redirect to an unregistered URI: an error page instead (AADSTS50011).
  if (std::find(redirect_uris_.begin(), redirect_uris_.end(), a.redirect_uri) ==
      redirect_uris_.end()) {
    error = aad_error_page(400, 50011,
                           "The redirect URI '" + a.redirect_uri +
                               "' specified in the request does not match the redirect URIs "
                               "configured for the application '" +
                               a.client_id + "'.");
    return false;
  }
  if (const auto b = behaviour_section("authorize"); b.contains("error")) {
    Params q;
    std::vector<std::pair<std::string, std::string>> params = {
        {"error", string_or(b, "error", "access_denied")},
        {"error_description", string_or(b, "error_description", "the user canceled")}};
    if (!a.state.empty()) params.emplace_back("state", a.state);
    error = redirect_to(with_query(a.redirect_uri, params));
    return false;
  }
  if (param(p, "response_type") != "code") {
    error = error_redirect(
        a.redirect_uri, "unsupported_response_type", 700054,
        "response_type '" + param(p, "response_type") + "' is not enabled for the application.",
        a.state);
    return false;
  }
  const std::string mode = param(p, "response_mode");
  if (!mode.empty() && mode != "query") {
    error = error_redirect(a.redirect_uri, "invalid_request", 900144,
                           "The mock supports response_mode 'query' only.", a.state);
    return false;
  }
  if (!has_word(a.scope, "openid")) {
    error = error_redirect(a.redirect_uri, "invalid_scope", 70011,
                           "The provided value for the input parameter 'scope' is not valid. "
                           "The scope must contain 'openid'.",
                           a.state);
    return false;
  }
  if (a.challenge.empty()) {
    error = error_redirect(a.redirect_uri, "invalid_request", 9002325,
                           "Proof Key for Code Exchange is required for cross-origin "
                           "authorization code redemption.",
                           a.state);
    return false;
  }
  if (param(p, "code_challenge_method") != "S256") {
    error = error_redirect(a.redirect_uri, "invalid_request", 501491,
                           "Invalid code_challenge_method: only 'S256' is accepted.", a.state);
    return false;
  }
  return true;
}

Reply Provider::authorize(const std::string& tenant, const Params& query,
                          const std::string& cookies) {
  ++authorize_requests_;
  AuthzRequest a;
  Reply error;
  if (!validate_authorize(tenant, query, a, error)) return error;
  if (a.prompt == "none") {
    const std::string sso = cookie_value(cookies, kSsoCookie);
    const std::string user_id = sso_user(cookies);
    const User* u = user_id.empty() ? nullptr : find_user(user_id);
    if (u == nullptr) {
      return error_redirect(a.redirect_uri, "login_required", 50058,
                            "A silent sign-in request was sent but no user is signed in.", a.state);
    }
    return issue_code(a, *u, sso);
  }
  if (!a.login_hint.empty() && a.prompt != "select_account" && a.prompt != "login") {
    if (const User* u = find_user_by_login(a.login_hint); u != nullptr) {
      return issue_code(a, *u, "");
    }
  }
  return picker(tenant, query);
}

Reply Provider::picker(const std::string& tenant, const Params& p) const {
  std::string body =
      "<p>Pick an account (mock-entra-id: no password).</p>\n<form method=\"post\" "
      "action=\"/" +
      html_escape(tenant) + "/oauth2/v2.0/authorize/pick\">\n";
  for (const char* name : {"client_id", "redirect_uri", "response_type", "response_mode", "scope",
                           "state", "nonce", "code_challenge", "code_challenge_method"}) {
    const auto it = p.find(name);
    if (it == p.end()) continue;
    body += "<input type=\"hidden\" name=\"" + std::string(name) + "\" value=\"" +
            html_escape(it->second) + "\">\n";
  }
  for (const User& u : options_.users) {
    body += "<button type=\"submit\" name=\"user\" value=\"" + html_escape(u.id) + "\">" +
            html_escape(picker_label(u)) + "</button>\n";
  }
  body += "<button type=\"submit\" name=\"cancel\" value=\"1\">Cancel</button>\n</form>";
  return html_page(200, "Sign in to your account", body);
}

Reply Provider::pick(const std::string& tenant, const Params& form, const std::string& cookies) {
  AuthzRequest a;
  Reply error;
  if (!validate_authorize(tenant, form, a, error)) return error;
  if (!param(form, "cancel").empty()) {
    return error_redirect(a.redirect_uri, "access_denied", 65004,
                          "User declined to consent to access the app.", a.state);
  }
  const User* u = find_user(param(form, "user"));
  if (u == nullptr) return picker(tenant, form);
  return issue_code(a, *u, cookie_value(cookies, kSsoCookie));
}

Reply Provider::issue_code(const AuthzRequest& a, const User& user, const std::string& sso_in) {
  const std::string code = "1.mock." + random_token(48);
  std::string sso = sso_in;
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(codes_, [&](const auto& kv) { return kv.second.expires < now; });
    if (sso.empty() || !sso_sessions_.contains(sso)) sso = random_token(24);
    sso_sessions_[sso] = user.id;
    codes_[code] = Code{a.client_id, a.redirect_uri, a.challenge,         a.nonce, user.id,
                        a.scope,     sid_of(sso),    now + kCodeLifetime, false};
  }
  std::vector<std::pair<std::string, std::string>> q = {{"code", code}};
  if (!a.state.empty()) q.emplace_back("state", a.state);
  q.emplace_back("session_state", uuid_from("sso:" + sso));
  Reply r = redirect_to(with_query(a.redirect_uri, q));
  r.headers.emplace_back("Set-Cookie",
                         std::string(kSsoCookie) + "=" + sso + "; Path=/; HttpOnly; SameSite=Lax");
  return r;
}

std::string Provider::sso_user(const std::string& cookies) {
  const std::string sso = cookie_value(cookies, kSsoCookie);
  if (sso.empty()) return {};
  std::lock_guard lock(mutex_);
  const auto it = sso_sessions_.find(sso);
  return it == sso_sessions_.end() ? std::string() : it->second;
}

const User* Provider::find_user(const std::string& id) const {
  for (const auto& u : options_.users) {
    if (u.id == id) return &u;
  }
  return nullptr;
}

const User* Provider::find_user_by_login(const std::string& login) const {
  const std::string l = lower(login);
  for (const auto& u : options_.users) {
    if (lower(u.email) == l || u.id == login) return &u;
  }
  return nullptr;
}

// --- logout ------------------------------------------------------------------

Reply Provider::logout(const std::string& tenant, const Params& query, const std::string& cookies) {
  if (!known_tenant(tenant)) return unknown_tenant(tenant, true);
  const std::string target = param(query, "post_logout_redirect_uri");
  Reply r;
  const std::string origin = origin_of(target);
  const bool allowed =
      !origin.empty() && std::any_of(redirect_uris_.begin(), redirect_uris_.end(),
                                     [&](const std::string& u) { return origin_of(u) == origin; });
  std::string next;
  if (allowed) {
    const std::string state = param(query, "state");
    next = state.empty() ? target : with_query(target, {{"state", state}});
  }
  // Like Entra: the browser's SSO session ends, and every app signed in
  // through it is told so by its front-channel logout URL (?sid= only, no
  // iss), loaded in hidden iframes before the browser moves on.
  std::string sid;
  {
    std::lock_guard lock(mutex_);
    const std::string sso = cookie_value(cookies, kSsoCookie);
    if (!sso.empty() && sso_sessions_.erase(sso) == 1) sid = sid_of(sso);
  }
  if (!sid.empty() && !frontchannel_logout_uris_.empty()) {
    std::string frames;
    for (const auto& uri : frontchannel_logout_uris_) {
      frames += "<iframe hidden class=\"fcl\" src=\"" +
                html_escape(with_query(uri, {{"sid", sid}})) + "\"></iframe>\n";
    }
    r = html_page(
        200, "You signed out of your account",
        "<p>Signing you out of your applications…</p>\n" + frames +
            (next.empty() ? std::string()
                          : "<a id=\"next\" href=\"" + html_escape(next) + "\">Continue</a>\n"));
    // The page waits for the iframes, then continues (inline script, as
    // Entra's page does; the mock's own CSP allows just that).
    r.headers.erase(
        std::remove_if(r.headers.begin(), r.headers.end(),
                       [](const auto& h) { return h.first == "Content-Security-Policy"; }),
        r.headers.end());
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'; script-src "
                           "'unsafe-inline'; frame-src *; frame-ancestors 'none'");
    if (!next.empty()) {
      r.body.insert(
          r.body.rfind("</body>"),
          "<script>(function(){var f=document.querySelectorAll('iframe.fcl'),n=f.length;"
          "function go(){location.replace(document.getElementById('next').href)}"
          "f.forEach(function(x){x.addEventListener('load',function(){if(--n===0)go()})});"
          "setTimeout(go,5000)})();</script>\n");
    }
  } else if (!next.empty()) {
    r = redirect_to(next);
  } else {
    r = html_page(200, "You signed out of your account",
                  "<p>It's a good idea to close all browser windows.</p>");
  }
  r.headers.emplace_back("Set-Cookie",
                         std::string(kSsoCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
  return r;
}

// --- token -------------------------------------------------------------------

Reply Provider::token(const std::string& tenant, const Params& form,
                      const std::string& authorization) {
  ++token_requests_;
  const std::string grant = param(form, "grant_type");
  if (grant == "authorization_code") ++authorization_code_requests_;
  if (grant == "client_credentials") ++client_credentials_requests_;
  if (const auto b = behaviour_section("token_endpoint");
      b.contains("status") || b.contains("body")) {
    Reply r;
    r.status = static_cast<int>(int_or(b, "status", 200));
    r.body = string_or(b, "body", "");
    r.content_type = string_or(b, "content_type", "application/json; charset=utf-8");
    return r;
  }
  if (!known_tenant(tenant)) return unknown_tenant(tenant, false);

  std::string client_id = param(form, "client_id");
  std::string secret = param(form, "client_secret");
  // client_secret_basic (RFC 6749 2.3.1): base64(urlencode(id) ":" urlencode(secret)).
  if (authorization.rfind("Basic ", 0) == 0) {
    std::string b64 = authorization.substr(6);
    std::replace(b64.begin(), b64.end(), '+', '-');
    std::replace(b64.begin(), b64.end(), '/', '_');
    b64.erase(std::remove(b64.begin(), b64.end(), '='), b64.end());
    std::string decoded;
    const auto colon = base64url_decode(b64, decoded) ? decoded.find(':') : std::string::npos;
    if (colon == std::string::npos) {
      return aad_error(401, "invalid_client", 7000216,
                       "'client_assertion', 'client_secret' or 'request' is required for the "
                       "'client_credentials' grant type.");
    }
    client_id = decoded.substr(0, colon);
    secret = decoded.substr(colon + 1);
  }
  if (grant.empty()) {
    return aad_error(400, "invalid_request", 900144,
                     "The request body must contain the following parameter: 'grant_type'.");
  }
  if (client_id.empty()) {
    return aad_error(400, "invalid_request", 900144,
                     "The request body must contain the following parameter: 'client_id'.");
  }
  if (grant == "authorization_code") return token_authorization_code(form, client_id, secret);
  if (grant == "client_credentials") return token_client_credentials(form, client_id, secret);
  return aad_error(400, "unsupported_grant_type", 70003,
                   "The app requested an unsupported grant type '" + grant + "'.");
}

Reply Provider::token_authorization_code(const Params& form, const std::string& client_id,
                                         const std::string& secret) {
  if (client_id != options_.client_id) {
    return aad_error(
        400, "unauthorized_client", 700016,
        "Application with identifier '" + client_id + "' was not found in the directory.");
  }
  const std::string assertion_type = param(form, "client_assertion_type");
  const std::string assertion = param(form, "client_assertion");
  if (!assertion_type.empty() || !assertion.empty()) {
    if (!secret.empty()) {
      return aad_error(401, "invalid_client", 7000218,
                       "Only one client authentication method may be used.");
    }
    if (auto refused = check_client_assertion(assertion_type, assertion)) return *refused;
  } else if (secret.empty()) {
    return aad_error(401, "invalid_client", 7000218,
                     "The request body must contain the following parameter: "
                     "'client_assertion' or 'client_secret'.");
  } else if (!same_secret(secret, options_.client_secret)) {
    return aad_error(401, "invalid_client", 7000215,
                     "Invalid client secret provided. Ensure the secret being sent in the "
                     "request is the client secret value, not the client secret ID, for a "
                     "secret added to app '" +
                         client_id + "'.");
  }
  const std::string code_value = param(form, "code");
  if (code_value.empty()) {
    return aad_error(400, "invalid_request", 900144,
                     "The request body must contain the following parameter: 'code'.");
  }
  Code code;
  {
    std::lock_guard lock(mutex_);
    const auto it = codes_.find(code_value);
    if (it == codes_.end() || it->second.expires < std::chrono::steady_clock::now()) {
      return aad_error(400, "invalid_grant", 70008,
                       "The provided authorization code or refresh token has expired due to "
                       "inactivity. Send a new interactive authorization request for this user "
                       "and resource.");
    }
    if (it->second.used) {
      return aad_error(400, "invalid_grant", 54005,
                       "OAuth2 Authorization code was already redeemed, please retry with a new "
                       "valid code or use an existing refresh token.");
    }
    // Any redemption attempt by the right client consumes the code (RFC 6749 4.1.2).
    if (it->second.client_id == client_id) it->second.used = true;
    code = it->second;
  }
  if (code.client_id != client_id) {
    return aad_error(400, "invalid_grant", 700005,
                     "Provided Authorization Code is intended to use against other "
                     "tenant/application.");
  }
  if (param(form, "redirect_uri") != code.redirect_uri) {
    return aad_error(400, "invalid_grant", 500112,
                     "The reply address '" + param(form, "redirect_uri") +
                         "' does not match the reply address '" + code.redirect_uri +
                         "' provided when requesting Authorization code.");
  }
  const std::string verifier = param(form, "code_verifier");
  if (verifier.empty()) {
    return aad_error(400, "invalid_request", 900144,
                     "The request body must contain the following parameter: 'code_verifier'.");
  }
  // RFC 7636 4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge.
  if (base64url_encode(sha256(verifier)) != code.challenge) {
    return aad_error(400, "invalid_grant", 501481,
                     "The Code_Verifier does not match the code_challenge supplied in the "
                     "authorization request.");
  }
  const User* user = find_user(code.user_id);
  if (user == nullptr) {
    return aad_error(400, "invalid_grant", 50034, "The user account does not exist.");
  }
  json::object o;
  o["token_type"] = "Bearer";
  o["scope"] = "openid profile email";
  o["expires_in"] = 3599;
  o["ext_expires_in"] = 3599;
  o["access_token"] = mint_user_access_token(*user, client_id, code.scope);
  const json::object knobs = behaviour_section("token_endpoint");
  const auto* omit = knobs.if_contains("omit_id_token");
  if (omit == nullptr || !omit->is_bool() || !omit->as_bool()) {
    o["id_token"] = mint_id_token(*user, client_id, code.nonce, code.sid);
  }
  return json_reply(200, o);
}

std::string Provider::mint_id_token(const User& user, const std::string& client_id,
                                    const std::string& nonce, const std::string& sid) {
  const json::object b = behaviour_section("id_token");
  const Keys k = keys();
  const std::int64_t now = now_seconds();
  json::object c;
  c["ver"] = "2.0";
  c["iss"] = issuer_for(user.tid);
  // Pairwise subject: stable per user and application, like Entra's.
  c["sub"] = base64url_encode(sha256("sub:" + user.oid + ":" + client_id)).substr(0, 43);
  c["aud"] = client_id;
  c["exp"] = now + kIdTokenLifetime;
  c["iat"] = now;
  c["nbf"] = now;
  c["name"] = user.name;
  c["preferred_username"] = user.email;
  c["email"] = user.email;
  c["oid"] = user.oid;
  c["tid"] = user.tid;
  c["nonce"] = nonce;
  if (!user.roles.empty()) c["roles"] = roles_array(user.roles);
  if (!sid.empty()) c["sid"] = sid;  // Entra's optional ID-token claim
  c["aio"] = random_token(48);
  c["uti"] = random_token(16);

  if (const auto* aud = b.if_contains("aud")) c["aud"] = *aud;
  if (const auto* iss = b.if_contains("iss")) c["iss"] = *iss;
  if (const auto* tid = b.if_contains("tid")) c["tid"] = *tid;
  if (b.contains("exp_offset")) c["exp"] = now + int_or(b, "exp_offset", 0);
  if (b.contains("nbf_offset")) c["nbf"] = now + int_or(b, "nbf_offset", 0);
  if (b.contains("iat_offset")) c["iat"] = now + int_or(b, "iat_offset", 0);
  if (const auto* n = b.if_contains("nonce")) {
    if (n->is_null()) {
      c.erase("nonce");
    } else {
      c["nonce"] = *n;
    }
  }
  if (const auto* omit = b.if_contains("omit"); omit != nullptr && omit->is_array()) {
    for (const auto& name : omit->as_array()) {
      if (name.is_string()) c.erase(name.as_string());
    }
  }
  if (const auto* extra = b.if_contains("claims"); extra != nullptr && extra->is_object()) {
    for (const auto& [key, value] : extra->as_object()) c[key] = value;
  }

  const bool next = string_or(b, "sign_with", "") == "next";
  const RsaKey& key = next ? *k.next : *k.signing;
  json::object h;
  h["typ"] = "JWT";
  h["alg"] = string_or(b, "alg", "RS256");
  h["kid"] = key.kid();
  if (const auto* kid = b.if_contains("kid")) {
    if (kid->is_null()) {
      h.erase("kid");
    } else {
      h["kid"] = *kid;
    }
  }
  if (const auto* extra = b.if_contains("extra_header"); extra != nullptr && extra->is_object()) {
    for (const auto& [name, value] : extra->as_object()) h[name] = value;
  }
  // HS256 keyed with the published RSA public key (PEM): the algorithm-confusion attack.
  return sign_jwt(h, c, key, key.public_pem());
}

std::string Provider::mint_user_access_token(const User& user, const std::string& client_id,
                                             const std::string& scope) {
  const Keys k = keys();
  const std::int64_t now = now_seconds();
  json::object c;
  // A scope "api://<app>/<name>" asks for a token to that API (delegated,
  // as a client calling Parley's /v1 for its user): aud is the API's
  // client id, as v2 tokens carry it, and scp its scope names. Otherwise
  // Entra answers the OIDC scopes with a Microsoft Graph token.
  std::string audience = "00000003-0000-0000-c000-000000000000";
  std::string api_scopes;
  std::istringstream words(scope);
  for (std::string s; words >> s;) {
    if (!s.starts_with("api://")) continue;
    const std::string rest = s.substr(6);
    const auto slash = rest.rfind('/');
    if (slash == std::string::npos || slash == 0) continue;
    audience = rest.substr(0, slash);
    if (!api_scopes.empty()) api_scopes += ' ';
    api_scopes += rest.substr(slash + 1);
  }
  c["aud"] = audience;
  c["iss"] = issuer_for(user.tid);
  c["iat"] = now;
  c["nbf"] = now;
  c["exp"] = now + 3599;
  c["azp"] = client_id;
  c["azpacr"] = "1";
  c["name"] = user.name;
  c["oid"] = user.oid;
  c["preferred_username"] = user.email;
  c["scp"] = !api_scopes.empty() ? api_scopes : scope.empty() ? "openid profile email" : scope;
  c["sub"] = base64url_encode(sha256("sub:" + user.oid + ":" + client_id)).substr(0, 43);
  c["tid"] = user.tid;
  c["uti"] = random_token(16);
  c["ver"] = "2.0";
  json::object h{{"typ", "JWT"}, {"alg", "RS256"}, {"kid", k.signing->kid()}};
  return sign_jwt(h, c, *k.signing);
}

// A federated credential (RFC 7523 jwt-bearer): signed by the mock's keys,
// issued by its federation issuer for api://AzureADTokenExchange, in time.
std::optional<Reply> Provider::check_client_assertion(const std::string& assertion_type,
                                                      const std::string& assertion) const {
  if (assertion_type != kJwtBearer) {
    return aad_error(400, "invalid_request", 700023,
                     "Invalid client assertion type: '" + assertion_type + "'.");
  }
  const auto jwt = parse_jwt(assertion);
  if (!jwt) {
    return aad_error(400, "invalid_client", 50027, "JWT token is invalid or malformed.");
  }
  const Keys k = keys();
  const std::string kid = string_or(jwt->header, "kid", "");
  const RsaKey* key = nullptr;
  for (const auto& candidate : {k.signing, k.spare}) {
    if (candidate->kid() == kid) key = candidate.get();
  }
  if (string_or(jwt->header, "alg", "") != "RS256" || key == nullptr ||
      !key->verify_rs256(jwt->signing_input, jwt->signature)) {
    return aad_error(400, "invalid_client", 700027,
                     "Client assertion failed signature validation.");
  }
  const std::string iss = string_or(jwt->payload, "iss", "");
  if (iss != federation_issuer()) {
    return aad_error(400, "invalid_client", 700211,
                     "No matching federated identity record found for presented assertion "
                     "issuer '" +
                         iss + "'.");
  }
  bool aud_ok = false;
  if (const auto* aud = jwt->payload.if_contains("aud")) {
    if (aud->is_string()) aud_ok = aud->as_string() == kExchangeAudience;
    if (aud->is_array()) {
      for (const auto& a : aud->as_array()) aud_ok = aud_ok || a == kExchangeAudience;
    }
  }
  if (!aud_ok) {
    return aad_error(400, "invalid_client", 700212,
                     "No matching federated identity record found for presented assertion "
                     "audience.");
  }
  const std::int64_t now = now_seconds();
  const std::int64_t exp = int_or(jwt->payload, "exp", 0);
  const std::int64_t nbf = int_or(jwt->payload, "nbf", 0);
  if (exp <= now || nbf > now) {
    return aad_error(400, "invalid_client", 700024,
                     "Client assertion is not within its valid time range.");
  }
  return std::nullopt;
}

Reply Provider::token_client_credentials(const Params& form, const std::string& client_id,
                                         const std::string& secret) {
  const std::string scope = param(form, "scope");
  if (scope.empty()) {
    return aad_error(400, "invalid_request", 900144,
                     "The request body must contain the following parameter: 'scope'.");
  }
  const std::string suffix = "/.default";
  if (scope.size() <= suffix.size() || scope.find(' ') != std::string::npos ||
      scope.compare(scope.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return aad_error(400, "invalid_scope", 1002012,
                     "The provided value for scope " + scope +
                         " is not valid. Client credential flows must have a scope value with "
                         "/.default suffixed to the resource identifier (application ID URI).");
  }
  std::vector<std::string> roles;
  const App* app = nullptr;
  for (const auto& a : options_.apps) {
    if (a.client_id == client_id) app = &a;
  }
  if (app != nullptr) roles = app->roles;
  std::string acr = "1";

  const std::string assertion_type = param(form, "client_assertion_type");
  const std::string assertion = param(form, "client_assertion");
  if (!assertion_type.empty() || !assertion.empty()) {
    acr = "2";
    if (auto refused = check_client_assertion(assertion_type, assertion)) return *refused;
  } else {
    const std::string* expected = nullptr;
    if (client_id == options_.client_id) expected = &options_.client_secret;
    if (app != nullptr) expected = &app->secret;
    if (expected == nullptr) {
      return aad_error(
          400, "unauthorized_client", 700016,
          "Application with identifier '" + client_id + "' was not found in the directory.");
    }
    if (secret.empty()) {
      return aad_error(401, "invalid_client", 7000218,
                       "The request body must contain the following parameter: "
                       "'client_assertion' or 'client_secret'.");
    }
    if (!same_secret(secret, *expected)) {
      return aad_error(401, "invalid_client", 7000215,
                       "Invalid client secret provided. Ensure the secret being sent in the "
                       "request is the client secret value, not the client secret ID, for a "
                       "secret added to app '" +
                           client_id + "'.");
    }
  }

  std::int64_t lifetime = options_.access_token_lifetime;
  {
    std::lock_guard lock(mutex_);
    lifetime = int_or(behaviour_, "access_token_expires_in", lifetime);
  }
  const Keys k = keys();
  const std::int64_t now = now_seconds();
  const std::string oid = uuid_from("app:" + client_id);
  json::object c;
  c["aud"] = scope.substr(0, scope.size() - suffix.size());
  c["iss"] = issuer_for(options_.tenant);
  c["iat"] = now;
  c["nbf"] = now;
  c["exp"] = now + lifetime;
  c["aio"] = random_token(32);
  c["azp"] = client_id;
  c["azpacr"] = acr;
  c["appid"] = client_id;
  c["appidacr"] = acr;
  c["idtyp"] = "app";
  c["oid"] = oid;
  c["rh"] = "0.mock.";
  if (!roles.empty()) c["roles"] = roles_array(roles);
  c["sub"] = oid;
  c["tid"] = options_.tenant;
  c["uti"] = random_token(16);
  c["ver"] = "2.0";
  json::object h{{"typ", "JWT"}, {"alg", "RS256"}, {"kid", k.signing->kid()}};
  json::object o;
  o["token_type"] = "Bearer";
  o["expires_in"] = lifetime;
  o["ext_expires_in"] = lifetime;
  o["access_token"] = sign_jwt(h, c, *k.signing);
  return json_reply(200, o);
}

// --- control -----------------------------------------------------------------

Reply Provider::set_behaviour(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body.empty() ? std::string("{}") : body, ec);
  if (ec || !v.is_object()) {
    return json_reply(400, json::object{{"error", "body must be a JSON object"}});
  }
  std::lock_guard lock(mutex_);
  // One level deep: {"id_token":{"aud":..}} then {"id_token":{"nonce":..}} keeps both.
  for (auto& [key, value] : v.as_object()) {
    if (value.is_null()) {
      behaviour_.erase(key);
    } else if (value.is_object() && behaviour_.contains(key) && behaviour_.at(key).is_object()) {
      for (auto& [k2, v2] : value.as_object()) behaviour_.at(key).as_object()[k2] = v2;
    } else {
      behaviour_[key] = value;
    }
  }
  return json_reply(200, behaviour_);
}

Reply Provider::get_behaviour() {
  std::lock_guard lock(mutex_);
  return json_reply(200, behaviour_);
}

Reply Provider::reset() {
  std::lock_guard lock(mutex_);
  behaviour_.clear();
  return json_reply(200, json::object{});
}

Reply Provider::rotate_keys() {
  auto pending = std::async(std::launch::async, &RsaKey::generate);
  auto fresh_next = RsaKey::generate();
  auto fresh_spare = pending.get();
  std::lock_guard lock(mutex_);
  keys_.signing = keys_.next;
  keys_.next = fresh_next;
  keys_.spare = fresh_spare;
  return json_reply(200, json::object{{"kid", keys_.signing->kid()}});
}

Reply Provider::federated_token(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body.empty() ? std::string("{}") : body, ec);
  if (ec || !v.is_object()) {
    return json_reply(400, json::object{{"error", "body must be a JSON object"}});
  }
  const auto& b = v.as_object();
  const Keys k = keys();
  const std::int64_t now = now_seconds();
  json::object c;
  c["aud"] = json::array{string_or(b, "aud", kExchangeAudience)};
  c["exp"] = now + int_or(b, "exp_offset", 3600);
  c["iat"] = now + int_or(b, "iat_offset", 0);
  c["nbf"] = now + int_or(b, "nbf_offset", 0);
  c["iss"] = string_or(b, "iss", federation_issuer());
  c["sub"] = string_or(b, "sub", "system:serviceaccount:default:default");
  const bool next = string_or(b, "sign_with", "") == "next";
  const RsaKey& key = next ? *k.next : *k.signing;
  json::object h{{"alg", "RS256"}, {"kid", key.kid()}};
  return json_reply(200, json::object{{"token", sign_jwt(h, c, key)}});
}

Reply Provider::stats() {
  json::object o;
  o["token_requests"] = token_requests_.load();
  o["client_credentials_requests"] = client_credentials_requests_.load();
  o["authorization_code_requests"] = authorization_code_requests_.load();
  o["jwks_requests"] = jwks_requests_.load();
  o["discovery_requests"] = discovery_requests_.load();
  o["authorize_requests"] = authorize_requests_.load();
  return json_reply(200, o);
}

Reply Provider::reset_stats() {
  token_requests_ = 0;
  client_credentials_requests_ = 0;
  authorization_code_requests_ = 0;
  jwks_requests_ = 0;
  discovery_requests_ = 0;
  authorize_requests_ = 0;
  return stats();
}

}  // namespace mock_entra
