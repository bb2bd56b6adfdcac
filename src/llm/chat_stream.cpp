#include "llm/chat_stream.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "llm/errors.hpp"

namespace parley::llm {

namespace json = boost::json;

namespace {

bool entry_filtered(const json::value& v) {
  if (const auto* o = v.if_object()) {
    if (const auto* f = o->if_contains("filtered"); f && f->is_bool()) return f->get_bool();
    return false;
  }
  if (const auto* a = v.if_array()) {  // older custom_blocklists shape: [{filtered,id}]
    return std::any_of(a->begin(), a->end(), entry_filtered);
  }
  return false;
}

void collect_filtered(const json::value* results, std::vector<std::string>& out) {
  if (results == nullptr) return;
  const auto* o = results->if_object();
  if (o == nullptr) return;
  for (const auto& kv : *o) {
    // An "error" annotation means that filter did not run (e.g. a timeout):
    // it is reported, not a block.
    if (kv.key() == "error") continue;
    if (entry_filtered(kv.value())) out.emplace_back(kv.key());
  }
}

std::string string_or_empty(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->get_string());
  return {};
}

// PostgreSQL text cannot hold U+0000 (libpq would cut the answer there) and
// a browser shows nothing for it: it becomes U+FFFD, in the stream and in
// the stored answer alike.
std::string without_nul(std::string text) {
  if (text.find('\0') == std::string::npos) return text;
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    if (c == '\0') {
      out += "\xEF\xBF\xBD";
    } else {
      out += c;
    }
  }
  return out;
}

std::int64_t int_or_zero(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key)) {
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
    if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  }
  return 0;
}

}  // namespace

std::vector<std::string> filtered_categories_in(std::string_view json_object_text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  const auto v = json::parse(json_object_text, ec);
  if (!ec) collect_filtered(&v, out);
  return out;
}

Status ChatStreamDecoder::decode(const SseEvent& event, std::vector<StreamItem>& out) {
  if (done_) return {};
  std::string_view data = event.data;
  while (!data.empty() && (data.front() == ' ' || data.front() == '\t')) data.remove_prefix(1);
  while (!data.empty() && (data.back() == ' ' || data.back() == '\t')) data.remove_suffix(1);
  if (data.empty()) return {};
  if (data == "[DONE]") {
    done_ = true;
    out.emplace_back(Done{});
    return {};
  }
  boost::system::error_code ec;
  const auto root = json::parse(data, ec);
  if (ec || !root.is_object()) {
    return make_error(errc::llm::bad_chunk, ec ? "invalid JSON: " + ec.message() : "not an object");
  }
  const auto& chunk = root.get_object();

  if (const auto* err = chunk.if_contains("error"); err && !err->is_null()) {
    std::string message = "upstream error";
    std::string code;
    if (const auto* eo = err->if_object()) {
      if (auto m = string_or_empty(*eo, "message"); !m.empty()) message = std::move(m);
      if (const auto* c = eo->if_contains("code")) {
        code = c->is_string() ? std::string(c->get_string()) : json::serialize(*c);
      }
    } else if (err->is_string()) {
      message = std::string(err->get_string());
    }
    if (code == "content_filter") {
      out.emplace_back(Finish{"content_filter"});
      return {};
    }
    return make_error(errc::llm::upstream_error, code.empty() ? message : code + ": " + message);
  }

  if (!model_seen_) {
    if (auto model = string_or_empty(chunk, "model"); !model.empty()) {
      model_seen_ = true;
      out.emplace_back(ModelName{std::move(model)});
    }
  }

  if (const auto* pfr = chunk.if_contains("prompt_filter_results"); pfr && pfr->is_array()) {
    for (const auto& entry : pfr->get_array()) {
      const auto* eo = entry.if_object();
      if (eo == nullptr) continue;
      std::vector<std::string> cats;
      collect_filtered(eo->if_contains("content_filter_results"), cats);
      for (auto& c : cats) out.emplace_back(FilterAlarm{"prompt", std::move(c)});
    }
  }

  if (const auto* choices = chunk.if_contains("choices"); choices && choices->is_array()) {
    for (const auto& choice : choices->get_array()) {
      const auto* co = choice.if_object();
      if (co == nullptr) continue;
      if (int_or_zero(*co, "index") != 0) continue;
      std::vector<std::string> cats;
      collect_filtered(co->if_contains("content_filter_results"), cats);
      for (auto& c : cats) out.emplace_back(FilterAlarm{"completion", std::move(c)});
      if (const auto* delta = co->if_contains("delta"); delta && delta->is_object()) {
        if (auto text = string_or_empty(delta->get_object(), "content"); !text.empty()) {
          out.emplace_back(TextDelta{without_nul(std::move(text))});
        }
      }
      if (auto reason = string_or_empty(*co, "finish_reason"); !reason.empty()) {
        out.emplace_back(Finish{std::move(reason)});
      }
    }
  }

  if (const auto* usage = chunk.if_contains("usage"); usage && usage->is_object()) {
    const auto& uo = usage->get_object();
    out.emplace_back(Usage{int_or_zero(uo, "prompt_tokens"), int_or_zero(uo, "completion_tokens"),
                           int_or_zero(uo, "total_tokens")});
  }
  return {};
}

Result<std::vector<StreamItem>> ChatStreamDecoder::decode(const SseEvent& event) {
  std::vector<StreamItem> items;
  if (auto st = decode(event, items); !st) return st.error();
  return items;
}

std::string filter_category_label(std::string_view category) {
  if (category == "hate") return "hate";
  if (category == "self_harm" || category == "self-harm") return "self-harm";
  if (category == "sexual") return "sexual content";
  if (category == "violence") return "violence";
  if (category == "profanity") return "profanity";
  if (category == "jailbreak") return "jailbreak attempt";
  if (category == "indirect_attack") return "indirect attack";
  if (category == "protected_material_text" || category == "protected_material_code") {
    return "protected material";
  }
  if (category == "custom_blocklists") return "blocklist";
  const bool ident = !category.empty() && category.size() <= 40 &&
                     std::all_of(category.begin(), category.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || c == '_' || c == '-';
                     });
  if (!ident) return "policy";
  std::string out(category);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

namespace {
std::string join_labels(const std::vector<std::string>& categories) {
  std::vector<std::string> labels;
  for (const auto& c : categories) {
    auto l = filter_category_label(c);
    if (std::find(labels.begin(), labels.end(), l) == labels.end()) labels.push_back(std::move(l));
  }
  std::string out;
  for (const auto& l : labels) {
    if (!out.empty()) out += ", ";
    out += l;
  }
  return out;
}
}  // namespace

std::string content_filter_answer_message(const std::vector<std::string>& categories) {
  const auto labels = join_labels(categories);
  if (labels.empty()) return "The answer was stopped by the content filter.";
  return "The answer was stopped by the content filter (" + labels + ").";
}

std::string content_filter_request_message(const std::vector<std::string>& categories) {
  const auto labels = join_labels(categories);
  if (labels.empty()) return "The request was blocked by the content filter.";
  return "The request was blocked by the content filter (" + labels + ").";
}

}  // namespace parley::llm
