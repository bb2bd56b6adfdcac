#pragma once
// Classification of a non-2xx Azure OpenAI response (status, headers, body)
// into a kind, a retry delay and a user-readable message. Pure; never throws.
// The upstream message goes to `detail` (log only), never to users.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace parley::llm {

// (name, value) pairs as received; names compared case-insensitively.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

enum class UpstreamErrorKind {
  rate_limited,    // 429
  content_filter,  // 400 with error.code "content_filter" (or innererror
                   // ResponsibleAIPolicyViolation)
  auth,            // 401, 403
  not_found,       // 404 (e.g. DeploymentNotFound)
  bad_request,     // other 400, 413, 422
  server,          // 5xx, 408
  other,
};

struct UpstreamError {
  UpstreamErrorKind kind = UpstreamErrorKind::other;
  int status = 0;
  bool retryable = false;                      // 429, 408, 5xx
  std::optional<std::int64_t> retry_after_ms;  // from headers, capped; absent if none usable
  std::string upstream_code;                   // error.code as sent (log only)
  std::string detail;                          // error.message as sent (log only)
  std::vector<std::string> filter_categories;  // content_filter: categories with filtered:true
  std::string user_message;                    // safe to show to the user
};

constexpr std::int64_t kMaxRetryAfterMs = 60'000;

// Never throws; a body that is not Azure-shaped JSON only loses the detail.
UpstreamError classify(int status, const HeaderList& headers, std::string_view body,
                       std::int64_t now_epoch_seconds);

// Retry delay from `retry-after-ms`, then `x-ms-retry-after-ms`, then
// `retry-after` (delay-seconds or IMF-fixdate relative to now). A header whose
// value is unusable (empty, negative, non-numeric, exponent, bad date) is
// skipped as if absent. Results are floored at 0 and capped at cap_ms (a huge
// or overflowing all-digit value is capped, not rejected).
std::optional<std::int64_t> retry_after_ms(const HeaderList& headers,
                                           std::int64_t now_epoch_seconds,
                                           std::int64_t cap_ms = kMaxRetryAfterMs);

// RFC 9110 5.6.7 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") -> epoch seconds.
std::optional<std::int64_t> parse_http_date(std::string_view text);

// Stable Parley error for the kind: "llm.rate_limited", "llm.content_filter",
// "llm.auth", "llm.not_found", "llm.bad_request", "llm.unavailable",
// "llm.upstream_error"; detail carries status, upstream code and message.
Error to_error(const UpstreamError& e);

const char* kind_name(UpstreamErrorKind kind);

}  // namespace parley::llm

namespace parley::errc::llm {
// Failures of the model. Kind internal: each one is translated before it
// reaches a caller (chat::public_error for the chat stream, the /v1 handlers'
// upstream_error for the API), which route on these constants, not on kinds.
// `to_error` makes the first seven from an Azure answer (UpstreamErrorKind).
inline constexpr ErrorCode rate_limited{Kind::internal, "llm.rate_limited"};
inline constexpr ErrorCode content_filter{Kind::internal, "llm.content_filter"};
inline constexpr ErrorCode auth{Kind::internal, "llm.auth"};
inline constexpr ErrorCode not_found{Kind::internal, "llm.not_found"};
inline constexpr ErrorCode bad_request{Kind::internal, "llm.bad_request"};
inline constexpr ErrorCode unavailable{Kind::internal, "llm.unavailable"};
inline constexpr ErrorCode upstream_error{Kind::internal, "llm.upstream_error"};
// A stream chunk that is not a JSON object, or a completion that is not JSON.
inline constexpr ErrorCode bad_chunk{Kind::internal, "llm.bad_chunk"};
// No data within the first-token or idle timeout.
inline constexpr ErrorCode timeout{Kind::internal, "llm.timeout"};
// The caller (or the client going away) cancelled the call.
inline constexpr ErrorCode cancelled{Kind::internal, "llm.cancelled"};
// The stream ended, or broke, before [DONE].
inline constexpr ErrorCode cut{Kind::internal, "llm.cut"};
// No token toward Azure OpenAI could be obtained; every credential mode fails
// alike (the answer's error event: upstream_unavailable).
inline constexpr ErrorCode credential{Kind::internal, "llm.credential"};
}  // namespace parley::errc::llm

// The SSE parser (llm/sse_parser.hpp).
namespace parley::errc::sse {
inline constexpr ErrorCode too_large{Kind::internal, "sse.too_large"};
inline constexpr ErrorCode truncated{Kind::internal, "sse.truncated"};
}  // namespace parley::errc::sse

// The OpenAI-compatible API (/v1; llm/openai_wire.hpp). Public codes are
// OpenAI's where it has one for the case, so clients that branch on them work.
namespace parley::errc::openai {
inline constexpr ErrorCode invalid_json{Kind::bad_request, "openai.invalid_json", "invalid_json",
                                        "The request body is not a JSON object."};
inline constexpr ErrorCode missing_parameter{Kind::bad_request, "openai.missing_parameter",
                                             "missing_required_parameter"};
inline constexpr ErrorCode invalid_type{Kind::bad_request, "openai.invalid_type", "invalid_type"};
inline constexpr ErrorCode invalid_value{Kind::bad_request, "openai.invalid_value",
                                         "invalid_value"};
inline constexpr ErrorCode unsupported_parameter{Kind::bad_request, "openai.unsupported_parameter",
                                                 "unsupported_parameter"};
inline constexpr ErrorCode unsupported_value{Kind::bad_request, "openai.unsupported_value",
                                             "unsupported_value"};
// DESIGN.md: an unknown model answers 404 with code model_not_found.
inline constexpr ErrorCode model_not_found{
    Kind::not_found, "openai.model_not_found", "model_not_found",
    "The model does not exist or is not available here; GET /v1/models lists the models."};
}  // namespace parley::errc::openai
