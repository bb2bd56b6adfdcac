#pragma once
// The processes of an end-to-end test: mock-entra-id and one or more parley
// servers on loopback, against a database URL (usually TempPostgres).

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace parley::testing {

inline constexpr const char* kTenant = "11111111-2222-3333-4444-555555555555";
inline constexpr const char* kClientId = "parley-test-client";
inline constexpr const char* kClientSecret = "parley-test-client-secret-value";
inline constexpr const char* kAuthSecret = "test-auth-secret-0123456789abcdefghijklmnopqrstuvwxyz";

class MockEntra {
 public:
  // `redirect_uris`: registered redirect URIs (the parley callbacks);
  // `extra_args` go to mock-entra-id as given (e.g. --app ID:SECRET:roles).
  MockEntra(const std::vector<std::string>& redirect_uris, const std::string& extra_users_file = "",
            const std::vector<std::string>& extra_args = {});
  int port() const { return port_; }
  std::string issuer() const;
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // POST a JSON body to a control endpoint; returns the HTTP status.
  int control(const std::string& path, const std::string& json = "{}");
  std::string get(const std::string& path);
  ChildProcess& process() { return *process_; }

 private:
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

struct ParleyOptions {
  int port = 0;  // 0: pick one
  std::string database_url;
  std::string issuer;
  std::map<std::string, std::string> env;  // extra / overriding variables
};

class Parley {
 public:
  explicit Parley(ParleyOptions options);
  int port() const { return port_; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  ChildProcess& process() { return *process_; }
  std::string log() const { return process_->output(); }
  static std::string callback_uri(
      int port, const std::string& path = "/api/auth/callback/microsoft-entra-id") {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }

 private:
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// The environment of a parley on loopback `port` (AUTH_URL, PORT...) against
// `database_url` and the mock issuer; AZURE_OPENAI_ENDPOINT is a closed port
// until a test points it at a mock.
std::map<std::string, std::string> parley_env(const std::string& database_url,
                                              const std::string& issuer, int port);

// `parley <args...>` run to completion (doctor, migrate, version...).
struct CommandResult {
  int status = -1;     // exit status; -1 when it had to be killed
  std::string output;  // stdout and stderr
};
CommandResult run_parley_command(const std::vector<std::string>& args,
                                 std::map<std::string, std::string> env,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(30));

std::string parley_binary();
std::string mock_entra_binary();

}  // namespace parley::testing
