// Outbound HTTPS as a bank network requires it, end to end: parley reaches
// Azure OpenAI at an https:// name only through HTTPS_PROXY (HTTP CONNECT),
// and trusts the proxy's interception CA only because SSL_CERT_FILE names it.
// Without the CA the answer fails with a TLS error: verification is never
// switched off. (NO_PROXY matching is unit-tested in http: a direct attempt
// here would have to resolve a name, and tests stay off DNS.)

#include <boost/json.hpp>

#include "integration/chat_fixture.hpp"
#include "integration/tls_proxy.hpp"
#include "support/test_pki.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;

constexpr const char* kAzureHost = "aoai.bank.test";

class OutboundProxy : public ChatE2E {
 protected:
  // A parley on the second port (registered at the mock IdP) whose model
  // endpoint is https://aoai.bank.test behind `proxy`; an empty `ca_file`
  // leaves SSL_CERT_FILE unset.
  static std::unique_ptr<Parley> start_parley(const InterceptingProxy& proxy,
                                              const std::string& ca_file) {
    ParleyOptions o;
    o.port = second_port();
    o.database_url = database_url();
    o.issuer = idp().issuer();
    o.env = {{"AZURE_OPENAI_ENDPOINT", std::string("https://") + kAzureHost},
             {"AZURE_OPENAI_API_KEY", "test-key"},
             {"HTTPS_PROXY", proxy.url()},
             {"SSL_CERT_FILE", ca_file}};
    return std::make_unique<Parley>(o);
  }
  static std::string status_of(const StreamResult& r) {
    const json::value start = json::parse(r.events.front().data);
    const std::string id(start.at("assistant_message_id").as_string());
    return sql_scalar("SELECT status FROM messages WHERE id = '" + id + "'");
  }
};

TEST_F(OutboundProxy, AnswersTunnelThroughTheProxyAndTrustTheConfiguredCa) {
  InterceptingProxy proxy(kAzureHost, aoai().port());
  auto parley = start_parley(proxy, test_pki("parley_proxy").ca_file);
  ChatClient c = sign_in("ada@example.com", parley->port());
  const std::string id = create_conversation(c);
  ASSERT_EQ(aoai().behaviour(R"({"chunks":5,"chunk_delay_ms":5})"), 200);

  StreamResult r =
      stream(c, "/api/conversations/" + id + "/messages", R"({"content":"via proxy"})");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_NE(r.last("done"), nullptr) << r.body;
  EXPECT_EQ(std::string(json::parse(r.last("done")->data).at("status").as_string()), "complete");
  EXPECT_EQ(status_of(r), "complete");
  const auto lines = proxy.request_lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front(), "CONNECT aoai.bank.test:443 HTTP/1.1");
  EXPECT_GE(proxy.tunnels(), 1);
  EXPECT_NE(aoai().stats().find("via proxy"), std::string::npos) << "the request went through";
}

TEST_F(OutboundProxy, WithoutTheCaTheAnswerFailsOnTlsAndNothingReachesTheModel) {
  InterceptingProxy proxy(kAzureHost, aoai().port());
  // No SSL_CERT_FILE: the system trust store does not know the proxy's CA.
  auto parley = start_parley(proxy, "");
  ChatClient c = sign_in("grace@example.com", parley->port());
  const std::string id = create_conversation(c);
  const std::string before = json::serialize(json::parse(aoai().stats()).at("requests"));

  StreamResult r = stream(c, "/api/conversations/" + id + "/messages", R"({"content":"no ca"})");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_NE(r.last("error"), nullptr) << r.body;
  EXPECT_EQ(r.events.back().name, "error");
  EXPECT_EQ(status_of(r), "failed");
  EXPECT_GE(proxy.tls_failures(), 1);
  EXPECT_EQ(proxy.tunnels(), 0);
  EXPECT_EQ(json::serialize(json::parse(aoai().stats()).at("requests")), before);
  EXPECT_EQ(sql_scalar("SELECT count(*) FROM messages WHERE conversation_id = '" + id +
                       "' AND role = 'user' AND content = 'no ca'"),
            "1")
      << "the user's message is kept";
}

}  // namespace
}  // namespace parley::testing
