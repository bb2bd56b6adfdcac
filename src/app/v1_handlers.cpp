// The service API (DESIGN.md "Service API"; decision 0014-service-api):
// OpenAI's chat completions and model list over Azure OpenAI, for callers
// holding an Entra access token (Policy::bearer has put the caller in
// ctx.caller). Stateless: nothing of the conversation is stored; the
// caller's messages go upstream as given.
//
// Errors before the answer starts are HTTP errors in OpenAI's shape
// (openai_error_response): a bad body 400, an unknown model 404, an upstream
// refusal 429/502/503/504. Once a 200 stream has begun, a failure is one
// `data: {"error":...}` event and the stream ends (no [DONE]). The client
// leaving cancels the upstream request.

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <variant>

#include "admin/api_gate.hpp"
#include "admin/quota_rules.hpp"
#include "app/handlers.hpp"
#include "app/responses.hpp"
#include "core/random.hpp"
#include "llm/errors.hpp"
#include "llm/openai_wire.hpp"
#include "observability/log.hpp"

namespace parley::errc::v1 {
// The upstream's failures as a /v1 client sees them. The llm module reports
// its own codes (errc::llm, all of kind internal); upstream_error() below is
// the one place that maps them.
inline constexpr ErrorCode upstream_rate_limited{
    Kind::rate_limited, "v1.upstream_rate_limited", "rate_limit_exceeded",
    "The model is receiving too many requests; please retry later."};
inline constexpr ErrorCode upstream_unavailable{
    Kind::unavailable, "v1.upstream_unavailable", "upstream_unavailable",
    "The model is unavailable right now; please retry later."};
inline constexpr ErrorCode upstream_timeout{Kind::upstream, "v1.upstream_timeout",
                                            "upstream_timeout", "The model did not answer in time.",
                                            504};
inline constexpr ErrorCode upstream_failed{Kind::upstream, "v1.upstream_failed", "upstream_error",
                                           "The model failed to answer; please retry later."};
inline constexpr ErrorCode content_filter{Kind::bad_request, "v1.content_filter", "content_filter",
                                          "The request was blocked by the content filter."};
}  // namespace parley::errc::v1

