#pragma once
// Randomness comes in through this interface so that tests can script it.

#include <cstddef>
#include <span>
#include <string>

namespace parley {

class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with cryptographically secure bytes. Never fails: a CSPRNG
  // failure aborts the process, since continuing would weaken every secret.
  virtual void fill(std::span<unsigned char> out) = 0;

  // n random bytes, base64url-encoded (no padding).
  std::string token(std::size_t n);
};

class OpenSslRandom final : public Random {
 public:
  void fill(std::span<unsigned char> out) override;
};

// Deterministic bytes for tests: a counter, never secure.
class CountingRandom final : public Random {
 public:
  void fill(std::span<unsigned char> out) override {
    for (auto& b : out) b = static_cast<unsigned char>(next_++);
  }

 private:
  unsigned next_ = 1;
};

}  // namespace parley
