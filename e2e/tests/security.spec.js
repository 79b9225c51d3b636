// What the browser is told about the console: a strict CSP, no framing, an HttpOnly cookie.
const { test, expect, signIn } = require('./fixtures');

test('the console page is served with a strict policy and loads without inline script', async ({ page }) => {
  const response = await page.goto('/login');
  const headers = response.headers();
  expect(headers['content-security-policy']).toBe(
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  );
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  // Served over plain http here: no HSTS (it is sent only when the public origin is https).
  expect(headers['strict-transport-security']).toBeUndefined();
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('same-origin');
  expect(headers['cache-control']).toBe('no-cache');
  // The page rendered under that policy (a blocked script would leave it empty).
  await expect(page.getByRole('heading', { name: '登录云支付控制台' })).toBeVisible();
});

test('the session cookie cannot be read by page script', async ({ page, context }) => {
  await page.goto('/login');
  await signIn(page, '100000000002');
  await expect(page.getByTestId('account')).toContainText('100000000002');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'console_session');
  expect(session).toBeDefined();
  expect(session.httpOnly).toBe(true);
  expect(session.sameSite).toBe('Strict');
  expect(await page.evaluate(() => document.cookie)).not.toContain('console_session');
});
