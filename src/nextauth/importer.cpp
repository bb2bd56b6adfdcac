#include "nextauth/importer.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "db/audit_repo.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"
#include "nextauth/errors.hpp"
#include "observability/log.hpp"

namespace parley::nextauth {

namespace asio = boost::asio;

namespace {

// What one user's transaction wrote (added to the summary on success).
struct UserCounts {
  bool imported = false;
  std::int64_t accounts = 0;
  std::int64_t conversations_imported = 0;
  std::int64_t conversations_already = 0;
  std::int64_t conversations_deleted = 0;
  std::int64_t messages_imported = 0;
  std::int64_t messages_already = 0;
  std::int64_t messages_rejected = 0;

  void add_to(ImportSummary& s) const {
    ++(imported ? s.users_imported : s.users_already);
    s.accounts_imported += accounts;
    s.conversations_imported += conversations_imported;
    s.conversations_already += conversations_already;
    s.conversations_deleted += conversations_deleted;
    s.messages_imported += messages_imported;
    s.messages_already += messages_already;
    s.messages_rejected += messages_rejected;
  }
  bool wrote_anything() const {
    return imported || accounts > 0 || conversations_imported > 0 || messages_imported > 0;
  }
};

asio::awaitable<Status> import_conversations(db::Lease& tx, const db::UserId& owner,
                                             const std::string& source_user_id,
                                             const MessagePlan& plan, UserCounts& counts) {
  counts.messages_rejected = plan.rejected;
  for (const auto& c : plan.conversations) {
    auto conversation =
        co_await db::import_conversation(tx, owner, source_user_id, c.key, c.title, c.created_at);
    if (!conversation) co_return conversation.error();
    using State = db::ImportedConversation::State;
    if (conversation->state == State::deleted) {
      ++counts.conversations_deleted;
      continue;
    }
    ++(conversation->state == State::created ? counts.conversations_imported
                                             : counts.conversations_already);
    const std::span<const db::ImportMessage> all(c.messages);
    for (std::size_t at = 0; at < all.size(); at += kMessagesPerBatch) {
      const auto batch = all.subspan(at, std::min(kMessagesPerBatch, all.size() - at));
      auto inserted = co_await db::insert_imported_messages(tx, conversation->id, owner, batch);
      if (!inserted) co_return inserted.error();
      counts.messages_imported += *inserted;
      counts.messages_already += static_cast<std::int64_t>(batch.size()) - *inserted;
    }
  }
  co_return Status{};
}

// What the source holds for one user, read before the destination's
// transaction opens (it stays short).
struct SourceRows {
  std::vector<db::NextAuthAccount> accounts;
  std::optional<MessagePlan> plan;  // nullopt: no messages view
};

asio::awaitable<Result<UserCounts>> import_user_in(db::Lease& tx, const ImportOptions& options,
                                                   const db::NextAuthUser& user,
                                                   const SourceRows& rows) {
  UserCounts counts;
  auto existing = co_await db::imported_user(tx, user.id);
  if (!existing) co_return existing.error();
  db::UserId owner;
  if (*existing) {
    owner = **existing;
  } else {
    db::PendingUser pending{user.id, options.tenant_id, user.email, user.name};
    auto inserted = co_await db::insert_pending_user(tx, pending);
    if (!inserted) co_return inserted.error();
    owner = *inserted;
    counts.imported = true;
  }
  auto added = co_await db::add_imported_accounts(tx, owner, rows.accounts);
  if (!added) co_return added.error();
  counts.accounts = *added;
  if (rows.plan) {
    if (auto done = co_await import_conversations(tx, owner, user.id, *rows.plan, counts); !done) {
      co_return done.error();
    }
  }
  if (counts.wrote_anything()) {
    db::AuditEntry audit;
    audit.type = "user.imported";
    audit.subject = owner;
    audit.detail["source"] = "nextauth";
    audit.detail["source_user_id"] = user.id;
    audit.detail["accounts"] = counts.accounts;
    audit.detail["conversations"] = counts.conversations_imported;
    audit.detail["messages"] = counts.messages_imported;
    if (auto a = co_await db::append_audit(tx, audit); !a) co_return a.error();
  }
  co_return counts;
}

// One user in a transaction of its own, committed (or, dry, rolled back).
asio::awaitable<Result<UserCounts>> import_user(db::Pool& source, db::Pool& dest,
                                                const ImportOptions& options,
                                                const db::NextAuthUser& user, bool with_messages) {
  SourceRows rows;
  auto accounts = co_await db::nextauth_accounts(source, options.tables, user.id);
  if (!accounts) co_return accounts.error();
  rows.accounts = std::move(*accounts);
  if (with_messages) {
    auto messages = co_await db::nextauth_messages(source, options.tables, user.id);
    if (!messages) co_return messages.error();
    rows.plan = plan_conversations(*messages);
  }
  auto lease = co_await dest.acquire();
  if (!lease) co_return lease.error();
  if (auto begun = co_await db::begin_transaction(*lease); !begun) co_return begun.error();
  auto counts = co_await import_user_in(*lease, options, user, rows);
  if (!counts || options.dry_run) {
    co_await db::rollback_transaction(*lease);
    co_return counts;
  }
  if (auto committed = co_await db::commit_transaction(*lease); !committed) {
    co_return committed.error();
  }
  co_return counts;
}

}  // namespace

asio::awaitable<Result<ImportSummary>> import_nextauth(db::Pool& source, db::Pool& dest,
                                                       const ImportOptions& options) {
  ImportSummary summary;
  summary.dry_run = options.dry_run;
  for (const std::string* table : {&options.tables.users, &options.tables.accounts}) {
    auto exists = co_await db::relation_exists(source, *table);
    if (!exists) co_return exists.error();
    if (!*exists) co_return make_error(errc::nextauth::source_table_missing, *table);
  }
  auto view = co_await db::relation_exists(source, options.tables.messages);
  if (!view) co_return view.error();
  summary.messages_view_found = *view;

  std::optional<std::string> after;
  for (;;) {
    auto page =
        co_await db::nextauth_users_page(source, options.tables, after, options.users_per_page);
    if (!page) co_return page.error();
    if (page->empty()) break;
    for (const auto& user : *page) {
      auto counts = co_await import_user(source, dest, options, user, summary.messages_view_found);
      if (counts) {
        counts->add_to(summary);
        continue;
      }
      // A lost database fails every user alike: stop and say so.
      if (counts.error().kind == Kind::unavailable) co_return counts.error();
      log::error("import.user_failed")
          .str("source_user_id", user.id)
          .str("code", counts.error().code)
          .str("detail", counts.error().detail);
      ++summary.users_failed;
      if (summary.failures.size() < kFailuresListed) {
        summary.failures.push_back(user.id + ": " + std::string(counts.error().code));
      }
    }
    after = page->back().id;
  }
  co_return summary;
}

}  // namespace parley::nextauth
