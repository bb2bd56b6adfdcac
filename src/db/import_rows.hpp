#pragma once
// The plain rows of `parley import nextauth` (db/import_repo.hpp reads and
// writes them; nextauth/rules.hpp decides what becomes of them). No I/O.

#include <optional>
#include <string>

namespace parley::db {

struct NextAuthUser {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> email;
};

struct NextAuthAccount {
  std::string provider;             // "microsoft-entra-id", "azure-ad", ...
  std::string provider_account_id;  // for Entra: the ID token's `sub`
};

// A row of the messages view: user_id, conversation_key, role, content,
// created_at (any timestamp type; read as UTC).
struct SourceMessage {
  std::string conversation_key;
  std::string role;
  std::optional<std::string> content;
  std::optional<std::string> created_at;  // "YYYY-MM-DDTHH:MM:SS.ffffffZ"
};

// A message to write: validated by nextauth/rules.hpp.
struct ImportMessage {
  std::string role;  // user, assistant or system
  std::string content;
  std::string created_at;  // as SourceMessage::created_at
};

}  // namespace parley::db
