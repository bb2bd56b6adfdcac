#include "admin/export_json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace parley::admin {
namespace {

namespace json = boost::json;

ExportMessage message(std::string id, std::string content) {
  ExportMessage m;
  m.id = std::move(id);
  m.role = "user";
  m.content = std::move(content);
  m.status = "complete";
  m.created_at = "2026-02-01T10:00:00.000Z";
  return m;
}

TEST(ExportJson, PiecesMakeOneValidDocument) {
  std::string out;
  append_export_head(out, {"u-1", "Ada \"Countess\" Lovelace", "ada@example.com"},
                     "2026-02-02T08:00:00.000Z");
  append_conversation_open(out, {"c-1", "Line\nbreak", "2026-02-01T09:00:00.000Z",
                                 "2026-02-01T10:00:00.000Z", std::nullopt},
                           true);
  append_message(out, message("m-1", "tab\there </script> \\ \x01"), true);
  ExportMessage answer = message("m-2", "");
  answer.role = "assistant";
  answer.status = "stopped";
  answer.model = "gpt-4o";
  answer.completion_tokens = 7;
  append_message(out, answer, false);
  append_conversation_close(out);
  append_conversation_open(out, {"c-2", "Empty", "t", "t", "gpt-4o"}, false);
  append_conversation_close(out);
  append_export_tail(out);

  const json::value doc = json::parse(out);
  EXPECT_EQ(doc.at("version").as_int64(), kExportVersion);
  EXPECT_EQ(doc.at("user").at("name").as_string(), "Ada \"Countess\" Lovelace");
  const auto& conversations = doc.at("conversations").as_array();
  ASSERT_EQ(conversations.size(), 2u);
  EXPECT_EQ(conversations[0].at("title").as_string(), "Line\nbreak");
  EXPECT_TRUE(conversations[0].at("model").is_null()) << "the default model";
  EXPECT_EQ(conversations[1].at("model").as_string(), "gpt-4o") << "the conversation's own model";
  const auto& messages = conversations[0].at("messages").as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].at("content").as_string(), "tab\there </script> \\ \x01");
  EXPECT_TRUE(messages[0].at("model").is_null());
  EXPECT_TRUE(messages[0].at("usage").is_null()) << "as GET /api/conversations/{id} shows it";
  EXPECT_EQ(messages[1].at("model").as_string(), "gpt-4o");
  EXPECT_EQ(messages[1].at("usage").at("prompt_tokens").as_int64(), 0);
  EXPECT_EQ(messages[1].at("usage").at("completion_tokens").as_int64(), 7);
  EXPECT_TRUE(conversations[1].at("messages").as_array().empty());
}

TEST(ExportJson, EmptyExportIsValid) {
  std::string out;
  append_export_head(out, {"u", "", ""}, "2026-02-02T08:00:00.000Z");
  append_export_tail(out);
  EXPECT_TRUE(json::parse(out).at("conversations").as_array().empty());
}

TEST(ExportJson, TruncatedDocumentDoesNotParse) {
  // What a client holds after an aborted download is never mistaken for a
  // complete export.
  std::string out;
  append_export_head(out, {"u", "n", "e"}, "2026-02-02T08:00:00.000Z");
  append_conversation_open(out, {"c", "t", "a", "b", std::nullopt}, true);
  append_message(out, message("m", "x"), true);
  boost::system::error_code ec;
  (void)json::parse(out, ec);
  EXPECT_TRUE(ec);
}

TEST(ExportJson, FileNameCarriesTheDayOnly) {
  EXPECT_EQ(export_file_name("2026-02-02T08:00:00.000Z"), "parley-export-2026-02-02.json");
  EXPECT_EQ(export_file_name("2026\"; x=1T"), "parley-export.json");
}

}  // namespace
}  // namespace parley::admin
