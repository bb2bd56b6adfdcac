#pragma once
// ASCII case folding for protocol tokens (header names, schemes, codes):
// locale-independent, never touches bytes above 0x7f.

#include <cstddef>
#include <string_view>

namespace parley {

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// 0..15 for a hexadecimal digit (either case), -1 for anything else.
constexpr int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The 36-character hyphenated form 8-4-4-4-12 of a UUID, either case.
constexpr bool is_uuid_text(std::string_view t) {
  if (t.size() != 36) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? t[i] != '-' : hex_digit_value(t[i]) < 0) return false;
  }
  return true;
}

}  // namespace parley
