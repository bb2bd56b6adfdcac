#include "llm/errors.hpp"

#include <gtest/gtest.h>

#include "llm/samples.hpp"

namespace parley::llm {
namespace {

constexpr std::int64_t kNow = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT

struct RetryCase {
  const char* name;
  HeaderList headers;
  std::optional<std::int64_t> expected;
};

void PrintTo(const RetryCase& c, std::ostream* os) { *os << c.name; }

class RetryAfterTable : public ::testing::TestWithParam<RetryCase> {};

TEST_P(RetryAfterTable, ParsesCapsOrIgnores) {
  const auto& c = GetParam();
  EXPECT_EQ(retry_after_ms(c.headers, kNow), c.expected) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RetryAfterTable,
    ::testing::Values(
        RetryCase{"sample_both", {{"retry-after", "22"}, {"retry-after-ms", "22000"}}, 22000},
        RetryCase{"ms_first", {{"retry-after", "5"}, {"retry-after-ms", "1500"}}, 1500},
        RetryCase{"ms_case_insensitive", {{"Retry-After-Ms", "250"}}, 250},
        RetryCase{"x_ms_header", {{"x-ms-retry-after-ms", "700"}}, 700},
        RetryCase{"ms_fraction", {{"retry-after-ms", "12.5"}}, 12},
        RetryCase{"seconds", {{"retry-after", "3"}}, 3000},
        RetryCase{"seconds_with_spaces", {{"retry-after", " 3 "}}, 3000},
        RetryCase{"zero", {{"retry-after", "0"}}, 0},
        RetryCase{"http_date_future", {{"retry-after", "Wed, 21 Oct 2015 07:28:10 GMT"}}, 10000},
        RetryCase{"http_date_now", {{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}, 0},
        RetryCase{"http_date_past_floored", {{"retry-after", "Tue, 20 Oct 2015 07:28:00 GMT"}}, 0},
        RetryCase{
            "http_date_far_capped", {{"retry-after", "Sun, 21 Oct 2035 07:28:00 GMT"}}, 60000},
        RetryCase{"seconds_huge_capped", {{"retry-after", "3600"}}, 60000},
        RetryCase{"ms_huge_capped", {{"retry-after-ms", "99999999999"}}, 60000},
        RetryCase{
            "ms_overflow_capped", {{"retry-after-ms", "99999999999999999999999999999"}}, 60000},
        RetryCase{"ms_garbage_falls_back", {{"retry-after-ms", "abc"}, {"retry-after", "2"}}, 2000},
        RetryCase{"ms_negative_ignored", {{"retry-after-ms", "-5"}}, std::nullopt},
        RetryCase{"ms_exponent_ignored", {{"retry-after-ms", "1e309"}}, std::nullopt},
        RetryCase{"empty_ignored", {{"retry-after-ms", ""}, {"retry-after", ""}}, std::nullopt},
        RetryCase{"trailing_dot_ignored", {{"retry-after", "5."}}, std::nullopt},
        RetryCase{
            "bad_date_ignored", {{"retry-after", "Wed, 32 Oct 2015 07:28:00 GMT"}}, std::nullopt},
        RetryCase{"rfc850_date_ignored",
                  {{"retry-after", "Wednesday, 21-Oct-15 07:28:00 GMT"}},
                  std::nullopt},
        RetryCase{"no_headers", {{"content-type", "application/json"}}, std::nullopt}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(HttpDate, ParsesImfFixdate) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 24:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date(""), std::nullopt);
}

std::string sample_429_body() {
  const auto text =
      testing::read_file(testing::source_dir() + "/../shared/samples/aoai-error-429.http.txt");
  const auto start = text.find("{\"error\"");
  if (start == std::string::npos) {
    return R"({"error":{"code":"429","message":"Requests ... have exceeded token rate limit."}})";
  }
  return text.substr(start, text.find('\n', start) - start);
}

TEST(Classify, RateLimitedWithRetryAfter) {
  const auto e =
      classify(429, {{"retry-after", "22"}, {"retry-after-ms", "22000"}}, sample_429_body(), kNow);
  EXPECT_EQ(e.kind, UpstreamErrorKind::rate_limited);
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.retry_after_ms, 22000);
  EXPECT_EQ(e.upstream_code, "429");
  EXPECT_EQ(to_error(e).code, "llm.rate_limited");
  EXPECT_EQ(e.user_message.find("token rate limit"), std::string::npos);  // no upstream text
}

TEST(Classify, ContentFilterPromptSample) {
  const std::string body = R"({
    "error": {
        "message": "The response was filtered due to the prompt triggering Azure Content management policy.",
        "type": null, "param": "prompt", "code": "content_filter", "status": 400,
        "innererror": {
            "code": "ResponsibleAIPolicyViolation",
            "content_filter_result": {
                "hate": {"filtered": true, "severity": "high"},
                "self-harm": {"filtered": true, "severity": "high"},
                "sexual": {"filtered": false, "severity": "safe"},
                "violence": {"filtered":true, "severity": "medium"}
            }
        }
    }
})";
  const auto e = classify(400, {}, body, kNow);
  EXPECT_EQ(e.kind, UpstreamErrorKind::content_filter);
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.filter_categories, (std::vector<std::string>{"hate", "self-harm", "violence"}));
  EXPECT_EQ(e.user_message,
            "The request was blocked by the content filter (hate, self-harm, violence).");
  EXPECT_EQ(to_error(e).code, "llm.content_filter");
}

