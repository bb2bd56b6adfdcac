#include "behaviour.hpp"

namespace mock_aoai {

namespace json = boost::json;

namespace {

std::optional<std::string> set_int(const json::value& v, int& field, int def, int lo, int hi,
                                   const char* name) {
  if (v.is_null()) {
    field = def;
    return std::nullopt;
  }
  if (!v.is_int64() && !v.is_uint64()) return std::string(name) + " must be an integer";
  const auto n = v.is_int64() ? v.get_int64() : static_cast<std::int64_t>(v.get_uint64());
  if (n < lo || n > hi) return std::string(name) + " out of range";
  field = static_cast<int>(n);
  return std::nullopt;
}

std::optional<std::string> set_opt_string(const json::value& v, std::optional<std::string>& field,
                                          const char* name) {
  if (v.is_null()) {
    field.reset();
  } else if (v.is_string()) {
    field = std::string(v.get_string());
  } else if (v.is_int64() || v.is_uint64() || v.is_double()) {
    field = json::serialize(v);  // 22 -> "22": convenient for tests
  } else {
    return std::string(name) + " must be a string";
  }
  return std::nullopt;
}

json::object filter_results_safe() {
  json::object r;
  for (const char* cat : {"hate", "self_harm", "sexual", "violence"}) {
    json::object e;
    e["filtered"] = false;
    e["severity"] = "safe";
    r[cat] = std::move(e);
  }
  return r;
}

json::object chunk_head(const StreamIds& ids, json::array choices) {
  json::object o;
  o["choices"] = std::move(choices);
  o["created"] = ids.created;
  o["id"] = ids.id;
  o["model"] = ids.model;
  o["object"] = "chat.completion.chunk";
  o["system_fingerprint"] = "fp_mock";
  return o;
}

json::object choice(json::object filter_results, json::object delta, json::value finish) {
  json::object c;
  c["content_filter_results"] = std::move(filter_results);
  c["delta"] = std::move(delta);
  c["finish_reason"] = std::move(finish);
  c["index"] = 0;
  c["logprobs"] = nullptr;
  return c;
}

std::string utf8_prefix(const std::string& s, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0U) != 0x80U) {
      if (chars == max_chars) return s.substr(0, i);
      ++chars;
    }
  }
  return s;
}

