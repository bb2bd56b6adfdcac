#include "db/rows.hpp"

#include <libpq-fe.h>

#include <cassert>
#include <charconv>

#include "db/params.hpp"

namespace parley::db {

void Rows::Clear::operator()(pg_result* r) const noexcept { PQclear(r); }

Rows::Rows(pg_result* result) : result_(result) {}

int Rows::rows() const { return result_ ? PQntuples(result_.get()) : 0; }
int Rows::cols() const { return result_ ? PQnfields(result_.get()) : 0; }

int Rows::column(std::string_view name) const {
  if (!result_) return -1;
  for (int c = 0; c < cols(); ++c) {
    if (name == PQfname(result_.get(), c)) return c;
  }
  return -1;
}

bool Rows::is_null(int r, int c) const {
  assert(r >= 0 && r < rows() && c >= 0 && c < cols());
  return PQgetisnull(result_.get(), r, c) == 1;
}

std::string_view Rows::text(int r, int c) const {
  if (is_null(r, c)) return {};
  return std::string_view(PQgetvalue(result_.get(), r, c),
                          static_cast<std::size_t>(PQgetlength(result_.get(), r, c)));
}

std::optional<std::string> Rows::optional_text(int r, int c) const {
  if (is_null(r, c)) return std::nullopt;
  return std::string(text(r, c));
}

std::optional<std::int64_t> Rows::optional_int64(int r, int c) const {
  if (is_null(r, c)) return std::nullopt;
  const auto t = text(r, c);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || ptr != t.data() + t.size()) return std::nullopt;
  return v;
}

std::int64_t Rows::int64(int r, int c) const { return optional_int64(r, c).value_or(0); }

bool Rows::boolean(int r, int c) const { return text(r, c) == "t"; }

std::vector<std::string> Rows::text_array(int r, int c) const {
  if (is_null(r, c)) return {};
  return parse_text_array(text(r, c));
}

std::int64_t Rows::affected() const {
  if (!result_) return 0;
  const char* t = PQcmdTuples(result_.get());
  std::int64_t v = 0;
  std::from_chars(t, t + std::char_traits<char>::length(t), v);
  return v;
}

std::vector<std::string> parse_text_array(std::string_view s) {
  std::vector<std::string> out;
  // An optional "[1:3]=" dimension prefix precedes the braces.
  if (auto eq = s.find('='); !s.empty() && s.front() == '[' && eq != std::string_view::npos) {
    s.remove_prefix(eq + 1);
  }
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') return out;
  s = s.substr(1, s.size() - 2);
  std::size_t i = 0;
  while (i < s.size()) {
    std::string item;
    if (s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        item += s[i++];
      }
      ++i;  // closing quote
    } else {
      const std::size_t end = std::min(s.find(',', i), s.size());
      item = std::string(s.substr(i, end - i));
      if (item == "NULL") item.clear();
      i = end;
    }
    out.push_back(std::move(item));
    if (i < s.size() && s[i] == ',') ++i;
  }
  return out;
}

std::string format_text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char ch : values[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  out += '}';
  return out;
}

Param Param::text_array(const std::vector<std::string>& values) {
  return Param(format_text_array(values));
}

}  // namespace parley::db
