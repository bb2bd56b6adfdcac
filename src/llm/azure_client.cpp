#include "llm/azure_client.hpp"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <variant>

#include "http/errors.hpp"
#include "http/message.hpp"
#include "llm/errors.hpp"
#include "llm/request.hpp"
#include "llm/sse_parser.hpp"
#include "observability/log.hpp"

namespace parley::llm {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;
using SteadyClock = std::chrono::steady_clock;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

awaitable<void> timer_sleep(asio::any_io_executor ex, std::chrono::milliseconds delay) {
  asio::steady_timer timer(ex);
  timer.expires_after(delay);
  co_await timer.async_wait(use_tuple);
}

awaitable<bool> cancelled_here() {
  auto state = co_await asio::this_coro::cancellation_state;
  co_return state.cancelled() != asio::cancellation_type::none;
}

// A failed attempt: the error to report and whether another attempt may help.
struct Failure {
  Error error;
  bool retryable = false;
  std::optional<std::int64_t> retry_after_ms;
  int status = 0;  // the upstream HTTP status, 0 for transport failures
};

Failure transport_failure(const Error& e) {
  const std::string detail = std::string(e.code) + ": " + e.detail;
  if (e.is(errc::http_client::timeout)) return {make_error(errc::llm::timeout, detail), true, {}};
  if (e.is(errc::http_client::cancelled))
    return {make_error(errc::llm::cancelled, detail), false, {}};
  if (e.is(errc::http_client::connect) || e.is(errc::http_client::resolve) ||
      e.is(errc::http_client::closed) || e.is(errc::http_client::protocol)) {
    return {make_error(errc::llm::unavailable, detail), true, {}};
  }
  // bad_url, insecure_url, tls, proxy, too_large: configuration problems; no retry.
  return {make_error(errc::llm::unavailable, detail), false, {}};
}

// Maps an error of ClientStream::read_some once the stream is handed out.
Error stream_error(const Error& e) {
  const std::string detail = std::string(e.code) + ": " + e.detail;
  if (e.is(errc::http_client::timeout)) return make_error(errc::llm::timeout, detail);
  if (e.is(errc::http_client::cancelled)) return make_error(errc::llm::cancelled, detail);
  return make_error(errc::llm::cut, detail);
}

bool is_2xx(int status) { return status >= 200 && status < 300; }

class AzureStream final : public ModelStream {
 public:
  AzureStream(std::unique_ptr<http::ClientStream> upstream,
              SteadyClock::time_point first_token_deadline, std::chrono::milliseconds idle)
      : upstream_(std::move(upstream)),
        first_token_deadline_(first_token_deadline),
        idle_(idle) {}

  awaitable<Result<std::vector<StreamItem>>> next() override {
    while (true) {
      if (cancelled_) co_return make_error(errc::llm::cancelled, "stream cancelled");
      if (failed_) co_return *failed_;
      if (!pending_.empty()) {
        std::vector<StreamItem> out;
        out.swap(pending_);
        co_return out;
      }
      if (ended_) {
        co_await drain_after_done();
        co_return std::vector<StreamItem>{};
      }

      // The deadline goes with the read (no timer raced against it: that
      // cost a parallel group and several event-loop turns per piece).
      const SteadyClock::time_point deadline =
          got_token_ ? SteadyClock::now() + idle_ : first_token_deadline_;
      auto piece = co_await upstream_->read_some(deadline);
      if (cancelled_) co_return make_error(errc::llm::cancelled, "stream cancelled");
      if (!piece && piece.error().is(errc::http_client::timeout)) {
        upstream_->cancel();
        co_return fail(make_error(errc::llm::timeout, got_token_ ? "no data within the idle timeout"
                                                                 : "no first token in time"));
      }
      if (!piece) co_return fail(stream_error(piece.error()));
      if (!*piece) {
        std::vector<SseEvent> events;
        (void)parser_.finish(events);
        upstream_ended_ = true;
        if (!decoder_.done())
          co_return fail(make_error(errc::llm::cut, "stream ended without [DONE]"));
        ended_ = true;
        continue;
      }
      std::vector<SseEvent> events;
      auto fed = parser_.feed(**piece, events);
      for (const auto& event : events) {
        if (decoder_.done()) break;
        if (auto st = decoder_.decode(event, pending_); !st) {
          upstream_->cancel();
          failed_ = st.error();
          break;
        }
      }
      if (!fed && !failed_) {
        upstream_->cancel();
        failed_ = make_error(errc::llm::bad_chunk, std::string(fed.error().code));
      }
      for (const auto& item : pending_) {
        if (std::holds_alternative<TextDelta>(item)) got_token_ = true;
      }
      // After [DONE] nothing more is read; the connection is not reused.
      if (decoder_.done()) ended_ = true;
    }
  }

