#pragma once
// The suite set-up the Azure OpenAI credential tests share
// (chat_credentials_test.cpp, chat_azure_cli_test.cpp; one executable,
// chat_credentials_e2e_test): a mock-entra-id with the callbacks of the
// parleys a suite may start registered ahead, and a mock-azure-openai that
// accepts nothing but bearer tokens signed by it (an api-key is refused).

#include <boost/json.hpp>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "integration/chat_fixture.hpp"
#include "support/temp_postgres.hpp"

namespace parley::testing {

inline constexpr const char* kAudience = "https://cognitiveservices.azure.com";

// "done complete", "error upstream_unavailable", ... or what arrived instead.
inline std::string outcome(const StreamResult& r) {
  if (r.status != 200) return "HTTP " + std::to_string(r.status) + " " + r.body;
  if (r.events.empty()) return "no events";
  const SseEvent& last = r.events.back();
  const boost::json::value data = boost::json::parse(last.data);
  if (last.name == "done") return "done " + std::string(data.at("status").as_string());
  if (last.name == "error") return "error " + std::string(data.at("code").as_string());
  return "ended after " + last.name;
}

// `Suite` is the test class (so that each suite has its own mocks and ports);
// `kParleyPorts`: how many parleys it may start.
template <class Suite, int kParleyPorts>
class CredentialSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    database_url_ = shared_temp_postgres().url();
    std::vector<std::string> callbacks;
    for (int i = 0; i < kParleyPorts; ++i) {
      ports_.push_back(free_port());
      callbacks.push_back(Parley::callback_uri(ports_.back()));
    }
    idp_ = std::make_unique<MockEntra>(callbacks);
    MockAzureOptions o;
    o.api_key.clear();
    o.jwks_url = idp_->base() + "/" + kTenant + "/discovery/v2.0/keys";
    o.audience = kAudience;
    aoai_ = std::make_unique<MockAzure>(o);
  }
  static void TearDownTestSuite() {
    aoai_.reset();
    idp_.reset();
  }
  void SetUp() override {
    ASSERT_EQ(aoai_->reset(), 200);
    ASSERT_EQ(aoai_->reset_stats(), 200);
  }

  // A parley on the next registered port, with the Azure OpenAI endpoint and
  // `env` (the default AZURE_OPENAI_API_KEY removed).
  static std::unique_ptr<Parley> start_parley_with(std::map<std::string, std::string> env) {
    if (next_port_ == ports_.size()) throw std::runtime_error("raise kParleyPorts");
    ParleyOptions o;
    o.port = ports_[next_port_++];
    o.database_url = database_url_;
    o.issuer = idp_->issuer();
    o.env = std::move(env);
    o.env["AZURE_OPENAI_ENDPOINT"] = aoai_->base();
    o.env["AZURE_OPENAI_API_KEY"] = "";  // "": unset
    return std::make_unique<Parley>(o);
  }
  // Creates a conversation and streams one message into it.
  static StreamResult ask(ChatClient& c, const std::string& content) {
    const std::string id = chat::create_conversation(c);
    return chat::stream(c, "/api/conversations/" + id + "/messages",
                        boost::json::serialize(boost::json::object{{"content", content}}));
  }
  static boost::json::object aoai_stats() { return boost::json::parse(aoai_->stats()).as_object(); }

  static inline std::unique_ptr<MockEntra> idp_;
  static inline std::unique_ptr<MockAzure> aoai_;
  static inline std::string database_url_;
  static inline std::vector<int> ports_;
  static inline std::size_t next_port_ = 0;
};

}  // namespace parley::testing
