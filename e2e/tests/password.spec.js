// 修改密码: the fields are checked as they are typed, a wrong current password is named, and
// afterwards the account's other sessions are signed out while this one goes on. (Works in the
// sub-provider account 100000000002 and gives it back its demo password at the end.)
const { test, api, expect, signIn, snap, expectFailedLoad, DEMO_PASSWORD } = require('./fixtures');

const ACCOUNT = '100000000002';
const NEW = 'a-new-password-2026';

async function changePassword(page, current, next) {
  await page.getByLabel('当前密码').fill(current);
  await page.getByLabel('新密码（12–128 个字符）').fill(next);
  await page.getByLabel('再次输入新密码').fill(next);
  await page.getByTestId('change-password').click();
}

test('修改密码 signs the other devices out and the new password signs in', async ({ page, browser }) => {
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await other.goto('/login');
  await signIn(other, ACCOUNT);
  await expect(other.getByTestId('account')).toBeVisible();

  await page.goto('/login');
  await signIn(page, ACCOUNT);
  await expect(page.getByTestId('account')).toBeVisible();
  await page.getByTestId('change-password-link').click();
  await expect(page.getByRole('heading', { name: '修改密码' })).toBeVisible();

  // The rules, inline as the user types.
  await page.getByLabel('新密码（12–128 个字符）').fill('too-short');
  await expect(page.locator('#new_password-error')).toContainText('至少需要 12 个字符');
  await page.getByLabel('新密码（12–128 个字符）').fill(NEW);
  await expect(page.locator('#new_password-error')).toHaveText('');
  await page.getByLabel('再次输入新密码').fill(`${NEW}x`);
  await expect(page.locator('#new_password_again-error')).toContainText('不一致');

  // A wrong current password is named on its field, by the server.
  expectFailedLoad(page, 422, api('SESSION_PASSWORD'));
  await changePassword(page, 'not-the-password', NEW);
  await expect(page.locator('#current_password-error')).toContainText('当前密码不正确');
  await snap(page, '90-change-password-wrong');

  await changePassword(page, DEMO_PASSWORD, NEW);
  await expect(page.getByTestId('password-changed')).toContainText('其他设备上的登录已退出');
  await snap(page, '91-change-password-done');

  // The other device is signed out; this one goes on.
  await other.goto('/sub-merchants');
  await expect(other).toHaveURL(/\/login/);
  await page.getByRole('link', { name: '交易查询' }).click();
  await expect(page.getByTestId('account')).toBeVisible();

  // The old password no longer signs in; the new one does.
  await other.goto('/login');
  await signIn(other, ACCOUNT);
  await expect(other.getByRole('alert')).toContainText('账号 ID 或密码错误');
  await signIn(other, ACCOUNT, NEW);
  await expect(other.getByTestId('account')).toBeVisible();
  await otherContext.close();

  // Give the account its demo password back.
  await page.getByTestId('change-password-link').click();
  await changePassword(page, NEW, DEMO_PASSWORD);
  await expect(page.getByTestId('password-changed')).toBeVisible();
});

test('退出所有设备 ends the sessions on every device, this one too', async ({ page, browser }) => {
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await other.goto('/login');
  await signIn(other, ACCOUNT);
  await expect(other.getByTestId('account')).toBeVisible();

  await page.goto('/login');
  await signIn(page, ACCOUNT);
  await page.getByTestId('change-password-link').click();
  await expect(page.getByText('此账号在所有设备（包括本设备）上的登录都会立即退出')).toBeVisible();
  await snap(page, '92-sign-out-everywhere');
  await page.getByTestId('sign-out-everywhere').click();
  await expect(page).toHaveURL(/\/login/);
  await other.goto('/sub-merchants');
  await expect(other).toHaveURL(/\/login/);
  await otherContext.close();
});
