#pragma once
// The one error path through Parley (STYLE.md "Errors", docs/ARCHITECTURE.md):
//  - Kind: a small closed set. Code routes on kinds (and on named codes),
//    never on the text of a code.
//  - ErrorCode: a named constant per failure, declared once in its module's
//    errors.hpp: its kind, its dotted name ("oidc.state_mismatch", for logs
//    and test assertions) and its public face (a stable public code and
//    message). An Error can only be made from one, so a typo in a code does
//    not compile.
//  - Error: an ErrorCode plus a detail for the log only, and optionally a
//    public message our own code wrote (never text from the input).
//  - core/public_error.hpp renders an Error: the only place that maps kinds
//    to HTTP statuses and public bodies.

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace parley {

enum class Kind : std::uint8_t {
  bad_request,   // 400: the request is malformed or breaks a rule
  unauthorized,  // 401: no (valid) credentials
  forbidden,     // 403: known caller, not allowed
  not_found,     // 404
  conflict,      // 409: the state does not allow it now
  too_large,     // 413
  rate_limited,  // 429: slow down (quota, throttling, upstream 429)
  unavailable,   // 503: a dependency (database, IdP) is down; retry later
  upstream,      // 502: the model or another upstream failed
  internal,      // 500: a bug; the detail is in the log
};

struct ErrorCode {
  // `public_code`/`public_message` empty: the kind's defaults; `status` 0:
  // the kind's status (a few server-level codes need 405, 408, 431).
  constexpr ErrorCode(Kind k, std::string_view dotted_name, std::string_view code = {},
                      std::string_view message = {}, int http_status = 0)
      : kind(k),
        name(dotted_name),
        public_code(code),
        public_message(message),
        status(http_status) {}

  Kind kind;
  std::string_view name;
  std::string_view public_code;
  std::string_view public_message;
  int status;
};

class Error {
 public:
  // Required by result<T, Error>::error(); an internal error with no name.
  Error() = default;
  Error(const ErrorCode& c, std::string detail_text = {})  // NOLINT(google-explicit-constructor)
      : kind(c.kind), code(c.name), detail(std::move(detail_text)), def_(&c) {}

  // Sets the public message (text our code wrote, safe to show).
  Error&& with_public_message(std::string message) && {
    public_message = std::move(message);
    return std::move(*this);
  }

  bool is(const ErrorCode& c) const { return code == c.name; }
  // The constant this error was made from (nullptr for Error()).
  const ErrorCode* definition() const { return def_; }

  Kind kind = Kind::internal;
  std::string_view code;       // the dotted name: logs and tests
  std::string detail;          // log only
  std::string public_message;  // empty: the code's default

  friend bool operator==(const Error& a, const Error& b) { return a.code == b.code; }

 private:
  const ErrorCode* def_ = nullptr;
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

inline Error make_error(const ErrorCode& code, std::string detail = {}) {
  return Error(code, std::move(detail));
}
// An error whose message our own code wrote for the caller (a validation
// rule's text, never input): shown publicly and logged alike.
inline Error make_public_error(const ErrorCode& code, std::string message) {
  Error e(code, message);
  e.public_message = std::move(message);
  return e;
}

}  // namespace parley
