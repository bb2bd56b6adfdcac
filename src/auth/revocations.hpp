#pragma once
// Which sessions have ended: revoked session ids and disabled users, kept in
// memory in every process so that checking a request costs no query. Fed by
// LISTEN/NOTIFY ("session:<id>", "user:<id>", "user_enabled:<id>") and replaced wholesale by the
// periodic resync (which covers notifications lost while the listener was
// reconnecting). Strand affinity: the server's io_context thread.

#include <string>
#include <string_view>
#include <functional>
#include <unordered_set>
#include <vector>

namespace parley::auth {

// Heterogeneous lookup: checking a string_view allocates nothing.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

class RevocationSet {
 public:
  void revoke_session(std::string_view session_id) { sessions_.emplace(session_id); }
  void disable_user(std::string_view user_id) { users_.emplace(user_id); }
  void enable_user(std::string_view user_id) {
    if (auto it = users_.find(user_id); it != users_.end()) users_.erase(it);
  }
  bool is_user_disabled(std::string_view user_id) const { return users_.contains(user_id); }
  bool is_revoked(std::string_view session_id, std::string_view user_id) const {
    return sessions_.contains(session_id) || users_.contains(user_id);
  }
  void replace(std::vector<std::string> sessions, std::vector<std::string> users) {
    sessions_ = {std::make_move_iterator(sessions.begin()), std::make_move_iterator(sessions.end())};
    users_ = {std::make_move_iterator(users.begin()), std::make_move_iterator(users.end())};
  }
  // Applies one NOTIFY payload; returns false when it is not understood.
  bool apply_notification(std::string_view payload) {
    if (payload.starts_with("session:")) {
      revoke_session(payload.substr(8));
      return true;
    }
    if (payload.starts_with("user:")) {
      disable_user(payload.substr(5));
      return true;
    }
    if (payload.starts_with("user_enabled:")) {
      enable_user(payload.substr(13));
      return true;
    }
    return false;
  }
  std::size_t revoked_sessions() const { return sessions_.size(); }
  std::size_t disabled_users() const { return users_.size(); }

 private:
  StringSet sessions_;
  StringSet users_;
};

}  // namespace parley::auth
