#pragma once
// Shared set-up for the end-to-end sign-in tests: one PostgreSQL, one
// mock-entra-id and one parley server per test process, plus helpers that
// drive a Browser through the authorization-code flow.

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>
#include <string>

#include "support/browser.hpp"
#include "support/stack.hpp"
#include "support/temp_postgres.hpp"

namespace parley::testing {

struct SignInAttempt {
  HttpResult start;      // GET /api/auth/signin/... -> 302 to the IdP
  HttpResult authorize;  // GET authorize -> 302 back to the callback
  HttpResult callback;   // GET callback -> 302 into Parley or to the error page
};

class E2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  static MockEntra& idp() { return *idp_; }
  static Parley& parley() { return *parley_; }
  static const std::string& database_url() { return database_url_; }
  // Ports reserved up front so their callbacks can be registered at the IdP.
  static int second_port() { return second_port_; }
  static int third_port() { return third_port_; }

  Browser browser() { return Browser(parley_->port()); }
  SignInAttempt sign_in(Browser& b, const std::string& login_hint,
                        const std::string& callback_url = "/");
  // The rejected attempt ended on the error page with `reason`, no session
  // exists, nothing answered 5xx and the server still serves.
  void expect_rejected(Browser& b, const SignInAttempt& a, const std::string& reason);
  std::string session_json(Browser& b) { return b.get("/api/auth/session").body; }
  std::string sql_scalar(const std::string& sql);
  void sql_exec(const std::string& sql);

 private:
  static std::unique_ptr<MockEntra> idp_;
  static std::unique_ptr<Parley> parley_;
  static std::string database_url_;
  static int second_port_;
  static int third_port_;
};

std::string url_encode(const std::string& s);

}  // namespace parley::testing
