// 登录与控制台外壳: sign in, see the account, switch language, sign out.
const { test, api, expect, signIn, snap, expectFailedLoad } = require('./fixtures');

test('the demo provider signs in, sees its account, switches to English and signs out', async ({ page }) => {
  await page.goto('/');
  // Signed out: the console sends the visitor to the login page.
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: '登录云支付控制台' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await page.getByText('沙箱演示账号').click();
  await snap(page, '01-login-zh');

  await signIn(page, '100000000001');
  await expect(page).toHaveURL(/\/$/);
  const account = page.getByTestId('account');
  await expect(account).toContainText('100000000001');
  await expect(account).toContainText('演示服务商');
  await expect(page.locator('.topbar .badge-sandbox')).toHaveText('沙箱');
  await expect(page.getByRole('navigation')).toContainText('概览');
  await expect(page.getByTestId('overview-account-id')).toHaveText('100000000001');
  await snap(page, '02-shell-zh');

  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Account overview' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await snap(page, '03-shell-en');

  // The choice survives a reload.
  await page.reload();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in to Cloud Pay Console' })).toBeVisible();
  // Signed out for real: the console page sends us back to the login page.
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
});

test('a wrong password says so, with a request id to quote', async ({ page }) => {
  expectFailedLoad(page, 401, api('SESSION'));
  await page.goto('/login');
  await signIn(page, '100000000001', 'not-the-password');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('账号 ID 或密码错误，请检查后重新输入。');
  await expect(alert).toContainText(/请求 ID: req_[0-9a-f]{16}/);
  await expect(page).toHaveURL(/\/login$/);
  await snap(page, '04-login-wrong-password');
});

test('an account ID that breaks the rule is flagged as it is typed', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('腾讯云账号 ID').fill('10000abc');
  await expect(page.locator('#account_id-error')).toHaveText(
    '只能填写数字，长度为 5–20 位，请检查后重新输入。',
  );
  await snap(page, '05-login-inline-rule');
});

test('five wrong passwords in a minute lock the account and say how long to wait', async ({ page }) => {
  expectFailedLoad(page, 401, api('SESSION'));
  expectFailedLoad(page, 429, api('SESSION'));
  await page.goto('/login');
  for (let attempt = 1; attempt <= 4; attempt += 1) {
    await signIn(page, '100000000003', `wrong-${attempt}`);
    await expect(page.getByRole('alert')).toContainText('账号 ID 或密码错误');
  }
  await signIn(page, '100000000003', 'wrong-5');
  await expect(page.getByRole('alert')).toContainText(/密码错误次数过多.*请在 (\d+) 秒后重试/);
  // The right password waits too.
  await signIn(page, '100000000003');
  await expect(page.getByRole('alert')).toContainText(/请在 \d+ 秒后重试/);
  await snap(page, '06-login-locked');
});

test('a deep link survives signing in', async ({ page }) => {
  await page.goto('/?from=bookmark');
  await expect(page).toHaveURL(/\/login\?next=/);
  await signIn(page, '100000000004');
  await expect(page).toHaveURL(/\/\?from=bookmark$/);
  await expect(page.getByTestId('account')).toContainText('100000000004');
});

test('an unknown address shows a way back', async ({ page }) => {
  // Signed out, the server sends every console address to the login page first.
  await page.goto('/no-such-page');
  await expect(page).toHaveURL(/\/login\?next=%2Fno-such-page$/);
  await signIn(page, '100000000004');
  await expect(page.getByRole('heading', { name: '页面不存在' })).toBeVisible();
  // An address below /m/ that is no phone page is an unknown console address too.
  await page.goto('/m/no-such-page');
  await expect(page.getByRole('heading', { name: '页面不存在' })).toBeVisible();
  await page.getByRole('link', { name: '返回首页' }).click();
  await expect(page.getByTestId('account')).toContainText('100000000004');
});

test('the login page downloads only the login bundle, and the console only after signing in', async ({ page }) => {
  const scripts = [];
  page.on('request', (request) => {
    if (/\.(js|wasm)$/.test(new URL(request.url()).pathname)) scripts.push(new URL(request.url()).pathname);
  });
  await page.goto('/providers');
  await expect(page).toHaveURL(/\/login\?next=%2Fproviders$/);
  await expect(page.getByRole('button', { name: '登录', exact: true })).toBeVisible();
  expect(scripts.length).toBeGreaterThan(0);
  expect(scripts.every((path) => path.startsWith('/login/')), scripts.join(', ')).toBe(true);
  scripts.length = 0;
  await signIn(page, '100000000001');
  await expect(page.getByTestId('account')).toBeVisible();
  await expect(page).toHaveURL(/\/providers$/);
  expect(scripts.some((path) => /^\/console-[0-9a-f]+_bg\.wasm$/.test(path)), scripts.join(', ')).toBe(true);
});
