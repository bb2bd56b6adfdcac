#include "http/request_target.hpp"

#include "core/ascii.hpp"

namespace parley::http {

std::optional<RequestTarget> parse_request_target(std::string_view target, Method method) {
  RequestTarget out;
  if (target == "*") {
    if (method != Method::options) return std::nullopt;
    out.raw_path = target;
  } else if (!target.empty() && target.front() == '/') {
    out.raw_path = target.substr(0, target.find('?'));
  } else {
    const std::size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    const std::string_view scheme = target.substr(0, scheme_end);
    if (!iequals_ascii(scheme, "http") && !iequals_ascii(scheme, "https")) return std::nullopt;
    const std::string_view rest = target.substr(scheme_end + 3);
    const std::size_t start = rest.find_first_of("/?");
    target = start == std::string_view::npos ? std::string_view{} : rest.substr(start);
    out.raw_path = target.substr(0, target.find('?'));
    if (out.raw_path.empty()) out.raw_path = "/";
  }
  if (const auto q = target.find('?'); q != std::string_view::npos)
    out.query = target.substr(q + 1);
  auto decoded = percent_decode(out.raw_path, false);
  if (!decoded || decoded->find('\0') != std::string::npos) return std::nullopt;
  out.path = std::move(*decoded);
  return out;
}

}  // namespace parley::http
