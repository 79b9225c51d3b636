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

module.exports = { test, expect: base.expect, signIn, snap, DEMO_PASSWORD };
