#include "chat/proto.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "chat/errors.hpp"
#include "core/ascii.hpp"
#include "core/base64url.hpp"
#include "http/sse.hpp"
#include "llm/errors.hpp"
#include "llm/request.hpp"

namespace parley::chat {

namespace json = boost::json;

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Byte length of the first `n` code points of valid UTF-8.
std::size_t prefix_bytes(std::string_view s, std::size_t n) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0U) != 0x80U) {
      if (count == n) return i;
      ++count;
    }
  }
  return s.size();
}

// The body as a JSON object, or chat.invalid_json.
Result<json::object> parse_object(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return make_public_error(errc::chat::invalid_json, "The body is not valid JSON");
  if (!v.is_object()) return make_public_error(errc::chat::invalid_json, "The body must be a JSON object");
  return std::move(v.as_object());
}

Result<std::string> title_field(const json::object& o) {
  const json::value* t = o.if_contains("title");
  if (t == nullptr) return make_public_error(errc::chat::bad_request, "title is required");
  if (!t->is_string()) return make_public_error(errc::chat::bad_request, "title must be a string");
  std::string_view s(t->as_string());
  if (!valid_utf8(s)) return make_public_error(errc::chat::bad_request, "title must be valid UTF-8");
  s = trim(s);
  if (s.empty()) return make_public_error(errc::chat::bad_request, "title must not be empty");
  if (llm::utf8_length(s) > kMaxTitleChars) {
    return make_public_error(errc::chat::bad_request, "title must be at most 200 characters");
  }
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\0') {
      return make_public_error(errc::chat::bad_request, "title must be one line");
    }
  }
  return std::string(s);
}

void add_usage(json::object& o, const std::optional<UsageCounts>& usage) {
  if (usage) {
    o["usage"] = json::object{{"prompt_tokens", usage->prompt_tokens},
                              {"completion_tokens", usage->completion_tokens}};
  } else {
    o["usage"] = nullptr;
  }
}

}  // namespace

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0U) == 0xC0U) {
      n = 1;
      cp = c & 0x1FU;
    } else if ((c & 0xF0U) == 0xE0U) {
      n = 2;
      cp = c & 0x0FU;
    } else if ((c & 0xF8U) == 0xF0U) {
      n = 3;
      cp = c & 0x07U;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0U) != 0x80U) return false;
      cp = (cp << 6) | (cc & 0x3FU);
    }
    // Overlong forms, surrogates and values above U+10FFFF are invalid.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

bool is_uuid(std::string_view t) { return is_uuid_text(t); }

namespace {

// `model`: absent, null (the default model) or a non-empty string.
Status model_field(const json::object& o, ConversationFields& out) {
  const json::value* m = o.if_contains("model");
  if (m == nullptr) return Status{};
  out.has_model = true;
  if (m->is_null()) return Status{};
  if (!m->is_string() || m->as_string().empty()) {
    return make_public_error(errc::chat::bad_request, "model must be a model name or null");
  }
  out.model = std::string(m->as_string());
  return Status{};
}

}  // namespace

Result<ConversationFields> parse_create_body(std::string_view body) {
  ConversationFields out;
  if (trim(body).empty()) return out;
  auto o = parse_object(body);
  if (!o) return o.error();
  if (o->contains("title") && !o->at("title").is_null()) {
    auto t = title_field(*o);
    if (!t) return t.error();
    out.title = std::move(*t);
  }
  if (auto m = model_field(*o, out); !m) return m.error();
  return out;
}

Result<ConversationFields> parse_update_body(std::string_view body) {
  auto o = parse_object(body);
  if (!o) return o.error();
  ConversationFields out;
  if (o->contains("title")) {
    auto t = title_field(*o);
    if (!t) return t.error();
    out.title = std::move(*t);
  }
  if (auto m = model_field(*o, out); !m) return m.error();
  if (!out.title && !out.has_model) {
    return make_public_error(errc::chat::bad_request, "title or model is required");
  }
  return out;
}

