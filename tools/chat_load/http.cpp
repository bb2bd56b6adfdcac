#include "http.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <limits>

namespace chat_load {

using asio::use_awaitable;

std::optional<Origin> parse_origin(std::string_view url, std::string& why) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    why = "only http:// URLs are supported";
    return std::nullopt;
  }
  std::string_view rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    why = "the URL needs an explicit port";
    return std::nullopt;
  }
  std::string host(rest.substr(0, colon));
  const std::string_view port_text = rest.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    why = "bad port in URL";
    return std::nullopt;
  }
  boost::system::error_code aec;
  const auto address = asio::ip::make_address_v4(host == "localhost" ? "127.0.0.1" : host, aec);
  if (aec || !address.is_loopback()) {
    why = "the host must be a loopback address (127.0.0.0/8 or localhost)";
    return std::nullopt;
  }
  Origin o;
  o.endpoint = asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
  o.host = host + ":" + std::string(port_text);
  o.text = "http://" + o.host;
  return o;
}

http::request<http::string_body> make_request(http::verb method, std::string target,
                                              const Origin& origin, const Headers& headers,
                                              std::string body) {
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, origin.host);
  req.set(http::field::user_agent, "chat-load");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.keep_alive(true);
  if (!body.empty() || method == http::verb::post) {
    req.body() = std::move(body);
    req.prepare_payload();
  }
  return req;
}

Connection::Connection(const asio::any_io_executor& ex) : stream_(ex) {}

void Connection::set_deadline(Clock::time_point deadline) { stream_.expires_at(deadline); }

asio::awaitable<void> Connection::connect(const Origin& origin) {
  co_await stream_.async_connect(origin.endpoint, use_awaitable);
  stream_.socket().set_option(asio::ip::tcp::no_delay(true));
}

asio::awaitable<http::response<http::string_body>> Connection::round_trip(
    http::request<http::string_body> req) {
  co_await http::async_write(stream_, req, use_awaitable);
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::uint64_t{16} * 1024 * 1024);
  co_await http::async_read(stream_, buffer_, parser, use_awaitable);
  co_return parser.release();
}

asio::awaitable<void> Connection::send(http::request<http::string_body> req) {
  co_await http::async_write(stream_, req, use_awaitable);
}

asio::awaitable<unsigned> Connection::read_header() {
  parser_.emplace();
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  co_await http::async_read_header(stream_, buffer_, *parser_, use_awaitable);
  co_return parser_->get().result_int();
}

asio::awaitable<std::optional<std::string>> Connection::read_body() {
  // The string body grows with each read; hand out what arrived and start
  // it again empty, so memory stays flat however long the stream is.
  while (!parser_->is_done()) {
    co_await http::async_read_some(stream_, buffer_, *parser_, use_awaitable);
    auto& body = parser_->get().body();
    if (!body.empty()) {
      std::string piece = std::move(body);
      body.clear();
      co_return piece;
    }
  }
  co_return std::nullopt;
}

void Connection::close() {
  boost::system::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace chat_load
