// Browser end-to-end test: playwright-core drives Debian's /usr/bin/chromium
// against parley + mock-entra-id (+ mock-azure-openai) + a private PostgreSQL
// started here. Registered in CTest as web_e2e (tests/web/CMakeLists.txt).
//
//   node e2e/run.mjs --parley BIN --mock-entra BIN [--mock-aoai BIN] [--root REPO]
//                    [--screenshots DIR] [--admin-contract 0]
// The admin area's contract checks (e2e/admin.mjs) run too, unless
// --admin-contract 0.
// Prints one line per check and "N passed, N failed"; exit 1 on a failure.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { AdminArea, ADMIN_ROLE, adminContractChecks } from './admin.mjs';
import { Stack } from './stack.mjs';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

function args() {
  const a = process.argv.slice(2);
  const o = {};
  for (let i = 0; i < a.length; i += 2) o[a[i].replace(/^--/, '')] = a[i + 1];
  return o;
}
const opt = args();
const root = path.resolve(opt.root ?? path.join(here, '../..'));
const shots = path.resolve(opt.screenshots ?? path.join(root, 'web/test-results/screenshots'));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!opt.parley || !opt['mock-entra']) {
  console.error('usage: run.mjs --parley BIN --mock-entra BIN [--mock-aoai BIN]');
  process.exit(2);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const metrics = {};
async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
  }
}
function skip(name, why) {
  skipped++;
  console.log(`skip ${name}: ${why}`);
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

const stack = new Stack({
  root,
  parley: opt.parley,
  mockEntra: opt['mock-entra'],
  mockAoai: opt['mock-aoai'],
});
let browser;
const cspViolations = [];

function watch(page) {
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
  page.on('pageerror', (e) => cspViolations.push('pageerror: ' + e.message));
}

async function signIn(context, userLabel) {
  const page = await context.newPage();
  watch(page);
  await page.goto(stack.origin + '/');
  // Signed out: straight to the IdP's user picker, no login page of ours.
  assert(page.url().startsWith(stack.entraBase), 'expected the Entra picker, got ' + page.url());
  await page.getByRole('button', { name: new RegExp('^' + userLabel) }).click();
  await page.waitForURL(stack.origin + '/');
  await page.locator('#composer-input').waitFor();
  return page;
}

// axe-core's serious and critical findings on the page, one line each.
async function axeViolations(page) {
  const axe = require('axe-core');
  // Runtime.evaluate is not subject to the page's CSP.
  await page.evaluate(axe.source);
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ['violations'] }),
  );
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`);
}

const assistantText = (page) =>
  page.locator('[data-testid="message-assistant"]').last().innerText();

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  await stack.start();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright gives every launch a fresh temporary --user-data-dir.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const ctxA = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctxA.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.origin });
  let page;

  await check('visit / -> Entra user picker -> signed in on the app shell', async () => {
    page = await signIn(ctxA, 'Ada Lovelace');
    await page.getByRole('button', { name: 'Account: Ada Lovelace' }).click();
    assert(
      (await page.getByTestId('user-name').innerText()) === 'Ada Lovelace',
      'name in user menu',
    );
    assert(
      (await page.getByTestId('user-email').innerText()) === 'ada@example.com',
      'email in user menu',
    );
    const session = await (await page.request.get(`${stack.origin}/api/auth/session`)).json();
    assert(
      (await page.getByTestId('user-id').innerText()).includes(session.user.id),
      'database id in user menu',
    );
    await page.keyboard.press('Escape');
  });

  // Paint times are benchmark figures (docs/BENCHMARKS.md), printed here, not
  // asserted: on a loaded 2-core machine a timing assertion fails by chance.
  // The JS budget is a rule and is asserted.
  await check('first paint measured and chat JS < 250 KB gzipped', async () => {
    await page.reload();
    await page.locator('#composer-input').waitFor();
    // The markdown chunk loads right after the shell: it counts too.
    await page.waitForLoadState('networkidle');
    const t = await page.evaluate(() => {
      const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
      const js = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.js'));
      return {
        fcp,
        ready: performance.now(),
        jsTransfer: js.reduce((n, r) => n + (r.encodedBodySize || 0), 0),
        jsFiles: js.map((r) => new URL(r.name).pathname.split('/').pop()),
      };
    });
    // Cold loads: a fresh context each (empty cache); its first navigation
    // (to a tiny endpoint) warms the browser's own start-up so only the page
    // is timed.
    const colds = [];
    for (let i = 0; i < 3; i++) {
      const cold = await browser.newContext();
      await cold.addCookies(await ctxA.cookies());
      const p2 = await cold.newPage();
      await p2.goto(stack.origin + '/healthz');
      await p2.goto(stack.origin + '/');
      await p2.locator('#composer-input').waitFor();
      await p2.waitForFunction(
        () => performance.getEntriesByName('first-contentful-paint').length > 0,
      );
      colds.push(
        await p2.evaluate(() => ({
          fcp: performance.getEntriesByName('first-contentful-paint')[0].startTime,
          ready: performance.getEntriesByName('parley:shell')[0]?.startTime ?? NaN,
        })),
      );
      await cold.close();
    }
    // The best of three: other work on the 2-core machine only adds time.
    const coldT = {
      fcp: Math.min(...colds.map((c) => c.fcp)),
      ready: Math.min(...colds.map((c) => c.ready)),
    };
    metrics.firstContentfulPaintColdRunsMs = colds.map((c) => Math.round(c.fcp));
    metrics.firstContentfulPaintColdMs = Math.round(coldT.fcp);
    metrics.appShellColdMs = Math.round(coldT.ready);
    metrics.firstContentfulPaintWarmMs = Math.round(t.fcp);
    const dist = path.join(path.dirname(opt.parley), 'web-dist');
    const { gzipSync } = await import('node:zlib');
    // The budget is the chat page's: the chunks it loaded. The admin area's
    // chunks (and its chart library) are listed apart; the chat must not
    // load them.
    let gz = 0;
    const staticDir = fs.existsSync(path.join(dist, 'static')) ? path.join(dist, 'static') : null;
    const elsewhere = {};
    if (staticDir)
      for (const f of fs.readdirSync(staticDir)) {
        if (!f.endsWith('.js')) continue;
        const size = gzipSync(fs.readFileSync(path.join(staticDir, f))).length;
        if (t.jsFiles.includes(f)) gz += size;
        else elsewhere[f] = size;
      }
    metrics.jsGzipBytes = gz;
    metrics.jsChunksNotOnChatPageGzipBytes = elsewhere;
    console.log(`     metrics: ${JSON.stringify(metrics)}`);
    assert(
      Number.isFinite(coldT.fcp) && Number.isFinite(coldT.ready),
      'paint and shell marks recorded',
    );
    assert(!staticDir || gz < 250 * 1024, `JS ${gz} bytes gzipped`);
    const admin = t.jsFiles.filter((f) => /^(AdminApp|charts)-/.test(f));
    assert(admin.length === 0, 'the chat page loaded the admin chunks ' + admin.join(', '));
  });

  await check('index.html is not cached; hashed bundles are immutable; CSP is strict', async () => {
    const r = await page.request.get(stack.origin + '/');
    assert(
      r.headers()['cache-control'] === 'no-cache',
      'index cache-control ' + r.headers()['cache-control'],
    );
    const csp = r.headers()['content-security-policy'];
    assert(/script-src 'self'/.test(csp) && !/unsafe-inline/.test(csp), 'csp ' + csp);
    const html = await r.text();
    const js = /src="(\/static\/[^"]+\.js)"/.exec(html)?.[1];
    assert(js, 'bundle link in index.html');
    assert(!/<script>|<style>|style=/.test(html), 'no inline script or style in index.html');
    const a = await page.request.get(stack.origin + js);
    assert(
      a.headers()['cache-control'] === 'public, max-age=31536000, immutable',
      'asset cache ' + a.headers()['cache-control'],
    );
    assert(a.headers()['content-type'].startsWith('text/javascript'), 'js content type');
    const css = await page.request.get(stack.origin + '/assets/parley.css');
    assert(css.ok(), "the public pages' /assets/parley.css still served");
  });

  await check('session API reports the user', async () => {
    const s = await page.evaluate(() => fetch('/api/auth/session').then((r) => r.json()));
    assert(s?.user?.email === 'ada@example.com' && Array.isArray(s.user.roles), JSON.stringify(s));
  });

  await check(
    'deep link /c/<id> serves the app, which says the conversation is missing',
    async () => {
      await page.goto(stack.origin + '/c/00000000-0000-4000-8000-000000000000');
      await page.getByTestId('notice').waitFor();
      assert(page.url().endsWith('/c/00000000-0000-4000-8000-000000000000'), 'URL kept');
      await page.goto(stack.origin + '/');
    },
  );

  await check('axe-core: no serious or critical violations', async () => {
    const bad = await axeViolations(page);
    assert(bad.length === 0, bad.join('\n'));
  });

  // The admin area: the entry follows the role the session carries; the
  // server's admin API decides (403 for anyone else).
  await check('admin: the Administration entry is offered exactly to Parley.Admin', async () => {
    const session = await (await page.request.get(`${stack.origin}/api/auth/session`)).json();
    const expected = session.user.roles.includes(ADMIN_ROLE);
    const shown = await new AdminArea(page, stack.origin).hasEntry();
    assert(shown === expected, `entry shown: ${shown}, roles: ${session.user.roles}`);
  });

  await check('admin: a plain user sees no entry, no admin data, and the API refuses', async () => {
    const ctxB = await browser.newContext();
    try {
      const pb = await signIn(ctxB, 'Grace Hopper');
      const admin = new AdminArea(pb, stack.origin);
      assert(!(await admin.hasEntry()), 'Grace is offered the admin area');
      const api = await pb.request.get(`${stack.origin}/api/admin/users`);
      assert(api.status() === 403, '/api/admin/users answers ' + api.status());
      await admin.open('/admin');
      await admin.forbidden().waitFor();
      assert((await admin.usersTable().count()) === 0, 'a users table is shown');
      const bad = await axeViolations(pb);
      assert(bad.length === 0, bad.join('\n'));
    } finally {
      await ctxB.close();
    }
  });

  // The chat API may not exist yet in this build: probe it.
  const chatApi = (await page.request.get(stack.origin + '/api/conversations')).status() === 200;
  const aoai = stack.aoaiBase !== 'http://127.0.0.1:9';
  let firstTitle = null;
  if (!chatApi || !aoai) {
    for (const n of [
      'chat: answer streams',
      'chat: reload keeps history and URL',
      'chat: rename and delete',
      'chat: stop mid-stream',
      "chat: second user sees none of the first's",
    ]) {
      skip(
        n,
        !chatApi ? 'the conversations API is not in this build' : 'mock-azure-openai not built',
      );
    }
  } else {
    await stack.aoai({ chunks: 20, chunk_delay_ms: 60 });
    await check(
      'chat: new conversation, the answer streams in (text grows over time)',
      async () => {
        await page.getByRole('button', { name: '+ New chat' }).click();
        await page.locator('#composer-input').fill('Hello from the browser test');
        await page.keyboard.press('Enter');
        await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
        const lengths = [];
        await page.locator('[data-testid="message-assistant"]').waitFor();
        for (let i = 0; i < 40; i++) {
          const status = await page
            .locator('[data-testid="message-assistant"]')
            .last()
            .getAttribute('data-status');
          lengths.push((await assistantText(page)).length);
          if (status !== 'streaming') break;
          await page.waitForTimeout(50);
        }
        const growth = lengths.filter((n, i) => i > 0 && n > lengths[i - 1]).length;
        assert(
          growth >= 3,
          'text grew only ' +
            growth +
            ' times: ' +
            lengths.join(',') +
            ' text: ' +
            (await assistantText(page)) +
            ' notice: ' +
            (await page.getByTestId('notice').allInnerTexts()).join(),
        );
        await page.locator('[data-testid="message-assistant"][data-status="complete"]').waitFor();
        assert(
          (await assistantText(page)).includes('You said: Hello from the browser test'),
          'answer text',
        );
      },
    );

    await check('chat: reload keeps history and URL', async () => {
      const url = page.url();
      await page.reload();
      await page.locator('[data-testid="message-assistant"]').waitFor();
      assert(page.url() === url, 'URL kept');
      assert(
        (await page.locator('[data-testid="message-user"]').innerText()).includes(
          'Hello from the browser test',
        ),
        'user message',
      );
      assert((await assistantText(page)).includes('You said'), 'answer kept');
      firstTitle = await page.locator('.conversation-list li.active a').innerText();
    });

    await check(
      "chat: the model picker changes and remembers the conversation's model",
      async () => {
        const picker = page.getByLabel('Model');
        assert((await picker.inputValue()) === 'gpt-4o-mini', 'the default is shown');
        const patched = page.waitForResponse(
          (r) => r.request().method() === 'PATCH' && r.url().includes('/api/conversations/'),
        );
        await picker.selectOption('gpt-4o');
        assert((await patched).status() === 200, 'PATCH accepted');
        await page.reload();
        await page.locator('[data-testid="message-assistant"]').waitFor();
        assert((await page.getByLabel('Model').inputValue()) === 'gpt-4o', 'remembered');
        await page.getByRole('button', { name: /^Regenerate/ }).click();
        await page.locator('[data-testid="message-assistant"][data-status="complete"]').waitFor();
        const stats = await (await fetch(`${stack.aoaiBase}/_mock/stats`)).json();
        assert(
          stats.last_request.target.startsWith('/openai/deployments/gpt-4o/'),
          'upstream saw ' + stats.last_request.target,
        );
      },
    );

    await check('chat: rename inline and delete with confirmation', async () => {
      await page
        .locator('.conversation-list li.active')
        .getByRole('button', { name: /^Rename/ })
        .click();
      const input = page.getByRole('textbox', { name: 'Conversation title' });
      await input.fill('Renamed by e2e');
      await input.press('Enter');
      await page.locator('.conversation-list li.active a', { hasText: 'Renamed by e2e' }).waitFor();
      await page.reload();
      await page.locator('.conversation-list li.active a', { hasText: 'Renamed by e2e' }).waitFor();
      firstTitle = 'Renamed by e2e';
      // A second conversation to delete.
      await page.getByRole('button', { name: '+ New chat' }).click();
      await page.locator('#composer-input').fill('Delete me');
      await page.keyboard.press('Enter');
      await page.locator('[data-testid="message-assistant"][data-status="complete"]').waitFor();
      const doomed = page.url();
      await page
        .locator('.conversation-list li.active')
        .getByRole('button', { name: /^Delete/ })
        .click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await page.waitForURL(stack.origin + '/');
      const r = await page.request.get(doomed.replace('/c/', '/api/conversations/'));
      assert(r.status() === 404, 'deleted conversation answers ' + r.status());
      assert((await page.locator('.conversation-list li').count()) === 1, 'one conversation left');
    });

    await check('chat: Stop mid-stream keeps the partial answer', async () => {
      await stack.aoai({ chunks: 60, chunk_delay_ms: 100 });
      await page.getByRole('button', { name: '+ New chat' }).click();
      await page.locator('#composer-input').fill('Tell me a long story');
      await page.keyboard.press('Enter');
      await page.locator('[data-testid="message-assistant"]').waitFor();
      await page.waitForFunction(
        () =>
          (document.querySelector('[data-testid="message-assistant"]')?.textContent ?? '').length >
          30,
      );
      await page.getByRole('button', { name: 'Stop' }).click();
      await page
        .locator('[data-testid="message-assistant"][data-status="stopped"]')
        .waitFor({ timeout: 8000 });
      const partial = await assistantText(page);
      assert(partial.length > 30, 'partial answer kept');
      await page.reload();
      await page.locator('[data-testid="message-assistant"][data-status="stopped"]').waitFor();
      assert((await assistantText(page)).length >= 30, 'partial answer stored');
      await stack.aoai({ chunks: 20, chunk_delay_ms: 40 });
    });

    await check('chat: 429 from the model shows "busy" and Retry gets the answer', async () => {
      // Every attempt (Parley retries upstream 429s itself) is refused.
      await stack.aoai({ fault: '429', times: 50, retry_after: '0', retry_after_ms: '0' });
      await page.getByRole('button', { name: '+ New chat' }).click();
      await page.locator('#composer-input').fill('Are you busy?');
      await page.keyboard.press('Enter');
      const notice = page.getByTestId('notice');
      await notice.waitFor();
      assert(
        (await notice.getAttribute('data-kind')) === 'busy',
        'notice kind ' +
          (await notice.getAttribute('data-kind')) +
          ': ' +
          (await notice.innerText()),
      );
      await stack.aoai({ fault: null, times: null, retry_after: null, retry_after_ms: null });
      await notice.getByRole('button', { name: 'Retry' }).click();
      await page.locator('[data-testid="message-assistant"][data-status="complete"]').waitFor();
      assert((await assistantText(page)).includes('You said: Are you busy?'), 'answer after retry');
    });

    await check(
      'chat: session expired -> through sign-in and back to the same conversation',
      async () => {
        const url = page.url();
        assert(/\/c\//.test(url), 'on a conversation');
        await ctxA.clearCookies();
        await page.locator('#composer-input').fill('Still there?');
        await page.keyboard.press('Enter');
        await page.waitForURL((u) => u.origin === stack.entraBase, { timeout: 10000 });
        await page.getByRole('button', { name: /^Ada Lovelace/ }).click();
        await page.waitForURL(url);
        await page.locator('[data-testid="message-user"]').first().waitFor();
      },
    );

    await check("chat: a second user does not see the first user's conversations", async () => {
      const ctxB = await browser.newContext();
      const pb = await signIn(ctxB, 'Grace Hopper');
      await pb.waitForTimeout(300);
      const titles = await pb.locator('.conversation-list').innerText();
      assert(!titles.includes(firstTitle), 'Grace sees ' + titles);
      const r = await pb.request.get(page.url().replace('/c/', '/api/conversations/'));
      assert(r.status() === 404, "another user's conversation answers " + r.status());
      await ctxB.close();
    });
  }

  if (opt['admin-contract'] !== '0')
    await adminContractChecks({
      browser,
      stack,
      page,
      signIn,
      check,
      assert,
      axeViolations,
      chat: chatApi && aoai,
    });

  await check('screenshots: light/dark, desktop/phone', async () => {
    if (chatApi && aoai) {
      // A conversation that shows markdown: a list, a table and highlighted code.
      await stack.aoai({
        chunks: 12,
        chunk_delay_ms: 10,
        text: 'Here is a small example.\n\n1. Read the numbers\n2. Add them up\n\n| input | sum |\n|---|---|\n| 1, 2, 3 | 6 |\n\n```python\ndef total(xs: list[int]) -> int:\n    """Adds the numbers."""\n    return sum(xs)\n```\n\nSee [the Python docs](https://docs.python.org/3/library/functions.html#sum).',
      });
      await page.getByRole('button', { name: '+ New chat' }).click();
      await page.locator('#composer-input').fill('How do I add up a list of numbers in Python?');
      await page.keyboard.press('Enter');
      await page.locator('[data-testid="message-assistant"][data-status="complete"]').waitFor();
      const code = page.locator('.code-block .hljs-keyword').first();
      await code.waitFor();
      await page.locator('.code-block button.copy-code').first().click();
      assert(
        (await page.evaluate(() => navigator.clipboard.readText())).includes('def total'),
        'code copied',
      );
      await page.locator('.code-block button.copy-code', { hasText: 'Copy' }).first().waitFor();
      await stack.aoai({ text: null, chunks: null, chunk_delay_ms: null });
    }
    for (const scheme of ['light', 'dark']) {
      for (const [name, vp] of [
        ['desktop', { width: 1280, height: 800 }],
        ['phone', { width: 390, height: 844 }],
      ]) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.setViewportSize(vp);
        await page.waitForTimeout(100);
        await page.screenshot({ path: path.join(shots, `${name}-${scheme}.png`) });
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  await check('no CSP violations or page errors', async () => {
    assert(cspViolations.length === 0, cspViolations.join('\n'));
  });

  await check('sign out lands on public /signed-out and the session is null', async () => {
    await page.goto(stack.origin + '/');
    await page.getByRole('button', { name: 'Account: Ada Lovelace' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signed-out/);
    assert(new URL(page.url()).origin === stack.origin, 'back on parley');
    const s = await page.evaluate(() => fetch('/api/auth/session').then((r) => r.text()));
    assert(s.trim() === 'null', 'session after sign-out: ' + s);
  });
}

// A CTest timeout or Ctrl-C still stops every process this test started.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.once(sig, () => {
    console.log(`FAIL interrupted by ${sig}`);
    Promise.resolve(browser?.close())
      .catch(() => {})
      .then(() => stack.stop())
      .finally(() => process.exit(1));
  });
}

try {
  await main();
} catch (e) {
  failed++;
  console.log('FAIL setup: ' + (e?.stack ?? e));
} finally {
  if (browser) await browser.close().catch(() => {});
  if (failed) {
    for (const n of ['parley', 'mock-entra-id', 'mock-azure-openai']) {
      const l = stack.log(n);
      if (l) console.log(`--- ${n} log (tail) ---\n${l.slice(-3000)}`);
    }
  }
  await stack.stop().catch((e) => console.log('stop: ' + e));
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
