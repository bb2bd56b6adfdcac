// The admin area in the browser: a page object (what to click and what to
// wait for, in one place, so that checks read as steps; the selectors are
// the UI's roles, labels and test ids in web/src/admin/) and the checks of
// the whole admin contract (DESIGN.md "Administration, usage and quotas").
//
// run.mjs (CTest web_e2e) runs them after its own checks of who is offered
// the area; `--admin-contract 0` leaves them out while working on the chat.

export const ADMIN_ROLE = 'Parley.Admin';

export class AdminArea {
  constructor(page, origin) {
    this.page = page;
    this.origin = origin;
  }

  // Opens an admin page (a full load, as from a link or the address bar) and
  // waits until it has either its content or its error.
  async open(path = '/admin') {
    await this.page.goto(this.origin + path);
    await this.page.locator('#admin-main h1, [data-testid="admin-forbidden"]').first().waitFor();
  }

  // The entry in the chat's user menu (shown to administrators only).
  async hasEntry() {
    // The menu offers the entry once GET /api/me has answered.
    await this.page.locator('.user-menu[data-admin-known="true"]').waitFor();
    await this.page.getByRole('button', { name: /^Account: / }).click();
    const n = await this.page.getByTestId('admin-link').count();
    await this.page.keyboard.press('Escape');
    return n > 0;
  }

  forbidden() {
    return this.page.getByTestId('admin-forbidden');
  }

  usersTable() {
    return this.page.getByTestId('users-table');
  }

  async searchUsers(text, status = '') {
    await this.page.getByRole('searchbox', { name: 'Name or email' }).fill(text);
    await this.page.getByRole('combobox', { name: 'Status' }).selectOption(status);
    await this.page.getByRole('button', { name: 'Search' }).click();
    await this.page.waitForURL((u) => u.pathname === '/admin/users');
    await this.usersTable().waitFor();
  }

  async openUser(name) {
    await this.usersTable().getByRole('link', { name }).click();
    await this.page.getByRole('heading', { level: 1, name }).waitFor();
  }

  // Runs an action of the user page through its confirmation dialog and
  // returns what the page announced.
  async act(button, { confirm = button, typed } = {}) {
    await this.page.getByRole('button', { name: button, exact: true }).click();
    const dialog = this.page.getByRole('dialog');
    if (typed !== undefined) await dialog.getByRole('textbox').fill(typed);
    await dialog.getByRole('button', { name: confirm, exact: true }).click();
    const status = this.page.locator('.action-status');
    await this.page.waitForFunction(
      (el) => el && el.textContent && el.textContent !== 'Working…',
      await status.elementHandle(),
    );
    return status.innerText();
  }

  disable() {
    return this.act('Disable');
  }
  enable() {
    return this.act('Enable');
  }
  signOutEverywhere() {
    return this.act('Sign out everywhere');
  }
  deleteConversations(email) {
    return this.act('Delete conversations…', { confirm: 'Delete conversations', typed: email });
  }

  // Saves a quota ('' = the default) and waits for the server's answer.
  async setQuota({ dailyTokens = '', answersAtOnce = '' }) {
    await this.page.getByLabel('Daily tokens').fill(String(dailyTokens));
    await this.page.getByLabel('Answers at once').fill(String(answersAtOnce));
    const [answer] = await Promise.all([
      this.page.waitForResponse((r) => r.request().method() === 'PUT' && /\/quota$/.test(r.url())),
      this.page.getByRole('button', { name: 'Save quota' }).click(),
    ]);
    if (!answer.ok()) throw new Error('PUT quota answered ' + answer.status());
    await this.page.locator('.action-status', { hasText: 'The quota is saved.' }).waitFor();
  }

  // The numbering check of the page shown (the first status; the
  // whole-chain verification has its own, data-testid chain-verify).
  chainCheck() {
    return this.page.getByTestId('chain-check').getByRole('status').first().innerText();
  }
}

