#pragma once
// A bank-style egress proxy on loopback for end-to-end tests: it answers
// `CONNECT <host>:443` for one host name, terminates the TLS itself with a
// certificate for that name signed by the test CA (test_pki), and forwards
// the plaintext to a local plain-HTTP server (a mock). A client therefore
// succeeds only if it tunnels through HTTPS_PROXY *and* trusts the CA from
// SSL_CERT_FILE. Runs its own io_context thread; Asio stays in the .cpp.

#include <memory>
#include <string>
#include <vector>

namespace parley::testing {

class InterceptingProxy {
 public:
  InterceptingProxy(std::string host, int upstream_port);
  ~InterceptingProxy();
  InterceptingProxy(const InterceptingProxy&) = delete;
  InterceptingProxy& operator=(const InterceptingProxy&) = delete;

  int port() const;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  std::vector<std::string> request_lines() const;  // CONNECT lines (and anything else) seen
  int tunnels() const;                             // TLS handshakes completed
  int tls_failures() const;                        // handshakes the client refused

  struct State;  // defined in the .cpp

 private:
  std::unique_ptr<State> state_;
};

}  // namespace parley::testing
