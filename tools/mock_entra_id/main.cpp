// mock-entra-id: a local OpenID provider that behaves like Microsoft Entra ID
// v2.0 for development and tests. Plain HTTP, loopback only. See docs/MOCKS.md.

#include <httplib.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "provider.hpp"

namespace {

using mock_entra::Options;
using mock_entra::Params;
using mock_entra::Provider;
using mock_entra::Reply;

constexpr const char* kUsage =
    "usage: mock-entra-id [--port N] [--host ADDR] [--tenant UUID] [--client-id ID]\n"
    "                     [--client-secret SECRET] [--redirect-uri URI]... [--users FILE.json]\n"
    "                     [--frontchannel-logout-uri URI]...\n"
    "                     [--app CLIENT_ID:SECRET:role1,role2]... [--access-token-lifetime S]\n"
    "                     [--port-file PATH]\n";

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

bool parse_args(int argc, char** argv, Options& o, std::string& users_file) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::cerr << "mock-entra-id: " << arg << " needs a value\n" << kUsage;
      return false;
    }
    const std::string value = argv[++i];
    try {
      if (arg == "--port") {
        o.port = std::stoi(value);
      } else if (arg == "--host") {
        o.host = value;
      } else if (arg == "--tenant") {
        o.tenant = value;
      } else if (arg == "--client-id") {
        o.client_id = value;
      } else if (arg == "--client-secret") {
        o.client_secret = value;
      } else if (arg == "--redirect-uri") {
        o.redirect_uris.push_back(value);
      } else if (arg == "--frontchannel-logout-uri") {
        o.frontchannel_logout_uris.push_back(value);
      } else if (arg == "--users") {
        users_file = value;
      } else if (arg == "--port-file") {
        o.port_file = value;
      } else if (arg == "--access-token-lifetime") {
        o.access_token_lifetime = std::stoi(value);
      } else if (arg == "--app") {
        const auto parts = split(value, ':');
        if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
          std::cerr << "mock-entra-id: --app wants CLIENT_ID:SECRET[:role1,role2]\n";
          return false;
        }
        mock_entra::App app{parts[0], parts[1], {}};
        if (parts.size() == 3 && !parts[2].empty()) app.roles = split(parts[2], ',');
        o.apps.push_back(std::move(app));
      } else {
        std::cerr << "mock-entra-id: unknown option " << arg << "\n" << kUsage;
        return false;
      }
    } catch (const std::exception&) {
      std::cerr << "mock-entra-id: bad value for " << arg << "\n";
      return false;
    }
  }
  return true;
}

std::string url_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() &&
               std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Query parameters, plus the body's when it is a form (first occurrence wins).
Params params_of(const httplib::Request& req) {
  Params p;
  if (req.method == "POST" &&
      req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0) {
    for (const auto& pair : split(req.body, '&')) {
      if (pair.empty()) continue;
      const auto eq = pair.find('=');
      const std::string key = url_decode(pair.substr(0, eq));
      const std::string value = eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1));
      p.emplace(key, value);
    }
  }
  for (const auto& [k, v] : req.params) p.emplace(k, v);
  return p;
}

void send(httplib::Response& res, const Reply& r) {
  res.status = r.status;
  for (const auto& [k, v] : r.headers) res.set_header(k, v);
  res.set_content(r.body, r.content_type);
}

