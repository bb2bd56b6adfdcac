// AZURE_OPENAI_AUTH=azure-cli below the server: parsing az's answer (both
// expiry formats), running a program (output, status, stderr, not found,
// timeout) and the source behind the token cache, with a stand-in `az`
// script in a temporary directory.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/clock.hpp"
#include "llm/credential.hpp"
#include "llm/subprocess.hpp"
#include "support/run_coroutine.hpp"

namespace parley::llm {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::parley::testing::run_on;

constexpr std::int64_t kNow = 1'700'000'000;

std::optional<std::int64_t> as_utc(std::tm tm) { return static_cast<std::int64_t>(timegm(&tm)); }

TEST(AzureCliToken, ReadsTheEpochExpiryOfNewerAz) {
  auto t = parse_azure_cli_token(
      R"({"accessToken":"tok-1","expiresOn":"2023-11-14 23:13:20.000000","expires_on":1700003600,)"
      R"("subscription":"s","tenant":"t","tokenType":"Bearer"})",
      &as_utc);
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(t->token.expose(), "tok-1");
  EXPECT_EQ(t->expires_on, 1700003600);  // preferred over expiresOn
  auto s = parse_azure_cli_token(R"({"accessToken":"tok-2","expires_on":"1700003600"})");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->expires_on, 1700003600);
}

TEST(AzureCliToken, ReadsTheLocalTimeExpiryOfOlderAz) {
  auto t = parse_azure_cli_token(
      R"({"accessToken":"tok","expiresOn":"2023-11-14 23:13:20.123456","tokenType":"Bearer"})",
      &as_utc);
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(t->expires_on, 1700003600);
  auto without_fraction =
      parse_azure_cli_token(R"({"accessToken":"tok","expiresOn":"2023-11-14 23:13:20"})", &as_utc);
  ASSERT_TRUE(without_fraction);
  EXPECT_EQ(without_fraction->expires_on, 1700003600);
}

TEST(AzureCliToken, RefusesAnswersWithoutTokenOrExpiryWithoutEchoingThem) {
  for (const char* bad :
       {"", "not json", "[]", R"({"expires_on":1700003600})",
        R"({"accessToken":"","expires_on":1700003600})", R"({"accessToken":"secret-tok"})",
        R"({"accessToken":"secret-tok","expiresOn":"tomorrow"})",
        R"({"accessToken":"secret-tok","expires_on":-5})"}) {
    auto t = parse_azure_cli_token(bad, &as_utc);
    ASSERT_FALSE(t) << bad;
    EXPECT_EQ(t.error().code, "llm.credential");
    EXPECT_TRUE(t.error().detail.starts_with("azure-cli: ")) << t.error().detail;
    EXPECT_EQ(t.error().detail.find("secret-tok"), std::string::npos);
  }
}

