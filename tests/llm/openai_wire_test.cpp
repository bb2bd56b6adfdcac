// OpenAI's chat-completions wire format: the request bodies the official
// clients send, each refusal a 400 naming its parameter, and the completion,
// chunk, model-list and error objects in the reference's shapes.
#include "llm/openai_wire.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/errors.hpp"
#include "llm/errors.hpp"

namespace parley::llm::openai {
namespace {

namespace json = boost::json;

struct Parsed {
  Result<CompletionRequest> result;
  std::string param;
};

Parsed parse(std::string_view body) {
  std::string param = "stale";
  auto r = parse_completion_request(body, param);
  return {std::move(r), param};
}

// The body the `openai` npm client sends for
// client.chat.completions.create({model, messages, stream: true, stream_options: {include_usage:
// true}}).
constexpr std::string_view kClientBody = R"({
  "messages":[{"role":"system","content":"Be brief."},
              {"role":"user","content":"Hello"},
              {"role":"assistant","content":"Hi!"},
              {"role":"user","content":[{"type":"text","text":"What is "},{"type":"text","text":"2+2?"}]}],
  "model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},
  "max_completion_tokens":256,"temperature":0.2,"top_p":1,"stop":["\n\n"],"n":1,
  "user":"batch-42","seed":7,"presence_penalty":0,"logprobs":false,"metadata":{"k":"v"},
  "response_format":{"type":"text"},"tools":null
})";

TEST(OpenAiRequest, ParsesWhatTheOfficialClientSends) {
  auto p = parse(kClientBody);
  ASSERT_TRUE(p.result) << p.result.error().detail << " " << p.param;
  EXPECT_TRUE(p.param.empty());
  const CompletionRequest& r = *p.result;
  EXPECT_EQ(r.model, "gpt-4o");
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[0], (ChatMessage{"system", "Be brief."}));
  EXPECT_EQ(r.messages[2], (ChatMessage{"assistant", "Hi!"}));
  EXPECT_EQ(r.messages[3], (ChatMessage{"user", "What is 2+2?"})) << "text parts joined";
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(r.max_tokens, 256);
  EXPECT_DOUBLE_EQ(*r.temperature, 0.2);
  EXPECT_DOUBLE_EQ(*r.top_p, 1.0);
  EXPECT_EQ(r.stop, std::vector<std::string>{"\n\n"});
  EXPECT_EQ(r.user, "batch-42");
}

TEST(OpenAiRequest, DefaultsAreNotStreamingWithoutLimits) {
  auto p = parse(R"({"model":"m","messages":[{"role":"user","content":"x"}]})");
  ASSERT_TRUE(p.result);
  EXPECT_FALSE(p.result->stream);
  EXPECT_FALSE(p.result->include_usage);
  EXPECT_FALSE(p.result->max_tokens);
  EXPECT_FALSE(p.result->temperature);
  EXPECT_TRUE(p.result->stop.empty());
}

TEST(OpenAiRequest, MaxTokensIsTheOlderNameAndDeveloperIsSystem) {
  auto p = parse(R"({"model":"m","max_tokens":50,"stop":"END",
                     "messages":[{"role":"developer","content":"rules"},{"role":"user","content":"x","name":"abe"}]})");
  ASSERT_TRUE(p.result) << p.param;
  EXPECT_EQ(p.result->max_tokens, 50);
  EXPECT_EQ(p.result->messages[0].role, "system");
  EXPECT_EQ(p.result->stop, std::vector<std::string>{"END"});
}

struct Bad {
  const char* body;
  const ErrorCode* code;
  const char* param;
};