std::string content_text(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string out;
  if (const auto* parts = content.if_array()) {  // [{"type":"text","text":"..."}]
    for (const auto& p : *parts) {
      if (const auto* po = p.if_object()) {
        if (const auto* t = po->if_contains("text"); t && t->is_string()) out += t->get_string();
      }
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> merge(Behaviour& b, const json::object& patch) {
  Behaviour n = b;
  for (const auto& kv : patch) {
    const auto& v = kv.value();
    const std::string_view k = kv.key();
    std::optional<std::string> err;
    if (k == "chunks") {
      err = set_int(v, n.chunks, 20, 1, 100000, "chunks");
    } else if (k == "chunk_delay_ms") {
      err = set_int(v, n.chunk_delay_ms, 40, 0, 600000, "chunk_delay_ms");
    } else if (k == "first_token_delay_ms") {
      err = set_int(v, n.first_token_delay_ms, 0, 0, 600000, "first_token_delay_ms");
    } else if (k == "headers_delay_ms") {
      err = set_int(v, n.headers_delay_ms, 0, 0, 600000, "headers_delay_ms");
    } else if (k == "times") {
      err = set_int(v, n.times, -1, -1, 1000000, "times");
    } else if (k == "cut_after") {
      err = set_int(v, n.cut_after, 3, 0, 100000, "cut_after");
    } else if (k == "fault") {
      if (v.is_null()) {
        n.fault.clear();
      } else if (v.is_string() || v.is_int64()) {
        const std::string f = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
        static const char* const kFaults[] = {"",
                                              "401",
                                              "429",
                                              "500",
                                              "503",
                                              "content_filter_prompt",
                                              "content_filter_midstream",
                                              "cut",
                                              "stall",
                                              "bad_json"};
        bool known = false;
        for (const char* kf : kFaults) known = known || f == kf;
        if (!known) err = "unknown fault: " + f;
        n.fault = f;
      } else {
        err = "fault must be a string";
      }
    } else if (k == "retry_after_ms") {
      err = set_opt_string(v, n.retry_after_ms, "retry_after_ms");
    } else if (k == "retry_after") {
      err = set_opt_string(v, n.retry_after, "retry_after");
    } else if (k == "text") {
      err = set_opt_string(v, n.text, "text");
    } else if (k == "hold") {
      if (v.is_bool()) {
        n.hold = v.get_bool();
      } else if (v.is_null()) {
        n.hold = false;
      } else {
        err = "hold must be true or false";
      }
    } else if (k == "model") {
      if (v.is_string()) {
        n.model = std::string(v.get_string());
      } else if (v.is_null()) {
        n.model = Behaviour{}.model;
      } else {
        err = "model must be a string";
      }
    } else {
      err = "unknown key: " + std::string(k);
    }
    if (err) return err;
  }
  b = std::move(n);
  return std::nullopt;
}

json::object to_json(const Behaviour& b) {
  json::object o;
  o["chunks"] = b.chunks;
  o["chunk_delay_ms"] = b.chunk_delay_ms;
  o["first_token_delay_ms"] = b.first_token_delay_ms;
  o["headers_delay_ms"] = b.headers_delay_ms;
  o["fault"] = b.fault;
  o["times"] = b.times;
  o["cut_after"] = b.cut_after;
  o["retry_after_ms"] = b.retry_after_ms ? json::value(*b.retry_after_ms) : json::value(nullptr);
  o["retry_after"] = b.retry_after ? json::value(*b.retry_after) : json::value(nullptr);
  o["text"] = b.text ? json::value(*b.text) : json::value(nullptr);
  o["model"] = b.model;
  o["hold"] = b.hold;
  return o;
}

std::string answer_text(const Behaviour& b, const json::value& request) {
  if (b.text) return *b.text;
  std::string last_user;
  if (const auto* ro = request.if_object()) {
    if (const auto* msgs = ro->if_contains("messages"); msgs && msgs->is_array()) {
      for (const auto& m : msgs->get_array()) {
        const auto* mo = m.if_object();
        if (mo == nullptr) continue;
        const auto* role = mo->if_contains("role");
        const auto* content = mo->if_contains("content");
        if (role && role->is_string() && role->get_string() == "user" && content) {
          last_user = content_text(*content);
        }
      }
    }
  }
  return "You said: " + utf8_prefix(last_user, 60) +
         ". This is a deterministic answer from mock-azure-openai. It arrives in several chunks "
         "so that streaming can be seen. Nothing here was generated by a model.";
}

std::vector<std::string> split_pieces(const std::string& text, int n) {
  // Word starts: positions where a non-space follows a space (plus 0).
  std::vector<std::size_t> starts = {0};
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i - 1] != ' ' && text[i] == ' ') starts.push_back(i);
  }
  const std::size_t words = starts.size();
  const std::size_t pieces = std::max<std::size_t>(1, std::min<std::size_t>(words, n > 0 ? n : 1));
  std::vector<std::string> out;
  for (std::size_t p = 0; p < pieces; ++p) {
    const std::size_t from = starts[p * words / pieces];
    const std::size_t to = p + 1 == pieces ? text.size() : starts[(p + 1) * words / pieces];
    out.push_back(text.substr(from, to - from));
  }
  return out;
}

