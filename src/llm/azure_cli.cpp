// AZURE_OPENAI_AUTH=azure-cli: tokens from the developer's `az login`, so a
// laptop reaches a real Azure OpenAI resource with no secret in any file.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cstring>
#include <ctime>

#include "llm/credential.hpp"
#include "llm/errors.hpp"
#include "llm/subprocess.hpp"

namespace parley::llm {

namespace {

namespace asio = boost::asio;
namespace json = boost::json;

std::optional<std::int64_t> local_time_to_epoch(std::tm tm) {
  tm.tm_isdst = -1;  // let the time zone rules say
  const std::time_t t = std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<std::int64_t>(t);
}

std::optional<std::int64_t> epoch_field(const json::object& o) {
  const auto* v = o.if_contains("expires_on");
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_string()) {
    const std::string_view s = v->get_string();
    std::int64_t out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return out;
  }
  return std::nullopt;
}

// The first line of az's stderr, printable ASCII only and short: the
// operator's clue ("ERROR: Please run 'az login' to setup account."),
// without dumping whatever else the CLI printed.
std::string first_line(std::string_view text) {
  constexpr std::size_t kMax = 200;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r' || out.size() == kMax) break;
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return out;
}

// Built outside the coroutine: GCC 12 destroys an initializer_list's
// strings twice when it lives in a coroutine frame.
std::vector<std::string> az_argv(const std::string& program) {
  return {program,
          "account",
          "get-access-token",
          "--resource",
          std::string(kCognitiveServicesResource),
          "--output",
          "json"};
}

// A plain function, not a capturing lambda: its arguments live in its own
// coroutine frame, whatever thread resumes it.
asio::awaitable<ProcessOutcome> run_on_pool(std::vector<std::string> argv,
                                            std::chrono::milliseconds timeout) {
  co_return run_process(argv, timeout);
}

Error cli_error(std::string detail) {
  return make_error(errc::llm::credential, "azure-cli: " + std::move(detail));
}

class AzureCliSource final : public TokenSource {
 public:
  explicit AzureCliSource(AzureCliOptions options) : options_(std::move(options)) {}
  std::string_view name() const override { return "azure-cli"; }

  asio::awaitable<Result<AccessToken>> fetch() override {
    // On the pool's thread: az takes a second or more (Python start-up,
    // maybe a token refresh), and the io thread serves everyone meanwhile.
    ProcessOutcome run = co_await asio::co_spawn(
        pool_, run_on_pool(az_argv(options_.program), options_.timeout), asio::use_awaitable);
    co_return to_token(run);
  }

 private:
  Result<AccessToken> to_token(const ProcessOutcome& run) const {
    const std::string& az = options_.program;
    if (run.spawn_error == ENOENT) {
      return cli_error(az + " not found on PATH (install the Azure CLI and run `az login`)");
    }
    if (run.spawn_error != 0) {
      return cli_error(az +
                       " could not be started: " + std::string(std::strerror(run.spawn_error)));
    }
    if (run.timed_out) {
      return cli_error(az + " did not answer within " + std::to_string(options_.timeout.count()) +
                       " ms");
    }
    if (!run.exited) return cli_error(az + " was killed by a signal");
    if (run.exit_status != 0) {
      std::string detail = az + " exited with status " + std::to_string(run.exit_status);
      if (auto line = first_line(run.err); !line.empty()) detail += ": " + line;
      return cli_error(std::move(detail));
    }
    return parse_azure_cli_token(run.out);
  }

  AzureCliOptions options_;
  asio::thread_pool pool_{1};
};

}  // namespace

Result<AccessToken> parse_azure_cli_token(std::string_view text, LocalTimeToEpoch local_to_epoch) {
  boost::system::error_code ec;
  auto parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return cli_error("az printed no JSON object");
  const json::object& o = parsed.get_object();
  const auto* token = o.if_contains("accessToken");
  if (token == nullptr || !token->is_string() || token->get_string().empty()) {
    return cli_error("az printed no accessToken");
  }
  AccessToken out;
  out.token = Secret(std::string(token->get_string()));
  if (auto on = epoch_field(o); on && *on > 0) {
    out.expires_on = *on;  // az >= 2.54: epoch seconds
    return out;
  }
  // Older az: "2026-12-03 23:59:10.000000", local time.
  const auto* local = o.if_contains("expiresOn");
  if (local != nullptr && local->is_string()) {
    std::tm tm{};
    const std::string s(local->get_string());
    const char* end = strptime(s.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
    if (end != nullptr && (*end == '\0' || *end == '.')) {
      if (auto epoch = (local_to_epoch ? local_to_epoch : &local_time_to_epoch)(tm)) {
        out.expires_on = *epoch;
        return out;
      }
    }
  }
  return cli_error("az printed no usable expires_on or expiresOn");
}

std::unique_ptr<TokenSource> make_azure_cli_source(AzureCliOptions options) {
  return std::make_unique<AzureCliSource>(std::move(options));
}

}  // namespace parley::llm
