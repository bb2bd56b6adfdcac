// Calls Parley's service API (/v1) with the official `openai` client: an
// Entra client-credentials access token is the API key, `<AUTH_URL>/v1` the
// base URL. Defaults fit `make dev` (mock-entra-id's `parley-dev-service`
// client); for a real tenant set the variables below.
//
//   cd examples && npm ci && node service-call.mjs "Hello"
//
// PARLEY_URL            Parley's origin (default http://localhost:3000)
// TOKEN_URL             the tenant's token endpoint
// CLIENT_ID / CLIENT_SECRET   the calling application's credentials
// PARLEY_API_SCOPE_URI  api://<Parley's client id>/.default
// PARLEY_MODEL          a name from GET /v1/models (default: the first)
import OpenAI from "openai";

const env = process.env;
const parleyUrl = env.PARLEY_URL ?? "http://localhost:3000";
const tokenUrl =
  env.TOKEN_URL ??
  "http://127.0.0.1:3001/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token";

async function accessToken() {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: env.CLIENT_ID ?? "parley-dev-service",
    client_secret: env.CLIENT_SECRET ?? "parley-dev-service-secret",
    scope: env.PARLEY_API_SCOPE_URI ?? "api://parley-dev-client/.default",
  });
  const r = await fetch(tokenUrl, { method: "POST", body: form });
  const body = await r.json();
  if (!r.ok) throw new Error(`token endpoint: ${r.status} ${body.error ?? ""}`);
  return body.access_token;
}

const client = new OpenAI({ baseURL: `${parleyUrl}/v1`, apiKey: await accessToken() });
const models = await client.models.list();
const model = env.PARLEY_MODEL ?? models.data[0].id;
const question = process.argv[2] ?? "Say hello in one sentence.";

const stream = await client.chat.completions.create({
  model,
  messages: [{ role: "user", content: question }],
  stream: true,
  stream_options: { include_usage: true },
});
for await (const chunk of stream) {
  const text = chunk.choices[0]?.delta?.content;
  if (text) process.stdout.write(text);
  if (chunk.usage) {
    process.stdout.write(
      `\n[${model}: ${chunk.usage.prompt_tokens} prompt + ${chunk.usage.completion_tokens} completion tokens]\n`,
    );
  }
}
