// The keyboard alone through the dialogs (WAI-ARIA's modal dialog pattern) and the phone's
// navigation drawer: each takes the focus when it opens, Tab and Shift+Tab go round inside it
// while the page behind is inert, and the focus goes back to the opener when it closes. Named to
// run after sub-merchants.spec.js: it syncs sub-merchants, which that spec expects to do itself.
const { test, api, expect, signIn, snap, ensureSynced } = require('./fixtures');

const ACCOUNT = '100000000001';
const FOCUSABLE = 'a[href],button:not(:disabled),input:not(:disabled),select:not(:disabled),textarea:not(:disabled)';

/// Where the focus is among the focusable elements inside `root` (-1: not on one of them).
async function focusIn(root) {
  return root.evaluate(
    (el, selector) => {
      const all = [...el.querySelectorAll(selector)];
      return { at: all.indexOf(document.activeElement), of: all.length };
    },
    FOCUSABLE,
  );
}

/// Presses `key` (Tab or Shift+Tab) twice round `root` and once more: each press moves to the
/// next (previous) element inside, from the last back to the first (and the other way).
async function goesRound(page, root, key) {
  let { at, of } = await focusIn(root);
  expect(at, 'the focus is inside before the first press').toBeGreaterThanOrEqual(0);
  const step = key === 'Tab' ? 1 : of - 1;
  for (let press = 1; press <= 2 * of + 1; press++) {
    await page.keyboard.press(key);
    const now = await focusIn(root);
    expect(now.at, `${key} press ${press} of ${2 * of + 1}`).toBe((at + step) % of);
    at = now.at;
  }
}

/// Whether the element behind `locator` is inert (by itself or an ancestor).
async function inert(locator) {
  return locator.evaluate((el) => el.closest('[inert]') !== null);
}

