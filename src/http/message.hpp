#pragma once
// HTTP messages as Parley's handlers and clients see them. Deliberately free
// of Beast so that handlers, services and tests do not pay for parsing it.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/percent.hpp"

namespace parley::http {

enum class Method { get, head, post, put, patch, delete_, options, other };
std::string_view to_string(Method m);
Method method_from_string(std::string_view s);

// Header fields in arrival order; lookups are ASCII case-insensitive.
// Every value built from input goes through set()/add(), which refuse CR, LF
// and NUL: Beast 1.81 writes header values verbatim, so a value carrying
// "\r\nSet-Cookie: ..." would otherwise become a real header line.
class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  std::optional<std::string_view> get(std::string_view name) const;
  // Replaces any field of that name. Returns false (and changes nothing)
  // when name or value holds CR, LF or NUL, or the name is not a token.
  [[nodiscard]] bool set(std::string_view name, std::string_view value);
  // Appends another field of that name (Set-Cookie). Same refusal rule.
  [[nodiscard]] bool add(std::string_view name, std::string_view value);
  void erase(std::string_view name);
  // Adds each field of `defaults` whose name is not present here yet (a
  // value set before wins). `defaults` went through set()/add() itself.
  void add_missing(const Headers& defaults);
  const std::vector<Field>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }
  // Room for `n` fields: a response that will get the security set (about
  // eight fields) grows its vector once instead of four times.
  void reserve(std::size_t n) { fields_.reserve(n); }

  // Appends without validation; only for fields already parsed by Beast's
  // request parser (which rejects CR/LF itself).
  void append_parsed(std::string_view name, std::string_view value) {
    fields_.emplace_back(std::string(name), std::string(value));
  }
  // The same, taking over a value the caller built (the joined Cookie lines).
  void append_parsed_owned(std::string_view name, std::string&& value) {
    fields_.emplace_back(std::string(name), std::move(value));
  }

 private:
  std::vector<Field> fields_;
};

// True when `value` can be a header value (no CR, LF, NUL).
bool is_safe_header_value(std::string_view value);
// True for an RFC 9110 token (header names, cookie names).
bool is_token(std::string_view name);

struct Request {
  Method method = Method::get;
  std::string method_text;  // as received (for logs when Method::other)
  std::string target;       // request-target as received
  std::string path;         // percent-decoded path without the query
  std::string query;        // raw query string without '?'
  Headers headers;
  std::string body;
  std::string remote_addr;  // peer address (X-Forwarded-For applied by the app when trusted)
  std::string request_id;   // W3C trace-id from traceparent, or a new one
  std::string span_id;      // this request's span id (for outgoing traceparent)
  std::vector<std::pair<std::string, std::string>> params;  // router captures

  std::optional<std::string_view> param(std::string_view name) const;
  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
  // The first query parameter of that name, percent-decoded ('+' is space).
  std::optional<std::string> query_param(std::string_view name) const;
};

// Given to a streaming handler. Strand affinity: the connection's executor.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Sends one chunk (flushed at once; an empty chunk sends nothing). Returns
  // false once the peer has gone (closed, reset, or a write timed out).
  // Not re-entrant: one write at a time.
  virtual boost::asio::awaitable<bool> write(std::string_view chunk) = 0;
  // True after the peer closed or reset the connection, or the server is
  // stopping and told the handler to wind down. In the second case write()
  // still works, so the handler can send its final frame and finish.
  virtual bool client_gone() const = 0;
  // Completes when client_gone() becomes true: race it against upstream
  // work (awaitable operators) to cancel promptly.
  virtual boost::asio::awaitable<void> wait_client_gone() = 0;
  // Ends the response as failed once the handler returns: the terminating
  // chunk is withheld and the connection closes, so the client sees a
  // truncated body (a download fails instead of looking complete). Later
  // writes return false.
  virtual void abort() = 0;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // Fields sent after `headers` for the names `headers` lacks: a set that
  // lives as long as the server (the security headers), written without
  // being copied into each response.
  const Headers* shared_headers = nullptr;
  // When set, headers are sent first, then the body is produced by `stream`
  // with chunked transfer encoding; `body` is ignored.
  std::function<boost::asio::awaitable<void>(ResponseStream&)> stream;
};

// Percent-coding lives in core (one implementation); named here too because
// every HTTP caller reaches for it as http::.
using parley::percent_decode;
using parley::percent_encode;

}  // namespace parley::http