Result<std::string> parse_message_body(std::string_view body) {
  // JSON escapes can only make the decoded text shorter than the body, so a
  // body within the limit cannot hold content above it; the exact check
  // follows on the decoded text.
  auto o = parse_object(body);
  if (!o) return o.error();
  const json::value* c = o->if_contains("content");
  if (c == nullptr) return make_public_error(errc::chat::bad_request, "content is required");
  if (!c->is_string()) return make_public_error(errc::chat::bad_request, "content must be a string");
  std::string_view s(c->as_string());
  if (s.size() > kMaxContentBytes) {
    return make_public_error(errc::chat::too_large, "content must be at most 32 KB");
  }
  if (!valid_utf8(s)) return make_public_error(errc::chat::bad_request, "content must be valid UTF-8");
  // PostgreSQL text cannot store U+0000: refused rather than silently cut.
  if (s.find('\0') != std::string_view::npos) {
    return make_public_error(errc::chat::bad_request, "content must not contain the NUL character (U+0000)");
  }
  if (trim(s).empty()) return make_public_error(errc::chat::bad_request, "content must not be empty");
  return std::string(s);
}

Result<int> parse_limit(const std::optional<std::string>& text) {
  if (!text) return kDefaultPageSize;
  if (text->empty() || text->size() > 3) {
    return make_public_error(errc::chat::bad_request, "limit must be an integer from 1 to 100");
  }
  int v = 0;
  for (char c : *text) {
    if (c < '0' || c > '9')
      return make_public_error(errc::chat::bad_request, "limit must be an integer from 1 to 100");
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > kMaxPageSize) {
    return make_public_error(errc::chat::bad_request, "limit must be an integer from 1 to 100");
  }
  return v;
}

std::string encode_cursor(const CursorKey& key) {
  return base64url_encode("v1|" + key.updated_at + "|" + key.id);
}

std::optional<CursorKey> decode_cursor(std::string_view cursor) {
  if (cursor.empty() || cursor.size() > 200) return std::nullopt;
  auto raw = base64url_decode(cursor);
  if (!raw) return std::nullopt;
  std::string_view s = *raw;
  if (!s.starts_with("v1|")) return std::nullopt;
  s.remove_prefix(3);
  const auto bar = s.find('|');
  if (bar == std::string_view::npos) return std::nullopt;
  const std::string_view at = s.substr(0, bar);
  const std::string_view id = s.substr(bar + 1);
  if (!is_uuid(id) || at.size() < 19 || at.size() > 40) return std::nullopt;
  // timestamptz text: digits, '-', ':', '.', '+', and one space.
  for (char c : at) {
    const bool ok =
        (c >= '0' && c <= '9') || c == '-' || c == ':' || c == '.' || c == '+' || c == ' ';
    if (!ok) return std::nullopt;
  }
  if (at[4] != '-' || at[7] != '-' || at[10] != ' ') return std::nullopt;
  return CursorKey{std::string(at), std::string(id)};
}

std::string start_frame(std::string_view user_message_id, std::string_view assistant_message_id) {
  json::object o{{"user_message_id", user_message_id},
                 {"assistant_message_id", assistant_message_id}};
  return http::sse_frame("start", json::serialize(o));
}

std::string delta_frame(std::string_view text) {
  json::object o{{"text", text}};
  return http::sse_frame("delta", json::serialize(o));
}

std::string title_frame(std::string_view title) {
  json::object o{{"title", title}};
  return http::sse_frame("title", json::serialize(o));
}

std::string done_frame(std::string_view message_id, std::string_view status,
                       const std::optional<std::string>& finish_reason,
                       const std::optional<UsageCounts>& usage) {
  json::object o{{"message_id", message_id}, {"status", status}};
  if (finish_reason) {
    o["finish_reason"] = *finish_reason;
  } else {
    o["finish_reason"] = nullptr;
  }
  add_usage(o, usage);
  return http::sse_frame("done", json::serialize(o));
}

std::string error_frame(std::string_view code, std::string_view message,
                        std::string_view message_id) {
  json::object o{{"code", code}, {"message", message}, {"message_id", message_id}};
  return http::sse_frame("error", json::serialize(o));
}

