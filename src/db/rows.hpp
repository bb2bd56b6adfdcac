#pragma once
// A query result: owns the PGresult. Values are read in PostgreSQL's text
// format. Accessors take (row, column) indexes; out-of-range indexes are a
// programming error (checked by assert in debug builds).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_result;

namespace parley::db {

class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* result);  // takes ownership
  Rows(Rows&&) noexcept = default;
  Rows& operator=(Rows&&) noexcept = default;

  int rows() const;
  int cols() const;
  bool empty() const { return rows() == 0; }
  // Column index by name, -1 when absent.
  int column(std::string_view name) const;

  bool is_null(int r, int c) const;
  // Empty for NULL; the view lives as long as this Rows.
  std::string_view text(int r, int c) const;
  std::optional<std::string> optional_text(int r, int c) const;
  // 0 / false for NULL or unparsable text.
  std::int64_t int64(int r, int c) const;
  std::optional<std::int64_t> optional_int64(int r, int c) const;
  bool boolean(int r, int c) const;  // "t"
  // A one-dimensional text[] value ({a,"b c",NULL}); NULL elements become "".
  std::vector<std::string> text_array(int r, int c) const;
  // Binary-format values (a Statement with ResultFormat::binary). int8, and
  // timestamptz as microseconds since 2000-01-01 00:00:00 UTC; nullopt for
  // NULL or a value of another size.
  std::optional<std::int64_t> binary_int64(int r, int c) const;
  // A binary uuid appended as 36 lowercase hex digits with dashes; false
  // (nothing appended) for NULL or a value of another size.
  bool append_binary_uuid(std::string& out, int r, int c) const;

  // Rows affected by INSERT/UPDATE/DELETE (PQcmdTuples), 0 otherwise.
  std::int64_t affected() const;

  pg_result* native() const { return result_.get(); }

 private:
  struct Clear {
    void operator()(pg_result* r) const noexcept;
  };
  std::unique_ptr<pg_result, Clear> result_;
};

// Parses a one-dimensional array literal in PostgreSQL's text output format.
std::vector<std::string> parse_text_array(std::string_view literal);
// Formats strings as a text[] literal (every element quoted and escaped).
std::string format_text_array(const std::vector<std::string>& values);

// Appends a timestamptz in PostgreSQL's ISO output ("2026-11-29
// 06:51:15.123456+00", any session time zone: "+05:30", "-03") as ISO-8601
// UTC with milliseconds ("2026-11-29T06:51:15.123Z"), truncated like
// to_char's MS. Reading the raw value and converting here costs less than
// to_char in the query. Anything else (another DateStyle, infinity, BC) is
// appended unchanged and false returned.
bool append_iso8601_utc_millis(std::string& out, std::string_view timestamptz);
std::optional<std::string> iso8601_utc_millis(std::string_view timestamptz);

// The same for a binary timestamptz (microseconds since 2000-01-01 UTC).
// +-infinity are appended as "infinity" / "-infinity", years outside
// 1..9999 not at all; both return false.
bool append_iso8601_utc_millis(std::string& out, std::int64_t pg_micros);
// A binary timestamptz as PostgreSQL prints it in a UTC session, with all
// six fractional digits ("2026-11-29 06:51:15.123456+00"): text that reads
// back as exactly the same instant. nullopt where the function above fails.
std::optional<std::string> timestamptz_text(std::int64_t pg_micros);
// A binary timestamptz as ISO-8601 UTC with all six fractional digits
// ("2026-11-29T06:51:15.123456Z"); nullopt where the functions above fail.
std::optional<std::string> iso8601_utc_micros(std::int64_t pg_micros);

}  // namespace parley::db
