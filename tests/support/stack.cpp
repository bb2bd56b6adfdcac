#include "support/stack.hpp"

#include <httplib.h>

#include <stdexcept>

namespace parley::testing {

std::string parley_binary() { return binary_dir() + "/src/app/parley"; }
std::string mock_entra_binary() { return binary_dir() + "/tools/mock_entra_id/mock-entra-id"; }

std::map<std::string, std::string> parley_env(const std::string& database_url,
                                              const std::string& issuer, int port) {
  return {
      {"PORT", std::to_string(port)},
      {"HOSTNAME", "127.0.0.1"},
      {"DATABASE_URL", database_url},
      {"AUTH_SECRET", kAuthSecret},
      {"AUTH_URL", "http://127.0.0.1:" + std::to_string(port)},
      {"AUTH_MICROSOFT_ENTRA_ID_ID", kClientId},
      {"AUTH_MICROSOFT_ENTRA_ID_SECRET", kClientSecret},
      {"AUTH_MICROSOFT_ENTRA_ID_ISSUER", issuer},
      {"AZURE_OPENAI_ENDPOINT", "http://127.0.0.1:9"},
      {"AZURE_OPENAI_DEPLOYMENT", "test-deployment"},
      {"AZURE_OPENAI_API_KEY", "test-key"},
      {"LOG_LEVEL", "info"},
      // Many tests share one process and fail sign-ins on purpose from
      // 127.0.0.1; the flood test runs its own replica with the default.
      {"AUTH_CALLBACK_FAILURES_PER_MINUTE", "1000000"},
  };
}

CommandResult run_parley_command(const std::vector<std::string>& args,
                                 std::map<std::string, std::string> env,
                                 std::chrono::milliseconds timeout) {
  ChildProcess::Options o;
  o.argv = {parley_binary()};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.env = std::move(env);
  ChildProcess p(o);
  const bool finished = eventually([&] { return !p.running(); }, timeout);
  const int status = p.terminate();
  return CommandResult{finished ? status : -1, p.output()};
}

MockEntra::MockEntra(const std::vector<std::string>& redirect_uris,
                     const std::string& users_file, const std::vector<std::string>& extra_args) {
  port_ = free_port();
  ChildProcess::Options o;
  o.argv = {mock_entra_binary(), "--port", std::to_string(port_), "--tenant", kTenant,
            "--client-id", kClientId, "--client-secret", kClientSecret};
  for (const auto& uri : redirect_uris) {
    o.argv.push_back("--redirect-uri");
    o.argv.push_back(uri);
  }
  if (!users_file.empty()) {
    o.argv.push_back("--users");
    o.argv.push_back(users_file);
  }
  o.argv.insert(o.argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<ChildProcess>(o);
  // Generous: an ASan build on a loaded machine needs more than 10 s.
  if (!process_->wait_for_output("listening on", std::chrono::seconds(60))) {
    throw std::runtime_error("mock-entra-id did not start: " + process_->output());
  }
}

std::string MockEntra::issuer() const { return base() + "/" + kTenant + "/v2.0"; }

int MockEntra::control(const std::string& path, const std::string& json) {
  httplib::Client c("127.0.0.1", port_);
  auto r = c.Post(path, json, "application/json");
  return r ? r->status : 0;
}

std::string MockEntra::get(const std::string& path) {
  httplib::Client c("127.0.0.1", port_);
  auto r = c.Get(path);
  return r ? r->body : std::string();
}

Parley::Parley(ParleyOptions options) {
  port_ = options.port != 0 ? options.port : free_port();
  ChildProcess::Options o;
  o.argv = {parley_binary(), "serve"};
  o.env = parley_env(options.database_url, options.issuer, port_);
  for (const auto& [k, v] : options.env) {
    if (v.empty()) {
      o.env.erase(k);
    } else {
      o.env[k] = v;
    }
  }
  process_ = std::make_unique<ChildProcess>(o);
  if (!wait_http_status(port_, "/healthz", 200, std::chrono::seconds(60))) {
    throw std::runtime_error("parley did not start: " + process_->output());
  }
}

}  // namespace parley::testing
