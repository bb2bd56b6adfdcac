#include "core/public_error.hpp"

#include <cstdio>

namespace parley {

namespace {

struct KindFace {
  int status;
  std::string_view code;
  std::string_view message;
};

KindFace face_of(Kind kind) {
  switch (kind) {
    case Kind::bad_request:
      return {400, public_code::bad_request, "The request is not valid"};
    case Kind::unauthorized:
      return {401, public_code::unauthorized, "Sign in required"};
    case Kind::forbidden:
      return {403, public_code::forbidden, "Not allowed"};
    case Kind::not_found:
      return {404, public_code::not_found, "Not found"};
    case Kind::conflict:
      return {409, public_code::conflict, "The request conflicts with the current state"};
    case Kind::too_large:
      return {413, public_code::too_large, "Too large"};
    case Kind::rate_limited:
      return {429, public_code::rate_limited, "Too many requests; please retry later"};
    case Kind::unavailable:
      return {503, public_code::unavailable, "The service is temporarily unavailable"};
    case Kind::upstream:
      return {502, public_code::upstream_unavailable,
              "The model is unavailable right now. Please try again later."};
    case Kind::internal:
      break;
  }
  return {500, public_code::internal, "Internal server error"};
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

int http_status(Kind kind) { return face_of(kind).status; }

PublicError public_error(const Error& e) {
  const KindFace k = face_of(e.kind);
  PublicError out{k.status, k.code, std::string(k.message)};
  if (const ErrorCode* d = e.definition()) {
    if (d->status != 0) out.status = d->status;
    if (!d->public_code.empty()) out.code = d->public_code;
    if (!d->public_message.empty()) out.message = std::string(d->public_message);
  }
  if (!e.public_message.empty()) out.message = e.public_message;
  return out;
}

std::string error_json(std::string_view code, std::string_view message) {
  std::string out = R"({"error":{"code":)";
  append_json_string(out, code);
  out += R"(,"message":)";
  append_json_string(out, message);
  out += "}}";
  return out;
}

}  // namespace parley
