// Shared steps: sign in as a demo account, save a screenshot a person can look at, and fail
// on any browser error the console did not expect (a CSP violation, an uncaught exception, a
// load that failed without the spec saying it would).
const base = require('@playwright/test');
const path = require('node:path');
const { api } = require('./api-paths');

const DEMO_PASSWORD = 'sandbox-demo';
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

// The loads each page is expected to see fail: a spec that provokes a refusal or cuts the
// network says which, with `expectFailedLoad`; any other failed load fails the spec.
const expectedFailures = new WeakMap();

/// `page` will see a load of `path` (a pathname, or a RegExp on it) fail with `status` (an
/// HTTP status, or a `net::ERR_…` name for a cut connection). Once is enough: it may repeat.
function expectFailedLoad(page, status, path) {
  if (!expectedFailures.has(page)) expectedFailures.set(page, []);
  expectedFailures.get(page).push({ status, path });
}

/// A failed load as the browser reports it on the console, or null for any other message.
function failedLoad(message) {
  const text = message.text();
  const match = /^Failed to load resource: (?:the server responded with a status of (\d+)|(net::\S+))/.exec(text);
  if (!match) return null;
  const url = new URL(message.location().url);
  return { status: match[1] ? Number(match[1]) : match[2], path: url.pathname, url: url.href };
}

function expected(page, failure) {
  return (expectedFailures.get(page) || []).some(
    ({ status, path }) =>
      status === failure.status && (path instanceof RegExp ? path.test(failure.path) : path === failure.path),
  );
}

const test = base.test.extend({
  page: async ({ page }, use) => {
    const problems = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const failure = failedLoad(message);
      if (failure === null) {
        problems.push(`console error: ${message.text()}`);
      } else if (!expected(page, failure)) {
        problems.push(`unexpected failed load: ${failure.status} ${failure.url}`);
      }
    });
    await use(page);
    base.expect(problems, 'the browser reported errors').toEqual([]);
  },
});

async function signIn(page, accountId, password = DEMO_PASSWORD) {
  await page.getByLabel('腾讯云账号 ID').fill(accountId);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
}

async function snap(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/// The admin's phone as a script, for specs about something else: it signs in through the
/// sandbox's WeChat page as `openid` (the console's OAuth start, the authorize page with
/// `sandbox_user`, the callback) and confirms the provider-sync code. A phone of its own: its
/// cookies are not the console's.
async function phoneConfirmsProviderSync(ticketId, openid) {
  const phone = await base.request.newContext({ baseURL: process.env.BASE_URL || 'http://127.0.0.1:8080' });
  try {
    const start = await phone.get(`${api('PHONE_WECHAT_OAUTH_START')}?ticket=${ticketId}`, { maxRedirects: 0 });
    base.expect(start.status()).toBe(302);
    const authorize = start.headers()['location'].split('#')[0];
    const back = await phone.get(`${authorize}&sandbox_user=${openid}`);
    base.expect(back.ok()).toBe(true);
    const confirmed = await phone.post(api('PHONE_PROVIDER_SYNC_TICKET_CONFIRM', ticketId));
    base.expect(confirmed.ok(), await confirmed.text()).toBe(true);
    return await confirmed.json();
  } finally {
    await phone.dispose();
  }
}

/// On a phone sent to the sandbox's WeChat or Alipay sign-in page: pick who is signing in.
async function signInOnPhone(phone, heading, who) {
  await base.expect(phone.getByRole('heading')).toContainText(heading);
  await phone.getByRole('link', { name: who }).click();
}

/// The signed-in provider account with its providers and sub-merchants synced (by the
/// sub-merchant spec when the whole suite runs; here when a spec runs alone).
async function ensureSynced(page, admin = 'o_sandbox_admin_1') {
  const list = await (await page.request.get(`${api('SUB_MERCHANTS')}?page_size=1`)).json();
  if (list.total > 0) return;
  const ticket = await (await page.request.post(api('PROVIDER_SYNC_TICKETS'))).json();
  await phoneConfirmsProviderSync(ticket.id, admin);
  const job = await (await page.request.post(api('SUB_MERCHANT_SYNCS'))).json();
  await base
    .expect(async () => {
      const state = (await (await page.request.get(api('JOB', job.id))).json()).state;
      base.expect(state).toBe('succeeded');
    })
    .toPass({ timeout: 30_000 });
}

module.exports = {
  test,
  api,
  expect: base.expect,
  signIn,
  snap,
  expectFailedLoad,
  ensureSynced,
  phoneConfirmsProviderSync,
  signInOnPhone,
  DEMO_PASSWORD,
};
