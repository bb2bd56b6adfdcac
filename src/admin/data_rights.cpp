#include "admin/data_rights.hpp"

#include "admin/errors.hpp"
#include "admin/months.hpp"
#include "db/audit_repo.hpp"
#include "db/pool.hpp"
#include "db/rows.hpp"
#include "db/transaction.hpp"
#include "observability/log.hpp"

namespace parley::admin {

namespace asio = boost::asio;

namespace {

std::optional<std::string> optional_text(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

// What the audit row keeps of the caller besides actor and ip.
boost::json::object caller_detail(const Caller& caller) {
  boost::json::object detail;
  if (caller.session) detail["session_id"] = caller.session->value;
  if (!caller.request_id.empty()) detail["request_id"] = caller.request_id;
  return detail;
}

std::string iso(std::string_view timestamptz) {
  std::string out;
  (void)db::append_iso8601_utc_millis(out, timestamptz);
  return out;
}

ExportMessage export_message(db::MessageRecord m) {
  ExportMessage e;
  e.id = std::move(m.id.value);
  e.role = std::move(m.role);
  e.content = std::move(m.content);
  e.status = std::move(m.status);
  e.model = std::move(m.model);
  e.prompt_tokens = m.prompt_tokens;
  e.completion_tokens = m.completion_tokens;
  e.created_at = std::move(m.created_at);
  return e;
}

// Writes one export: a page of conversations at a time, and for each its
// messages a page at a time, handing the text to the connection whenever a
// chunk's worth has gathered (the write waits while the client is slow, so
// a slow download slows the reads down instead of filling memory).
class ExportWriter {
 public:
  ExportWriter(db::Pool& pool, const DataRightsOptions& options, const ExportJob& job,
               http::ResponseStream& out)
      : pool_(pool), options_(options), job_(job), out_(out) {
    buffer_.reserve(options.chunk_bytes * 2);
  }

  asio::awaitable<void> run() {
    append_export_head(buffer_, job_.owner, job_.exported_at);
    // Named first: g++ 12 miscompiled `if (!co_await f()) co_return;` in this
    // awaitable<void> (the frame resumed into ud2 under the asan build).
    const bool complete = co_await conversations();
    if (!complete) co_return;
    append_export_tail(buffer_);
    const bool flushed = co_await flush(true);
    if (!flushed) co_return;
    log::info("export.finished")
        .str("request_id", job_.request_id)
        .num("conversations", conversations_)
        .num("messages", messages_)
        .num("bytes", static_cast<std::int64_t>(bytes_));
  }

 private:
  // false: stop (the client went away, or a failure aborted the response).
  asio::awaitable<bool> conversations() {
    std::optional<db::ExportKey> after;
    for (;;) {
      if (out_.client_gone()) co_return gone();
      auto page = co_await db::export_conversations_page(pool_, job_.user, after,
                                                         options_.conversations_per_page);
      if (!page) co_return failed(page.error());
      for (auto& c : *page) {
        ExportConversation e{c.id.value, c.title, iso(c.created_at), iso(c.updated_at), c.model};
        append_conversation_open(buffer_, e, conversations_ == 0);
        ++conversations_;
        const bool written = co_await messages(c.id);
        if (!written) co_return false;
        append_conversation_close(buffer_);
      }
      if (static_cast<int>(page->size()) < options_.conversations_per_page) co_return true;
      after = db::ExportKey{page->back().created_at, page->back().id.value};
    }
  }

  asio::awaitable<bool> messages(const db::ConversationId& conversation) {
    std::optional<db::ExportKey> after;
    bool first = true;
    for (;;) {
      auto page = co_await db::export_messages_page(pool_, job_.user, conversation, after,
                                                    options_.messages_per_page);
      if (!page) co_return failed(page.error());
      const int rows = static_cast<int>(page->size());
      if (rows > 0) {
        after = db::ExportKey{page->back().created_at_exact, page->back().message.id.value};
      }
      for (auto& row : *page) {
        append_message(buffer_, export_message(std::move(row.message)), first);
        first = false;
        ++messages_;
      }
      const bool flushed = co_await flush(false);
      if (!flushed) co_return false;
      if (rows < options_.messages_per_page) co_return true;
      if (out_.client_gone()) co_return gone();
    }
  }

  asio::awaitable<bool> flush(bool force) {
    if (buffer_.empty() || (!force && buffer_.size() < options_.chunk_bytes)) co_return true;
    bytes_ += buffer_.size();
    const bool written = co_await out_.write(buffer_);
    buffer_.clear();
    if (!written) co_return gone();
    co_return true;
  }

  bool gone() {
    log::info("export.incomplete")
        .str("request_id", job_.request_id)
        .str("reason", "client_gone")
        .num("conversations", conversations_);
    out_.abort();
    return false;
  }

  bool failed(const Error& e) {
    log::error("export.failed")
        .str("request_id", job_.request_id)
        .str("code", e.code)
        .str("detail", e.detail)
        .num("conversations", conversations_);
    out_.abort();
    return false;
  }

  db::Pool& pool_;
  const DataRightsOptions& options_;
  const ExportJob& job_;
  http::ResponseStream& out_;
  std::string buffer_;
  std::int64_t conversations_ = 0;
  std::int64_t messages_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace

DataRights::DataRights(db::Pool& pool, const Clock& clock, DataRightsOptions options)
    : pool_(pool), clock_(clock), options_(options) {}

asio::awaitable<Result<ExportJob>> DataRights::begin_export(Caller caller, ExportOwner owner) {
  db::AuditEntry audit;
  audit.type = "data.exported";
  audit.actor = caller.user;
  audit.subject = caller.user;
  audit.ip = optional_text(caller.ip);
  audit.detail = caller_detail(caller);
  audit.detail["format_version"] = kExportVersion;
  if (auto seq = co_await db::append_audit(pool_, audit); !seq) co_return seq.error();
  ExportJob job;
  job.user = std::move(caller.user);
  job.owner = std::move(owner);
  job.exported_at = iso8601_utc(clock_.now_seconds());
  job.request_id = std::move(caller.request_id);
  co_return job;
}

asio::awaitable<void> DataRights::stream_export(ExportJob job, http::ResponseStream& out) {
  ExportWriter writer(pool_, options_, job, out);
  co_await writer.run();
}

asio::awaitable<Result<db::DeletedUserData>> DataRights::delete_user_data(Caller admin,
                                                                          db::UserId subject) {
  auto lease = co_await pool_.acquire();
  if (!lease) co_return lease.error();
  if (auto begun = co_await db::begin_transaction(*lease); !begun) co_return begun.error();
  auto deleted = co_await db::delete_user_data(*lease, subject);
  Status outcome = Status{};
  if (!deleted) {
    outcome = deleted.error();
  } else if (!*deleted) {
    outcome = Error(errc::admin::user_not_found);
  } else {
    db::AuditEntry audit;
    audit.type = "data.deleted";
    audit.actor = admin.user;
    audit.subject = subject;
    audit.ip = optional_text(admin.ip);
    audit.detail = caller_detail(admin);
    audit.detail["conversations"] = (*deleted)->conversations;
    audit.detail["messages"] = (*deleted)->messages;
    // Last, right before COMMIT: the chain's lock is held from here on.
    if (auto seq = co_await db::append_audit(*lease, audit); !seq) outcome = seq.error();
  }
  if (!outcome) {
    co_await db::rollback_transaction(*lease);
    co_return outcome.error();
  }
  if (auto committed = co_await db::commit_transaction(*lease); !committed) {
    co_return committed.error();
  }
  log::info("admin.user_data_deleted")
      .str("actor", admin.user.value)
      .str("subject", subject.value)
      .num("conversations", (*deleted)->conversations)
      .num("messages", (*deleted)->messages)
      .str("request_id", admin.request_id);
  co_return **deleted;
}

}  // namespace parley::admin