TEST(OpenAiRequest, RefusesWithA400NamingTheParameter) {
  const Bad cases[] = {
      {R"(not json)", &errc::openai::invalid_json, ""},
      {R"([1,2])", &errc::openai::invalid_json, ""},
      {R"({"messages":[{"role":"user","content":"x"}]})", &errc::openai::missing_parameter,
       "model"},
      {R"({"model":7,"messages":[{"role":"user","content":"x"}]})", &errc::openai::invalid_type,
       "model"},
      {R"({"model":"m"})", &errc::openai::missing_parameter, "messages"},
      {R"({"model":"m","messages":[]})", &errc::openai::missing_parameter, "messages"},
      {R"({"model":"m","messages":{}})", &errc::openai::invalid_type, "messages"},
      {R"({"model":"m","messages":["hi"]})", &errc::openai::invalid_type, "messages[0]"},
      {R"({"model":"m","messages":[{"content":"x"}]})", &errc::openai::missing_parameter,
       "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"},{"role":"wizard","content":"x"}]})",
       &errc::openai::invalid_value, "messages[1].role"},
      {R"({"model":"m","messages":[{"role":"tool","content":"x","tool_call_id":"c"}]})",
       &errc::openai::unsupported_value, "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"function","name":"f","content":"x"}]})",
       &errc::openai::unsupported_value, "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c"}]}]})",
       &errc::openai::unsupported_parameter, "messages[0].tool_calls"},
      {R"({"model":"m","messages":[{"role":"user"}]})", &errc::openai::missing_parameter,
       "messages[0].content"},
      {R"({"model":"m","messages":[{"role":"user","content":5}]})", &errc::openai::invalid_type,
       "messages[0].content"},
      {R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})",
       &errc::openai::unsupported_value, "messages[0].content[0].type"},
      {R"({"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]})",
       &errc::openai::invalid_value, "messages[0].content[0].text"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]})",
       &errc::openai::unsupported_parameter, "tools"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"auto"})",
       &errc::openai::unsupported_parameter, "tool_choice"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"functions":[{"name":"f"}]})",
       &errc::openai::unsupported_parameter, "functions"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"function_call":"auto"})",
       &errc::openai::unsupported_parameter, "function_call"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"n":2})",
       &errc::openai::unsupported_value, "n"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"n":"1"})",
       &errc::openai::invalid_type, "n"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"})",
       &errc::openai::invalid_type, "stream"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}})",
       &errc::openai::unsupported_value, "stream_options"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":1}})",
       &errc::openai::invalid_type, "stream_options.include_usage"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0})",
       &errc::openai::invalid_value, "max_tokens"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_completion_tokens":1.5})",
       &errc::openai::invalid_type, "max_completion_tokens"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":2.5})",
       &errc::openai::invalid_value, "temperature"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"})",
       &errc::openai::invalid_type, "temperature"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"top_p":-0.1})",
       &errc::openai::invalid_value, "top_p"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":["a","b","c","d","e"]})",
       &errc::openai::invalid_value, "stop"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":[1]})",
       &errc::openai::invalid_type, "stop"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"logprobs":true})",
       &errc::openai::unsupported_value, "logprobs"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}})",
       &errc::openai::unsupported_value, "response_format"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"user":5})",
       &errc::openai::invalid_type, "user"},
      {"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}",
       &errc::openai::invalid_json, ""},
  };
  for (const Bad& c : cases) {
    auto p = parse(c.body);
    ASSERT_FALSE(p.result) << c.body;
    EXPECT_TRUE(p.result.error().is(*c.code)) << c.body << " -> " << p.result.error().code;
    EXPECT_EQ(p.result.error().kind, Kind::bad_request) << c.body;
    EXPECT_EQ(p.param, c.param) << c.body;
    const WireError w = render_error(p.result.error(), p.param);
    EXPECT_EQ(w.status, 400) << c.body;
    EXPECT_FALSE(p.result.error().public_message.empty() &&
                 !p.result.error().is(errc::openai::invalid_json))
        << "a message says what is wrong: " << c.body;
  }
}