// Polls `fn` until it is true; the deadline is generous (a loaded machine):
// the timing rules themselves are the server's tests'.
async function until(what, fn, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sessionOf = async (page, origin) =>
  (await (await page.request.get(origin + '/api/auth/session')).text()).trim();

// The admin contract, end to end. `page` is Ada's (an administrator's),
// signed in; `chat` says whether answers can be written (chat API and
// mock-azure-openai), which the quota check needs.
export async function adminContractChecks({
  browser,
  stack,
  page,
  signIn,
  check,
  assert,
  axeViolations,
  chat,
}) {
  const origin = stack.origin;
  const admin = new AdminArea(page, origin);
  const ctxG = await browser.newContext();
  let grace;
  let graceId;
  const graceSignsIn = async () => {
    grace = await signIn(ctxG, 'Grace Hopper');
    graceId = JSON.parse(await sessionOf(grace, origin)).user.id;
  };
  const graceSignedOut = () =>
    until('Grace signed out', async () => (await sessionOf(grace, origin)) === 'null');
  try {
    await check(
      'admin contract: the admin finds a user (case-insensitive) and sees her detail',
      async () => {
        await graceSignsIn();
        await admin.open('/admin/users');
        await admin.searchUsers('GRACE');
        const rows = admin.usersTable().locator('tbody tr');
        await until('one match', async () => (await rows.count()) === 1);
        await admin.openUser('Grace Hopper');
        const signIns = await page.getByTestId('sign-ins-table').innerText();
        assert(/success/.test(signIns), 'sign-ins: ' + signIns);
        const sessions = await page.getByTestId('sessions-table').locator('tbody tr').count();
        assert(sessions >= 1, 'active sessions shown: ' + sessions);
        const bad = await axeViolations(page);
        assert(bad.length === 0, bad.join('\n'));
      },
    );

    await check(
      'admin contract: disabling signs the user out in her browser; her sign-in is refused',
      async () => {
        const said = await admin.disable();
        assert(/disabled/.test(said), 'announced: ' + said);
        await graceSignedOut();
        const api = await grace.request.get(origin + '/api/conversations');
        assert([401, 403].includes(api.status()), 'her API call answers ' + api.status());
        // Signing in again ends on the page that says access was disabled.
        await grace.goto(origin + '/');
        await grace.getByRole('button', { name: /^Grace Hopper/ }).click();
        await grace.waitForURL((u) => u.origin === origin);
        await grace
          .getByText(/disabled/i)
          .first()
          .waitFor();
        assert((await sessionOf(grace, origin)) === 'null', 'a disabled user got a session');
        const back = await admin.enable();
        assert(/enabled/.test(back), 'announced: ' + back);
        await graceSignsIn();
      },
    );

    if (chat)
      await check(
        'admin contract: over her quota, the user is told when she can write again',
        async () => {
          await admin.setQuota({ dailyTokens: 1 });
          const post = async (text) => {
            await grace.getByRole('button', { name: '+ New chat' }).click();
            await grace.locator('#composer-input').fill(text);
            await grace.keyboard.press('Enter');
          };
          await post('Use up my budget');
          await grace
            .locator('[data-testid="message-assistant"][data-status="complete"]')
            .waitFor();
          await post('One more, please');
          const notice = grace.getByTestId('notice');
          await notice.waitFor();
          const text = await notice.innerText();
          assert((await notice.getAttribute('data-kind')) === 'quota', 'notice: ' + text);
          assert(/daily usage limit.*(today|tomorrow|day)/i.test(text), 'notice: ' + text);
          await admin.setQuota({ dailyTokens: '' });
        },
      );

    await check('admin contract: usage by user, as a chart, a table and CSV', async () => {
      await admin.open('/admin/usage?group_by=user');
      await page.getByTestId('usage-totals').waitFor();
      if (chat) {
        await page.locator('[data-testid="usage-chart"] canvas').waitFor();
        assert((await page.getByTestId('usage-table').locator('tbody tr').count()) >= 1, 'rows');
      }
      const href = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
      const csv = await page.request.get(origin + href);
      assert(csv.status() === 200, 'CSV answers ' + csv.status());
      assert(/text\/csv/.test(csv.headers()['content-type']), csv.headers()['content-type']);
      const bad = await axeViolations(page);
      assert(bad.length === 0, bad.join('\n'));
    });

    await check('admin contract: sign out everywhere ends her sessions', async () => {
      await admin.open('/admin/users');
      await admin.searchUsers('grace@example.com');
      await admin.openUser('Grace Hopper');
      const said = await admin.signOutEverywhere();
      assert(/signed out/.test(said), 'announced: ' + said);
      await graceSignedOut();
    });

    await check("admin contract: deleting a user's data leaves her no conversations", async () => {
      const said = await admin.deleteConversations('grace@example.com');
      assert(/deleted/.test(said), 'announced: ' + said);
      await graceSignsIn();
      const list = await (await grace.request.get(origin + '/api/conversations')).json();
      assert(list.items.length === 0, 'conversations left: ' + list.items.length);
    });

    await check(
      'admin contract: the audit trail shows the changes, filtered by subject',
      async () => {
        await admin.open('/admin/audit');
        await page.getByTestId('audit-table').waitFor();
        assert(/without gaps/.test(await admin.chainCheck()), await admin.chainCheck());
        await page.getByRole('button', { name: 'Verify the whole chain' }).click();
        const verified = page.getByTestId('chain-verify');
        await until('the server verified', async () => (await verified.innerText()) !== '');
        assert(/^The chain is intact/.test(await verified.innerText()), await verified.innerText());
        await admin.open('/admin/audit?subject=' + graceId);
        await page.getByTestId('audit-table').waitFor();
        const types = await page
          .getByTestId('audit-table')
          .locator('tbody tr td:nth-child(3)')
          .allInnerTexts();
        assert(types.length >= 3, 'events about Grace: ' + types.join(', '));
        const bad = await axeViolations(page);
        assert(bad.length === 0, bad.join('\n'));
      },
    );

    await check('admin contract: "Export my data" saves the JSON export', async () => {
      await page.goto(origin + '/');
      await page.getByRole('button', { name: /^Account: / }).click();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export my data' }).click(),
      ]);
      const file = await download.path();
      const { readFile } = await import('node:fs/promises');
      JSON.parse(await readFile(file, 'utf8'));
      assert(/\.json$/.test(download.suggestedFilename()), download.suggestedFilename());
      await page.keyboard.press('Escape');
    });
  } finally {
    await ctxG.close();
  }
}
