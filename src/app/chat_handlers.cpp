// Conversations API (DESIGN.md "Conversations"). Problems found before the
// stream starts are JSON errors:
//   400 invalid_json | bad_request   body or query does not validate
//   404 not_found                    another user's, malformed or missing id
//   404 model_not_found              a `model` not in PARLEY_MODELS (as /v1)
//   409 conflict                     an answer is already streaming there
//                                    (regenerate with nothing to answer, too)
//   413 too_large                    content above 32 KB
//   503 unavailable                  the database is unreachable
// Once the 200 text/event-stream has started, model failures are `error`
// or `done` events (chat/answer.hpp).

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "admin/quota_rules.hpp"
#include "app/handlers.hpp"
#include "app/responses.hpp"
#include "chat/errors.hpp"
#include "chat/models.hpp"
#include "chat/proto.hpp"
#include "chat/service.hpp"
#include "db/rows.hpp"
#include "observability/log.hpp"

namespace parley::app::handlers {

namespace {

namespace json = boost::json;

db::UserId user_of(const RequestContext& ctx) { return db::UserId{ctx.session->user->id}; }

// The {id} segment when it can be a conversation id at all.
std::optional<db::ConversationId> conversation_of(const Request& req) {
  auto id = req.param("id");
  if (!id || !chat::is_uuid(*id)) return std::nullopt;
  return db::ConversationId{std::string(*id)};
}

Response not_found() { return error_response(errc::chat::not_found); }

// The chat module's errors carry their public face; unexpected ones (the
// database) are logged here with the request id.
Response failure(const Error& e, const Request& req) {
  if (e.kind == Kind::internal || e.kind == Kind::unavailable || e.kind == Kind::upstream) {
    log::error("chat.request_failed")
        .str("code", e.code)
        .str("detail", e.detail)
        .str("request_id", req.request_id);
  }
  return error_response(e);
}

// A turn refused by a quota says when to come back (429 + Retry-After).
Response turn_failure(Services& s, const Error& e, const Request& req) {
  Response r = failure(e, req);
  if (auto after = admin::quota_retry_after(e, s.clock->now_seconds())) {
    (void)r.headers.set("Retry-After", std::to_string(*after));
  }
  return r;
}

std::string iso(std::string_view timestamptz) {
  std::string out;
  (void)db::append_iso8601_utc_millis(out, timestamptz);
  return out;
}

// `model`: the conversation's while configured, else null (the default).
json::object item_json(const db::Conversation& c, std::span<const chat::ModelChoice> models) {
  json::object o{{"id", c.id.value},
                 {"title", c.title},
                 {"created_at", iso(c.created_at)},
                 {"updated_at", iso(c.updated_at)}};
  if (auto m = chat::shown_model(models, c.model)) {
    o["model"] = *m;
  } else {
    o["model"] = nullptr;
  }
  return o;
}

// The list is the busiest JSON answer: written straight into one string,
// no JSON tree. Ids and timestamps are ours (hex, digits); titles are
// escaped.
std::string page_text(const chat::ConversationPage& page,
                      std::span<const chat::ModelChoice> models) {
  std::string out;
  out.reserve(32 + page.items.size() * 160);
  out += "{\"items\":[";
  const db::ConversationList& items = page.items;
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += i == 0 ? "{\"id\":\"" : ",{\"id\":\"";
    items.append_id(out, i);
    out += "\",\"title\":\"";
    log::append_json_escaped(out, items.title(i));
    out += "\",\"created_at\":\"";
    (void)db::append_iso8601_utc_millis(out, items.created_at(i));
    out += "\",\"updated_at\":\"";
    (void)db::append_iso8601_utc_millis(out, items.updated_at(i));
    if (auto m = chat::shown_model(models, items.model(i))) {
      out += "\",\"model\":\"";
      log::append_json_escaped(out, *m);
      out += "\"}";
    } else {
      out += "\",\"model\":null}";
    }
  }
  out += "],\"next_cursor\":";
  if (page.next_cursor) {
    out += '"';
    out += *page.next_cursor;  // base64url
    out += '"';
  } else {
    out += "null";
  }
  out += '}';
  return out;
}

json::object message_json(const db::MessageRecord& m) {
  json::object o{
      {"id", m.id.value}, {"role", m.role}, {"content", m.content}, {"status", m.status}};
  if (m.model) {
    o["model"] = *m.model;
  } else {
    o["model"] = nullptr;
  }
  if (m.prompt_tokens || m.completion_tokens) {
    o["usage"] = json::object{{"prompt_tokens", m.prompt_tokens.value_or(0)},
                              {"completion_tokens", m.completion_tokens.value_or(0)}};
  } else {
    o["usage"] = nullptr;
  }
  o["created_at"] = m.created_at;
  return o;
}

Response json_body(int status, const json::object& o) {
  return json_response(status, json::serialize(o));
}

std::string traceparent_of(const Request& req) {
  if (req.request_id.size() != 32 || req.span_id.size() != 16) return {};
  return "00-" + req.request_id + "-" + req.span_id + "-01";
}

// The 200 event stream for a committed turn.
Response event_stream(Services& s, chat::PreparedTurn turn, const Request& req) {
  turn.traceparent = traceparent_of(req);
  Response r;
  r.status = 200;
  (void)r.headers.set("Content-Type", "text/event-stream");
  (void)r.headers.set("Cache-Control", "no-cache");
  (void)r.headers.set("X-Accel-Buffering", "no");
  auto shared = std::make_shared<chat::PreparedTurn>(std::move(turn));
  chat::ChatService* service = s.chat;
  r.stream = [service, shared](http::ResponseStream& out) { return service->stream(*shared, out); };
  return r;
}

}  // namespace