  void cancel() override {
    if (cancelled_) return;
    cancelled_ = true;
    upstream_->cancel();
  }

 private:
  // After [DONE] only the end of the body is left (Azure sends nothing
  // more): reading it lets the client pool the connection (TLS reuse).
  // Bounded by a short timer and a few pieces; on anything else the
  // connection is simply closed when the stream is destroyed.
  awaitable<void> drain_after_done() {
    if (upstream_ended_ || drained_) co_return;
    drained_ = true;
    const SteadyClock::time_point deadline =
        SteadyClock::now() + std::min<std::chrono::milliseconds>(idle_, std::chrono::seconds(1));
    for (int i = 0; i < 4; ++i) {
      auto piece = co_await upstream_->read_some(deadline);
      if (!piece && piece.error().is(errc::http_client::timeout)) {
        upstream_->cancel();
        co_return;
      }
      if (!piece || !*piece) {
        upstream_ended_ = true;
        co_return;
      }
    }
  }

  Error fail(Error e) {
    failed_ = e;
    return e;
  }

  std::unique_ptr<http::ClientStream> upstream_;
  SteadyClock::time_point first_token_deadline_;
  std::chrono::milliseconds idle_;
  SseParser parser_;
  ChatStreamDecoder decoder_;
  std::vector<StreamItem> pending_;
  std::optional<Error> failed_;
  bool got_token_ = false;
  bool ended_ = false;
  bool upstream_ended_ = false;
  bool drained_ = false;
  bool cancelled_ = false;
};

class AzureChatModel final : public ChatModel {
 public:
  AzureChatModel(asio::io_context& io, http::HttpClient& http, const config::AzureOpenAiConfig& cfg,
                 std::unique_ptr<Credential> credential, Random& random, const Clock& clock,
                 AzureClientOptions options)
      : io_(io),
        http_(http),
        endpoint_(cfg.endpoint),
        api_version_(cfg.api_version),
        url_(chat_completions_url(cfg)),
        deployment_(cfg.deployment),
        credential_(std::move(credential)),
        random_(random),
        clock_(clock),
        options_(std::move(options)) {}

  std::string_view deployment() const override { return deployment_; }

  awaitable<Result<std::unique_ptr<ModelStream>>> open(ModelRequest request) override {
    ChatOptions chat;
    chat.stream = true;
    chat.include_usage = true;
    set_sampling(chat, request);
    const std::string body = build_chat_request(request.messages, chat);
    const std::string url = url_for(request.deployment);
    const http::StreamTimeouts timeouts{
        options_.connect_timeout, options_.first_token_timeout,
        std::max(options_.idle_timeout, options_.first_token_timeout)};
    bool reauthenticated = false;
    for (int attempt = 0;;) {
      auto req = co_await make_request(url, body, request.traceparent);
      if (!req) co_return req.error();
      const auto started = SteadyClock::now();
      auto opened = co_await http_.open(std::move(req->request), timeouts);
      Failure failure;
      if (!opened) {
        failure = transport_failure(opened.error());
      } else if (is_2xx((*opened)->status())) {
        co_return std::unique_ptr<ModelStream>(std::make_unique<AzureStream>(
            std::move(*opened), started + options_.first_token_timeout, options_.idle_timeout));
      } else {
        auto& stream = **opened;
        const std::string error_body = co_await read_bounded(stream);
        failure = upstream_failure(stream.status(), stream.headers(), error_body);
      }
      if (reauthenticate(failure, req->auth, reauthenticated)) {
        if (co_await cancelled_here()) co_return make_error(errc::llm::cancelled, "cancelled");
        continue;
      }
      auto retry = co_await before_retry(failure, attempt++);
      if (retry) co_return *retry;
    }
  }

