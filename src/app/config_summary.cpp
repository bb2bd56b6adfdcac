#include "app/config_summary.hpp"

#include <openssl/evp.h>

#include <boost/json/array.hpp>
#include <boost/url/parse.hpp>

#include "db/audit_chain.hpp"

namespace parley::app {

namespace json = boost::json;

namespace {

json::value redacted(const Secret& s) {
  if (s.empty()) return nullptr;
  return "[redacted]";
}

json::value text_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return json::string(s);
}

// user, host, port, database and sslmode; never the password or other
// parameters (sslpassword, passfile contents...).
json::object database_summary(const Secret& url) {
  json::object o;
  auto parsed = boost::urls::parse_uri(url.expose());
  if (!parsed) {
    o["url"] = "[unparsable]";
    return o;
  }
  o["host"] = std::string(parsed->host());
  o["port"] = parsed->has_port() ? json::value(parsed->port_number()) : json::value(nullptr);
  std::string database(parsed->path());
  if (!database.empty() && database.front() == '/') database.erase(0, 1);
  o["database"] = database;
  o["user"] = parsed->has_userinfo() ? json::value(std::string(parsed->user())) : nullptr;
  o["password"] = parsed->has_password() ? json::value("[redacted]") : nullptr;
  json::value sslmode = nullptr;
  for (auto param : parsed->params()) {
    if (param.key == "sslmode") sslmode = json::string(param.value);
  }
  o["sslmode"] = std::move(sslmode);
  return o;
}

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  return db::to_hex(std::string_view(reinterpret_cast<const char*>(digest), len));
}

std::string_view level_name(log::Level level) {
  switch (level) {
    case log::Level::debug:
      return "debug";
    case log::Level::info:
      return "info";
    case log::Level::warn:
      return "warn";
    case log::Level::error:
      return "error";
  }
  return "info";
}

}  // namespace

json::object config_summary(const config::Config& c, std::string_view version,
                            std::string_view instance_id) {
  json::array tenants;
  for (const auto& t : c.entra.allowed_tenants) tenants.emplace_back(t);
  const auto& a = c.azure;
  json::object o{
      {"version", version},
      {"instance", instance_id},
      {"listen", json::object{{"host", c.host}, {"port", c.port}}},
      {"database", database_summary(c.database_url)},
      {"auth", json::object{{"url", c.auth_url.text},
                            {"trust_host", c.trust_host},
                            {"secrets", json::object{{"count", c.auth_secrets.size()},
                                                     {"values", "[redacted]"}}},
                            {"session_max_age", c.session_max_age},
                            {"session_absolute_max_age", c.session_absolute_max_age},
                            {"callback_failures_per_minute", c.callback_failures_per_minute},
                            {"silent_sso", c.silent_sso}}},
      {"entra", json::object{{"client_id", c.entra.client_id},
                             {"client_secret", redacted(c.entra.client_secret)},
                             {"issuer", c.entra.issuer},
                             {"allowed_tenants", std::move(tenants)}}},
      {"azure_openai", json::object{{"endpoint", a.endpoint},
                                    {"deployment", a.deployment},
                                    {"api_version", a.api_version},
                                    {"credential", config::to_string(a.auth)},
                                    {"api_key", redacted(a.api_key)},
                                    {"tenant_id", text_or_null(a.tenant_id)},
                                    {"client_id", text_or_null(a.client_id)},
                                    {"client_secret", redacted(a.client_secret)},
                                    {"federated_token_file", text_or_null(a.federated_token_file)},
                                    {"authority_host", a.authority_host},
                                    {"identity_endpoint", text_or_null(a.identity_endpoint)},
                                    {"identity_header", redacted(a.identity_header)}}},
      {"admin_role", c.admin_role},
      // The prompt is not a secret but may be long: its size and digest
      // show when it changed.
      {"system_prompt", c.system_prompt.empty()
                            ? json::value(nullptr)
                            : json::value(json::object{{"chars", c.system_prompt.size()},
                                                       {"sha256", sha256_hex(c.system_prompt)}})},
      {"history_max_chars", c.history_max_chars},
      {"log_level", level_name(c.log_level)},
  };
  return o;
}

}  // namespace parley::app