namespace parley::app::handlers {

namespace {

namespace asio = boost::asio;
namespace openai = llm::openai;
using namespace asio::experimental::awaitable_operators;

Error upstream_error(const Error& e) {
  const std::string detail = std::string(e.code) + ": " + e.detail;
  if (e.is(errc::llm::rate_limited)) return make_error(errc::v1::upstream_rate_limited, detail);
  if (e.is(errc::llm::content_filter)) return make_error(errc::v1::content_filter, detail);
  if (e.is(errc::llm::timeout)) return make_error(errc::v1::upstream_timeout, detail);
  if (e.is(errc::llm::unavailable) || e.is(errc::llm::credential) || e.is(errc::llm::auth) ||
      e.is(errc::llm::not_found)) {
    // Our side's configuration or Azure's availability: nothing the caller did.
    return make_error(errc::v1::upstream_unavailable, detail);
  }
  return make_error(errc::v1::upstream_failed, detail);
}

void log_upstream_failure(const Error& e, const Request& req) {
  log::warn("v1.upstream_failed")
      .str("code", e.code)
      .str("detail", e.detail)
      .str("request_id", req.request_id);
}

std::string traceparent_of(const Request& req) {
  if (req.request_id.size() != 32 || req.span_id.size() != 16) return {};
  return "00-" + req.request_id + "-" + req.span_id + "-01";
}

// What one call produced: text, finish reason and usage as the upstream said.
struct Collected {
  std::string finish_reason;
  openai::Usage usage;
  bool usage_seen = false;
};

// Applies a batch of decoded items; `text` receives this batch's text.
void apply(const std::vector<llm::StreamItem>& items, Collected& c, std::string& text) {
  for (const auto& item : items) {
    if (const auto* d = std::get_if<llm::TextDelta>(&item)) {
      text += d->text;
    } else if (const auto* f = std::get_if<llm::Finish>(&item)) {
      c.finish_reason = f->reason;
    } else if (const auto* u = std::get_if<llm::Usage>(&item)) {
      c.usage = {u->prompt_tokens, u->completion_tokens};
      c.usage_seen = true;
    }
  }
}

// Cancels the upstream once the client leaves; never completes by itself
// otherwise (the pump's end cancels it through the awaitable operator).
asio::awaitable<void> watch_client(http::ResponseStream& out, llm::ModelStream& stream) {
  co_await out.wait_client_gone();
  stream.cancel();
  asio::steady_timer forever(co_await asio::this_coro::executor,
                             asio::steady_timer::time_point::max());
  (void)co_await forever.async_wait(asio::as_tuple(asio::use_awaitable));
}

// The governance of one admitted call: its slot, and what its api.call
// audit row records at the end.
struct Governed {
  admin::ApiGate* gate = nullptr;
  admin::ApiSlot slot;
  std::string model;       // the name the caller asked for
  std::string deployment;  // where it went
  std::optional<db::UserId> actor;
  std::string client_id;
  std::string ip;
  std::string request_id;
  bool stream = false;
  // PARLEY_AUDIT_API_CONTENT: the messages and the answer go into the row.
  std::optional<std::vector<llm::ChatMessage>> content;
};

// Releases the slot, counts the usage and writes the api.call row. A
// failure is logged: the answer was already given.
asio::awaitable<void> end_call(const Governed& g, std::string_view status, const Collected* c,
                               std::string_view answer, std::optional<std::string> upstream_model) {
  db::ApiCallEnd end;
  end.stream_id = g.slot.stream_id;
  end.subject = g.slot.subject;
  end.model = upstream_model.value_or(g.deployment);
  if (c != nullptr && c->usage_seen) {
    end.prompt_tokens = c->usage.prompt_tokens;
    end.completion_tokens = c->usage.completion_tokens;
  }
  end.audit.type = "api.call";
  end.audit.actor = g.actor;
  end.audit.ip = g.ip;
  boost::json::object& d = end.audit.detail;
  d["caller_kind"] = g.slot.subject.kind;
  d["caller"] = g.slot.subject.id;
  d["client_id"] = g.client_id;
  d["model"] = g.model;
  d["deployment"] = g.deployment;
  d["stream"] = g.stream;
  d["status"] = status;
  d["request_id"] = g.request_id;
  if (end.prompt_tokens) d["prompt_tokens"] = *end.prompt_tokens;
  if (end.completion_tokens) d["completion_tokens"] = *end.completion_tokens;
  if (g.content) {
    boost::json::array messages;
    for (const auto& m : *g.content) {
      messages.push_back(boost::json::object{{"role", m.role}, {"content", m.content}});
    }
    d["messages"] = std::move(messages);
    d["answer"] = answer;
  }
  if (auto st = co_await g.gate->end(end); !st) {
    log::error("v1.finish_failed").str("code", st.error().code).str("request_id", g.request_id);
  }
}

struct StreamCall {
  std::unique_ptr<llm::ModelStream> stream;
  openai::ChunkWriter writer;
  Governed governed;
  Collected collected;
  std::string answer;  // kept only for a content audit
  std::optional<std::string> upstream_model;
  std::string status = "complete";
};

// Relays the upstream answer as chunks. Ends with finish, [usage], [DONE],
// or with one error event.
asio::awaitable<void> pump_chunks(StreamCall& call, http::ResponseStream& out) {
  Collected& c = call.collected;
  const auto renew_every = call.governed.gate->lease() / 4;
  auto renewed = std::chrono::steady_clock::now();
  if (!co_await out.write(call.writer.role())) {
    call.status = "cancelled";
    co_return;
  }
  for (;;) {
    auto items = co_await call.stream->next();
    if (!items) {
      if (out.client_gone() || items.error().is(errc::llm::cancelled)) {
        call.status = "cancelled";
        co_return;
      }
      call.status = "failed";
      log::warn("v1.stream_failed")
          .str("code", items.error().code)
          .str("detail", items.error().detail)
          .str("request_id", call.governed.request_id);
      (void)co_await out.write(openai::stream_error(upstream_error(items.error())));
      co_return;
    }
    if (items->empty()) break;
    std::string text;
    for (const auto& item : *items) {
      if (const auto* m = std::get_if<llm::ModelName>(&item)) call.upstream_model = m->model;
    }
    apply(*items, c, text);
    if (call.governed.content) call.answer += text;
    if (!text.empty() && !co_await out.write(call.writer.delta(text))) {
      call.status = "cancelled";
      call.stream->cancel();
      co_return;
    }
    // The slot stays counted while the answer streams (a dead process's
    // slot stops counting after the lease).
    if (std::chrono::steady_clock::now() - renewed >= renew_every) {
      renewed = std::chrono::steady_clock::now();
      if (auto st = co_await call.governed.gate->renew(call.governed.slot); !st) {
        log::warn("v1.renew_failed").str("code", st.error().code);
      }
    }
  }
  std::string tail = call.writer.finish(c.finish_reason.empty() ? "stop" : c.finish_reason);
  tail += call.writer.usage(c.usage);
  tail += openai::ChunkWriter::done();
  (void)co_await out.write(tail);
}

asio::awaitable<void> relay(std::shared_ptr<StreamCall> call, http::ResponseStream& out) {
  co_await (pump_chunks(*call, out) || watch_client(out, *call->stream));
  if (out.client_gone() && call->status == "complete") call->status = "cancelled";
  call->stream.reset();  // closes the upstream connection now
  co_await end_call(call->governed, call->status, &call->collected, call->answer,
                    call->upstream_model);
}

std::string random_id() {
  OpenSslRandom random;
  return openai::completion_id(random.token(18));
}

// auth::Caller, as the admin module's gate takes it.
admin::ApiCaller api_caller(const auth::Caller& caller) {
  admin::ApiCaller out;
  if (const auto* app = std::get_if<auth::ApplicationCaller>(&caller)) {
    out.application = true;
    out.tenant_id = app->tenant_id;
    out.object_id = app->object_id;
    out.client_id = app->app_id;
  } else {
    const auto& user = std::get<auth::DelegatedUserCaller>(caller);
    out.application = false;
    out.tenant_id = user.tenant_id;
    out.object_id = user.object_id;
    out.client_id = user.client_app_id;
    out.name = user.name;
    out.email = user.email;
  }
  return out;
}

// A refusal of the gate; a quota says when to come back.
Response gate_refusal(Services& s, const Error& e, const Request& req) {
  if (e.kind == Kind::internal || e.kind == Kind::unavailable) {
    log::error("v1.gate_failed").str("code", e.code).str("request_id", req.request_id);
  }
  Response r = openai_error_response(e);
  if (auto after = admin::quota_retry_after(e, s.clock->now_seconds())) {
    (void)r.headers.set("Retry-After", std::to_string(*after));
  }
  return r;
}

}  // namespace

awaitable<Response> v1_chat_completions(Services& s, Request& req, RequestContext& ctx) {
  std::string bad_param;
  auto parsed = openai::parse_completion_request(req.body, bad_param);
  if (!parsed) co_return openai_error_response(parsed.error(), bad_param);
  const config::ModelRoute* route = s.config->api.find_model(parsed->model);
  if (route == nullptr) {
    co_return openai_error_response(make_error(errc::openai::model_not_found), "model");
  }

  llm::ModelRequest upstream;
  upstream.messages = std::move(parsed->messages);
  upstream.deployment = route->deployment;
  // PARLEY_MAX_OUTPUT_TOKENS is the ceiling whatever the caller asks.
  const int cap = static_cast<int>(s.config->max_output_tokens);
  upstream.max_tokens = std::min(parsed->max_tokens.value_or(cap), cap);
  upstream.temperature = parsed->temperature;
  upstream.top_p = parsed->top_p;
  upstream.stop = std::move(parsed->stop);
  upstream.traceparent = traceparent_of(req);

  // Governance before anything goes upstream: registration, disabled
  // callers, quotas, the stream slot. The slot's COMMIT and the upstream
  // request then go out together (decision 0018).
  const admin::ApiCaller caller = api_caller(*ctx.caller);
  auto admitted = co_await s.api_gate->admit(caller, parsed->model);
  if (!admitted) co_return gate_refusal(s, admitted.error(), req);
  Governed g;
  g.gate = s.api_gate;
  g.slot = admitted->slot;
  g.model = parsed->model;
  g.deployment = route->deployment;
  if (g.slot.subject.kind == "user") g.actor = db::UserId{g.slot.subject.id};
  g.client_id = caller.client_id;
  g.ip = ctx.client_ip;
  g.request_id = req.request_id;
  g.stream = parsed->stream;
  if (s.config->api.audit_content) g.content = upstream.messages;

  // Opened before the response starts: a refusal here is a plain HTTP error.
  auto committing = s.api_gate->commit(*admitted);
  auto opening = s.model->open(std::move(upstream));
  auto both = co_await (std::move(committing) && std::move(opening));
  Status& committed = std::get<0>(both);
  auto& opened = std::get<1>(both);
  if (!committed) {
    // The slot was rolled back: the call is not governed, so it goes no
    // further (the upstream connection is closed unread).
    if (opened) opened->reset();
    co_return gate_refusal(s, committed.error(), req);
  }
  if (!opened) {
    log_upstream_failure(opened.error(), req);
    co_await end_call(g, "failed", nullptr, {}, std::nullopt);
    co_return openai_error_response(upstream_error(opened.error()));
  }
  const std::int64_t created = s.clock->now_seconds();

  if (parsed->stream) {
    auto call = std::make_shared<StreamCall>(
        StreamCall{std::move(*opened),
                   openai::ChunkWriter(random_id(), created, parsed->model, parsed->include_usage),
                   std::move(g),
                   Collected{},
                   {},
                   std::nullopt,
                   "complete"});
    Response r;
    r.status = 200;
    (void)r.headers.set("Content-Type", "text/event-stream");
    (void)r.headers.set("Cache-Control", "no-cache");
    (void)r.headers.set("X-Accel-Buffering", "no");
    r.stream = [call](http::ResponseStream& out) { return relay(call, out); };
    co_return r;
  }

  // Not streamed: the upstream still streams (the same path, usage
  // included); the answer is collected and sent as one completion. The
  // client leaving is noticed only when the answer is written.
  openai::Completion completion;
  completion.id = random_id();
  completion.created = created;
  completion.model = parsed->model;
  Collected c;
  std::optional<std::string> upstream_model;
  auto& stream = **opened;
  for (;;) {
    auto items = co_await stream.next();
    if (!items) {
      log_upstream_failure(items.error(), req);
      co_await end_call(g, "failed", &c, completion.content, upstream_model);
      co_return openai_error_response(upstream_error(items.error()));
    }
    if (items->empty()) break;
    for (const auto& item : *items) {
      if (const auto* m = std::get_if<llm::ModelName>(&item)) upstream_model = m->model;
    }
    apply(*items, c, completion.content);
  }
  if (!c.finish_reason.empty()) completion.finish_reason = c.finish_reason;
  completion.usage = c.usage;
  co_await end_call(g, "complete", &c, completion.content, upstream_model);
  co_return json_response(200, openai::render_completion(completion));
}

awaitable<Response> v1_models(Services& s, Request&, RequestContext&) {
  std::vector<std::string> names;
  for (const auto& m : s.config->api.models) names.push_back(m.name);
  co_return json_response(200, openai::render_model_list(names, s.clock->now_seconds()));
}

}  // namespace parley::app::handlers