TEST(OpenAiRequest, DeepOrHugeNestingIsInvalidJsonNotACrash) {
  std::string deep = R"({"model":"m","messages":[{"role":"user","content":"x"}],"metadata":)";
  for (int i = 0; i < 10000; ++i) deep += '[';
  auto p = parse(deep);
  ASSERT_FALSE(p.result);
  EXPECT_TRUE(p.result.error().is(errc::openai::invalid_json));
}

TEST(OpenAiCompletion, RendersTheChatCompletionObject) {
  Completion c;
  c.id = completion_id("AbC123");
  c.created = 1'733'270'400;
  c.model = "gpt-4o";
  c.content = "Four.\n\"quoted\"";
  c.finish_reason = "length";
  c.usage = {12, 3};
  const json::object o = json::parse(render_completion(c)).as_object();
  EXPECT_EQ(o.at("id"), "chatcmpl-AbC123");
  EXPECT_EQ(o.at("object"), "chat.completion");
  EXPECT_EQ(o.at("created"), 1'733'270'400);
  EXPECT_EQ(o.at("model"), "gpt-4o");
  const json::array& choices = o.at("choices").as_array();
  ASSERT_EQ(choices.size(), 1u);
  EXPECT_EQ(choices[0].at("index"), 0);
  EXPECT_EQ(choices[0].at("message").at("role"), "assistant");
  EXPECT_EQ(choices[0].at("message").at("content"), "Four.\n\"quoted\"");
  EXPECT_TRUE(choices[0].at("message").at("refusal").is_null());
  EXPECT_TRUE(choices[0].at("logprobs").is_null());
  EXPECT_EQ(choices[0].at("finish_reason"), "length");
  EXPECT_EQ(o.at("usage").at("prompt_tokens"), 12);
  EXPECT_EQ(o.at("usage").at("completion_tokens"), 3);
  EXPECT_EQ(o.at("usage").at("total_tokens"), 15);
}

// The JSON of one "data: ...\n\n" event.
json::object event(const std::string& sse) {
  EXPECT_TRUE(sse.starts_with("data: ")) << sse;
  EXPECT_TRUE(sse.ends_with("\n\n")) << sse;
  EXPECT_EQ(sse.find('\n'), sse.size() - 2) << "one line of data";
  return json::parse(sse.substr(6, sse.size() - 8)).as_object();
}

TEST(OpenAiChunks, StreamRoleDeltasFinishUsageAndDone) {
  const ChunkWriter w("chatcmpl-x", 1'733'270'400, "gpt-4o", true);
  const json::object first = event(w.role());
  EXPECT_EQ(first.at("id"), "chatcmpl-x");
  EXPECT_EQ(first.at("object"), "chat.completion.chunk");
  EXPECT_EQ(first.at("created"), 1'733'270'400);
  EXPECT_EQ(first.at("model"), "gpt-4o");
  EXPECT_EQ(first.at("choices").at(0).at("delta").at("role"), "assistant");
  EXPECT_TRUE(first.at("choices").at(0).at("finish_reason").is_null());
  EXPECT_TRUE(first.at("usage").is_null()) << "include_usage: every chunk has usage null";

  const json::object d = event(w.delta("line 1\nline \"2\" \xc3\xa9"));
  EXPECT_EQ(d.at("choices").at(0).at("delta").at("content"), "line 1\nline \"2\" \xc3\xa9");
  EXPECT_EQ(d.at("choices").at(0).at("index"), 0);
  EXPECT_FALSE(d.at("choices").at(0).at("delta").as_object().contains("role"));

  const json::object f = event(w.finish("stop"));
  EXPECT_TRUE(f.at("choices").at(0).at("delta").as_object().empty());
  EXPECT_EQ(f.at("choices").at(0).at("finish_reason"), "stop");

  const json::object u = event(w.usage({10, 4}));
  EXPECT_TRUE(u.at("choices").as_array().empty());
  EXPECT_EQ(u.at("usage").at("total_tokens"), 14);
  EXPECT_EQ(u.at("id"), "chatcmpl-x");
  EXPECT_EQ(ChunkWriter::done(), "data: [DONE]\n\n");
}

TEST(OpenAiChunks, WithoutIncludeUsageNoUsageAppears) {
  const ChunkWriter w("chatcmpl-y", 1, "m", false);
  EXPECT_FALSE(event(w.role()).contains("usage"));
  EXPECT_FALSE(event(w.delta("x")).contains("usage"));
  EXPECT_FALSE(event(w.finish("content_filter")).contains("usage"));
  EXPECT_EQ(w.usage({1, 1}), "");
}

TEST(OpenAiModels, ListsTheConfiguredModelsInOrder) {
  const json::object o =
      json::parse(render_model_list({"gpt-4o", "gpt-4o-mini"}, 1'733'270'400)).as_object();
  EXPECT_EQ(o.at("object"), "list");
  const json::array& data = o.at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0].at("id"), "gpt-4o");
  EXPECT_EQ(data[0].at("object"), "model");
  EXPECT_EQ(data[0].at("created"), 1'733'270'400);
  EXPECT_EQ(data[0].at("owned_by"), "parley");
  EXPECT_EQ(data[1].at("id"), "gpt-4o-mini");
}

TEST(OpenAiErrors, EveryKindMapsToAStatusAndAnOpenAiType) {
  struct Row {
    Kind kind;
    int status;
    const char* type;
  };
  const Row rows[] = {
      {Kind::bad_request, 400, "invalid_request_error"},
      {Kind::unauthorized, 401, "authentication_error"},
      {Kind::forbidden, 403, "permission_error"},
      {Kind::not_found, 404, "not_found_error"},
      {Kind::conflict, 409, "invalid_request_error"},
      {Kind::too_large, 413, "invalid_request_error"},
      {Kind::rate_limited, 429, "rate_limit_error"},
      {Kind::unavailable, 503, "server_error"},
      {Kind::upstream, 502, "api_error"},
      {Kind::internal, 500, "server_error"},
  };
  for (const Row& r : rows) {
    const ErrorCode code{r.kind, "test.code"};
    const WireError w = render_error(make_error(code, "secret detail"));
    EXPECT_EQ(w.status, r.status) << r.type;
    const json::object e = json::parse(w.body).as_object().at("error").as_object();
    EXPECT_EQ(e.at("type"), r.type);
    EXPECT_TRUE(e.at("param").is_null());
    EXPECT_TRUE(e.at("message").is_string());
    EXPECT_TRUE(e.at("code").is_string());
    EXPECT_EQ(w.body.find("secret detail"), std::string::npos) << "details stay in the log";
  }
}

TEST(OpenAiErrors, CarriesThePublicCodeMessageAndParam) {
  const WireError nf = render_error(make_error(errc::openai::model_not_found, "gpt-5"));
  EXPECT_EQ(nf.status, 404);
  const json::object e = json::parse(nf.body).as_object().at("error").as_object();
  EXPECT_EQ(e.at("code"), "model_not_found");
  EXPECT_EQ(e.at("type"), "not_found_error");
  EXPECT_EQ(nf.body.find("gpt-5"), std::string::npos);

  std::string param;
  auto bad = parse_completion_request(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"n":3})", param);
  ASSERT_FALSE(bad);
  const json::object b =
      json::parse(render_error(bad.error(), param).body).as_object().at("error").as_object();
  EXPECT_EQ(b.at("param"), "n");
  EXPECT_EQ(b.at("code"), "unsupported_value");
  EXPECT_EQ(b.at("message"), "Only n = 1 is supported.");
}

TEST(OpenAiErrors, AStreamErrorIsOneDataEvent) {
  const ErrorCode upstream{Kind::upstream, "test.upstream"};
  const json::object o = event(stream_error(make_error(upstream, "reset")));
  EXPECT_EQ(o.at("error").at("type"), "api_error");
}

}  // namespace
}  // namespace parley::llm::openai
