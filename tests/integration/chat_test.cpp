// End-to-end chat over HTTP: parley + mock-entra-id + mock-azure-openai +
// PostgreSQL: CRUD, pagination, scoping, streamed answers, disconnects,
// stop across replicas, upstream faults.

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "core/base64url.hpp"
#include "integration/chat_fixture.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kAda = "ada@example.com";
constexpr const char* kGrace = "grace@example.com";

json::value parse(const std::string& s) { return json::parse(s); }
std::string str(const json::value& v, const char* key) {
  return std::string(v.at(key).as_string());
}
std::string error_code(const ApiResult& r) {
  return r.body.empty() ? std::string() : str(parse(r.body).at("error"), "code");
}

TEST_F(ChatE2E, CreateListRenameReadDelete) {
  ChatClient a = sign_in(kAda);
  ApiResult created = call(a, "POST", "/api/conversations", R"({"title":"Trip plans"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.content_type, "application/json");
  const json::value item = parse(created.body);
  const std::string id = str(item, "id");
  EXPECT_EQ(str(item, "title"), "Trip plans");
  EXPECT_TRUE(str(item, "created_at").ends_with("Z"));
  EXPECT_TRUE(item.as_object().contains("updated_at"));

  ApiResult untitled = call(a, "POST", "/api/conversations", "");
  ASSERT_EQ(untitled.status, 201);
  EXPECT_EQ(str(parse(untitled.body), "title"), "New chat");

  ApiResult renamed = call(a, "PATCH", "/api/conversations/" + id, R"({"title":"Renamed"})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(str(parse(renamed.body), "title"), "Renamed");

  ApiResult read = call(a, "GET", "/api/conversations/" + id);
  ASSERT_EQ(read.status, 200);
  const json::value detail = parse(read.body);
  EXPECT_EQ(str(detail, "title"), "Renamed");
  EXPECT_TRUE(detail.at("messages").as_array().empty());

  // The rename moved it to the top of the list.
  ApiResult list = call(a, "GET", "/api/conversations");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(str(parse(list.body).at("items").as_array().front(), "id"), id);

  EXPECT_EQ(call(a, "DELETE", "/api/conversations/" + id).status, 204);
  EXPECT_EQ(call(a, "GET", "/api/conversations/" + id).status, 404);
  EXPECT_EQ(call(a, "DELETE", "/api/conversations/" + id).status, 404);
  EXPECT_EQ(sql_scalar("SELECT count(*) FROM audit_events WHERE type = 'conversation.deleted'"
                       " AND detail->>'conversation_id' = '" +
                       id + "'"),
            "1");
}

TEST_F(ChatE2E, PagesOfTwentyWithAnOpaqueCursorAndALimit) {
  ChatClient c = sign_in("heavy@example.com");
  std::vector<std::string> ids;
  for (int i = 0; i < 23; ++i) ids.push_back(create_conversation(c, "c" + std::to_string(i)));
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (;;) {
    ApiResult r =
        call(c, "GET", "/api/conversations" + (cursor.empty() ? "" : "?cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    const json::value page = parse(r.body);
    ++pages;
    for (const auto& it : page.at("items").as_array()) seen.push_back(str(it, "id"));
    if (page.at("next_cursor").is_null()) break;
    cursor = str(page, "next_cursor");
    ASSERT_LT(pages, 5);
  }
  EXPECT_EQ(pages, 2);
  ASSERT_EQ(seen.size(), 23u);
  // Newest first.
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], ids[ids.size() - 1 - i]);

  ApiResult limited = call(c, "GET", "/api/conversations?limit=5");
  ASSERT_EQ(limited.status, 200);
  EXPECT_EQ(parse(limited.body).at("items").as_array().size(), 5u);
  EXPECT_EQ(call(c, "GET", "/api/conversations?limit=101").status, 400);
  EXPECT_EQ(call(c, "GET", "/api/conversations?limit=0").status, 400);
  ApiResult bad_cursor = call(c, "GET", "/api/conversations?cursor=garbage");
  EXPECT_EQ(bad_cursor.status, 400);
  EXPECT_EQ(error_code(bad_cursor), "bad_request");
  // Well-formed cursors holding times that do not exist are refused before
  // the database sees them (which would answer with an error, not a 400).
  for (const char* at : {"2026-13-45 99:99:99+00", "2026-02-30 10:00:00+00",
                         "2026-11-29 24:00:00+00", "2026-11-29 10:00:00.1234567+00"}) {
    const std::string forged = base64url_encode(std::string("v1|") + at + "|" + ids.front());
    ApiResult r = call(c, "GET", "/api/conversations?cursor=" + forged);
    EXPECT_EQ(r.status, 400) << at << ": " << r.body;
    EXPECT_EQ(error_code(r), "bad_request") << at;
  }
}

// The list is written without a JSON library: titles with quotes,
// backslashes, tabs and non-ASCII text come back exactly.
TEST_F(ChatE2E, ListEscapesTitlesExactly) {
  ChatClient c = sign_in("heavy@example.com");
  // JSON escapes, sent as such.
  const std::string title = R"(He said \"hi\" \\ back\tslash \u00fcn\u00ef \ud83d\ude42 </script>)";
  ApiResult created = call(c, "POST", "/api/conversations", R"({"title":")" + title + R"("})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string expected(str(parse(created.body), "title"));
  EXPECT_EQ(expected, "He said \"hi\" \\ back\tslash \u00fcn\u00ef \U0001F642 </script>");
  ApiResult list = call(c, "GET", "/api/conversations?limit=1");
  ASSERT_EQ(list.status, 200);
  const json::value page = parse(list.body);
  const auto& item = page.at("items").as_array().front();
  EXPECT_EQ(str(item, "title"), expected);
  EXPECT_EQ(str(item, "id"), str(parse(created.body), "id"));
  EXPECT_EQ(str(item, "created_at"), str(parse(created.body), "created_at"));
  EXPECT_EQ(str(item, "updated_at").size(), 24u) << "ISO-8601 with milliseconds";
  EXPECT_TRUE(page.at("next_cursor").is_string());
}

TEST_F(ChatE2E, ValidationAndAuthErrorsAreJson) {
  ChatClient c = sign_in(kAda);
  const std::string id = create_conversation(c);
  ApiResult r = call(c, "POST", "/api/conversations", "{");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "invalid_json");
  r = call(c, "PATCH", "/api/conversations/" + id,
           R"({"title":")" + std::string(201, 'x') + R"("})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "bad_request");
  r = call(c, "PATCH", "/api/conversations/" + id, R"({"title":42})");
  EXPECT_EQ(error_code(r), "bad_request");
  r = call(c, "POST", "/api/conversations/" + id + "/messages", R"({"content":""})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "bad_request");
  r = call(c, "POST", "/api/conversations/" + id + "/messages", R"({"text":"hi"})");
  EXPECT_EQ(error_code(r), "bad_request");
  r = call(c, "POST", "/api/conversations/" + id + "/messages", R"({"content":"cut\u0000here"})");
  EXPECT_EQ(r.status, 400) << "PostgreSQL cannot store U+0000: refused, not silently cut";
  EXPECT_EQ(error_code(r), "bad_request");
  r = call(c, "POST", "/api/conversations/" + id + "/messages",
           R"({"content":")" + std::string(32 * 1024 + 1, 'a') + R"("})");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(error_code(r), "too_large");
  r = call(c, "POST", "/api/conversations/" + id + "/messages", R"({"content":"hi"})", false);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(error_code(r), "csrf");
  EXPECT_EQ(sql_scalar("SELECT count(*) FROM messages WHERE conversation_id = '" + id + "'"), "0")
      << "refused requests store nothing";

  for (const std::string bad : {"not-a-uuid", "00000000-0000-4000-8000-000000000000", "..%2F"}) {
    EXPECT_EQ(call(c, "GET", "/api/conversations/" + bad).status, 404) << bad;
    EXPECT_EQ(
        call(c, "POST", "/api/conversations/" + bad + "/messages", R"({"content":"x"})").status,
        404)
        << bad;
  }
  ChatClient anonymous{Browser(parley().port()), "", parley().port()};
  r = call(anonymous, "GET", "/api/conversations");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_code(r), "unauthorized");
}

TEST_F(ChatE2E, AnotherUsersConversationIsNotFoundEverywhere) {
  ChatClient a = sign_in(kAda);
  ChatClient b = sign_in(kGrace);
  const std::string id = create_conversation(a, "Private");
  const std::string path = "/api/conversations/" + id;
  ApiResult list = call(b, "GET", "/api/conversations?limit=100");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find(id), std::string::npos);
  EXPECT_EQ(call(b, "GET", path).status, 404);
  EXPECT_EQ(call(b, "PATCH", path, R"({"title":"Mine now"})").status, 404);
  EXPECT_EQ(call(b, "POST", path + "/messages", R"({"content":"hi"})").status, 404);
  EXPECT_EQ(call(b, "POST", path + "/regenerate", "{}").status, 404);
  EXPECT_EQ(call(b, "POST", path + "/stop", "{}").status, 404);
  ApiResult del = call(b, "DELETE", path);
  EXPECT_EQ(del.status, 404);
  EXPECT_EQ(error_code(del), "not_found");
  ApiResult mine = call(a, "GET", path);
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(str(parse(mine.body), "title"), "Private");
  EXPECT_EQ(call(a, "POST", path + "/stop", "{}").status, 202) << "nothing running is fine";
}

TEST_F(ChatE2E, StreamsAFullAnswerThatIsStoredComplete) {
  ChatClient c = sign_in(kAda);
  const std::string id = create_conversation(c);
  ASSERT_EQ(aoai().behaviour(R"({"chunks":12,"chunk_delay_ms":40})"), 200);
  StreamResult r =
      stream(c, "/api/conversations/" + id + "/messages", R"({"content":"Hello there"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/event-stream");
  EXPECT_EQ(r.cache_control, "no-cache");
  EXPECT_EQ(r.accel_buffering, "no");
  ASSERT_GE(r.events.size(), 3u);
  EXPECT_EQ(r.events.front().name, "start");
  EXPECT_EQ(r.events.back().name, "done");
  std::vector<const SseEvent*> deltas;
  std::string text;
  for (const auto& e : r.events) {
    if (e.name == "delta") {
      deltas.push_back(&e);
      text += str(parse(e.data), "text");
    }
  }
  ASSERT_GE(deltas.size(), 5u);
  EXPECT_GE(deltas.back()->at - deltas.front()->at, 200ms) << "deltas arrive as they are made";
  EXPECT_TRUE(text.starts_with("You said: Hello there")) << text;
  const json::value done = parse(r.events.back().data);
  EXPECT_EQ(str(done, "status"), "complete");
  EXPECT_EQ(str(done, "finish_reason"), "stop");
  EXPECT_GT(done.at("usage").at("completion_tokens").as_int64(), 0);
  const std::string assistant_id = str(parse(r.events.front().data), "assistant_message_id");
  EXPECT_EQ(str(done, "message_id"), assistant_id);
  ASSERT_NE(r.last("title"), nullptr) << "the first answer names the conversation";

  // Reloading shows both messages, the answer complete with usage and model.
  ApiResult read = call(c, "GET", "/api/conversations/" + id);
  ASSERT_EQ(read.status, 200);
  const json::value detail = parse(read.body);
  EXPECT_EQ(str(detail, "title"), str(parse(r.last("title")->data), "title"));
  const auto& messages = detail.at("messages").as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(str(messages[0], "role"), "user");
  EXPECT_EQ(str(messages[0], "content"), "Hello there");
  EXPECT_EQ(str(messages[1], "id"), assistant_id);
  EXPECT_EQ(str(messages[1], "status"), "complete");
  EXPECT_EQ(str(messages[1], "content"), text);
  EXPECT_EQ(str(messages[1], "model"), "gpt-4o-mini-2024-07-18");
  EXPECT_GT(messages[1].at("usage").at("prompt_tokens").as_int64(), 0);

  // A second turn sends the history; regenerate replaces the last answer.
  StreamResult second =
      stream(c, "/api/conversations/" + id + "/messages", R"({"content":"More"})");
  ASSERT_NE(second.last("done"), nullptr);
  EXPECT_EQ(second.last("title"), nullptr);
  const std::string upstream = aoai().stats();
  EXPECT_NE(upstream.find("Hello there"), std::string::npos) << "history went upstream";
  StreamResult again = stream(c, "/api/conversations/" + id + "/regenerate", "{}");
  ASSERT_NE(again.last("done"), nullptr) << again.body;
  read = call(c, "GET", "/api/conversations/" + id);
  const json::value reread = parse(read.body);
  const auto& after = reread.at("messages").as_array();
  ASSERT_EQ(after.size(), 4u);
  EXPECT_EQ(str(after[3], "id"), str(parse(again.events.front().data), "assistant_message_id"));
}

// The model picker's API: the PARLEY_MODELS list (kChatModels), a model per
// conversation, and its answers going to that model's deployment.
TEST_F(ChatE2E, AConversationAnswersWithTheModelItChose) {
  ChatClient c = sign_in(kAda);
  ApiResult models = call(c, "GET", "/api/models");
  ASSERT_EQ(models.status, 200) << models.body;
  EXPECT_EQ(
      parse(models.body),
      parse(R"({"items":[{"id":"test-deployment"},{"id":"small"}],"default":"test-deployment"})"));
  ChatClient anonymous{Browser(parley().port()), "", parley().port()};
  EXPECT_EQ(call(anonymous, "GET", "/api/models").status, 401);

  ApiResult unknown = call(c, "POST", "/api/conversations", R"({"model":"gpt-5"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(error_code(unknown), "model_not_found");
  EXPECT_EQ(unknown.body.find("gpt-5"), std::string::npos) << "the name is not echoed";

  ApiResult created = call(c, "POST", "/api/conversations", R"({"model":"small"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = str(parse(created.body), "id");
  EXPECT_EQ(str(parse(created.body), "model"), "small");
  ApiResult plain = call(c, "POST", "/api/conversations", "{}");
  EXPECT_TRUE(parse(plain.body).at("model").is_null()) << "null: the default model";

  ASSERT_EQ(aoai().reset_stats(), 200);
  StreamResult r = stream(c, "/api/conversations/" + id + "/messages", R"({"content":"Hi"})");
  ASSERT_NE(r.last("done"), nullptr) << r.body;
  // The answer and then its title both went to the chosen deployment.
  json::value upstream = parse(aoai().stats());
  EXPECT_EQ(upstream.at("requests").as_int64(), 2);
  EXPECT_TRUE(
      str(upstream.at("last_request"), "target").starts_with("/openai/deployments/dep-mini/"))
      << upstream;

  // Back to the default: the item says null, regenerate goes to its deployment.
  ApiResult reset = call(c, "PATCH", "/api/conversations/" + id, R"({"model":null})");
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_TRUE(parse(reset.body).at("model").is_null());
  EXPECT_NE(str(parse(reset.body), "title"), "New chat") << "the title is left as named";
  StreamResult again = stream(c, "/api/conversations/" + id + "/regenerate", "{}");
  ASSERT_NE(again.last("done"), nullptr) << again.body;
  upstream = parse(aoai().stats());
  EXPECT_TRUE(str(upstream.at("last_request"), "target")
                  .starts_with("/openai/deployments/test-deployment/"))
      << upstream;

  // Switching again is remembered and listed; an unknown name changes nothing.
  ApiResult switched = call(c, "PATCH", "/api/conversations/" + id, R"({"model":"small"})");
  ASSERT_EQ(switched.status, 200) << switched.body;
  ApiResult refused = call(c, "PATCH", "/api/conversations/" + id, R"({"model":"Small"})");
  EXPECT_EQ(refused.status, 404);
  EXPECT_EQ(error_code(refused), "model_not_found");
  EXPECT_EQ(str(parse(call(c, "GET", "/api/conversations/" + id).body), "model"), "small");
  const json::value list = parse(call(c, "GET", "/api/conversations").body);
  EXPECT_EQ(str(list.at("items").as_array().front(), "model"), "small");
  EXPECT_EQ(sql_scalar("SELECT model FROM conversations WHERE id = '" + id + "'"), "small");
}

// Operators see outcomes, token usage and time to first token in /metrics.
TEST_F(ChatE2E, MetricsCountAnswersTokensAndFirstTokenTime) {
  auto metric = [](const std::string& name) {
    Browser b(parley().port());
    const std::string text = b.get("/metrics").body;
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1.0;
    return std::stod(text.substr(at + name.size() + 2));
  };
  const double complete = metric(R"(parley_chat_answers_total{status="complete"})");
  const double failed = metric(R"(parley_chat_answers_total{status="failed"})");
  const double completion = metric(R"(parley_llm_tokens_total{kind="completion"})");
  const double first_count = metric("parley_chat_first_token_seconds_count");
  const double first_sum = metric("parley_chat_first_token_seconds_sum");
  ASSERT_GE(complete, 0) << "registered";
  ASSERT_GE(first_sum, 0);

  ChatClient c = sign_in(kAda);
  const std::string id = create_conversation(c);
  ASSERT_EQ(aoai().behaviour(R"({"chunks":4,"chunk_delay_ms":5,"first_token_delay_ms":150})"), 200);
  StreamResult ok =
      stream(c, "/api/conversations/" + id + "/messages", R"({"content":"count me"})");
  ASSERT_NE(ok.last("done"), nullptr) << ok.body;
  ASSERT_EQ(aoai().behaviour(R"({"fault":"cut","cut_after":1,"first_token_delay_ms":0})"), 200);
  StreamResult cut = stream(c, "/api/conversations/" + id + "/messages", R"({"content":"and me"})");
  ASSERT_NE(cut.last("error"), nullptr) << cut.body;

  EXPECT_EQ(metric(R"(parley_chat_answers_total{status="complete"})"), complete + 1);
  EXPECT_EQ(metric(R"(parley_chat_answers_total{status="failed"})"), failed + 1);
  const auto usage = parse(ok.last("done")->data).at("usage");
  EXPECT_EQ(metric(R"(parley_llm_tokens_total{kind="completion"})"),
            completion + static_cast<double>(usage.at("completion_tokens").as_int64()));
  EXPECT_EQ(metric("parley_chat_first_token_seconds_count"), first_count + 2);
  EXPECT_GE(metric("parley_chat_first_token_seconds_sum") - first_sum, 0.15)
      << "the 150 ms first-token delay is counted";
}

// The browser hangs up mid-answer, also while the upstream is silent (a
// stalled first token, or a pause after some text): noticed within a
// second, the upstream request cancelled, the answer stored stopped with
// the text so far.
// The upstream's next event is far away (a stall, or 30 s between chunks):
// the hang-up must be noticed without waiting for it. (The design target is
// within a second; the bound here is generous so that a loaded machine
// cannot fail the rule, and still far below the upstream's next event.)
TEST_F(ChatE2E, ClientDisconnectIsNoticedWhileTheUpstreamIsSilent) {
  ChatClient c = sign_in(kGrace);
  struct Case {
    const char* behaviour;
    int deltas_before_hangup;
    bool partial_text;
  };
  for (const Case& k : {Case{R"({"chunks":20,"chunk_delay_ms":300})", 2, true},
                        Case{R"({"fault":"stall"})", 0, false},
                        Case{R"({"chunks":5,"chunk_delay_ms":30000})", 1, true}}) {
    ASSERT_EQ(aoai().reset(), 200);
    ASSERT_EQ(aoai().behaviour(k.behaviour), 200);
    const int cancelled_before =
        static_cast<int>(json::parse(aoai().stats()).at("cancelled_streams").as_int64());
    const std::string id = create_conversation(c);
    int deltas = 0;
    StreamResult r =
        stream(c, "/api/conversations/" + id + "/messages", R"({"content":"Hello?"})",
               [&](const SseEvent& e) {
                 if (e.name == "delta") ++deltas;
                 return !(e.name == (k.deltas_before_hangup == 0 ? "start" : "delta") &&
                          deltas >= k.deltas_before_hangup);
               });
    ASSERT_FALSE(r.events.empty()) << k.behaviour << r.body;
    const std::string assistant_id = str(parse(r.events.front().data), "assistant_message_id");
    std::string state;
    EXPECT_TRUE(eventually(
        [&] {
          state = sql_scalar("SELECT status FROM messages WHERE id = '" + assistant_id + "'");
          return state == "stopped";
        },
        10s))
        << k.behaviour << " " << state;
    const std::string content =
        sql_scalar("SELECT content FROM messages WHERE id = '" + assistant_id + "'");
    EXPECT_EQ(!content.empty(), k.partial_text) << k.behaviour << " " << content;
    EXPECT_TRUE(eventually(
        [&] {
          return json::parse(aoai().stats()).at("cancelled_streams").as_int64() > cancelled_before;
        },
        2s))
        << k.behaviour << ": the upstream request was cancelled";
  }
}

TEST_F(ChatE2E, StopThroughAnotherReplicaEndsTheStreamWithinOneSecond) {
  auto replica = start_second_parley();
  ChatClient c = sign_in(kAda);
  ChatClient other = sign_in(kAda, replica->port());
  const std::string id = create_conversation(c);
  ASSERT_EQ(
      aoai().behaviour(R"({"chunks":3,"first_token_delay_ms":0,"cut_after":1,"fault":"stall"})"),
      200);
  std::atomic<bool> started{false};
  StreamResult r;
  std::thread reader([&] {
    r = stream(c, "/api/conversations/" + id + "/messages", R"({"content":"Wait"})",
               [&](const SseEvent& e) {
                 if (e.name == "start") started = true;
                 return true;
               });
  });
  ASSERT_TRUE(eventually([&] { return started.load(); }, 5s));
  // 409 while it streams.
  ApiResult busy = call(c, "POST", "/api/conversations/" + id + "/messages", R"({"content":"x"})");
  EXPECT_EQ(busy.status, 409);
  EXPECT_EQ(error_code(busy), "conflict");
  const auto t0 = std::chrono::steady_clock::now();
  ApiResult stop = call(other, "POST", "/api/conversations/" + id + "/stop", "{}");
  EXPECT_EQ(stop.status, 202) << stop.body;
  reader.join();
  ASSERT_NE(r.last("done"), nullptr) << r.body;
  EXPECT_LT(r.last("done")->at - t0, 1s);
  EXPECT_EQ(str(parse(r.last("done")->data), "status"), "stopped");
  const std::string assistant_id = str(parse(r.events.front().data), "assistant_message_id");
  EXPECT_EQ(sql_scalar("SELECT status FROM messages WHERE id = '" + assistant_id + "'"), "stopped");
}

TEST_F(ChatE2E, UpstreamFaultsBecomeStreamEventsAndStoredStates) {
  ChatClient c = sign_in(kGrace);
  const std::string id = create_conversation(c);
  const std::string path = "/api/conversations/" + id + "/messages";

  // 429 before the first token (after the client's bounded retries).
  ASSERT_EQ(aoai().behaviour(R"({"fault":"429","retry_after_ms":"10"})"), 200);
  StreamResult limited = stream(c, path, R"({"content":"one"})");
  ASSERT_EQ(limited.status, 200) << limited.body;
  EXPECT_EQ(limited.names(), (std::vector<std::string>{"start", "error"}));
  EXPECT_EQ(str(parse(limited.last("error")->data), "code"), "rate_limited");

  // A stream cut mid-way: error event, row failed, partial text kept.
  ASSERT_EQ(aoai().reset(), 200);
  ASSERT_EQ(aoai().behaviour(R"({"fault":"cut","cut_after":3})"), 200);
  StreamResult cut = stream(c, path, R"({"content":"two"})");
  ASSERT_NE(cut.last("error"), nullptr) << cut.body;
  EXPECT_EQ(cut.events.back().name, "error");
  const std::string cut_id = str(parse(cut.events.front().data), "assistant_message_id");
  EXPECT_EQ(sql_scalar("SELECT status FROM messages WHERE id = '" + cut_id + "'"), "failed");
  EXPECT_NE(sql_scalar("SELECT content FROM messages WHERE id = '" + cut_id + "'"), "");

  // The content filter mid-stream: done with status filtered.
  ASSERT_EQ(aoai().reset(), 200);
  ASSERT_EQ(aoai().behaviour(R"({"fault":"content_filter_midstream"})"), 200);
  StreamResult filtered = stream(c, path, R"({"content":"three"})");
  ASSERT_NE(filtered.last("done"), nullptr) << filtered.body;
  EXPECT_EQ(str(parse(filtered.last("done")->data), "status"), "filtered");
  const std::string filtered_id = str(parse(filtered.events.front().data), "assistant_message_id");
  EXPECT_EQ(sql_scalar("SELECT status FROM messages WHERE id = '" + filtered_id + "'"), "filtered");
}

TEST_F(ChatE2E, AnAnswerLeftStreamingByADeadProcessIsFailedAtStartUp) {
  ChatClient c = sign_in(kGrace);
  const std::string id = create_conversation(c);
  const std::string user_id =
      sql_scalar("SELECT user_id FROM conversations WHERE id = '" + id + "'");
  // A row whose process died three minutes ago (its lease expired).
  const std::string orphan = sql_scalar(
      "INSERT INTO messages (conversation_id, user_id, role, content, status, owner, updated_at)"
      " VALUES ('" +
      id + "', '" + user_id +
      "', 'assistant', 'half an ans', 'streaming', 'dead',"
      " now() - interval '3 minutes') RETURNING id");
  ASSERT_FALSE(orphan.empty());
  auto replica = start_second_parley();
  EXPECT_TRUE(eventually(
      [&] {
        return sql_scalar(
                   "SELECT status || '/' || error_code || '/' || content FROM messages WHERE id = "
                   "'" +
                   orphan + "'") == "failed/interrupted/half an ans";
      },
      5s));
  ApiResult read = call(c, "GET", "/api/conversations/" + id);
  EXPECT_NE(read.body.find("\"status\":\"failed\""), std::string::npos) << read.body;
}

// PostgreSQL restarts under a running server (failover, maintenance): the
// first requests after it are answered at once, not failed, because the
// pipelined read connection and the pool's idle connections are replaced on
// first use.
TEST_F(ChatE2E, ListsReadsAndWritesSurviveADatabaseRestart) {
  ChatClient a = sign_in(kAda);
  const std::string id = create_conversation(a, "Before the restart");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(call(a, "GET", "/api/conversations").status, 200);
  shared_temp_postgres().restart();

  const auto asked = std::chrono::steady_clock::now();
  ApiResult list = call(a, "GET", "/api/conversations");
  ASSERT_EQ(list.status, 200) << list.body;
  // At once: not after a statement deadline on the dead connection.
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 10s) << "not the 15 s statement deadline";
  const json::value page = parse(list.body);
  bool listed = false;
  for (const auto& it : page.at("items").as_array()) listed |= str(it, "id") == id;
  EXPECT_TRUE(listed);
  ApiResult read = call(a, "GET", "/api/conversations/" + id);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(str(parse(read.body), "title"), "Before the restart");
  EXPECT_EQ(call(a, "POST", "/api/conversations", R"({"title":"After"})").status, 201);
  EXPECT_EQ(call(a, "GET", "/api/conversations").status, 200);
}

}  // namespace
}  // namespace parley::testing
