#include "llm/openai_wire.hpp"

#include <boost/json.hpp>
#include <cmath>

#include "core/public_error.hpp"
#include "llm/errors.hpp"

namespace parley::llm::openai {

namespace json = boost::json;

namespace {

// A refusal naming its parameter.
struct Refusal {
  std::string& param;
  Error operator()(const ErrorCode& code, std::string name, std::string message) const {
    param = std::move(name);
    return make_public_error(code, std::move(message));
  }
};

// Parameters Parley cannot honour: silently dropping them would change the
// meaning of the call (a tool the model is told about but never gets).
constexpr std::string_view kUnsupported[] = {"tools",         "tool_choice",         "functions",
                                             "function_call", "parallel_tool_calls", "audio",
                                             "modalities",    "prediction"};

bool is_null_or_absent(const json::value* v) { return v == nullptr || v->is_null(); }

std::optional<double> number(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return std::nullopt;
}

Result<std::string> message_content(const json::value& content, const std::string& at,
                                    const Refusal& refuse) {
  if (const json::string* s = content.if_string()) return std::string(*s);
  const json::array* parts = content.if_array();
  if (parts == nullptr) {
    return refuse(errc::openai::invalid_type, at + ".content",
                  "A message's content must be a string or an array of text parts.");
  }
  // The array form: [{"type":"text","text":"..."}], joined as one text.
  std::string text;
  for (std::size_t j = 0; j < parts->size(); ++j) {
    const std::string part_at = at + ".content[" + std::to_string(j) + "]";
    const json::object* part = (*parts)[j].if_object();
    const json::value* type = part ? part->if_contains("type") : nullptr;
    if (type == nullptr || !type->is_string()) {
      return refuse(errc::openai::invalid_type, part_at + ".type",
                    "Each content part must be an object with a type.");
    }
    if (type->get_string() != "text") {
      return refuse(errc::openai::unsupported_value, part_at + ".type",
                    "Only text content parts are supported.");
    }
    const json::value* t = part->if_contains("text");
    if (t == nullptr || !t->is_string()) {
      return refuse(errc::openai::invalid_value, part_at + ".text",
                    "A text content part needs a string text.");
    }
    text.append(t->get_string());
  }
  return text;
}

Result<ChatMessage> parse_message(const json::value& item, std::size_t i, const Refusal& refuse) {
  const std::string at = "messages[" + std::to_string(i) + "]";
  const json::object* m = item.if_object();
  if (m == nullptr)
    return refuse(errc::openai::invalid_type, at, "Each message must be an object.");
  const json::value* role = m->if_contains("role");
  if (role == nullptr) {
    return refuse(errc::openai::missing_parameter, at + ".role", "Each message needs a role.");
  }
  if (!role->is_string()) {
    return refuse(errc::openai::invalid_type, at + ".role", "A message's role must be a string.");
  }
  const std::string_view r = role->get_string();
  ChatMessage out;
  if (r == "system" || r == "developer") {
    out.role = "system";  // developer: OpenAI's newer name for the system role
  } else if (r == "user" || r == "assistant") {
    out.role = std::string(r);
  } else if (r == "tool" || r == "function") {
    return refuse(errc::openai::unsupported_value, at + ".role",
                  "Tool and function messages are not supported.");
  } else {
    return refuse(errc::openai::invalid_value, at + ".role",
                  "The role must be system, developer, user or assistant.");
  }
  for (const char* key : {"tool_calls", "function_call", "audio"}) {
    if (!is_null_or_absent(m->if_contains(key))) {
      return refuse(errc::openai::unsupported_parameter, at + "." + key,
                    "Tool calls are not supported.");
    }
  }
  const json::value* content = m->if_contains("content");
  if (is_null_or_absent(content)) {
    return refuse(errc::openai::missing_parameter, at + ".content", "Each message needs content.");
  }
  auto text = message_content(*content, at, refuse);
  if (!text) return text.error();
  out.content = std::move(*text);
  return out;
}

Status parse_sampling(const json::object& o, CompletionRequest& req, const Refusal& refuse) {
  // max_completion_tokens supersedes max_tokens (OpenAI deprecated the latter).
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    const json::value* v = o.if_contains(key);
    if (is_null_or_absent(v)) continue;
    if (!v->is_int64() && !v->is_uint64()) {
      return refuse(errc::openai::invalid_type, key, std::string(key) + " must be an integer.");
    }
    if (!v->is_int64() || v->get_int64() < 1 || v->get_int64() > 1'000'000) {
      return refuse(errc::openai::invalid_value, key,
                    std::string(key) + " must be between 1 and 1000000.");
    }
    req.max_tokens = static_cast<int>(v->get_int64());
  }
  struct Range {
    const char* key;
    double max;
    std::optional<double>* out;
  };
  for (const Range& r :
       {Range{"temperature", 2.0, &req.temperature}, Range{"top_p", 1.0, &req.top_p}}) {
    const json::value* v = o.if_contains(r.key);
    if (is_null_or_absent(v)) continue;
    const std::optional<double> d = number(*v);
    if (!d)
      return refuse(errc::openai::invalid_type, r.key, std::string(r.key) + " must be a number.");
    if (!std::isfinite(*d) || *d < 0 || *d > r.max) {
      return refuse(errc::openai::invalid_value, r.key,
                    std::string(r.key) +
                        (r.max == 2.0 ? " must be between 0 and 2." : " must be between 0 and 1."));
    }
    *r.out = *d;
  }
  if (const json::value* stop = o.if_contains("stop"); !is_null_or_absent(stop)) {
    if (const json::string* s = stop->if_string()) {
      req.stop.emplace_back(*s);
    } else if (const json::array* a = stop->if_array()) {
      if (a->size() > kMaxStopSequences) {
        return refuse(errc::openai::invalid_value, "stop", "stop holds at most 4 sequences.");
      }
      for (const json::value& item : *a) {
        if (!item.is_string()) {
          return refuse(errc::openai::invalid_type, "stop", "stop must hold strings.");
        }
        req.stop.emplace_back(item.get_string());
      }
    } else {
      return refuse(errc::openai::invalid_type, "stop", "stop must be a string or an array.");
    }
  }
  return {};
}

Status check_unsupported(const json::object& o, const Refusal& refuse) {
  for (std::string_view key : kUnsupported) {
    if (!is_null_or_absent(o.if_contains(key))) {
      return refuse(errc::openai::unsupported_parameter, std::string(key),
                    "Parley's API does not support " + std::string(key) + ".");
    }
  }
  if (const json::value* n = o.if_contains("n"); !is_null_or_absent(n)) {
    if (!n->is_int64() && !n->is_uint64()) {
      return refuse(errc::openai::invalid_type, "n", "n must be an integer.");
    }
    if (!(n->is_int64() && n->get_int64() == 1)) {
      return refuse(errc::openai::unsupported_value, "n", "Only n = 1 is supported.");
    }
  }
  if (const json::value* lp = o.if_contains("logprobs");
      lp != nullptr && lp->is_bool() && lp->get_bool()) {
    return refuse(errc::openai::unsupported_value, "logprobs", "logprobs are not supported.");
  }
  if (const json::value* rf = o.if_contains("response_format"); !is_null_or_absent(rf)) {
    const json::object* f = rf->if_object();
    const json::value* type = f ? f->if_contains("type") : nullptr;
    if (type == nullptr || !type->is_string() || type->get_string() != "text") {
      return refuse(errc::openai::unsupported_value, "response_format",
                    "Only the text response format is supported.");
    }
  }
  return {};
}

void append_json_string(std::string& out, std::string_view s) {
  out += json::serialize(json::string_view(s.data(), s.size()));
}

}  // namespace