// A temporary directory with executable scripts; removed at the end.
class ScriptDir {
 public:
  ScriptDir()
      : path_(fs::temp_directory_path() /
              ("parley-az-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
    fs::create_directories(path_);
  }
  ~ScriptDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string script(const std::string& name, const std::string& body) const {
    const fs::path p = path_ / name;
    std::ofstream(p) << "#!/bin/sh\n" << body;
    ::chmod(p.c_str(), 0755);
    return p.string();
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string read(const std::string& name) const {
    std::ifstream in(path_ / name);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ / name) << content;
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(RunProcess, CapturesOutputStatusAndStderr) {
  ScriptDir dir;
  const auto ok = run_process({dir.script("ok", "echo out; echo err >&2; exit 0\n")}, 20s);
  EXPECT_EQ(ok.spawn_error, 0);
  EXPECT_TRUE(ok.exited);
  EXPECT_EQ(ok.exit_status, 0);
  EXPECT_EQ(ok.out, "out\n");
  EXPECT_EQ(ok.err, "err\n");

  const auto failed = run_process({dir.script("bad", "echo 'ERROR: no' >&2; exit 3\n")}, 20s);
  EXPECT_TRUE(failed.exited);
  EXPECT_EQ(failed.exit_status, 3);
  EXPECT_EQ(failed.err, "ERROR: no\n");

  const auto args = run_process({dir.script("args", "echo \"$#:$1:$2\"\n"), "a b", "c"}, 20s);
  EXPECT_EQ(args.out, "2:a b:c\n");

  // More than the cap is read (the child never blocks on a full pipe) and dropped.
  const auto big = run_process({dir.script("big", "head -c 300000 /dev/zero\n")}, 20s, 1000);
  EXPECT_TRUE(big.exited);
  EXPECT_EQ(big.exit_status, 0);
  EXPECT_EQ(big.out.size(), 1000u);
}

TEST(RunProcess, AProgramMissingFromPathIsNotStarted) {
  const auto r = run_process({"parley-no-such-program-4f1c"}, 20s);
  EXPECT_EQ(r.spawn_error, ENOENT);
  EXPECT_FALSE(r.exited);
}

TEST(RunProcess, TheWholeProcessGroupIsKilledAtTheTimeout) {
  ScriptDir dir;
  // A grandchild holds stdout open too, as az's Python would.
  const auto r = run_process({dir.script("hang", "sleep 600 &\nsleep 600\n")}, 200ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.exited);
}

// The stand-in az: counts its runs, records its arguments, prints answer.json
// (or fails with stderr.txt when that exists). With `wait_for_go`, it first
// waits for a file that only the test's io thread creates.
std::string stand_in(const ScriptDir& dir, bool wait_for_go = false) {
  std::string body = "d=$(dirname \"$0\")\n";
  body += "n=$(cat \"$d/count\" 2>/dev/null || echo 0); echo $((n + 1)) > \"$d/count\"\n";
  body += "echo \"$@\" > \"$d/args\"\n";
  if (wait_for_go) body += "while [ ! -f \"$d/go\" ]; do sleep 0.01; done\n";
  body += "if [ -f \"$d/stderr.txt\" ]; then cat \"$d/stderr.txt\" >&2; exit 1; fi\n";
  body += "cat \"$d/answer.json\"\n";
  return dir.script("az", body);
}

std::string answer(const std::string& token, std::int64_t expires_on) {
  return R"({"accessToken":")" + token + R"(","expires_on":)" + std::to_string(expires_on) +
         R"(,"tokenType":"Bearer"})";
}

TEST(AzureCliSource, RunsAzForCognitiveServicesAndCachesTheToken) {
  ScriptDir dir;
  asio::io_context io;
  FakeClock clock{kNow};
  auto credential = make_token_credential(io, make_azure_cli_source({stand_in(dir), 20s}), clock);
  EXPECT_EQ(credential->name(), "azure-cli");
  dir.write("answer.json", answer("cli-token-1", kNow + 3600));

  auto first = run_on(io, credential->header());
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_EQ(first->name, "Authorization");
  EXPECT_EQ(first->value, "Bearer cli-token-1");
  EXPECT_EQ(
      dir.read("args"),
      "account get-access-token --resource https://cognitiveservices.azure.com --output json");
  clock.advance(3000s);  // still more than 5 minutes left
  auto cached = run_on(io, credential->header());
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->value, "Bearer cli-token-1");
  EXPECT_EQ(dir.read("count"), "1");

  // Within 5 minutes of expiry: az runs again and its new token is used.
  dir.write("answer.json", answer("cli-token-2", kNow + 7200));
  clock.advance(400s);
  auto refreshed = run_on(io, credential->header());
  ASSERT_TRUE(refreshed);
  EXPECT_EQ(refreshed->value, "Bearer cli-token-2");
  EXPECT_EQ(dir.read("count"), "2");
}

TEST(AzureCliSource, AzRunsOffTheIoThread) {
  // az waits for a file only a handler on the io thread writes: were az run
  // on that thread, the handler could not run and az would time out.
  ScriptDir dir;
  asio::io_context io;
  FakeClock clock{kNow};
  dir.write("answer.json", answer("cli-token", kNow + 3600));
  auto credential =
      make_token_credential(io, make_azure_cli_source({stand_in(dir, true), 20s}), clock);
  asio::steady_timer tick(io);
  std::function<void()> poll = [&] {
    if (fs::exists(dir.file("count"))) {
      dir.write("go", "");
      return;
    }
    tick.expires_after(5ms);
    tick.async_wait([&](boost::system::error_code) { poll(); });
  };
  asio::post(io, poll);
  auto header = run_on(io, credential->header());
  ASSERT_TRUE(header) << header.error().detail;
  EXPECT_EQ(header->value, "Bearer cli-token");
}

TEST(AzureCliSource, FailuresSayWhatHappenedInOneShortLine) {
  ScriptDir dir;
  asio::io_context io;
  FakeClock clock{kNow};
  dir.write("stderr.txt", "ERROR: Please run 'az login' to setup account.\n" +
                              std::string(5000, 'x') + "\nTraceback: more\n");
  auto source = make_azure_cli_source({stand_in(dir), 20s});
  auto failed = run_on(io, source->fetch());
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, "llm.credential");
  EXPECT_EQ(failed.error().detail, "azure-cli: " + dir.file("az") +
                                       " exited with status 1: ERROR: Please run 'az login' to "
                                       "setup account.");

  auto missing = run_on(io, make_azure_cli_source({"parley-no-such-az-4f1c", 20s})->fetch());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().detail,
            "azure-cli: parley-no-such-az-4f1c not found on PATH (install the Azure CLI and run "
            "`az login`)");

  auto slow =
      run_on(io, make_azure_cli_source({dir.script("slow", "sleep 600\n"), 100ms})->fetch());
  ASSERT_FALSE(slow);
  EXPECT_TRUE(slow.error().detail.ends_with("did not answer within 100 ms")) << slow.error().detail;
}

}  // namespace
}  // namespace parley::llm
