#include "http/response_head.hpp"

#include <charconv>
#include <cstdint>

#include "core/ascii.hpp"

namespace parley::http {

namespace {
void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
}  // namespace

std::string_view reason_phrase(int status) {
  // The registry as Boost.Beast 1.81 knows it (its obsolete_reason), so the
  // phrases did not change when this left the Beast-based server.
  // clang-format off
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 102: return "Processing";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 207: return "Multi-Status";
    case 208: return "Already Reported";
    case 226: return "IM Used";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Entity";
    case 423: return "Locked";
    case 424: return "Failed Dependency";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 444: return "Connection Closed Without Response";
    case 451: return "Unavailable For Legal Reasons";
    case 499: return "Client Closed Request";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 506: return "Variant Also Negotiates";
    case 507: return "Insufficient Storage";
    case 508: return "Loop Detected";
    case 510: return "Not Extended";
    case 511: return "Network Authentication Required";
    case 599: return "Network Connect Timeout Error";
    default: return "Status";
  }
  // clang-format on
}

bool server_owned(std::string_view name) {
  // Switch on the length first: most fields are rejected without comparing.
  switch (name.size()) {
    case 4:
      return iequals_ascii(name, "date");
    case 10:
      return iequals_ascii(name, "connection") || iequals_ascii(name, "keep-alive");
    case 12:
      return iequals_ascii(name, "x-request-id");
    case 14:
      return iequals_ascii(name, "content-length");
    case 17:
      return iequals_ascii(name, "transfer-encoding");
    default:
      return false;
  }
}

Framing decide_framing(int status, bool has_stream, bool head_only, bool http10, bool keep_alive,
                       std::size_t body_size) {
  Framing f;
  f.keep_alive = keep_alive;
  const bool no_body = status == 204 || status == 304;
  if (has_stream && !no_body) {
    f.streamed = true;
    f.chunked = !http10;
    if (!f.chunked) f.keep_alive = false;
    return f;
  }
  if (!no_body) f.content_length = body_size;
  f.send_body = !head_only && !no_body;
  return f;
}

namespace {

void append_field(std::string& out, std::string_view name, std::string_view value) {
  if (server_owned(name) || !is_token(name) || !is_safe_header_value(value)) return;
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

}  // namespace

void build_response_head(std::string& out, const HeadFields& head, const Headers& headers,
                         const Headers* shared) {
  out.clear();
  out += head.http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  append_uint(out, static_cast<std::uint64_t>(head.status));
  out += ' ';
  out += reason_phrase(head.status);
  out += "\r\n";
  for (const auto& [name, value] : headers.fields()) append_field(out, name, value);
  if (shared != nullptr) {
    for (const auto& [name, value] : shared->fields()) {
      if (!headers.get(name)) append_field(out, name, value);
    }
  }
  out += "Date: ";
  out += head.date;
  out += "\r\nX-Request-Id: ";
  out += head.request_id;
  out += "\r\n";
  if (head.content_length) {
    out += "Content-Length: ";
    append_uint(out, *head.content_length);
    out += "\r\n";
  }
  if (head.chunked) out += "Transfer-Encoding: chunked\r\n";
  if (!head.keep_alive) {
    out += "Connection: close\r\n";
  } else if (head.http10) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
}

std::string error_body(const ErrorReply& e) {
  std::string body = R"({"error":{"code":")";
  body += e.code;
  body += R"(","message":")";
  body += e.message;
  body += "\"}}";
  return body;
}

Headers error_headers(const Headers& extra) {
  Headers h;
  (void)h.set("Content-Type", "application/json");
  (void)h.set("Cache-Control", "no-store");
  h.add_missing(extra);
  return h;
}

Response error_response(const ErrorReply& e, const Headers& extra) {
  Response r;
  r.status = e.status;
  r.body = error_body(e);
  r.headers = error_headers(extra);
  return r;
}

}  // namespace parley::http