// Request paths are client input: keep log lines single and printable.
std::string printable(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

bool write_port_file(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) return false;
    f << port << "\n";
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

void routes(httplib::Server& svr, Provider& p) {
  const std::string t = R"(/([^/]+))";
  svr.Get(t + R"(/v2\.0/\.well-known/openid-configuration)",
          [&p](const httplib::Request& req, httplib::Response& res) {
            send(res, p.discovery(req.matches[1]));
          });
  svr.Get(t + R"(/discovery/v2\.0/keys)",
          [&p](const httplib::Request& req, httplib::Response& res) {
            send(res, p.jwks(req.matches[1]));
          });
  svr.Get(t + R"(/oauth2/v2\.0/authorize)",
          [&p](const httplib::Request& req, httplib::Response& res) {
            send(res, p.authorize(req.matches[1], params_of(req), req.get_header_value("Cookie")));
          });
  svr.Post(t + R"(/oauth2/v2\.0/authorize)",
           [&p](const httplib::Request& req, httplib::Response& res) {
             send(res, p.authorize(req.matches[1], params_of(req), req.get_header_value("Cookie")));
           });
  const auto pick = [&p](const httplib::Request& req, httplib::Response& res) {
    send(res, p.pick(req.matches[1], params_of(req), req.get_header_value("Cookie")));
  };
  svr.Post(t + R"(/oauth2/v2\.0/authorize/pick)", pick);
  svr.Get(t + R"(/oauth2/v2\.0/authorize/pick)", pick);
  svr.Post(t + R"(/oauth2/v2\.0/token)", [&p](const httplib::Request& req, httplib::Response& res) {
    send(res, p.token(req.matches[1], params_of(req), req.get_header_value("Authorization")));
  });
  const auto logout = [&p](const httplib::Request& req, httplib::Response& res) {
    send(res, p.logout(req.matches[1], params_of(req), req.get_header_value("Cookie")));
  };
  svr.Get(t + R"(/oauth2/v2\.0/logout)", logout);
  svr.Post(t + R"(/oauth2/v2\.0/logout)", logout);

  svr.Post("/_mock/behaviour", [&p](const httplib::Request& req, httplib::Response& res) {
    send(res, p.set_behaviour(req.body));
  });
  svr.Get("/_mock/behaviour",
          [&p](const httplib::Request&, httplib::Response& res) { send(res, p.get_behaviour()); });
  svr.Post("/_mock/reset",
           [&p](const httplib::Request&, httplib::Response& res) { send(res, p.reset()); });
  svr.Post("/_mock/rotate-keys",
           [&p](const httplib::Request&, httplib::Response& res) { send(res, p.rotate_keys()); });
  svr.Post("/_mock/federated-token", [&p](const httplib::Request& req, httplib::Response& res) {
    send(res, p.federated_token(req.body));
  });
  svr.Get("/_mock/stats",
          [&p](const httplib::Request&, httplib::Response& res) { send(res, p.stats()); });
  svr.Post("/_mock/stats/reset",
           [&p](const httplib::Request&, httplib::Response& res) { send(res, p.reset_stats()); });
  svr.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });

  svr.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(R"({"error":"server_error"})", "application/json");
      });
  // One line per request: method, path (never the query: it carries codes), status.
  svr.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    std::fprintf(stderr, "mock-entra-id %s %s %d\n", req.method.c_str(),
                 printable(req.path).c_str(), res.status);
  });
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::string users_file;
  if (!parse_args(argc, argv, options, users_file)) return 2;
  try {
    if (!users_file.empty()) {
      std::ifstream f(users_file);
      if (!f) {
        std::cerr << "mock-entra-id: cannot read " << users_file << "\n";
        return 2;
      }
      std::stringstream ss;
      ss << f.rdbuf();
      options.users = mock_entra::parse_users(ss.str(), options.tenant);
    }
  } catch (const std::exception& e) {
    std::cerr << "mock-entra-id: " << users_file << ": " << e.what() << "\n";
    return 2;
  }

  // Signals are handled by one thread with sigwait; every other thread
  // (including the pool's) inherits the blocked mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  httplib::Server svr;
  svr.new_task_queue = [] { return new httplib::ThreadPool(32); };
  int port = options.port;
  if (port == 0) {
    port = svr.bind_to_any_port(options.host);
  } else if (!svr.bind_to_port(options.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    std::cerr << "mock-entra-id: cannot listen on " << options.host << ":" << options.port << "\n";
    return 1;
  }
  options.port = port;
  std::string host = options.host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::" || host == "::1") host = "[::1]";
  const std::string origin = "http://" + host + ":" + std::to_string(port);
  const std::string port_file = options.port_file;
  Provider provider(std::move(options), origin);
  routes(svr, provider);

  std::thread([&svr, set] {
    int sig = 0;
    sigwait(&set, &sig);
    // stop() is a no-op before listen_after_bind() has started: wait for it.
    while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    svr.stop();
  }).detach();

  if (!port_file.empty() && !write_port_file(port_file, port)) {
    std::cerr << "mock-entra-id: cannot write " << port_file << "\n";
    return 1;
  }
  // The port file exists by the time the line is printed.
  std::cout << "mock-entra-id listening on " << origin << std::endl;
  const bool ok = svr.listen_after_bind();
  std::fflush(stderr);
  return ok ? 0 : 1;
}