  awaitable<Result<std::string>> complete(ModelRequest request) override {
    ChatOptions chat;
    chat.stream = false;
    chat.include_usage = false;
    set_sampling(chat, request);
    const std::string body = build_chat_request(request.messages, chat);
    const std::string url = url_for(request.deployment);
    bool reauthenticated = false;
    for (int attempt = 0;;) {
      auto req = co_await make_request(url, body, request.traceparent);
      if (!req) co_return req.error();
      req->request.timeout = options_.connect_timeout + options_.first_token_timeout;
      auto response = co_await http_.send(std::move(req->request));
      Failure failure;
      if (!response) {
        failure = transport_failure(response.error());
      } else if (is_2xx(response->status)) {
        co_return completion_text(response->body);
      } else {
        failure = upstream_failure(response->status, response->headers, response->body);
      }
      if (reauthenticate(failure, req->auth, reauthenticated)) {
        if (co_await cancelled_here()) co_return make_error(errc::llm::cancelled, "cancelled");
        continue;
      }
      auto retry = co_await before_retry(failure, attempt++);
      if (retry) co_return *retry;
    }
  }

 private:
  // A request and the credential header it carries (secret: never logged).
  struct Prepared {
    http::ClientRequest request;
    AuthHeader auth;
  };

  static void set_sampling(ChatOptions& chat, const ModelRequest& request) {
    chat.max_tokens = request.max_tokens;
    chat.temperature = request.temperature;
    chat.top_p = request.top_p;
    chat.stop = request.stop;
  }

  // The configured deployment's URL is built once; another one (a /v1
  // model route) per call.
  std::string url_for(const std::string& deployment) const {
    if (deployment.empty() || deployment == deployment_) return url_;
    config::AzureOpenAiConfig other;
    other.endpoint = endpoint_;
    other.api_version = api_version_;
    other.deployment = deployment;
    return chat_completions_url(other);
  }

  awaitable<Result<Prepared>> make_request(const std::string& url, const std::string& body,
                                           const std::string& traceparent) {
    auto auth = co_await credential_->header();
    if (!auth) co_return auth.error();
    Prepared prepared{{}, *auth};
    http::ClientRequest& req = prepared.request;
    req.method = http::Method::post;
    req.url = url;
    req.body = body;
    (void)req.headers.set("Content-Type", "application/json");
    (void)req.headers.set("Accept", "application/json, text/event-stream");
    if (!req.headers.set(auth->name, auth->value)) {
      co_return make_error(errc::llm::credential, "credential header value is not a valid header");
    }
    // W3C Trace Context; a malformed value is dropped rather than failing the call.
    if (!traceparent.empty()) (void)req.headers.set("traceparent", traceparent);
    co_return prepared;
  }

  // A 401 may mean a revoked or rotated token: the credential drops it and
  // the request goes once more, at once, with a fresh one (not counted as a
  // retry). A second 401 in the same call is the caller's error.
  bool reauthenticate(const Failure& failure, const AuthHeader& used, bool& reauthenticated) {
    if (failure.status != 401 || reauthenticated) return false;
    if (!credential_->on_unauthorized(used)) return false;
    reauthenticated = true;
    return true;
  }

  Failure upstream_failure(int status, const http::Headers& headers, std::string_view body) {
    const HeaderList list(headers.fields().begin(), headers.fields().end());
    const UpstreamError e = classify(status, list, body, clock_.now_seconds());
    return Failure{to_error(e), e.retryable, e.retry_after_ms, status};
  }

  awaitable<std::string> read_bounded(http::ClientStream& stream) {
    std::string body;
    while (body.size() < options_.max_error_body_bytes) {
      auto piece = co_await stream.read_some();
      if (!piece || !*piece) co_return body;
      body += **piece;
    }
    stream.cancel();  // the rest is not needed; the connection is not reused
    body.resize(options_.max_error_body_bytes);
    co_return body;
  }

