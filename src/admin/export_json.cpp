#include "admin/export_json.hpp"

#include "observability/log.hpp"

namespace parley::admin {

namespace {

void append_string(std::string& out, std::string_view s) {
  out += '"';
  log::append_json_escaped(out, s);
  out += '"';
}

void append_field(std::string& out, std::string_view key, std::string_view value) {
  out += '"';
  out += key;
  out += "\":";
  append_string(out, value);
}

}  // namespace

void append_export_head(std::string& out, const ExportOwner& owner, std::string_view exported_at) {
  out += "{\"version\":";
  out += std::to_string(kExportVersion);
  out += ',';
  append_field(out, "exported_at", exported_at);
  out += ",\"user\":{";
  append_field(out, "id", owner.id);
  out += ',';
  append_field(out, "name", owner.name);
  out += ',';
  append_field(out, "email", owner.email);
  out += "},\"conversations\":[";
}

void append_conversation_open(std::string& out, const ExportConversation& c, bool first) {
  if (!first) out += ',';
  out += '{';
  append_field(out, "id", c.id);
  out += ',';
  append_field(out, "title", c.title);
  out += ',';
  append_field(out, "created_at", c.created_at);
  out += ',';
  append_field(out, "updated_at", c.updated_at);
  out += ",\"messages\":[";
}

void append_message(std::string& out, const ExportMessage& m, bool first) {
  if (!first) out += ',';
  out += '{';
  append_field(out, "id", m.id);
  out += ',';
  append_field(out, "role", m.role);
  out += ',';
  append_field(out, "content", m.content);
  out += ',';
  append_field(out, "status", m.status);
  out += ",\"model\":";
  if (m.model) {
    append_string(out, *m.model);
  } else {
    out += "null";
  }
  // As in GET /api/conversations/{id}: usage is null until the model reported some.
  out += ",\"usage\":";
  if (m.prompt_tokens || m.completion_tokens) {
    out += "{\"prompt_tokens\":";
    out += std::to_string(m.prompt_tokens.value_or(0));
    out += ",\"completion_tokens\":";
    out += std::to_string(m.completion_tokens.value_or(0));
    out += '}';
  } else {
    out += "null";
  }
  out += ',';
  append_field(out, "created_at", m.created_at);
  out += '}';
}

void append_conversation_close(std::string& out) { out += "]}"; }

void append_export_tail(std::string& out) { out += "]}"; }

std::string export_file_name(std::string_view iso_timestamp) {
  std::string_view day = iso_timestamp.substr(0, 10);
  // Only digits and dashes reach the header (the value is ours, but a
  // Content-Disposition parameter is no place for surprises).
  for (char c : day) {
    if ((c < '0' || c > '9') && c != '-') return "parley-export.json";
  }
  return "parley-export-" + std::string(day) + ".json";
}

}  // namespace parley::admin