test.describe('on a wide screen', () => {
  test.beforeEach(async ({ page }) => {
    await page.goto('/login');
    await signIn(page, ACCOUNT);
    await expect(page.getByTestId('account')).toBeVisible();
    await ensureSynced(page);
  });

  test('the key reset dialog: focus on the typed confirmation, Tab stays inside, Escape gives the focus back', async ({ page }) => {
    const merchant = (await (await page.request.get(`${api('SUB_MERCHANTS')}?page_size=1`)).json()).items[0];
    await page.goto(`/sub-merchants/${merchant.id}`);
    const opener = page.getByTestId('keys').getByTestId('reset-keys');
    await opener.focus();
    await page.keyboard.press('Enter');

    const dialog = page.getByRole('dialog');
    const typed = dialog.getByLabel(`请输入子商户的微信支付商户号 ${merchant.merchant_id} 以确认`);
    await expect(typed).toBeFocused();
    // The page behind cannot be reached: neither the top bar nor the page's other cards.
    expect(await inert(page.getByTestId('account'))).toBe(true);
    expect(await inert(page.getByTestId('basic-info'))).toBe(true);
    expect(await inert(dialog)).toBe(false);

    // 关闭, the field, 取消 (确认重置 waits for the merchant ID).
    expect((await focusIn(dialog)).of).toBe(3);
    await goesRound(page, dialog, 'Tab');
    await goesRound(page, dialog, 'Shift+Tab');
    // Typed, 确认重置 joins the round.
    await expect(typed).toBeFocused();
    await page.keyboard.type(merchant.merchant_id);
    await expect(dialog.getByTestId('confirm-reset')).toBeEnabled();
    expect((await focusIn(dialog)).of).toBe(4);
    await goesRound(page, dialog, 'Tab');
    await goesRound(page, dialog, 'Shift+Tab');
    await expect(typed).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(dialog.getByRole('button', { name: '取消' })).toBeFocused();
    await snap(page, '90-keyboard-dialog-focus');

    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(opener).toBeFocused();
    await expect(page.locator('[inert]')).toHaveCount(0);

    // The opener gone while the dialog was open: the page takes the focus.
    await page.keyboard.press('Enter');
    await expect(typed).toBeFocused();
    await opener.evaluate((button) => button.remove());
    await page.keyboard.press('Escape');
    await expect(page.locator('main')).toBeFocused();
  });

  test('the channel switch dialog: focus on 取消, Tab stays inside, focus back after Escape, 关闭 and a switch', async ({ page }) => {
    const list = await (
      await page.request.get(`${api('SUB_MERCHANTS')}?provider_id=1900000101&channel=official_direct&page_size=20`)
    ).json();
    const merchant = list.items.find((m) => m.maidan_opened);
    await page.goto('/sub-merchants');
    const search = page.getByLabel('搜索子商户名称或商户号');
    await search.focus();
    await page.keyboard.type(merchant.merchant_id);
    await page.keyboard.press('Enter');
    await expect(page.getByText('共 1 条，第 1/1 页')).toBeVisible();
    const row = page.locator(`tr[data-merchant-id="${merchant.merchant_id}"]`);
    const opener = row.getByTestId('switch-channel');
    await opener.focus();
    await page.keyboard.press('Enter');

    const dialog = page.getByRole('dialog');
    const cancel = dialog.getByRole('button', { name: '取消' });
    const confirm = dialog.getByTestId('confirm-switch');
    // The least destructive choice has the focus, not 确认切换.
    await expect(cancel).toBeFocused();
    expect(await inert(page.getByTestId('sub-merchants'))).toBe(true);
    expect((await focusIn(dialog)).of).toBe(3);
    await goesRound(page, dialog, 'Tab');
    await goesRound(page, dialog, 'Shift+Tab');
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(opener).toBeFocused();

    // 关闭 (before 取消, going backwards) closes it too.
    await page.keyboard.press('Enter');
    await expect(cancel).toBeFocused();
    await page.keyboard.press('Shift+Tab');
    await expect(dialog.getByRole('button', { name: '关闭' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(dialog).toHaveCount(0);
    await expect(opener).toBeFocused();

    // A switch made with the keyboard: the list is read again (its rows drawn anew) and the
    // focus is on the row's 切换渠道 again.
    await page.keyboard.press('Enter');
    await expect(cancel).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(confirm).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('switch-results')).toContainText('已切换为【微信买单】');
    await expect(row.getByTestId('channel')).toHaveText('微信买单');
    await expect(opener).toBeFocused();
    await expect(page.locator('[inert]')).toHaveCount(0);

    // And back, the same way.
    await page.keyboard.press('Enter');
    await expect(cancel).toBeFocused();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect(row.getByTestId('channel')).toHaveText('官方直连');
    await expect(opener).toBeFocused();

    // The opener drawn again while the dialog is open: the one now in its place has the focus.
    await page.keyboard.press('Enter');
    await expect(cancel).toBeFocused();
    await opener.evaluate((button) => button.replaceWith(button.cloneNode(true)));
    await page.keyboard.press('Escape');
    await expect(opener).toBeFocused();
    expect(await opener.evaluate((button) => button.isConnected)).toBe(true);
  });
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('the navigation drawer: Tab stays inside while it is open, Escape gives the focus to the menu button', async ({ page }) => {
    await page.goto('/login');
    await signIn(page, ACCOUNT);
    const menu = page.getByRole('button', { name: '菜单' });
    const nav = page.getByRole('navigation', { name: '主导航' });
    await menu.focus();
    await page.keyboard.press('Enter');
    await expect(nav).toBeVisible();
    await expect(nav.getByRole('link', { name: '概览' })).toBeFocused();
    await goesRound(page, nav, 'Tab');
    await goesRound(page, nav, 'Shift+Tab');
    await page.keyboard.press('Escape');
    await expect(nav).toBeHidden();
    await expect(menu).toBeFocused();
    // Closed, Tab leaves the menu button for the page as before.
    await page.keyboard.press('Tab');
    expect(await page.locator('#sidenav').evaluate((el) => el.contains(document.activeElement))).toBe(false);
  });
});
