// Accessibility: every console page, the login page and a phone page checked with axe-core
// (WCAG 2.1 A and AA rules) — no serious or critical violation.
const { test, api, expect, signIn, ensureSynced } = require('./fixtures');
const { default: AxeBuilder } = require('@axe-core/playwright');

async function serious(page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
}

test('the login page and a phone page have no serious accessibility violation', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByRole('button', { name: '登录' })).toBeVisible();
  expect(await serious(page)).toEqual([]);
  await page.goto('/m/maidan');
  await expect(page.getByRole('heading').first()).toBeVisible();
  expect(await serious(page)).toEqual([]);
});

test('every console page has no serious accessibility violation', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, '100000000001');
  await expect(page.getByTestId('account')).toBeVisible();
  await ensureSynced(page);
  const merchant = (await (await page.request.get(`${api('SUB_MERCHANTS')}?page_size=1`)).json()).items[0];
  const pages = [
    ['/', '概览'],
    ['/providers', '服务商账户管理(新)'],
    ['/providers/1900000101', '微信支付信息'],
    ['/sub-merchants', '子商户管理(新)'],
    [`/sub-merchants/${merchant.id}`, '基本信息'],
    ['/sub-providers', '子服务商'],
    ['/transactions', '交易查询'],
    ['/maidan/open', '开通微信买单'],
    ['/audit', '操作记录'],
    ['/account/password', '修改密码'],
  ];
  const found = [];
  for (const [path, heading] of pages) {
    await page.goto(path);
    await expect(page.getByRole('heading', { name: heading }).first()).toBeVisible();
    for (const violation of await serious(page)) found.push(`${path}: ${violation}`);
  }
  expect(found).toEqual([]);
});
