#pragma once
// The little HTTP/1.1 client chat-load needs: one keep-alive TCP connection
// to a loopback origin, whole responses for JSON calls and a streamed body
// for event streams. Errors are thrown as boost::system::system_error (a
// deadline that passes shows up as beast::error::timeout).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chat_load {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using Clock = std::chrono::steady_clock;
using Headers = std::vector<std::pair<std::string, std::string>>;

// http://<loopback host>:<port> only: this tool never leaves the machine.
struct Origin {
  asio::ip::tcp::endpoint endpoint;
  std::string host;  // Host header value, "127.0.0.1:8080"
  std::string text;  // "http://127.0.0.1:8080" (the Origin header)
};
// nullopt and `why` set when the URL is not a plain-http loopback origin.
std::optional<Origin> parse_origin(std::string_view url, std::string& why);

http::request<http::string_body> make_request(http::verb method, std::string target,
                                              const Origin& origin, const Headers& headers,
                                              std::string body);

class Connection {
 public:
  explicit Connection(const asio::any_io_executor& ex);

  // Every later operation fails with beast::error::timeout after `deadline`.
  void set_deadline(Clock::time_point deadline);
  asio::awaitable<void> connect(const Origin& origin);

  // Sends the request and reads the whole response.
  asio::awaitable<http::response<http::string_body>> round_trip(
      http::request<http::string_body> req);

  // Sends the request (the caller takes the time before).
  asio::awaitable<void> send(http::request<http::string_body> req);
  // Reads the status line and headers of the response to send(); the status.
  asio::awaitable<unsigned> read_header();
  // The next piece of the body after read_header(); nullopt once it is complete.
  asio::awaitable<std::optional<std::string>> read_body();

  void close();

 private:
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
};

}  // namespace chat_load
