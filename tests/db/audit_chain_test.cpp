// The hash chain's canonical encoding and the verifier's rules, without a
// database (audit_db_test checks that the SQL trigger agrees).

#include "db/audit_chain.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace parley::db {
namespace {

AuditChainRow row(std::int64_t seq, std::string type = "sign_in.success") {
  AuditChainRow r;
  r.seq = seq;
  r.at = "2026-01-31T23:59:59.123456Z";
  r.type = std::move(type);
  r.detail = "{}";
  return r;
}

std::string raw(const AuditHash& h) { return std::string(reinterpret_cast<const char*>(h.data()), h.size()); }

// Rows 1..n, each hashed onto the one before, as the trigger writes them.
std::vector<AuditChainRow> chain(int n) {
  std::vector<AuditChainRow> rows;
  AuditHash prev{};
  for (int i = 1; i <= n; ++i) {
    AuditChainRow r = row(i);
    r.actor = "user-" + std::to_string(i);
    const AuditHash h = audit_chain_hash(prev, audit_canonical_encoding(r));
    r.hash = raw(h);
    prev = h;
    rows.push_back(std::move(r));
  }
  return rows;
}

AuditChainVerifier verify(const std::vector<AuditChainRow>& rows) {
  AuditChainVerifier v;
  for (const auto& r : rows) {
    if (!v.add(r)) break;
  }
  return v;
}

TEST(AuditCanonicalEncoding, LengthPrefixesEveryFieldAndMarksNulls) {
  AuditChainRow r = row(12, "user.disabled");
  r.actor = "a";
  r.ip = "";
  r.detail = R"({"x": "é"})";
  EXPECT_EQ(audit_canonical_encoding(r),
            "2:1227:2026-01-31T23:59:59.123456Z13:user.disabled1:a-0:11:{\"x\": \"é\"}");
}

TEST(AuditCanonicalEncoding, NullAndEmptyDiffer) {
  AuditChainRow a = row(1);
  AuditChainRow b = row(1);
  b.subject = "";
  EXPECT_NE(audit_canonical_encoding(a), audit_canonical_encoding(b));
}

TEST(AuditCanonicalEncoding, FieldBoundariesCannotShift) {
  AuditChainRow a = row(1);
  a.actor = "ab";
  a.subject = "c";
  AuditChainRow b = row(1);
  b.actor = "a";
  b.subject = "bc";
  EXPECT_NE(audit_canonical_encoding(a), audit_canonical_encoding(b));
}

TEST(AuditChainHash, IsSha256OfPreviousAndCanonical) {
  // SHA-256 of 32 zero bytes followed by "abc".
  EXPECT_EQ(to_hex(audit_chain_hash(AuditHash{}, "abc")),
            "365aa7d8f7f9402c4b9434502b4cc89ddb09fe50d7cd95b493b834c62d5a5370");
}

TEST(AuditChainVerifier, AcceptsAnIntactChain) {
  auto v = verify(chain(5));
  EXPECT_TRUE(v.intact());
  EXPECT_EQ(v.count(), 5);
  EXPECT_EQ(v.head_seq(), 5);
}

TEST(AuditChainVerifier, AnEditedRowBreaksAtThatRow) {
  auto rows = chain(5);
  rows[2].type = "sign_in.failure";
  auto v = verify(rows);
  ASSERT_FALSE(v.intact());
  EXPECT_EQ(v.broken()->seq, 3);
  EXPECT_EQ(v.broken()->reason, AuditChainBreak::Reason::hash_mismatch);
  EXPECT_EQ(v.count(), 2);
}

TEST(AuditChainVerifier, AnEditedRowWithARecomputedHashBreaksTheNextOne) {
  auto rows = chain(5);
  rows[2].actor = "someone-else";
  AuditHash prev{};
  std::copy(rows[1].hash.begin(), rows[1].hash.end(), prev.begin());
  rows[2].hash = raw(audit_chain_hash(prev, audit_canonical_encoding(rows[2])));
  auto v = verify(rows);
  ASSERT_FALSE(v.intact());
  EXPECT_EQ(v.broken()->seq, 4);
}

TEST(AuditChainVerifier, ADeletedRowIsNamedMissing) {
  auto rows = chain(5);
  rows.erase(rows.begin() + 1);
  auto v = verify(rows);
  ASSERT_FALSE(v.intact());
  EXPECT_EQ(v.broken()->seq, 2);
  EXPECT_EQ(v.broken()->reason, AuditChainBreak::Reason::missing);
}

TEST(AuditChainVerifier, SwappedRowsBreakAtTheFirstOfThem) {
  auto rows = chain(5);
  std::swap(rows[1].seq, rows[2].seq);
  std::swap(rows[1], rows[2]);  // read back in seq order
  auto v = verify(rows);
  ASSERT_FALSE(v.intact());
  EXPECT_EQ(v.broken()->seq, 2);
  EXPECT_EQ(v.broken()->reason, AuditChainBreak::Reason::hash_mismatch);
}

TEST(AuditChainVerifier, ARepeatedSeqIsOutOfOrder) {
  auto rows = chain(3);
  rows.insert(rows.begin() + 2, rows[1]);
  auto v = verify(rows);
  ASSERT_FALSE(v.intact());
  EXPECT_EQ(v.broken()->seq, 2);
  EXPECT_EQ(v.broken()->reason, AuditChainBreak::Reason::out_of_order);
}

TEST(AuditChainVerifier, TheChainStartsAtOne) {
  auto rows = chain(2);
  rows.erase(rows.begin());
  auto v = verify(rows);
  ASSERT_FALSE(v.intact());
  EXPECT_EQ(v.broken()->seq, 1);
  EXPECT_EQ(v.broken()->reason, AuditChainBreak::Reason::missing);
}

TEST(AuditChainVerifier, AHashOfTheWrongSizeIsAMismatch) {
  auto rows = chain(1);
  rows[0].hash.pop_back();
  EXPECT_FALSE(verify(rows).intact());
}

}  // namespace
}  // namespace parley::db
