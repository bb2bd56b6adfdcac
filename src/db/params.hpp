#pragma once
// Query parameters in text format ($1, $2, ...); std::nullopt is SQL NULL.
//   Params p{user_id.value, 42, true, std::nullopt};
// Build it as a named variable before `co_await pool.query(sql, p)`: g++ 12
// miscompiles braced lists inside co_await expressions.

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::db {

class Param {
 public:
  Param(std::nullopt_t) {}                               // NOLINT(google-explicit-constructor)
  Param(const char* s) : value_(std::string(s)) {}       // NOLINT(google-explicit-constructor)
  Param(std::string s) : value_(std::move(s)) {}         // NOLINT(google-explicit-constructor)
  Param(std::string_view s) : value_(std::string(s)) {}  // NOLINT(google-explicit-constructor)
  Param(std::optional<std::string> s)
      : value_(std::move(s)) {}  // NOLINT(google-explicit-constructor)
  template <std::integral T>
  Param(T v) {  // NOLINT(google-explicit-constructor)
    if constexpr (std::same_as<T, bool>) {
      value_ = v ? "true" : "false";
    } else {
      value_ = std::to_string(v);
    }
  }
  // A text[] parameter.
  static Param text_array(const std::vector<std::string>& values);

  const std::optional<std::string>& value() const { return value_; }

 private:
  Param() = default;
  std::optional<std::string> value_;
};

class Params {
 public:
  Params() = default;
  Params(std::initializer_list<Param> list) : values_(list) {}
  Params& add(Param p) {
    values_.push_back(std::move(p));
    return *this;
  }
  std::size_t size() const { return values_.size(); }
  bool empty() const { return values_.empty(); }
  const Param& operator[](std::size_t i) const { return values_[i]; }

 private:
  std::vector<Param> values_;
};

// How result values come back: PostgreSQL's text output, or its binary
// send format (cheaper for the server to produce and for us to read; read
// with the Rows::binary_* accessors).
enum class ResultFormat { text = 0, binary = 1 };

// A named statement, prepared lazily once per connection. Repositories
// declare them as constants: the name must be unique per SQL text.
struct Statement {
  std::string_view name;
  std::string_view sql;
  ResultFormat results = ResultFormat::text;
};

}  // namespace parley::db
