#pragma once
// Method + path -> route table. Patterns are '/'-separated segments; a
// segment written `{name}` captures one non-empty path segment under that
// name, every other segment matches exactly (case-sensitive). When several
// patterns match a path, the one whose first differing segment is literal
// wins (`/a/new` beats `/a/{id}`), independent of insertion order.
//
// HEAD falls back to the GET route of the same path when no HEAD route
// exists (the server drops the body). A path that exists only with other
// methods yields `method_not_allowed` and the `allow` list (for the Allow
// header of a 405).
//
// Pure and allocation-light: match() allocates only for captured params.
// Not thread-safe for add(); match() is const and may run concurrently.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.hpp"

namespace parley::http {

template <class Route>
class Router {
 public:
  struct Entry {
    Method method;
    std::string pattern;
    Route route;
  };

  struct Match {
    const Route* route = nullptr;
    std::vector<std::pair<std::string, std::string>> params;
    bool method_not_allowed = false;
    std::vector<Method> allow;  // filled when method_not_allowed
  };

  void add(Method method, std::string pattern, Route route) {
    Compiled c;
    for (std::string_view seg : split(pattern)) c.segments.emplace_back(seg);
    compiled_.push_back(std::move(c));
    entries_.push_back(Entry{method, std::move(pattern), std::move(route)});
  }

  Match match(Method method, std::string_view path) const {
    Match out;
    constexpr std::size_t kMaxSegments = 32;
    std::string_view segs[kMaxSegments];
    std::size_t n = 0;
    if (!split_path(path, segs, kMaxSegments, n)) return out;

    const std::size_t none = entries_.size();
    std::size_t best = none, best_get = none;
    bool path_exists = false;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (!matches(compiled_[i], segs, n)) continue;
      path_exists = true;
      const Method m = entries_[i].method;
      if (m == method) {
        if (best == none || more_specific(compiled_[i], compiled_[best])) best = i;
      } else if (method == Method::head && m == Method::get) {
        if (best_get == none || more_specific(compiled_[i], compiled_[best_get])) best_get = i;
      }
    }
    if (best == none) best = best_get;
    if (best != none) {
      out.route = &entries_[best].route;
      const auto& cs = compiled_[best].segments;
      for (std::size_t k = 0; k < n; ++k) {
        if (is_param(cs[k])) {
          out.params.emplace_back(std::string(cs[k].substr(1, cs[k].size() - 2)),
                                  std::string(segs[k]));
        }
      }
      return out;
    }
    if (path_exists) {
      out.method_not_allowed = true;
      for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (!matches(compiled_[i], segs, n)) continue;
        bool seen = false;
        for (Method m : out.allow) seen = seen || m == entries_[i].method;
        if (!seen) out.allow.push_back(entries_[i].method);
      }
    }
    return out;
  }

  const std::vector<Entry>& routes() const { return entries_; }

 private:
  struct Compiled {
    std::vector<std::string> segments;
  };

  static bool is_param(std::string_view s) {
    return s.size() >= 3 && s.front() == '{' && s.back() == '}';
  }

  static std::vector<std::string_view> split(std::string_view pattern) {
    std::vector<std::string_view> out;
    std::string_view segs[64];
    std::size_t n = 0;
    if (split_path(pattern, segs, 64, n)) out.assign(segs, segs + n);
    return out;
  }

  // "/a/b" -> {"a","b"}; "/" -> {""}. Returns false for paths not starting
  // with '/' or with too many segments (no route has that many).
  static bool split_path(std::string_view path, std::string_view* out, std::size_t max,
                         std::size_t& n) {
    n = 0;
    if (path.empty() || path.front() != '/') return false;
    std::size_t start = 1;
    while (true) {
      const std::size_t slash = path.find('/', start);
      if (n == max) return false;
      out[n++] = path.substr(
          start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
      if (slash == std::string_view::npos) return true;
      start = slash + 1;
    }
  }

  static bool matches(const Compiled& c, const std::string_view* segs, std::size_t n) {
    if (c.segments.size() != n) return false;
    for (std::size_t k = 0; k < n; ++k) {
      const std::string_view p = c.segments[k];
      if (is_param(p)) {
        if (segs[k].empty()) return false;
      } else if (p != segs[k]) {
        return false;
      }
    }
    return true;
  }

  static bool more_specific(const Compiled& a, const Compiled& b) {
    for (std::size_t k = 0; k < a.segments.size() && k < b.segments.size(); ++k) {
      const bool pa = is_param(a.segments[k]);
      const bool pb = is_param(b.segments[k]);
      if (pa != pb) return !pa;
    }
    return false;
  }

  std::vector<Entry> entries_;
  std::vector<Compiled> compiled_;
};

}  // namespace parley::http
