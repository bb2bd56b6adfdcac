#pragma once
// Error codes of the HTTP module: the protocol helpers, the server and the
// outbound client. Kind internal: a caller of the client translates its
// errors (llm: errc::llm, auth: errc::oidc) before anything is rendered.

#include "core/result.hpp"

namespace parley::errc {

namespace cookie {
inline constexpr ErrorCode invalid{Kind::internal, "cookie.invalid"};
}  // namespace cookie

namespace http {
// The server could not resolve or bind its address.
inline constexpr ErrorCode listen_failed{Kind::internal, "http.listen_failed"};
}  // namespace http

// The outbound client (http/client.hpp).
namespace http_client {
// Refused before any traffic: not an absolute http(s) URL, userinfo, a bad
// host or port, an unsupported method or an unsafe header.
inline constexpr ErrorCode bad_url{Kind::internal, "http_client.bad_url"};
// Plain http:// to a non-loopback host.
inline constexpr ErrorCode insecure_url{Kind::internal, "http_client.insecure_url"};
// A malformed or unsupported proxy, or the proxy's CONNECT failed.
inline constexpr ErrorCode proxy{Kind::internal, "http_client.proxy"};
inline constexpr ErrorCode resolve{Kind::internal, "http_client.resolve"};
inline constexpr ErrorCode connect{Kind::internal, "http_client.connect"};
inline constexpr ErrorCode tls{Kind::internal, "http_client.tls"};
inline constexpr ErrorCode timeout{Kind::internal, "http_client.timeout"};
inline constexpr ErrorCode cancelled{Kind::internal, "http_client.cancelled"};
// The response (its Content-Length or its body) is over the limit.
inline constexpr ErrorCode too_large{Kind::internal, "http_client.too_large"};
// The peer closed the connection before the response was complete.
inline constexpr ErrorCode closed{Kind::internal, "http_client.closed"};
inline constexpr ErrorCode protocol{Kind::internal, "http_client.protocol"};
}  // namespace http_client

}  // namespace parley::errc
