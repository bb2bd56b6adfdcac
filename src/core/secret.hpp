#pragma once
// A secret value (client secret, AUTH_SECRET, tokens). It has no formatter
// and no operator<<, so logging one does not compile; the bytes are wiped
// on destruction. Read it only where it is used: `expose()`.

#include <string>
#include <string_view>

#include "core/result.hpp"

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

// A secret kept in a file (a projected Kubernetes service-account token),
// re-read by each caller because the kubelet rotates it; surrounding
// whitespace is dropped. Errors: errc::secret_file::unreadable, ::empty
// (the detail names the path, never the content).
[[nodiscard]] Result<Secret> read_secret_file(const std::string& path);

}  // namespace parley
