#include "llm/sse_parser.hpp"

#include "llm/errors.hpp"

namespace parley::llm {

namespace {
constexpr std::string_view kBom = "\xEF\xBB\xBF";
}

Status SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  if (failed_) return make_error(errc::sse::too_large, "event exceeded the size limit earlier");
  if (!bom_done_) {
    // WHATWG: one leading U+FEFF is ignored; it may be split across feeds.
    while (!bytes.empty() && bom_probe_.size() < kBom.size()) {
      bom_probe_ += bytes.front();
      bytes.remove_prefix(1);
      if (kBom.substr(0, bom_probe_.size()) != bom_probe_) break;
    }
    if (bom_probe_.size() < kBom.size() && kBom.substr(0, bom_probe_.size()) == bom_probe_) {
      return {};  // still a possible BOM prefix: wait for more bytes
    }
    bom_done_ = true;
    std::string held;
    held.swap(bom_probe_);
    if (held != kBom) {
      if (auto st = consume(held, out); !st) return st;
    }
  }
  return consume(bytes, out);
}

Status SseParser::consume(std::string_view bytes, std::vector<SseEvent>& out) {
  while (!bytes.empty()) {
    if (after_cr_) {
      after_cr_ = false;
      if (bytes.front() == '\n') {
        bytes.remove_prefix(1);
        continue;
      }
    }
    const auto eol = bytes.find_first_of("\r\n");
    const auto take = eol == std::string_view::npos ? bytes.size() : eol;
    if (line_.size() + take + data_.size() > max_event_bytes_) {
      failed_ = true;
      line_.clear();
      data_.clear();
      return make_error(errc::sse::too_large,
                        "event larger than " + std::to_string(max_event_bytes_));
    }
    if (eol == std::string_view::npos) {
      line_.append(bytes);
      return {};
    }
    if (line_.empty()) {
      process_line(bytes.substr(0, eol), out);
    } else {
      line_.append(bytes.substr(0, eol));
      process_line(line_, out);
      line_.clear();
    }
    after_cr_ = bytes[eol] == '\r';
    bytes.remove_prefix(eol + 1);
  }
  return {};
}

void SseParser::process_line(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    dispatch(out);
    return;
  }
  if (line.front() == ':') return;  // comment
  std::string_view field = line;
  std::string_view value;
  if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    data_.append(value);
    data_ += '\n';
    pending_fields_ = true;
  } else if (field == "event") {
    event_type_.assign(value);
    pending_fields_ = true;
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
  }
  // "retry" and unknown fields are ignored (reconnection is the client's policy).
}

void SseParser::dispatch(std::vector<SseEvent>& out) {
  pending_fields_ = false;
  if (data_.empty()) {  // spec: no data -> reset and do not dispatch
    event_type_.clear();
    return;
  }
  data_.pop_back();  // the trailing '\n'
  SseEvent ev;
  ev.event = event_type_.empty() ? std::string("message") : std::move(event_type_);
  ev.data = std::move(data_);
  ev.id = last_id_;
  out.push_back(std::move(ev));
  data_.clear();
  event_type_.clear();
}

Status SseParser::finish(std::vector<SseEvent>& /*out*/) {
  if (failed_) return make_error(errc::sse::too_large, "event exceeded the size limit earlier");
  const bool partial =
      !line_.empty() || pending_fields_ || !data_.empty() || (!bom_done_ && !bom_probe_.empty());
  line_.clear();
  data_.clear();
  event_type_.clear();
  pending_fields_ = false;
  if (partial) return make_error(errc::sse::truncated, "stream ended inside an event");
  return {};
}

}  // namespace parley::llm
