// The console's pages as modules of their own: signing in downloads the shell, the overview and
// the providers page, each other page's module comes when the page is first opened, and one
// that fails to download is asked for again instead of ending the console.
const { test, expect, signIn, expectFailedLoad } = require('./fixtures');

// A page's module or a module some pages share: `sub_merchants-<hash>.wasm`, `chunk_12-<hash>.wasm`.
const PAGE_MODULE = /^\/[a-z_0-9]+-[0-9a-f]{16}\.wasm$/;
const SUB_MERCHANTS_MODULE = /\/sub_merchants-[0-9a-f]{16}\.wasm$/;

function wasmLoads(page) {
  const loads = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith('.wasm')) loads.push(path);
  });
  return loads;
}

/// Signed in, on the overview, with the sub-merchant list's module about to fail to download.
async function onOverviewWithFailingModules(page) {
  await page.goto('/login');
  await signIn(page, '100000000001');
  await expect(page.getByTestId('overview-account-id')).toHaveText('100000000001');
  expectFailedLoad(page, 'net::ERR_FAILED', SUB_MERCHANTS_MODULE);
}

test('a page downloads its own module when it is first opened, not at sign-in', async ({ page }) => {
  const loads = wasmLoads(page);
  await page.goto('/login');
  await signIn(page, '100000000001');
  await expect(page.getByTestId('overview-account-id')).toHaveText('100000000001');
  await page.getByRole('link', { name: '服务商账户管理(新)' }).click();
  await expect(page.getByRole('heading', { name: '服务商账户管理(新)' })).toBeVisible();
  expect(loads.filter((path) => PAGE_MODULE.test(path)), loads.join(', ')).toEqual([]);

  await page.getByRole('link', { name: '子商户管理(新)' }).click();
  await expect(page.getByRole('heading', { name: '子商户管理(新)' })).toBeVisible();
  expect(loads.some((path) => SUB_MERCHANTS_MODULE.test(path)), loads.join(', ')).toBe(true);
  // Nothing of the pages not opened.
  expect(loads.some((path) => /\/sub_merchant_detail-/.test(path)), loads.join(', ')).toBe(false);

  // Back and forth: a module is fetched once.
  const before = loads.length;
  await page.getByRole('link', { name: '概览' }).click();
  await page.getByRole('link', { name: '子商户管理(新)' }).click();
  await expect(page.getByRole('heading', { name: '子商户管理(新)' })).toBeVisible();
  expect(loads.length).toBe(before);
});

test('a page module whose download fails once is asked for again', async ({ page }) => {
  await onOverviewWithFailingModules(page);

  // A dropped request: asked again, and the page opens as if nothing happened.
  let attempts = 0;
  await page.route(SUB_MERCHANTS_MODULE, (route) => (++attempts === 1 ? route.abort() : route.continue()));
  await page.getByRole('link', { name: '子商户管理(新)' }).click();
  await expect(page).toHaveURL(/\/sub-merchants$/);
  await expect(page.getByRole('heading', { name: '子商户管理(新)' })).toBeVisible();
  expect(attempts).toBe(2);
});

test('a page module that stays missing loads the console afresh, and the page opens after', async ({ page }) => {
  await onOverviewWithFailingModules(page);

  // Missing three times (a release that no longer has it): the page it was opened from loads
  // again, with the console as the server has it now.
  let attempts = 0;
  await page.route(SUB_MERCHANTS_MODULE, (route) => (++attempts <= 3 ? route.abort() : route.continue()));
  const reloaded = page.waitForEvent('load');
  await page.getByRole('link', { name: '子商户管理(新)' }).click();
  await reloaded;
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('overview-account-id')).toHaveText('100000000001');
  expect(attempts).toBe(3);
  await page.getByRole('link', { name: '子商户管理(新)' }).click();
  await expect(page.getByRole('heading', { name: '子商户管理(新)' })).toBeVisible();
  expect(attempts).toBe(4);
});
