#include "sse.hpp"

namespace chat_load {

void SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  pending_.append(bytes);
  std::size_t begin = 0;
  for (;;) {
    const auto nl = pending_.find('\n', begin);
    if (nl == std::string::npos) break;
    std::string_view text(pending_.data() + begin, nl - begin);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    line(text, out);
    begin = nl + 1;
  }
  pending_.erase(0, begin);
}

void SseParser::line(std::string_view text, std::vector<SseEvent>& out) {
  if (text.empty()) {  // end of an event
    if (has_data_ || !current_.name.empty()) out.push_back(std::move(current_));
    current_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (text.front() == ':') return;
  const auto colon = text.find(':');
  std::string_view field = text.substr(0, colon);
  std::string_view value =
      colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "event") {
    current_.name = std::string(value);
  } else if (field == "data") {
    if (has_data_) current_.data += '\n';
    current_.data.append(value);
    has_data_ = true;
  }
}

}  // namespace chat_load
