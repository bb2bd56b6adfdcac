#pragma once
// The bytes the server writes before a body: status line, the handler's
// header fields (re-checked), the fields the server owns (Date,
// X-Request-Id, Content-Length or Transfer-Encoding, Connection), and the
// framing decision behind them. Pure: the server's I/O code feeds it and
// writes the result, so these rules are tested without sockets.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace parley::http {

// The reason phrase for a status (RFC 9110 15); "Status" for codes without
// a registered one. Clients ignore it, but a missing phrase confuses some
// proxies' logs.
std::string_view reason_phrase(int status);

// True for fields only the server writes (Date, Connection, Keep-Alive,
// X-Request-Id, Content-Length, Transfer-Encoding): a handler's copy would
// contradict the framing the server chose, or forge the request id.
bool server_owned(std::string_view name);

// How a response's body travels, decided from the request and the response
// alone (RFC 9112 6).
struct Framing {
  bool streamed = false;                      // the handler's stream produces the body
  bool chunked = false;                       // Transfer-Encoding: chunked (streamed, HTTP/1.1)
  std::optional<std::size_t> content_length;  // plain responses with a body
  bool send_body = false;                     // plain responses: the body bytes follow the head
  bool keep_alive = true;                     // the connection survives this response
};

// `keep_alive` is what the request and the server's state allow. 204 and
// 304 never carry a body (nor Content-Length); HEAD gets the GET head. A
// streamed body is chunked for HTTP/1.1; HTTP/1.0 knows no chunks, so the
// raw body ends with the connection.
Framing decide_framing(int status, bool has_stream, bool head_only, bool http10, bool keep_alive,
                       std::size_t body_size);

struct HeadFields {
  int status = 200;
  bool http10 = false;
  std::string_view date;        // IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT"
  std::string_view request_id;  // echoed as X-Request-Id
  bool keep_alive = true;
  std::optional<std::size_t> content_length;
  bool chunked = false;
};

// Replaces `out` with the response head, ending with the empty line. `out`
// is the connection's reused buffer: once grown, no allocation per request.
// Fields that are server-owned, not tokens, or carry CR/LF/NUL are dropped:
// everything should have come through Headers::set/add, but append_parsed
// skips validation, and a header line must never be injectable.
// `shared` (may be null): further fields, each written unless `headers`
// has one of that name (Response::shared_headers).
void build_response_head(std::string& out, const HeadFields& head, const Headers& headers,
                         const Headers* shared = nullptr);

// The JSON errors the server itself answers (before or instead of a handler).
struct ErrorReply {
  int status;
  std::string_view code;
  std::string_view message;
};

inline constexpr ErrorReply kBadRequest{400, "bad_request", "Malformed request"};
inline constexpr ErrorReply kTimeout{408, "request_timeout", "Request not received in time"};
inline constexpr ErrorReply kMethodNotAllowed{405, "method_not_allowed", "Method not allowed"};
inline constexpr ErrorReply kBodyTooLarge{413, "too_large", "Request body too large"};
inline constexpr ErrorReply kHeaderTooLarge{431, "header_too_large",
                                            "Request header fields too large"};
inline constexpr ErrorReply kInternal{500, "internal", "Internal server error"};

// {"error":{"code":"...","message":"..."}} (the app's error shape).
std::string error_body(const ErrorReply& e);
// Content-Type, Cache-Control: no-store, then `extra` (the configured
// security headers) for names not set yet.
Headers error_headers(const Headers& extra);
Response error_response(const ErrorReply& e, const Headers& extra);

}  // namespace parley::http
