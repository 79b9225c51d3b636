// Shared steps: sign in as a demo account, save a screenshot a person can look at, and fail
// on any browser error the console did not expect (a CSP violation, an uncaught exception).
const base = require('@playwright/test');
const path = require('node:path');

const DEMO_PASSWORD = 'sandbox-demo';
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

const test = base.test.extend({
  page: async ({ page }, use) => {
    const problems = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // A 401 from "who am I" or a refused login is the API answering, not a fault; a
      // failed load is what a spec that cuts the network expects to see.
      if (message.type() === 'error' && !message.text().includes('Failed to load resource')) {
        problems.push(`console error: ${message.text()}`);
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
    const start = await phone.get(`/api/v1/m/wechat-oauth/start?ticket=${ticketId}`, { maxRedirects: 0 });
    base.expect(start.status()).toBe(302);
    const authorize = start.headers()['location'].split('#')[0];
    const back = await phone.get(`${authorize}&sandbox_user=${openid}`);
    base.expect(back.ok()).toBe(true);
    const confirmed = await phone.post(`/api/v1/m/provider-sync-tickets/${ticketId}/confirm`);
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
async function ensureSynced(page) {
  const list = await (await page.request.get('/api/v1/sub-merchants?page_size=1')).json();
  if (list.total > 0) return;
  const ticket = await (await page.request.post('/api/v1/provider-sync-tickets')).json();
  await phoneConfirmsProviderSync(ticket.id, 'o_sandbox_admin_1');
  const job = await (await page.request.post('/api/v1/sub-merchant-syncs')).json();
  await base
    .expect(async () => {
      const state = (await (await page.request.get(`/api/v1/jobs/${job.id}`)).json()).state;
      base.expect(state).toBe('succeeded');
    })
    .toPass({ timeout: 30_000 });
}

module.exports = {
  test,
  expect: base.expect,
  signIn,
  snap,
  ensureSynced,
  phoneConfirmsProviderSync,
  signInOnPhone,
  DEMO_PASSWORD,
};
