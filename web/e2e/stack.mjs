// The processes of the browser test: a private PostgreSQL (scripts/pg.sh),
// mock-entra-id, mock-azure-openai (when built) and parley, all on loopback
// with free ports. stop() ends every process this module started.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT_ID = 'parley-e2e-client';
const CLIENT_SECRET = 'parley-e2e-client-secret-value';
const AUTH_SECRET = 'e2e-auth-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const AOAI_KEY = 'e2e-aoai-key';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function until(what, fn, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await fn()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class Stack {
  constructor({ root, parley, mockEntra, mockAoai }) {
    this.root = root;
    this.bins = { parley, mockEntra, mockAoai };
    this.children = [];
    this.logs = new Map();
  }

  spawn(name, argv, env = {}) {
    const child = spawn(argv[0], argv.slice(1), {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const keep = (d) => {
      log += d.toString();
      if (log.length > 200000) log = log.slice(-100000);
      this.logs.set(name, log);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('exit', (code, signal) => keep(`\n[${name} exited: ${code ?? signal}]\n`));
    // A missing binary is an 'error' event; unhandled, it would end this
    // process before stop() runs.
    child.on('error', (e) => keep(`\n[${name} failed to start: ${e.message}]\n`));
    this.children.push({ name, child });
    return child;
  }

  async start() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-web-e2e-'));
    // As root, PostgreSQL runs as `postgres`, which must reach the data dir.
    fs.chmodSync(this.dir, 0o755);
    const pgPort = await freePort();
    this.pgData = path.join(this.dir, 'pg');
    const pgEnv = {
      ...process.env,
      PG_EXTRA_OPTS: '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
      PG_INITDB_OPTS: '--no-sync',
    };
    this.databaseUrl = execFileSync(
      path.join(this.root, 'scripts/pg.sh'),
      ['start', this.pgData, String(pgPort)],
      {
        env: pgEnv,
        encoding: 'utf8',
      },
    ).trim();
    this.pgStarted = true;

    this.port = await freePort();
    this.origin = `http://127.0.0.1:${this.port}`;
    const entraPort = await freePort();
    this.entraBase = `http://127.0.0.1:${entraPort}`;
    this.spawn('mock-entra-id', [
      this.bins.mockEntra,
      '--port',
      String(entraPort),
      '--tenant',
      TENANT,
      '--client-id',
      CLIENT_ID,
      '--client-secret',
      CLIENT_SECRET,
      '--redirect-uri',
      `${this.origin}/api/auth/callback/microsoft-entra-id`,
    ]);
    await until(
      'mock-entra-id',
      async () =>
        (await fetch(`${this.entraBase}/${TENANT}/v2.0/.well-known/openid-configuration`)).ok,
    );

    this.aoaiBase = 'http://127.0.0.1:9';
    if (this.bins.mockAoai && fs.existsSync(this.bins.mockAoai)) {
      const aoaiPort = await freePort();
      this.aoaiBase = `http://127.0.0.1:${aoaiPort}`;
      this.spawn('mock-azure-openai', [
        this.bins.mockAoai,
        '--port',
        String(aoaiPort),
        '--api-key',
        AOAI_KEY,
      ]);
      await until(
        'mock-azure-openai',
        async () => (await fetch(`${this.aoaiBase}/_mock/behaviour`)).ok,
      );
    }

    this.spawn('parley', [this.bins.parley, 'serve'], {
      PORT: String(this.port),
      HOSTNAME: '127.0.0.1',
      DATABASE_URL: this.databaseUrl,
      AUTH_SECRET,
      AUTH_URL: this.origin,
      AUTH_MICROSOFT_ENTRA_ID_ID: CLIENT_ID,
      AUTH_MICROSOFT_ENTRA_ID_SECRET: CLIENT_SECRET,
      AUTH_MICROSOFT_ENTRA_ID_ISSUER: `${this.entraBase}/${TENANT}/v2.0`,
      AZURE_OPENAI_ENDPOINT: this.aoaiBase,
      AZURE_OPENAI_DEPLOYMENT: 'gpt-4o-mini',
      AZURE_OPENAI_API_KEY: AOAI_KEY,
      // Two models (the mock answers any deployment), so the picker shows.
      PARLEY_MODELS: 'gpt-4o-mini=gpt-4o-mini,gpt-4o=gpt-4o',
      LOG_LEVEL: 'warn',
    });
    await until('parley /healthz', async () => (await fetch(`${this.origin}/healthz`)).ok, 30000);
  }

  // Sets the mock model's behaviour (POST /_mock/behaviour, a JSON patch).
  async aoai(patch) {
    const r = await fetch(`${this.aoaiBase}/_mock/behaviour`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(patch),
    });
    if (!r.ok) throw new Error(`mock behaviour: ${r.status} ${await r.text()}`);
  }

  log(name) {
    return this.logs.get(name) ?? '';
  }

  async stop() {
    for (const { child } of this.children.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (this.pgStarted) {
      try {
        execFileSync(path.join(this.root, 'scripts/pg.sh'), ['stop', this.pgData], {
          stdio: 'ignore',
        });
      } catch {
        // already stopped
      }
    }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
