#pragma once
// A secret value (client secret, AUTH_SECRET, tokens). It has no formatter
// and no operator<<, so logging one does not compile; the bytes are wiped
// on destruction. Read it only where it is used: `expose()`.

#include <string>
#include <string_view>

namespace parley {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  Secret(Secret&&) noexcept = default;
  Secret& operator=(Secret&&) noexcept = default;
  ~Secret();

  std::string_view expose() const { return value_; }
  bool empty() const { return value_.empty(); }
  std::size_t size() const { return value_.size(); }

 private:
  std::string value_;
};

}  // namespace parley
