// AZURE_OPENAI_AUTH=azure-cli end to end: a stand-in `az` script first on
// parley's PATH hands out app tokens from mock-entra-id (so mock-azure-openai,
// which accepts nothing but bearer tokens from it, checks them), counts its
// runs in a file and can fail like an `az` that is not logged in.

#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "integration/chat_fixture.hpp"
#include "integration/credential_suite.hpp"

namespace parley::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int kParleyPorts = 4;

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The directory put first on parley's PATH, holding the stand-in `az`: it
// records its arguments, counts its runs, and prints answer.json, or fails
// with stderr.txt as its stderr when that file exists.
class StandInAz {
 public:
  StandInAz() : dir_(fs::temp_directory_path() / ("parley-az-e2e-" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const fs::path az = dir_ / "az";
    std::ofstream(az)
        << "#!/bin/sh\n"
           "d=$(dirname \"$0\")\n"
           "n=$(cat \"$d/count\" 2>/dev/null || echo 0); echo $((n + 1)) > \"$d/count\"\n"
           "echo \"$@\" > \"$d/args\"\n"
           "if [ -f \"$d/stderr.txt\" ]; then cat \"$d/stderr.txt\" >&2; exit 1; fi\n"
           "cat \"$d/answer.json\"\n";
    ::chmod(az.c_str(), 0755);
  }
  ~StandInAz() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path_variable() const {
    const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): test set-up
    return dir_.string() + ":" + (path ? path : "/usr/bin:/bin");
  }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream(dir_ / name, std::ios::trunc) << content;
  }
  std::string read(const std::string& name) const {
    std::ifstream in(dir_ / name);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }
  int runs() const {
    const std::string n = read("count");
    return n.empty() ? 0 : std::stoi(n);
  }

 private:
  fs::path dir_;
};

class AzureCli : public CredentialSuite<AzureCli, kParleyPorts> {
 protected:
  // A token for Azure OpenAI from mock-entra-id, as `az` would get one from Entra.
  static std::string app_token() {
    httplib::Client entra("127.0.0.1", idp_->port());
    auto r = entra.Post(std::string("/") + kTenant + "/oauth2/v2.0/token",
                        std::string("grant_type=client_credentials&client_id=") + kClientId +
                            "&client_secret=" + kClientSecret +
                            "&scope=https%3A%2F%2Fcognitiveservices.azure.com%2F.default",
                        "application/x-www-form-urlencoded");
    if (!r || r->status != 200) return "no-token";
    return std::string(json::parse(r->body).at("access_token").as_string());
  }

  std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
    extra["AZURE_OPENAI_AUTH"] = "azure-cli";
    extra["AZURE_OPENAI_ENDPOINT"] = aoai_->base();  // also for doctor
    extra["AZURE_OPENAI_API_KEY"] = "";              // "": unset
    extra["PATH"] = az.path_variable();
    return extra;
  }
  std::unique_ptr<Parley> start_parley(std::map<std::string, std::string> extra = {}) {
    return start_parley_with(env(std::move(extra)));
  }

  StandInAz az;
};

TEST_F(AzureCli, TheTokenOfAzReachesTheModelAndIsCached) {
  const std::string token = app_token();
  az.write("answer.json", R"({"accessToken":")" + token + R"(","expires_on":)" +
                              std::to_string(now_seconds() + 3599) +
                              R"(,"subscription":"sub","tenant":")" + kTenant +
                              R"(","tokenType":"Bearer"})");
  auto parley = start_parley();
  ASSERT_TRUE(parley->process().wait_for_output("\"llm.configured\"", 5s));
  EXPECT_NE(parley->log().find(R"("credential":"azure-cli (az account get-access-token)"),
            std::string::npos)
      << parley->log();
  EXPECT_EQ(az.runs(), 0) << "no token before a message";

  ChatClient c = chat::sign_in(parley->port(), "ada@example.com");
  for (const char* message : {"First with az", "Second with az"}) {
    const StreamResult r = ask(c, message);
    EXPECT_EQ(outcome(r), "done complete") << r.body << parley->log();
  }
  EXPECT_EQ(az.runs(), 1) << "the token is cached";
  EXPECT_EQ(
      az.read("args"),
      "account get-access-token --resource https://cognitiveservices.azure.com --output json");
  EXPECT_EQ(aoai_stats().at("completed_streams"), 2);
  EXPECT_EQ(aoai_stats().at("last_request").at("headers").at("authorization"), "Bearer");
  EXPECT_EQ(parley->log().find(token), std::string::npos);

  // doctor names the credential and gets a token the same way.
  auto doctor_env = parley_env(database_url_, idp_->issuer(), 3999);
  for (const auto& [name, value] : env()) {
    if (value.empty()) {
      doctor_env.erase(name);
    } else {
      doctor_env[name] = value;
    }
  }
  const CommandResult d = run_parley_command({"doctor"}, doctor_env);
  EXPECT_NE(d.output.find("ok    azure_openai.credential  azure-cli (az account get-access-token"),
            std::string::npos)
      << d.output;
  EXPECT_NE(d.output.find("ok    azure_openai.token       obtained"), std::string::npos)
      << d.output;
  EXPECT_EQ(d.output.find(token), std::string::npos);
}

TEST_F(AzureCli, OlderAzLocalExpiryIsReadInTheLocalZoneAndRefreshedNearIt) {
  // Older az prints only expiresOn, in local time. Parley runs three hours
  // east of UTC (a POSIX TZ rule, no zone database needed); the token has
  // two minutes left, inside the five-minute refresh margin, so each
  // model call runs az again. Read as UTC it would look three hours valid.
  std::time_t expiry = static_cast<std::time_t>(now_seconds() + 120 + 3 * 3600);
  std::tm tm{};
  gmtime_r(&expiry, &tm);
  char local[64];
  std::strftime(local, sizeof local, "%Y-%m-%d %H:%M:%S.000000", &tm);
  az.write("answer.json", R"({"accessToken":")" + app_token() + R"(","expiresOn":")" + local +
                              R"(","tokenType":"Bearer"})");
  auto parley = start_parley({{"TZ", "XYZ-3"}});
  ChatClient c = chat::sign_in(parley->port(), "grace@example.com");
  for (const char* message : {"One", "Two"}) {
    const StreamResult r = ask(c, message);
    EXPECT_EQ(outcome(r), "done complete") << r.body << parley->log();
  }
  // Once per token asked for (answers and titles); read as UTC, once in all.
  EXPECT_GE(az.runs(), 2);
}

TEST_F(AzureCli, AnAzThatIsNotLoggedInFailsTheAnswerWithAShortReasonInTheLog) {
  az.write("stderr.txt",
           "ERROR: Please run 'az login' to setup account.\nTraceback (most recent call last):\n");
  auto parley = start_parley();
  ChatClient c = chat::sign_in(parley->port(), "heavy@example.com");
  const StreamResult r = ask(c, "Will this work?");
  EXPECT_EQ(outcome(r), "error upstream_unavailable") << r.body;
  EXPECT_EQ(aoai_stats().at("requests"), 0) << "no token, no model call";
  EXPECT_TRUE(parley->process().wait_for_output("\"llm.credential_failed\"", 5s)) << parley->log();
  const std::string log = parley->log();
  EXPECT_NE(log.find("exited with status 1: ERROR: Please run 'az login' to setup account.\""),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("Traceback"), std::string::npos) << "only the first line of stderr";
  EXPECT_EQ(r.body.find("az login"), std::string::npos) << "the reason is for the operator";
}

}  // namespace
}  // namespace parley::testing
