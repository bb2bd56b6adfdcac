#include "integration/signin_fixture.hpp"

#include "http/message.hpp"
#include "support/sql.hpp"

namespace parley::testing {

std::unique_ptr<MockEntra> E2E::idp_;
std::unique_ptr<Parley> E2E::parley_;
std::string E2E::database_url_;
int E2E::second_port_ = 0;
int E2E::third_port_ = 0;

std::string url_encode(const std::string& s) { return http::percent_encode(s); }

void E2E::SetUpTestSuite() {
  database_url_ = shared_temp_postgres().url();
  const int first = free_port();
  second_port_ = free_port();
  third_port_ = free_port();
  idp_ = std::make_unique<MockEntra>(std::vector<std::string>{
      Parley::callback_uri(first), Parley::callback_uri(second_port_),
      Parley::callback_uri(third_port_),
      // An app registration carried over from next-auth v4 (signin_nextauth_test.cpp).
      Parley::callback_uri(second_port_, "/api/auth/callback/azure-ad")});
  ParleyOptions o;
  o.port = first;
  o.database_url = database_url_;
  o.issuer = idp_->issuer();
  parley_ = std::make_unique<Parley>(o);
}

void E2E::TearDownTestSuite() {
  parley_.reset();
  idp_.reset();
}

void E2E::SetUp() { ASSERT_EQ(idp_->control("/_mock/reset"), 200); }

SignInAttempt E2E::sign_in(Browser& b, const std::string& login_hint,
                           const std::string& callback_url) {
  SignInAttempt a;
  a.start = b.get("/api/auth/signin/microsoft-entra-id?callbackUrl=" + url_encode(callback_url));
  EXPECT_EQ(a.start.status, 302);
  if (a.start.status != 302) return a;
  a.authorize = b.get(a.start.location() + "&login_hint=" + url_encode(login_hint));
  EXPECT_EQ(a.authorize.status, 302) << a.authorize.body;
  if (a.authorize.status != 302) return a;
  a.callback = b.get(a.authorize.location());
  return a;
}

void E2E::expect_rejected(Browser& b, const SignInAttempt& a, const std::string& reason) {
  EXPECT_EQ(a.callback.status, 302);
  EXPECT_EQ(a.callback.location(), "/api/auth/error?error=" + reason);
  EXPECT_FALSE(b.cookie("parley.session").has_value());
  const HttpResult page = b.get(a.callback.location());
  EXPECT_GE(page.status, 400);
  EXPECT_LT(page.status, 500);
  if (reason == "account_disabled") {
    // Signing in again will not help: the page says so (text configurable).
    EXPECT_NE(page.body.find("disabled"), std::string::npos) << page.body;
    EXPECT_EQ(page.body.find("Try again"), std::string::npos);
  } else {
    EXPECT_NE(page.body.find("Try again"), std::string::npos);
  }
  EXPECT_EQ(session_json(b), "null");
  EXPECT_EQ(b.get("/healthz").status, 200);
}

std::string E2E::sql_scalar(const std::string& sql) {
  return testing::sql_scalar(database_url_, sql);
}

void E2E::sql_exec(const std::string& sql) { testing::sql_exec(database_url_, sql); }

}  // namespace parley::testing
