#include "auth/session_cookie.hpp"

#include "core/ascii.hpp"
#include "auth/errors.hpp"

#include <cstring>

namespace parley::auth {

namespace {

constexpr unsigned char kRecordVersion = 0x01;
constexpr std::size_t kRecordSize = 1 + 16 + 16 + 8 + 8;

void put_u64(unsigned char* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<unsigned char>(v & 0xff);
    v >>= 8;
  }
}

std::uint64_t get_u64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::string uuid_string(const Uuid& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[id[i] >> 4]);
    out.push_back(kHex[id[i] & 0x0f]);
  }
  return out;
}

Result<Uuid> parse_uuid(std::string_view text) {
  if (text.size() != 36) return make_error(errc::uuid::invalid, "length");
  Uuid out{};
  std::size_t byte = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return make_error(errc::uuid::invalid, "hyphen");
      ++i;
      continue;
    }
    const int hi = hex_digit_value(text[i]);
    const int lo = hex_digit_value(text[i + 1]);
    if (hi < 0 || lo < 0) return make_error(errc::uuid::invalid, "hex");
    out[byte++] = static_cast<unsigned char>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

std::string seal_session(const SessionCookie& cookie, const Sealer& sealer, Random& random) {
  std::array<unsigned char, kRecordSize> rec{};
  rec[0] = kRecordVersion;
  std::memcpy(rec.data() + 1, cookie.session_id.data(), 16);
  std::memcpy(rec.data() + 17, cookie.user_id.data(), 16);
  put_u64(rec.data() + 33, static_cast<std::uint64_t>(cookie.issued_at));
  put_u64(rec.data() + 41, static_cast<std::uint64_t>(cookie.expires_at));
  return sealer.seal(std::string_view(reinterpret_cast<const char*>(rec.data()), rec.size()),
                     random);
}

Result<SessionCookie> open_session(std::string_view cookie_value, const Sealer& sealer,
                                   std::int64_t now) {
  auto plain = sealer.open(cookie_value);
  if (!plain) return make_error(errc::session::bad_seal, std::string(plain.error().code));
  if (plain->size() != kRecordSize) return make_error(errc::session::malformed, "size");
  const auto* rec = reinterpret_cast<const unsigned char*>(plain->data());
  if (rec[0] != kRecordVersion) return make_error(errc::session::malformed, "version");
  SessionCookie c;
  std::memcpy(c.session_id.data(), rec + 1, 16);
  std::memcpy(c.user_id.data(), rec + 17, 16);
  c.issued_at = static_cast<std::int64_t>(get_u64(rec + 33));
  c.expires_at = static_cast<std::int64_t>(get_u64(rec + 41));
  if (c.issued_at > c.expires_at) return make_error(errc::session::malformed, "issued after expiry");
  if (c.expires_at <= now) return make_error(errc::session::expired);
  return c;
}

bool needs_reseal(const SessionCookie& cookie, std::int64_t now, std::int64_t max_age) {
  return now - cookie.issued_at >= max_age / 2;
}

}  // namespace parley::auth
