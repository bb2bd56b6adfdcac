// The arguments of `parley import nextauth` and whose tenant it imports into.

#include "app/import_command.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace parley::app {
namespace {

Result<ImportArgs> parse(std::vector<std::string_view> args) { return parse_import_args(args); }

TEST(ImportArgs, FromIsRequiredAndTheRestHasDefaults) {
  auto a = parse({"--from", "postgres://app@127.0.0.1:5432/nextjs"});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->from, "postgres://app@127.0.0.1:5432/nextjs");
  EXPECT_FALSE(a->dry_run);
  EXPECT_FALSE(a->tenant);
  EXPECT_EQ(a->tables.users, "user");
  EXPECT_EQ(a->tables.accounts, "account");
  EXPECT_EQ(a->tables.messages, "parley_import_messages");

  auto all = parse({"--dry-run", "--from", "postgresql://h/db", "--tenant", "t", "--users-table",
                    "auth.users", "--accounts-table", "auth.accounts", "--messages-view", "v"});
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->dry_run);
  EXPECT_EQ(all->tenant.value_or(""), "t");
  EXPECT_EQ(all->tables.users, "auth.users");
  EXPECT_EQ(all->tables.accounts, "auth.accounts");
  EXPECT_EQ(all->tables.messages, "v");
}

TEST(ImportArgs, MistakesAreNamed) {
  auto detail = [](std::vector<std::string_view> args) {
    auto r = parse_import_args(args);
    return r ? std::string("ok") : r.error().detail;
  };
  EXPECT_EQ(detail({}), "--from is required");
  EXPECT_EQ(detail({"--from"}), "--from needs a value");
  EXPECT_EQ(detail({"--from", "mysql://x"}), "--from must be a postgres:// URL");
  EXPECT_EQ(detail({"--from", "postgres://x", "--users"}), "unknown argument --users");
  EXPECT_EQ(detail({"--from", "postgres://x", "--tenant"}), "--tenant needs a value");
}

TEST(ImportTenant, ExplicitOrTheIssuersAndAlwaysATenantId) {
  ImportArgs args;
  const std::string issuer =
      "https://login.microsoftonline.com/9122040D-6c67-4c5b-b112-36a304b66dad/v2.0";
  auto from_issuer = import_tenant(args, issuer);
  ASSERT_TRUE(from_issuer);
  EXPECT_EQ(*from_issuer, "9122040d-6c67-4c5b-b112-36a304b66dad");

  args.tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  EXPECT_EQ(import_tenant(args, issuer).value(), "72f988bf-86f1-41af-91ab-2d7cd011db47");

  args.tenant.reset();
  EXPECT_FALSE(import_tenant(args, std::nullopt));
  EXPECT_FALSE(import_tenant(args, "https://login.microsoftonline.com/organizations/v2.0"));
  EXPECT_FALSE(import_tenant(args, "https://login.microsoftonline.com/{tenantid}/v2.0"));
  args.tenant = "contoso.com";
  EXPECT_FALSE(import_tenant(args, issuer));
}

}  // namespace
}  // namespace parley::app