awaitable<Response> list_conversations(Services& s, Request& req, RequestContext& ctx) {
  auto limit = chat::parse_limit(req.query_param("limit"));
  if (!limit) co_return failure(limit.error(), req);
  auto page = co_await s.chat->list(user_of(ctx), req.query_param("cursor"), *limit);
  if (!page) co_return failure(page.error(), req);
  co_return json_response(200, page_text(*page, s.chat->models()));
}

awaitable<Response> create_conversation(Services& s, Request& req, RequestContext& ctx) {
  auto fields = chat::parse_create_body(req.body);
  if (!fields) co_return failure(fields.error(), req);
  auto created = co_await s.chat->create(user_of(ctx), std::move(*fields));
  if (!created) co_return failure(created.error(), req);
  co_return json_body(201, item_json(*created, s.chat->models()));
}

awaitable<Response> get_conversation(Services& s, Request& req, RequestContext& ctx) {
  auto id = conversation_of(req);
  if (!id) co_return not_found();
  auto detail = co_await s.chat->get(user_of(ctx), std::move(*id));
  if (!detail) co_return failure(detail.error(), req);
  if (!*detail) co_return not_found();
  json::object body = item_json((*detail)->conversation, s.chat->models());
  json::array messages;
  for (const auto& m : (*detail)->messages) messages.push_back(message_json(m));
  body["messages"] = std::move(messages);
  co_return json_body(200, body);
}

awaitable<Response> update_conversation(Services& s, Request& req, RequestContext& ctx) {
  auto id = conversation_of(req);
  if (!id) co_return not_found();
  auto fields = chat::parse_update_body(req.body);
  if (!fields) co_return failure(fields.error(), req);
  auto updated = co_await s.chat->update(user_of(ctx), std::move(*id), std::move(*fields));
  if (!updated) co_return failure(updated.error(), req);
  if (!*updated) co_return not_found();
  co_return json_body(200, item_json(**updated, s.chat->models()));
}

// The models the UI offers: PARLEY_MODELS' names (the list /v1 serves),
// the default first and named.
awaitable<Response> list_models(Services& s, Request&, RequestContext&) {
  json::array items;
  for (const chat::ModelChoice& m : s.chat->models()) items.push_back(json::object{{"id", m.name}});
  json::object body{{"items", std::move(items)}};
  if (s.chat->models().empty()) {
    body["default"] = nullptr;
  } else {
    body["default"] = s.chat->models().front().name;
  }
  co_return json_body(200, body);
}

awaitable<Response> delete_conversation(Services& s, Request& req, RequestContext& ctx) {
  auto id = conversation_of(req);
  if (!id) co_return not_found();
  db::DeleteContext context;
  context.session_id = db::SessionId{ctx.session->session_id};
  context.ip = ctx.client_ip;
  context.request_id = req.request_id;
  auto deleted = co_await s.chat->remove(user_of(ctx), std::move(*id), std::move(context));
  if (!deleted) co_return failure(deleted.error(), req);
  if (!*deleted) co_return not_found();
  Response r;
  r.status = 204;
  co_return r;
}

awaitable<Response> post_message(Services& s, Request& req, RequestContext& ctx) {
  auto id = conversation_of(req);
  if (!id) co_return not_found();
  auto content = chat::parse_message_body(req.body);
  if (!content) co_return failure(content.error(), req);
  auto turn = co_await s.chat->begin_message(user_of(ctx), std::move(*id), std::move(*content));
  if (!turn) co_return turn_failure(s, turn.error(), req);
  co_return event_stream(s, std::move(*turn), req);
}

awaitable<Response> regenerate(Services& s, Request& req, RequestContext& ctx) {
  auto id = conversation_of(req);
  if (!id) co_return not_found();
  auto turn = co_await s.chat->begin_regenerate(user_of(ctx), std::move(*id));
  if (!turn) co_return turn_failure(s, turn.error(), req);
  co_return event_stream(s, std::move(*turn), req);
}

awaitable<Response> stop_answer(Services& s, Request& req, RequestContext& ctx) {
  auto id = conversation_of(req);
  if (!id) co_return not_found();
  const db::UserId user = user_of(ctx);
  // Another user's conversation is 404 like everywhere else; a conversation
  // of yours with nothing running is 202 (stopping is idempotent).
  auto found = co_await s.chat->exists(user, *id);
  if (!found) co_return failure(found.error(), req);
  if (!*found) co_return not_found();
  auto stopped = co_await s.chat->stop(user, std::move(*id));
  if (!stopped) co_return failure(stopped.error(), req);
  co_return json_response(202, "{\"status\":\"stopping\"}");
}

}  // namespace parley::app::handlers
