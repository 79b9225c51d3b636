// A phone-sized console (390×844): the side navigation becomes a drawer behind the menu
// button, reachable by keyboard and screen reader; every page fits the screen's width (wide
// tables scroll inside their card), and dialogs fit the viewport. Named to run after the other
// specs: it syncs sub-merchants, which sub-merchants.spec.js expects to do itself.
const { test, expect, signIn, snap, ensureSynced } = require('./fixtures');

test.use({ viewport: { width: 390, height: 844 } });

const PROVIDER = '100000000001';

/// The page is no wider than the screen: nothing makes the whole page scroll sideways.
async function expectNoSidewaysScroll(page, what) {
  await page.waitForLoadState('networkidle');
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  expect(scroll, `${what} is ${scroll} px wide on a ${width} px screen`).toBeLessThanOrEqual(width);
}

test('the menu reaches every console page, and none scrolls sideways at 390 px', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, PROVIDER);
  const menu = page.getByRole('button', { name: '菜单' });
  const nav = page.getByRole('navigation', { name: '主导航' });
  await expect(menu).toBeVisible();
  await ensureSynced(page);
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(nav).toBeHidden();

  const pages = [
    ['服务商账户管理(新)', '/providers'],
    ['子商户管理(新)', '/sub-merchants'],
    ['子服务商', '/sub-providers'],
    ['交易查询', '/transactions'],
    ['开通微信买单', '/maidan/open'],
    ['操作记录', '/audit'],
    ['概览', '/'],
  ];
  for (const [name, path] of pages) {
    await menu.click();
    await expect(menu).toHaveAttribute('aria-expanded', 'true');
    await expect(nav).toBeVisible();
    await nav.getByRole('link', { name, exact: true }).click();
    await expect(page).toHaveURL(path);
    // Following a link closes the drawer.
    await expect(nav, `the drawer after following ${name}`).toBeHidden();
    await expectNoSidewaysScroll(page, path);
  }

  // The detail pages and 修改密码, reached from their lists and the drawer.
  await menu.click();
  await nav.getByRole('link', { name: '服务商账户管理(新)' }).click();
  await page.getByTestId('providers').getByRole('link').first().click();
  await expect(page).toHaveURL(/\/providers\/\d+/);
  await expectNoSidewaysScroll(page, 'a provider');
  await snap(page, '80-small-screen-provider');

  await menu.click();
  await nav.getByRole('link', { name: '子商户管理(新)' }).click();
  const list = page.getByTestId('sub-merchants');
  await expect(list.getByRole('link').first()).toBeVisible();
  // The table is wider than the screen: it scrolls inside its card.
  const table = await list.evaluate((t) => ({ scroll: t.scrollWidth, width: t.clientWidth }));
  expect(table.scroll).toBeGreaterThan(table.width);
  await snap(page, '81-small-screen-sub-merchants');
  await list.getByRole('link').first().click();
  await expect(page).toHaveURL(/\/sub-merchants\/\d+/);
  await expectNoSidewaysScroll(page, 'a sub-merchant');

  await menu.click();
  await expect(nav).toContainText(PROVIDER);
  await snap(page, '82-small-screen-menu');
  await nav.getByRole('link', { name: '修改密码' }).click();
  await expect(page).toHaveURL('/account/password');
  await expectNoSidewaysScroll(page, '修改密码');
});

test('the drawer works from the keyboard: focus moves in, Escape closes it and gives focus back', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, PROVIDER);
  const menu = page.getByRole('button', { name: '菜单' });
  const nav = page.getByRole('navigation', { name: '主导航' });
  await menu.focus();
  await page.keyboard.press('Enter');
  await expect(nav).toBeVisible();
  await expect(nav.getByRole('link', { name: '概览' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(nav.getByRole('link', { name: '服务商账户管理(新)' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(nav).toBeHidden();
  await expect(menu).toBeFocused();
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  // A tap beside the drawer closes it too.
  await menu.click();
  await expect(nav).toBeVisible();
  await page.mouse.click(370, 400);
  await expect(nav).toBeHidden();
});

test('a dialog fits the phone screen', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, PROVIDER);
  await expect(page.getByRole('button', { name: '菜单' })).toBeVisible();
  await page.goto('/providers');
  await page.getByRole('button', { name: '同步买单服务商信息' }).first().click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  const box = await dialog.boundingBox();
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  await expectNoSidewaysScroll(page, 'the QR dialog');
  await snap(page, '83-small-screen-qr-dialog');
});