Result<CompletionRequest> parse_completion_request(std::string_view body, std::string& bad_param) {
  bad_param.clear();
  const Refusal refuse{bad_param};
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 16;
  json::value doc = json::parse(body, ec, {}, opts);
  if (ec || !doc.is_object()) return make_error(errc::openai::invalid_json, ec.message());
  const json::object& o = doc.get_object();
  if (auto st = check_unsupported(o, refuse); !st) return st.error();

  CompletionRequest req;
  const json::value* model = o.if_contains("model");
  if (is_null_or_absent(model)) {
    return refuse(errc::openai::missing_parameter, "model", "model is required.");
  }
  if (!model->is_string() || model->get_string().empty()) {
    return refuse(errc::openai::invalid_type, "model", "model must be a non-empty string.");
  }
  req.model = std::string(model->get_string());

  const json::value* messages = o.if_contains("messages");
  if (is_null_or_absent(messages)) {
    return refuse(errc::openai::missing_parameter, "messages", "messages is required.");
  }
  const json::array* list = messages->if_array();
  if (list == nullptr) {
    return refuse(errc::openai::invalid_type, "messages", "messages must be an array.");
  }
  if (list->empty()) {
    return refuse(errc::openai::missing_parameter, "messages", "messages must not be empty.");
  }
  req.messages.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto m = parse_message((*list)[i], i, refuse);
    if (!m) return m.error();
    req.messages.push_back(std::move(*m));
  }

  if (const json::value* s = o.if_contains("stream"); !is_null_or_absent(s)) {
    if (!s->is_bool())
      return refuse(errc::openai::invalid_type, "stream", "stream must be a boolean.");
    req.stream = s->get_bool();
  }
  if (const json::value* so = o.if_contains("stream_options"); !is_null_or_absent(so)) {
    if (!req.stream) {
      return refuse(errc::openai::unsupported_value, "stream_options",
                    "stream_options is only allowed when stream is true.");
    }
    const json::object* opts_o = so->if_object();
    if (opts_o == nullptr) {
      return refuse(errc::openai::invalid_type, "stream_options",
                    "stream_options must be an object.");
    }
    if (const json::value* iu = opts_o->if_contains("include_usage"); !is_null_or_absent(iu)) {
      if (!iu->is_bool()) {
        return refuse(errc::openai::invalid_type, "stream_options.include_usage",
                      "include_usage must be a boolean.");
      }
      req.include_usage = iu->get_bool();
    }
  }
  if (auto st = parse_sampling(o, req, refuse); !st) return st.error();
  if (const json::value* u = o.if_contains("user"); !is_null_or_absent(u)) {
    if (!u->is_string())
      return refuse(errc::openai::invalid_type, "user", "user must be a string.");
    req.user = std::string(u->get_string().subview().substr(0, 256));
  }
  return req;
}

