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

/// The signed-in provider account with its providers and sub-merchants synced (by the
/// sub-merchant spec when the whole suite runs; here when a spec runs alone).
async function ensureSynced(page) {
  const list = await (await page.request.get('/api/v1/sub-merchants?page_size=1')).json();
  if (list.total > 0) return;
  const ticket = await (await page.request.post('/api/v1/provider-sync-tickets')).json();
  await page.request.post(`/api/v1/m/provider-sync-tickets/${ticket.id}/confirm`, {
    data: { wechat_openid: 'o_sandbox_admin_1' },
  });
  const job = await (await page.request.post('/api/v1/sub-merchant-syncs')).json();
  await base
    .expect(async () => {
      const state = (await (await page.request.get(`/api/v1/jobs/${job.id}`)).json()).state;
      base.expect(state).toBe('succeeded');
    })
    .toPass({ timeout: 30_000 });
}

module.exports = { test, expect: base.expect, signIn, snap, ensureSynced, DEMO_PASSWORD };
