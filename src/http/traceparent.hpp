#pragma once
// W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/):
//   version "-" trace-id "-" parent-id "-" trace-flags
//   00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
// Pure; randomness is injected.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/random.hpp"

namespace parley::http {

struct TraceParent {
  std::string trace_id;   // 32 lowercase hex digits, not all zero
  std::string parent_id;  // 16 lowercase hex digits, not all zero
  std::uint8_t flags = 0;
};

// nullopt for anything the spec says to ignore: wrong lengths, uppercase or
// non-hex digits, version ff, all-zero ids, version 00 with trailing data.
// Versions above 00 are parsed by the 00 rules and may carry more fields
// after a '-' (forward compatibility, section 4.3).
std::optional<TraceParent> parse_traceparent(std::string_view header);

// New random ids (never all zero), lowercase hex.
std::string new_trace_id(Random& random);
std::string new_span_id(Random& random);
// Lowercase hex of `n` bytes (helper for callers that pool randomness).
std::string to_hex(const unsigned char* bytes, std::size_t n);

// "00-<trace_id>-<span_id>-<flags>"; flags 01 = sampled.
std::string format_traceparent(std::string_view trace_id, std::string_view span_id,
                               std::uint8_t flags = 1);

}  // namespace parley::http