std::string completion_id(std::string_view random_token) {
  return "chatcmpl-" + std::string(random_token);
}

std::string render_completion(const Completion& c) {
  json::object message{{"role", "assistant"}, {"content", c.content}, {"refusal", nullptr}};
  json::object choice{{"index", 0},
                      {"message", std::move(message)},
                      {"logprobs", nullptr},
                      {"finish_reason", c.finish_reason}};
  json::object usage{{"prompt_tokens", c.usage.prompt_tokens},
                     {"completion_tokens", c.usage.completion_tokens},
                     {"total_tokens", c.usage.prompt_tokens + c.usage.completion_tokens}};
  json::object body{{"id", c.id},
                    {"object", "chat.completion"},
                    {"created", c.created},
                    {"model", c.model},
                    {"choices", json::array{std::move(choice)}},
                    {"usage", std::move(usage)}};
  return json::serialize(body);
}

ChunkWriter::ChunkWriter(std::string id, std::int64_t created, std::string model,
                         bool include_usage)
    : include_usage_(include_usage) {
  prefix_ = "{\"id\":";
  append_json_string(prefix_, id);
  prefix_ += ",\"object\":\"chat.completion.chunk\",\"created\":";
  prefix_ += std::to_string(created);
  prefix_ += ",\"model\":";
  append_json_string(prefix_, model);
}

std::string ChunkWriter::chunk(std::string_view choices_json, std::string_view usage_json) const {
  std::string out = "data: ";
  out += prefix_;
  out += ",\"choices\":";
  out += choices_json;
  if (!usage_json.empty()) {
    out += ",\"usage\":";
    out += usage_json;
  }
  out += "}\n\n";
  return out;
}

std::string ChunkWriter::role() const {
  return chunk(
      R"([{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}])",
      include_usage_ ? "null" : "");
}

std::string ChunkWriter::delta(std::string_view text) const {
  std::string choices = R"([{"index":0,"delta":{"content":)";
  append_json_string(choices, text);
  choices += R"(},"logprobs":null,"finish_reason":null}])";
  return chunk(choices, include_usage_ ? "null" : "");
}

std::string ChunkWriter::finish(std::string_view finish_reason) const {
  std::string choices = R"([{"index":0,"delta":{},"logprobs":null,"finish_reason":)";
  append_json_string(choices, finish_reason);
  choices += "}]";
  return chunk(choices, include_usage_ ? "null" : "");
}

std::string ChunkWriter::usage(const Usage& u) const {
  if (!include_usage_) return {};
  const std::string usage_json =
      "{\"prompt_tokens\":" + std::to_string(u.prompt_tokens) +
      ",\"completion_tokens\":" + std::to_string(u.completion_tokens) +
      ",\"total_tokens\":" + std::to_string(u.prompt_tokens + u.completion_tokens) + "}";
  return chunk("[]", usage_json);
}

std::string_view ChunkWriter::done() { return "data: [DONE]\n\n"; }

std::string render_model_list(const std::vector<std::string>& names, std::int64_t created,
                              std::string_view owned_by) {
  json::array data;
  data.reserve(names.size());
  for (const auto& name : names) {
    data.push_back(json::object{
        {"id", name}, {"object", "model"}, {"created", created}, {"owned_by", owned_by}});
  }
  return json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
}

std::string_view error_type(Kind kind) {
  switch (kind) {
    case Kind::bad_request:
    case Kind::conflict:
    case Kind::too_large:
      return "invalid_request_error";
    case Kind::unauthorized:
      return "authentication_error";
    case Kind::forbidden:
      return "permission_error";
    case Kind::not_found:
      return "not_found_error";
    case Kind::rate_limited:
      return "rate_limit_error";
    case Kind::upstream:
      return "api_error";
    case Kind::unavailable:
    case Kind::internal:
      break;
  }
  return "server_error";
}

namespace {

std::string error_object(const Error& e, std::string_view param, int& status) {
  const PublicError pe = public_error(e);
  status = pe.status;
  json::object err{
      {"message", pe.message}, {"type", error_type(e.kind)}, {"param", nullptr}, {"code", pe.code}};
  if (!param.empty()) err["param"] = param;
  return json::serialize(json::object{{"error", std::move(err)}});
}

}  // namespace

WireError render_error(const Error& e, std::string_view param) {
  WireError out{500, {}};
  out.body = error_object(e, param, out.status);
  return out;
}

std::string stream_error(const Error& e) {
  int status = 0;
  return "data: " + error_object(e, {}, status) + "\n\n";
}

}  // namespace parley::llm::openai
