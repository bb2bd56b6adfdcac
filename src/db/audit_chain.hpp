#pragma once
// The audit trail's hash chain, rebuilt in C++: migration 007 writes it in
// SQL (trigger parley_audit_chain), `parley audit verify` and
// GET /api/admin/audit/verify check it with this code. Pure: no I/O.
//
//   hash(seq) = SHA-256(hash(seq - 1) || canonical(row)), hash(0) = 32 zero bytes
//   canonical(row) = field(seq) field(at) field(type) field(actor) field(subject)
//                    field(ip) field(detail)
//   field(NULL) = "-", field(text) = <length in bytes, decimal> ":" <bytes>
// seq in decimal, at as ISO-8601 UTC with microseconds, detail as
// PostgreSQL prints the jsonb, all UTF-8.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::db {

using AuditHash = std::array<unsigned char, 32>;

struct AuditChainRow {
  std::int64_t seq = 0;
  std::string at;  // "2026-01-31T23:59:59.123456Z"
  std::string type;
  std::optional<std::string> actor;
  std::optional<std::string> subject;
  std::optional<std::string> ip;
  std::string detail;  // the jsonb as PostgreSQL prints it
  std::string hash;    // as stored: raw bytes
};

std::string audit_canonical_encoding(const AuditChainRow& row);
// SHA-256(previous || canonical), with OpenSSL's EVP.
AuditHash audit_chain_hash(const AuditHash& previous, std::string_view canonical);
std::string to_hex(std::string_view bytes);
inline std::string to_hex(const AuditHash& h) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

struct AuditChainBreak {
  enum class Reason {
    missing,        // a seq is absent (a deleted row): `seq` is the absent one
    out_of_order,   // a seq repeats or goes back (a reordered or forged row)
    hash_mismatch,  // the row (or, if its hash was recomputed too, the row before) changed
  };
  std::int64_t seq = 0;
  Reason reason = Reason::hash_mismatch;
};
std::string_view to_string(AuditChainBreak::Reason reason);

// Fed the rows in ascending seq order (as stored), it finds the first place
// where the chain does not hold.
class AuditChainVerifier {
 public:
  // false once the chain is broken; later rows are then ignored.
  bool add(const AuditChainRow& row);

  bool intact() const { return !broken_.has_value(); }
  const std::optional<AuditChainBreak>& broken() const { return broken_; }
  // Rows verified intact so far; the last one's seq and hash.
  std::int64_t count() const { return count_; }
  std::int64_t head_seq() const { return head_seq_; }
  const AuditHash& head_hash() const { return head_hash_; }

 private:
  std::int64_t count_ = 0;
  std::int64_t head_seq_ = 0;
  AuditHash head_hash_{};
  std::optional<AuditChainBreak> broken_;
};

}  // namespace parley::db