void AnswerState::apply(const llm::StreamItem& item, std::string& delta_out) {
  if (const auto* d = std::get_if<llm::TextDelta>(&item)) {
    text += d->text;
    delta_out += d->text;
  } else if (const auto* f = std::get_if<llm::Finish>(&item)) {
    finish_reason = f->reason;
    if (f->reason == "content_filter") filtered = true;
  } else if (const auto* u = std::get_if<llm::Usage>(&item)) {
    usage = UsageCounts{u->prompt_tokens, u->completion_tokens};
  } else if (const auto* m = std::get_if<llm::ModelName>(&item)) {
    if (!model) model = m->model;
  } else if (const auto* a = std::get_if<llm::FilterAlarm>(&item)) {
    if (a->source == "completion") filtered = true;
  } else if (std::holds_alternative<llm::Done>(item)) {
    done = true;
  }
}

PublicError public_error(const Error& e) {
  if (e.is(errc::llm::rate_limited)) {
    return {"rate_limited",
            "The model is receiving too many requests. Please try again in a moment."};
  }
  if (e.is(errc::llm::timeout))
    return {"upstream_timeout", "The model did not answer in time. Please try again."};
  if (e.is(errc::llm::cut))
    return {"upstream_interrupted", "The answer was interrupted. Please try again."};
  if (e.is(errc::llm::content_filter))
    return {"content_filter", "The request was blocked by the content filter."};
  if (e.code.starts_with("db."))
    return {"unavailable", "The answer could not be saved. Please try again."};
  return {"upstream_unavailable", "The model is unavailable right now. Please try again later."};
}

std::string fallback_title(std::string_view user_message) {
  std::string collapsed;
  bool space = false;
  for (char c : trim(user_message)) {
    if (is_space(c)) {
      space = true;
      continue;
    }
    if (space && !collapsed.empty()) collapsed += ' ';
    space = false;
    collapsed += c;
  }
  if (llm::utf8_length(collapsed) <= kMaxGeneratedTitleChars) {
    return collapsed.empty() ? std::string(kDefaultTitle) : collapsed;
  }
  std::string cut = collapsed.substr(0, prefix_bytes(collapsed, kMaxGeneratedTitleChars - 1));
  if (const auto sp = cut.rfind(' '); sp != std::string::npos && sp >= cut.size() / 2)
    cut.resize(sp);
  return cut + "\xE2\x80\xA6";  // U+2026
}

std::optional<std::string> clean_generated_title(std::string_view raw) {
  std::string_view s = trim(raw);
  if (const auto nl = s.find_first_of("\r\n"); nl != std::string_view::npos)
    s = trim(s.substr(0, nl));
  if (s.starts_with("Title:") || s.starts_with("title:")) s = trim(s.substr(6));
  while (!s.empty() && (s.front() == '"' || s.front() == '\'' || s.front() == '*'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == '"' || s.back() == '\'' || s.back() == '*' || s.back() == '.')) {
    s.remove_suffix(1);
  }
  s = trim(s);
  if (s.empty() || !valid_utf8(s) || s.find('\0') != std::string_view::npos) return std::nullopt;
  std::string out(s.substr(0, prefix_bytes(s, kMaxGeneratedTitleChars)));
  return out;
}

std::string conversation_title(std::optional<std::string_view> model_title,
                               std::string_view user_message) {
  std::optional<std::string> title;
  if (model_title) title = clean_generated_title(*model_title);
  return title ? std::move(*title) : fallback_title(user_message);
}

std::vector<llm::ChatMessage> title_prompt(std::string_view user_message, std::string_view answer) {
  auto clip = [](std::string_view s) { return std::string(s.substr(0, prefix_bytes(s, 1000))); };
  return {
      {"system",
       "Write a short title (at most 6 words) for this conversation. Reply with the title only, "
       "without quotes or a trailing period."},
      {"user", "User: " + clip(user_message) + "\n\nAssistant: " + clip(answer)},
  };
}

}  // namespace parley::chat
