#include "auth/redirect.hpp"

#include "core/percent.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cstdint>
#include <optional>

#include "core/ascii.hpp"

namespace parley::auth {

namespace urls = boost::urls;

namespace {

constexpr std::size_t kMaxLength = 2048;

std::string root() { return std::string(1, '/'); }

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

std::uint32_t effective_port(const urls::url_view& u) {
  if (u.has_port()) return u.port_number();
  if (u.scheme_id() == urls::scheme::https) return 443;
  if (u.scheme_id() == urls::scheme::http) return 80;
  return 0;
}

bool same_origin(const urls::url_view& target, std::string_view public_origin) {
  auto origin = urls::parse_absolute_uri(public_origin);
  if (!origin || !origin->has_authority()) return false;
  const auto scheme = target.scheme_id();
  if (scheme != urls::scheme::http && scheme != urls::scheme::https) return false;
  if (!target.has_authority() || target.has_userinfo()) return false;
  if (target.has_port() && target.port().empty()) return false;  // "host:" is not an origin
  return scheme == origin->scheme_id() &&
         iequals_ascii(target.encoded_host(), origin->encoded_host()) &&
         !target.encoded_host().empty() && effective_port(target) == effective_port(*origin);
}

// The path must be one absolute path on this origin, also once decoded.
bool safe_path(std::string_view path) {
  if (!path.starts_with('/') || path.starts_with("//")) return false;
  const auto decoded = percent_decode(path, false);
  if (!decoded || decoded->starts_with("//")) return false;
  for (char c : *decoded) {
    if (is_control(static_cast<unsigned char>(c)) || c == '\\') return false;
  }
  // No dot segments, raw or encoded: "/.//evil" and "/a/../" are never needed.
  std::string_view rest(*decoded);
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the '/'
    const std::size_t end = rest.find('/');
    const std::string_view segment = rest.substr(0, end);
    if (segment == "." || segment == "..") return false;
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  return true;
}

}  // namespace

std::string safe_callback_path(std::string_view callback_url, std::string_view public_origin) {
  if (callback_url.empty() || callback_url.size() > kMaxLength) return root();
  // Browsers drop tab/CR/LF inside URLs ("/\t/evil" becomes "//evil") and
  // read '\' as '/': such input is never a legitimate callback.
  for (char c : callback_url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '\\') return root();
  }
  const auto decoded = percent_decode(callback_url, false);
  if (!decoded) return root();
  for (char c : *decoded) {
    if (is_control(static_cast<unsigned char>(c)) || c == '\\') return root();
  }

  const std::string_view target = callback_url.substr(0, callback_url.find('#'));
  std::string path;
  std::string query;
  bool has_query = false;
  if (target.starts_with('/')) {
    if (target.starts_with("//")) return root();
    auto ref = urls::parse_relative_ref(target);
    if (!ref || ref->has_authority() || ref->has_scheme()) return root();
    path = std::string(ref->encoded_path());
    has_query = ref->has_query();
    if (has_query) query = std::string(ref->encoded_query());
  } else {
    auto uri = urls::parse_absolute_uri(target);
    if (!uri || !same_origin(*uri, public_origin)) return root();
    path = std::string(uri->encoded_path());
    if (path.empty()) path.push_back('/');
    has_query = uri->has_query();
    if (has_query) query = std::string(uri->encoded_query());
  }
  if (!safe_path(path)) return root();
  if (has_query) {
    path += '?';
    path += query;
  }
  return path;
}

}  // namespace parley::auth
