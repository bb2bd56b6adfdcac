#pragma once
// The one error path through Parley: functions that can fail for outside
// reasons return Result<T>. Error::code is a stable dotted name
// ("jose.expired", "db.unavailable") asserted by tests and mapped to HTTP by
// one renderer; Error::detail is for the log only and never shown to users.

#include <boost/system/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace parley {

struct Error {
  // Only string literals can become codes (static storage, greppable). Not
  // an aggregate on purpose: otherwise std::string would be "constructible"
  // into an Error and Result<std::string> could not take a plain string.
  Error() = default;  // required by result<T, Error>::error(); code is empty
  template <std::size_t N>
  Error(const char (&literal)[N], std::string detail_text = {})  // NOLINT(google-explicit-constructor)
      : code(literal, N - 1), detail(std::move(detail_text)) {}

  std::string_view code;
  std::string detail;

  friend bool operator==(const Error& a, const Error& b) { return a.code == b.code; }
};

// Required by boost::system::result<T, Error>::value(); throws ErrorException.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
class [[nodiscard]] Result : public boost::system::result<T, Error> {
 public:
  using boost::system::result<T, Error>::result;
  Result(const boost::system::result<T, Error>& r)  // NOLINT(google-explicit-constructor)
      : boost::system::result<T, Error>(r) {}
  Result(boost::system::result<T, Error>&& r)  // NOLINT(google-explicit-constructor)
      : boost::system::result<T, Error>(std::move(r)) {}
};

using Status = Result<void>;

template <std::size_t N>
Error make_error(const char (&code)[N], std::string detail = {}) {
  return Error(code, std::move(detail));
}

}  // namespace parley
