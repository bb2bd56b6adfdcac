#pragma once
// The request-target of a request line (RFC 9112 3.2), checked and split
// before any handler sees it. Pure, so that what the server accepts is
// tested without sockets.

#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace parley::http {

struct RequestTarget {
  std::string_view raw_path;  // as received, without the query (the access log's path)
  std::string path;           // percent-decoded: what the router matches
  std::string_view query;     // raw, without '?'; empty when there is none
};

// Accepts origin-form ("/a/b?x=1"), absolute-form ("http://host/a?x=1": the
// authority is dropped, Host decides, as a proxy would send it) and "*"
// (OPTIONS only). Refuses anything else, a path that does not
// percent-decode, and a path that decodes to a NUL byte (it would cut
// C strings short downstream). The views point into `target`.
std::optional<RequestTarget> parse_request_target(std::string_view target, Method method);

}  // namespace parley::http
