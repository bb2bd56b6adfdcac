// GET /api/admin/audit's query string: what is accepted, what is a 400.

#include "admin/audit_query.hpp"

#include <gtest/gtest.h>

#include <map>

#include "admin/errors.hpp"

namespace parley::admin {
namespace {

Result<AuditQuery> parse(std::map<std::string, std::string, std::less<>> params) {
  return parse_audit_query([&params](std::string_view name) -> std::optional<std::string> {
    auto it = params.find(name);
    if (it == params.end()) return std::nullopt;
    return it->second;
  });
}

std::string rejected(std::map<std::string, std::string, std::less<>> params) {
  auto q = parse(std::move(params));
  if (q) return "";
  EXPECT_TRUE(q.error().is(errc::admin::bad_query));
  return q.error().public_message;
}

TEST(AuditQuery, NoParametersIsTheFirstPageOfEverything) {
  auto q = parse({});
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->before_seq || q->type || q->actor || q->subject || q->from || q->to);
  EXPECT_EQ(q->limit, kAuditPageDefault);
}

TEST(AuditQuery, FiltersAreKept) {
  auto q = parse({{"type", "sign_in.failure"},
                  {"actor", "6f1c2a3b-0d4e-4f5a-9b6c-7d8e9fa0b1c2"},
                  {"subject", "7a2b3c4d-1e5f-4a6b-8c7d-9e0f1a2b3c4d"},
                  {"limit", "200"},
                  {"cursor", encode_audit_cursor(42)}});
  ASSERT_TRUE(q) << q.error().public_message;
  EXPECT_EQ(*q->type, "sign_in.failure");
  EXPECT_EQ(*q->actor, "6f1c2a3b-0d4e-4f5a-9b6c-7d8e9fa0b1c2");
  EXPECT_EQ(*q->subject, "7a2b3c4d-1e5f-4a6b-8c7d-9e0f1a2b3c4d");
  EXPECT_EQ(q->limit, 200);
  EXPECT_EQ(*q->before_seq, 42);
}

TEST(AuditQuery, DatesCoverWholeUtcDays) {
  auto q = parse({{"from", "2026-03-01"}, {"to", "2026-03-31"}});
  ASSERT_TRUE(q);
  EXPECT_EQ(*q->from, "2026-03-01 00:00:00.000000+00");
  EXPECT_EQ(*q->to, "2026-04-01 00:00:00.000000+00");
}

TEST(AuditQuery, InstantsAreInclusiveAndNormalisedToUtc) {
  auto q = parse({{"from", "2026-03-01T10:00:00+02:00"}, {"to", "2026-03-01T10:00:00.5Z"}});
  ASSERT_TRUE(q) << q.error().public_message;
  EXPECT_EQ(*q->from, "2026-03-01 08:00:00.000000+00");
  EXPECT_EQ(*q->to, "2026-03-01 10:00:00.500001+00");
}

TEST(AuditQuery, BadValuesAreRefusedNamingTheParameter) {
  struct Case {
    const char* name;
    const char* value;
  };
  const std::string zero_cursor = encode_audit_cursor(0);
  for (auto [name, value] :
       {Case{"type", "Sign_In"}, Case{"type", "sign_in."}, Case{"type", ".x"},
        Case{"type", "a b"}, Case{"type", "x'; drop"}, Case{"actor", "has space"},
        Case{"subject", "\x01"}, Case{"from", "2026-02-30"}, Case{"from", "2026-03-01T10:00:00"},
        Case{"from", "yesterday"}, Case{"to", "2026-13-01"}, Case{"to", "2026-03-01T24:00:00Z"},
        Case{"limit", "0"}, Case{"limit", "201"}, Case{"limit", "10x"},
        Case{"cursor", "not-a-cursor"}, Case{"cursor", zero_cursor.c_str()}}) {
    const std::string message = rejected({{name, value}});
    EXPECT_TRUE(message.starts_with(std::string(name) + ":")) << name << "=" << value << " -> "
                                                               << message;
  }
  EXPECT_EQ(rejected({{"actor", std::string(201, 'a')}}).substr(0, 6), "actor:");
}

TEST(AuditQuery, FromMustBeBeforeTo) {
  EXPECT_FALSE(rejected({{"from", "2026-03-02"}, {"to", "2026-03-01"}}).empty());
  EXPECT_TRUE(rejected({{"from", "2026-03-01"}, {"to", "2026-03-01"}}).empty()) << "one whole day";
}

TEST(AuditCursor, RoundTripsAndRejectsForgeries) {
  EXPECT_EQ(decode_audit_cursor(encode_audit_cursor(9007199254740993LL)), 9007199254740993LL);
  EXPECT_FALSE(decode_audit_cursor(""));
  EXPECT_FALSE(decode_audit_cursor("djF8LTE"));  // "v1|-1"
  EXPECT_FALSE(decode_audit_cursor(std::string(100, 'A')));
}

}  // namespace
}  // namespace parley::admin
