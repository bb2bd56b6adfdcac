#include "http/traceparent.hpp"

#include "core/ascii.hpp"

#include <algorithm>
#include <array>

namespace parley::http {

namespace {
constexpr std::string_view kHex = "0123456789abcdef";

bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

int hex_byte(std::string_view two) {
  return hex_digit_value(two[0]) * 16 + hex_digit_value(two[1]);
}

std::string random_id(Random& random, std::size_t bytes_len) {
  std::array<unsigned char, 16> bytes{};
  do {
    random.fill(std::span<unsigned char>(bytes.data(), bytes_len));
  } while (std::all_of(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes_len),
                       [](unsigned char b) { return b == 0; }));
  return to_hex(bytes.data(), bytes_len);
}
}  // namespace

std::optional<TraceParent> parse_traceparent(std::string_view h) {
  // Lengths: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55.
  if (h.size() < 55) return std::nullopt;
  const std::string_view version = h.substr(0, 2);
  if (!lower_hex(version) || version == "ff") return std::nullopt;
  if (h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  if (version == "00" && h.size() != 55) return std::nullopt;
  if (h.size() > 55 && h[55] != '-') return std::nullopt;
  const std::string_view trace_id = h.substr(3, 32);
  const std::string_view parent_id = h.substr(36, 16);
  const std::string_view flags = h.substr(53, 2);
  if (!lower_hex(trace_id) || !lower_hex(parent_id) || !lower_hex(flags)) return std::nullopt;
  if (all_zero(trace_id) || all_zero(parent_id)) return std::nullopt;
  TraceParent out;
  out.trace_id = std::string(trace_id);
  out.parent_id = std::string(parent_id);
  out.flags = static_cast<std::uint8_t>(hex_byte(flags));
  return out;
}

std::string to_hex(const unsigned char* bytes, std::size_t n) {
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xF];
  }
  return out;
}

std::string new_trace_id(Random& random) { return random_id(random, 16); }
std::string new_span_id(Random& random) { return random_id(random, 8); }

std::string format_traceparent(std::string_view trace_id, std::string_view span_id,
                               std::uint8_t flags) {
  std::string out;
  out.reserve(55);
  out += "00-";
  out += trace_id;
  out += '-';
  out += span_id;
  out += '-';
  out.push_back(kHex[flags >> 4]);
  out.push_back(kHex[flags & 0xF]);
  return out;
}

}  // namespace parley::http