TEST(Classify, ContentFilterShortShape) {
  const auto e = classify(
      400, {},
      R"({"error":{"message":"The response was filtered","type":null,"param":"prompt","code":"content_filter","status":400}})",
      kNow);
  EXPECT_EQ(e.kind, UpstreamErrorKind::content_filter);
  EXPECT_EQ(e.user_message, "The request was blocked by the content filter.");
}

TEST(Classify, StatusTable) {
  struct Row {
    int status;
    const char* body;
    UpstreamErrorKind kind;
    std::string_view code;
    bool retryable;
  };
  const Row rows[] = {
      {401,
       R"({"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint."}})",
       UpstreamErrorKind::auth, "llm.auth", false},
      {403, "", UpstreamErrorKind::auth, "llm.auth", false},
      {404,
       R"({"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}})",
       UpstreamErrorKind::not_found, "llm.not_found", false},
      {400, R"({"error":{"code":"invalid_request","message":"bad"}})",
       UpstreamErrorKind::bad_request, "llm.bad_request", false},
      {500, "<html>oops</html>", UpstreamErrorKind::server, "llm.unavailable", true},
      {503, "", UpstreamErrorKind::server, "llm.unavailable", true},
      {418, "not json at all {", UpstreamErrorKind::other, "llm.upstream_error", false},
  };
  for (const auto& r : rows) {
    const auto e = classify(r.status, {}, r.body, kNow);
    EXPECT_EQ(e.kind, r.kind) << r.status;
    EXPECT_EQ(to_error(e).code, r.code) << r.status;
    EXPECT_EQ(e.retryable, r.retryable) << r.status;
    EXPECT_FALSE(e.user_message.empty());
  }
  const auto nf = classify(404, {}, rows[2].body, kNow);
  EXPECT_EQ(nf.upstream_code, "DeploymentNotFound");
  EXPECT_NE(to_error(nf).detail.find("does not exist"), std::string::npos);
}

TEST(Classify, HostileBodiesNeverThrow) {
  for (const char* body :
       {"", "{", "null", "[]", R"({"error":1})", R"({"error":{"code":5}})",
        R"({"error":{"innererror":{"content_filter_result":[1]}}})", "\xff\xfe garbage"}) {
    EXPECT_NO_THROW((void)classify(400, {{"retry-after", "\xff"}}, body, kNow)) << body;
  }
}

}  // namespace
}  // namespace parley::llm
