#include "db/audit_chain.hpp"

#include <openssl/evp.h>

#include <memory>

namespace parley::db {

namespace {

void append_field(std::string& out, const std::optional<std::string_view>& value) {
  if (!value) {
    out += '-';
    return;
  }
  out += std::to_string(value->size());
  out += ':';
  out += *value;
}

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

}  // namespace

std::string audit_canonical_encoding(const AuditChainRow& row) {
  std::string out;
  out.reserve(64 + row.at.size() + row.type.size() + row.detail.size() +
              (row.actor ? row.actor->size() : 0) + (row.subject ? row.subject->size() : 0) +
              (row.ip ? row.ip->size() : 0));
  const std::string seq = std::to_string(row.seq);
  append_field(out, std::string_view(seq));
  append_field(out, std::string_view(row.at));
  append_field(out, std::string_view(row.type));
  append_field(out, view(row.actor));
  append_field(out, view(row.subject));
  append_field(out, view(row.ip));
  append_field(out, std::string_view(row.detail));
  return out;
}

AuditHash audit_chain_hash(const AuditHash& previous, std::string_view canonical) {
  AuditHash out{};
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned int len = 0;
  // SHA-256 over memory cannot fail short of allocation failure; the zero
  // hash that would then come back matches no stored row (reported broken).
  if (ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1 &&
      EVP_DigestUpdate(ctx.get(), previous.data(), previous.size()) == 1 &&
      EVP_DigestUpdate(ctx.get(), canonical.data(), canonical.size()) == 1) {
    (void)EVP_DigestFinal_ex(ctx.get(), out.data(), &len);
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0x0f];
  }
  return out;
}

std::string_view to_string(AuditChainBreak::Reason reason) {
  switch (reason) {
    case AuditChainBreak::Reason::missing:
      return "missing";
    case AuditChainBreak::Reason::out_of_order:
      return "out_of_order";
    case AuditChainBreak::Reason::hash_mismatch:
      return "hash_mismatch";
  }
  return "hash_mismatch";
}

bool AuditChainVerifier::add(const AuditChainRow& row) {
  if (broken_) return false;
  const std::int64_t expected = head_seq_ + 1;
  if (row.seq != expected) {
    // A gap names the first absent seq; a repeat or a step back names the row.
    broken_ = row.seq > expected ? AuditChainBreak{expected, AuditChainBreak::Reason::missing}
                                 : AuditChainBreak{row.seq, AuditChainBreak::Reason::out_of_order};
    return false;
  }
  const AuditHash computed = audit_chain_hash(head_hash_, audit_canonical_encoding(row));
  if (row.hash.size() != computed.size() ||
      row.hash.compare(0, row.hash.size(), reinterpret_cast<const char*>(computed.data()),
                       computed.size()) != 0) {
    broken_ = AuditChainBreak{row.seq, AuditChainBreak::Reason::hash_mismatch};
    return false;
  }
  ++count_;
  head_seq_ = row.seq;
  head_hash_ = computed;
  return true;
}

}  // namespace parley::db
