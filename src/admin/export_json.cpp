#include "admin/export_json.hpp"

#include <initializer_list>

#include "observability/log.hpp"

namespace parley::admin {

namespace {

void append_string(std::string& out, std::string_view s) {
  out += '"';
  log::append_json_escaped(out, s);
  out += '"';
}

void append_optional_string(std::string& out, const std::optional<std::string>& s) {
  if (s) {
    append_string(out, *s);
  } else {
    out += "null";
  }
}

void append_field(std::string& out, std::string_view key, std::string_view value) {
  out += '"';
  out += key;
  out += "\":";
  append_string(out, value);
}

struct Field {
  std::string_view key;
  std::string_view value;
};

// `{"k1":"v1","k2":"v2"` (a comma first unless `first`), left open for the
// fields that are not plain strings: the one writer of every object here.
void open_object(std::string& out, bool first, std::initializer_list<Field> fields) {
  if (!first) out += ',';
  out += '{';
  bool first_field = true;
  for (const Field& f : fields) {
    if (!first_field) out += ',';
    first_field = false;
    append_field(out, f.key, f.value);
  }
}

}  // namespace

void append_export_head(std::string& out, const ExportOwner& owner, std::string_view exported_at) {
  out += "{\"version\":";
  out += std::to_string(kExportVersion);
  out += ',';
  append_field(out, "exported_at", exported_at);
  out += ",\"user\":";
  open_object(out, true, {{"id", owner.id}, {"name", owner.name}, {"email", owner.email}});
  out += "},\"conversations\":[";
}

void append_conversation_open(std::string& out, const ExportConversation& c, bool first) {
  open_object(out, first,
              {{"id", c.id},
               {"title", c.title},
               {"created_at", c.created_at},
               {"updated_at", c.updated_at}});
  out += ",\"model\":";
  append_optional_string(out, c.model);
  out += ",\"messages\":[";
}

void append_message(std::string& out, const ExportMessage& m, bool first) {
  open_object(out, first,
              {{"id", m.id}, {"role", m.role}, {"content", m.content}, {"status", m.status}});
  out += ",\"model\":";
  append_optional_string(out, m.model);
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
