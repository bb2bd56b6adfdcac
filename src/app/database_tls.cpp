#include "app/database_tls.hpp"

#include <libpq-fe.h>

#include <memory>
#include <vector>

namespace parley::app {
namespace {

struct ConninfoFree {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};

std::vector<std::string> split_hosts(std::string_view list) {
  std::vector<std::string> out;
  while (true) {
    const auto comma = list.find(',');
    out.emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

// A Unix-domain socket directory (or Linux abstract socket), or loopback.
// An empty entry is libpq's default socket directory.
bool is_local(std::string_view host) {
  return host.empty() || host.front() == '/' || host.front() == '@' ||
         config::is_loopback_host(host);
}

}  // namespace

DatabaseTlsVerdict check_database_tls(std::string_view conninfo, const config::Env& env) {
  char* parse_error = nullptr;
  const std::string text(conninfo);
  std::unique_ptr<PQconninfoOption, ConninfoFree> options(
      PQconninfoParse(text.c_str(), &parse_error));
  if (!options) {
    // libpq's message may quote the string, password included: not shown.
    if (parse_error != nullptr) PQfreemem(parse_error);
    return {"fail", "DATABASE_URL is not a connection string libpq accepts"};
  }
  std::string host, hostaddr, sslmode, requiressl;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string_view keyword = o->keyword;
    if (keyword == "host") host = o->val;
    if (keyword == "hostaddr") hostaddr = o->val;
    if (keyword == "sslmode") sslmode = o->val;
    if (keyword == "requiressl") requiressl = o->val;
  }
  // libpq's own fallbacks, in its order.
  if (sslmode.empty() && requiressl == "1") sslmode = "require";
  if (sslmode.empty()) sslmode = env("PGSSLMODE").value_or("");
  const bool default_mode = sslmode.empty();
  if (default_mode) sslmode = "prefer";
  if (host.empty() && hostaddr.empty()) {
    host = env("PGHOST").value_or("");
    hostaddr = env("PGHOSTADDR").value_or("");
  }

  // hostaddr, when given, is where libpq connects (host then only names the
  // server for certificate checks).
  std::string remote;
  for (const auto& h : split_hosts(hostaddr.empty() ? host : hostaddr)) {
    if (is_local(h)) continue;
    if (!remote.empty()) remote += ", ";
    remote += h;
  }
  if (sslmode != "disable" && sslmode != "allow" && sslmode != "prefer" && sslmode != "require" &&
      sslmode != "verify-ca" && sslmode != "verify-full") {
    // Not echoed: whatever was typed there is not ours to print.
    return {"fail",
            "sslmode is none that libpq knows (disable, allow, prefer, require, "
            "verify-ca, verify-full)"};
  }
  const std::string mode_text = "sslmode=" + sslmode + (default_mode ? " (libpq's default)" : "");
  if (remote.empty()) return {"ok", "loopback or a local socket only; " + mode_text};
  if (sslmode == "verify-full") {
    return {"ok", mode_text + ": encrypted, certificate and host name verified (" + remote + ")"};
  }
  if (sslmode == "verify-ca") {
    return {"warn", mode_text +
                        ": encrypted and the certificate chain is checked, but not that it "
                        "names " +
                        remote +
                        "; the server identity is not fully verified "
                        "(use sslmode=verify-full)"};
  }
  if (sslmode == "require") {
    return {"warn", mode_text + ": encrypted, but the server identity is not verified (" + remote +
                        "); use sslmode=verify-full"};
  }
  return {"warn", mode_text + ": the connection to " + remote +
                      " may be unencrypted and the server is not verified; use "
                      "sslmode=verify-full"};
}

}  // namespace parley::app