std::int64_t count_words(const std::string& text) {
  std::int64_t n = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

std::int64_t prompt_tokens(const json::value& request) {
  std::int64_t n = 0;
  if (const auto* ro = request.if_object()) {
    if (const auto* msgs = ro->if_contains("messages"); msgs && msgs->is_array()) {
      for (const auto& m : msgs->get_array()) {
        n += 3;
        if (const auto* mo = m.if_object()) {
          if (const auto* c = mo->if_contains("content")) n += count_words(content_text(*c));
        }
      }
    }
  }
  return n;
}

std::string preamble_chunk() {
  json::object pfr;
  pfr["prompt_index"] = 0;
  pfr["content_filter_results"] = filter_results_safe();
  json::object o;
  o["choices"] = json::array();
  o["created"] = 0;
  o["id"] = "";
  o["model"] = "";
  o["object"] = "";
  o["prompt_filter_results"] = json::array{std::move(pfr)};
  return json::serialize(o);
}

std::string role_chunk(const StreamIds& ids) {
  json::object delta;
  delta["content"] = "";
  delta["refusal"] = nullptr;
  delta["role"] = "assistant";
  auto o = chunk_head(ids, json::array{choice({}, std::move(delta), nullptr)});
  o["usage"] = nullptr;
  return json::serialize(o);
}

std::string content_chunk(const StreamIds& ids, const std::string& text) {
  json::object delta;
  delta["content"] = text;
  auto o = chunk_head(ids, json::array{choice(filter_results_safe(), std::move(delta), nullptr)});
  o["usage"] = nullptr;
  return json::serialize(o);
}

ContentChunkTemplate::ContentChunkTemplate(const StreamIds& ids) {
  const std::string marker = "\x01";
  const std::string whole = content_chunk(ids, marker);
  const std::string quoted = json::serialize(json::string(marker));
  const auto at = whole.find(quoted);
  prefix_ = whole.substr(0, at);
  suffix_ = whole.substr(at + quoted.size());
}

std::string ContentChunkTemplate::render(const std::string& text) const {
  return prefix_ + json::serialize(json::string(text)) + suffix_;
}

std::string finish_chunk(const StreamIds& ids, const std::string& reason) {
  auto o = chunk_head(ids, json::array{choice({}, {}, json::value(reason))});
  o["usage"] = nullptr;
  return json::serialize(o);
}

std::string usage_chunk(const StreamIds& ids, std::int64_t prompt, std::int64_t completion) {
  json::object u;
  u["completion_tokens"] = completion;
  u["completion_tokens_details"] = json::object{{"accepted_prediction_tokens", 0},
                                                {"audio_tokens", 0},
                                                {"reasoning_tokens", 0},
                                                {"rejected_prediction_tokens", 0}};
  u["prompt_tokens"] = prompt;
  u["prompt_tokens_details"] = json::object{{"audio_tokens", 0}, {"cached_tokens", 0}};
  u["total_tokens"] = prompt + completion;
  auto o = chunk_head(ids, json::array());
  o["usage"] = std::move(u);
  return json::serialize(o);
}

namespace {
std::string annotation_chunk(json::object results, json::value finish, std::int64_t offset) {
  json::object c;
  c["index"] = 0;
  c["finish_reason"] = std::move(finish);
  c["content_filter_results"] = std::move(results);
  c["content_filter_offsets"] =
      json::object{{"check_offset", 0}, {"start_offset", 0}, {"end_offset", offset}};
  json::object o;
  o["id"] = "";
  o["object"] = "";
  o["created"] = 0;
  o["model"] = "";
  o["choices"] = json::array{std::move(c)};
  o["usage"] = nullptr;
  return json::serialize(o);
}
}  // namespace

std::string filter_annotation_chunk(std::int64_t offset) {
  return annotation_chunk(filter_results_safe(), nullptr, offset);
}

std::string filter_blocked_chunk(std::int64_t offset) {
  json::object r;
  r["protected_material_text"] = json::object{{"detected", true}, {"filtered", true}};
  return annotation_chunk(std::move(r), "content_filter", offset);
}

std::string completion_body(const StreamIds& ids, const std::string& text, std::int64_t prompt,
                            std::int64_t completion) {
  json::object msg;
  msg["content"] = text;
  msg["refusal"] = nullptr;
  msg["role"] = "assistant";
  json::object c;
  c["content_filter_results"] = filter_results_safe();
  c["finish_reason"] = "stop";
  c["index"] = 0;
  c["logprobs"] = nullptr;
  c["message"] = std::move(msg);
  json::object pfr;
  pfr["prompt_index"] = 0;
  pfr["content_filter_results"] = filter_results_safe();
  json::object o;
  o["choices"] = json::array{std::move(c)};
  o["created"] = ids.created;
  o["id"] = ids.id;
  o["model"] = ids.model;
  o["object"] = "chat.completion";
  o["prompt_filter_results"] = json::array{std::move(pfr)};
  o["system_fingerprint"] = "fp_mock";
  o["usage"] = json::object{{"completion_tokens", completion},
                            {"prompt_tokens", prompt},
                            {"total_tokens", prompt + completion}};
  return json::serialize(o);
}

std::string body_401() {
  return R"({"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."}})";
}

std::string body_404_deployment() {
  return R"({"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}})";
}

std::string body_429() {
  return R"({"error":{"code":"429","message":"Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 22 seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit."}})";
}

std::string body_500() {
  return R"({"error":{"code":"InternalServerError","message":"The server had an error while processing your request. Sorry about that!"}})";
}

std::string body_content_filter_400() {
  return R"({"error":{"message":"The response was filtered due to the prompt triggering Azure Content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=21298766","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":true,"severity":"high"},"self-harm":{"filtered":true,"severity":"high"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":true,"severity":"medium"}}}}})";
}

std::string body_missing_api_version() {
  return R"({"error":{"code":"MissingApiVersionParameter","message":"The api-version query parameter (?api-version=) is required for all requests."}})";
}

std::string body_bad_request(const std::string& message) {
  json::object e;
  e["message"] = message;
  e["type"] = "invalid_request_error";
  e["param"] = nullptr;
  e["code"] = nullptr;
  return json::serialize(json::object{{"error", std::move(e)}});
}

}  // namespace mock_aoai