  // Sleeps before the next attempt; returns the error to give up with instead.
  awaitable<std::optional<Error>> before_retry(const Failure& failure, int attempt) {
    if (!failure.retryable || attempt >= options_.retry.max_retries) co_return failure.error;
    std::chrono::milliseconds delay;
    if (failure.retry_after_ms) {
      delay = std::chrono::milliseconds(*failure.retry_after_ms);
      if (delay > options_.retry.max_retry_after) {
        log::warn("llm.retry_after_too_long")
            .str("error", failure.error.code)
            .num("retry_after_ms", *failure.retry_after_ms);
        co_return failure.error;
      }
    } else {
      delay = backoff_delay(options_.retry, attempt, random_);
    }
    log::warn("llm.retry")
        .str("error", failure.error.code)
        .str("detail", failure.error.detail)
        .num("attempt", attempt + 1)
        .num("delay_ms", delay.count());
    if (options_.sleep) {
      co_await options_.sleep(delay);
    } else {
      co_await timer_sleep(io_.get_executor(), delay);
    }
    if (co_await cancelled_here())
      co_return make_error(errc::llm::cancelled, "cancelled while waiting");
    co_return std::nullopt;
  }

  static Result<std::string> completion_text(std::string_view body) {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object()) return make_error(errc::llm::bad_chunk, "completion is not JSON");
    const auto* choices = v.get_object().if_contains("choices");
    if (choices == nullptr || !choices->is_array() || choices->get_array().empty() ||
        !choices->get_array().front().is_object()) {
      return make_error(errc::llm::upstream_error, "completion without choices");
    }
    const auto& choice = choices->get_array().front().get_object();
    if (const auto* f = choice.if_contains("finish_reason");
        f && f->is_string() && f->get_string() == "content_filter") {
      return make_error(errc::llm::content_filter, "completion stopped by the content filter");
    }
    const auto* message = choice.if_contains("message");
    if (message == nullptr || !message->is_object()) {
      return make_error(errc::llm::upstream_error, "completion without message");
    }
    const auto* content = message->get_object().if_contains("content");
    if (content == nullptr || !content->is_string()) {
      return make_error(errc::llm::upstream_error, "completion without content");
    }
    return std::string(content->get_string());
  }

  asio::io_context& io_;
  http::HttpClient& http_;
  std::string endpoint_;  // for the URL of another deployment
  std::string api_version_;
  std::string url_;
  std::string deployment_;
  std::unique_ptr<Credential> credential_;
  Random& random_;
  const Clock& clock_;
  AzureClientOptions options_;
};

}  // namespace

std::string chat_completions_url(const config::AzureOpenAiConfig& cfg) {
  std::string endpoint = cfg.endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint + "/openai/deployments/" + http::percent_encode(cfg.deployment) +
         "/chat/completions?api-version=" + http::percent_encode(cfg.api_version);
}

std::chrono::milliseconds backoff_delay(const AzureRetryPolicy& policy, int retry, Random& random) {
  std::int64_t d = policy.base_backoff.count();
  for (int i = 0; i < retry && d < policy.max_backoff.count(); ++i) d *= 2;
  d = std::min<std::int64_t>(d, policy.max_backoff.count());
  unsigned char bytes[4];
  random.fill(bytes);
  const std::uint32_t r = (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                          (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
  // "Equal jitter": half fixed, half random, so delays never collapse to 0.
  const std::int64_t half = d / 2;
  const std::int64_t jitter =
      half > 0 ? static_cast<std::int64_t>(r % static_cast<std::uint32_t>(half + 1)) : 0;
  return std::chrono::milliseconds(d - half + jitter);
}

std::unique_ptr<ChatModel> make_azure_chat_model(asio::io_context& io, http::HttpClient& http,
                                                 const config::AzureOpenAiConfig& cfg,
                                                 std::unique_ptr<Credential> credential,
                                                 Random& random, const Clock& clock,
                                                 AzureClientOptions options) {
  return std::make_unique<AzureChatModel>(io, http, cfg, std::move(credential), random, clock,
                                          std::move(options));
}

}  // namespace parley::llm
