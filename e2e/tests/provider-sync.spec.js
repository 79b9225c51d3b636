// 同步买单服务商信息: the console shows a QR code, the assistant admin's phone confirms it, and
// the providers land in the account. Two browser contexts: a desktop console and a phone.
const { test, api, expect, signIn, snap, signInOnPhone, expectFailedLoad } = require('./fixtures');

const WECHAT = '微信授权登录';

const TTL_S = Number(process.env.TICKET_TTL_S || 120);
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' };

async function openSyncDialog(page, accountId = '100000000001') {
  await page.goto('/login');
  await signIn(page, accountId);
  await page.getByRole('link', { name: '服务商账户管理(新)' }).click();
  await page.getByRole('button', { name: '同步买单服务商信息' }).first().click();
  const qr = page.locator('canvas.qr');
  await expect(qr).toHaveAttribute('data-payload', /\/m\/provider-sync\/[0-9a-f]{32}$/);
  return qr.getAttribute('data-payload');
}

async function phonePage(browser, url) {
  const context = await browser.newContext(PHONE);
  const phone = await context.newPage();
  await phone.goto(url);
  return phone;
}

test('the admin scans the code on a phone, confirms, and the providers appear', async ({ page, browser }) => {
  await page.goto('/login');
  await signIn(page, '100000000001');
  await page.getByRole('link', { name: '服务商账户管理(新)' }).click();
  await expect(page.getByTestId('providers-empty')).toContainText('还没有同步过来的服务商');
  await snap(page, '10-providers-empty');

  await page.getByTestId('providers-empty').getByRole('button', { name: '同步买单服务商信息' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('sync-target')).toHaveText('100000000001（演示服务商）');
  await expect(dialog).toContainText('必须使用微信买单服务商助手管理员的微信来扫码');
  await expect(dialog).toContainText('不要随意截屏并分享该二维码给他人');
  await expect(dialog).toContainText('每次在微信买单新增了服务商');
  await expect(dialog.getByTestId('countdown')).toContainText(/二维码 \d+ 秒后过期/);
  await expect(dialog.locator('[aria-current="step"]')).toHaveText('待扫码');
  const url = await dialog.locator('canvas.qr').getAttribute('data-payload');
  // The canvas really holds a code: a square with dark and light pixels.
  const drawn = await dialog.locator('canvas.qr').evaluate((canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 128) dark += 1;
    return { square: canvas.width === canvas.height, share: dark / (data.length / 4) };
  });
  expect(drawn.square).toBe(true);
  expect(drawn.share).toBeGreaterThan(0.2);
  await snap(page, '11-sync-dialog');

  // The phone has no WeChat identity for this code: it goes to WeChat's authorize page (the
  // sandbox's, marked 沙箱). Opening the code is not scanning it.
  const phone = await phonePage(browser, url);
  await expect(phone.getByRole('heading')).toContainText(WECHAT);
  await expect(phone.getByText('沙箱 Sandbox')).toBeVisible();
  await snap(phone, '12-phone-wechat-sign-in');
  await expect(dialog.locator('[aria-current="step"]')).toHaveText('待扫码');

  await signInOnPhone(phone, WECHAT, /沙箱管理员·林/);
  await expect(phone.getByTestId('mobile-target')).toContainText('100000000001');
  await expect(phone.getByTestId('mobile-target')).toContainText('演示服务商');
  await expect(phone.getByTestId('signed-in-as')).toContainText('沙箱管理员·林');
  await expect(phone.getByTestId('signed-in-as')).toContainText('o_sandbox_admin_1');
  await snap(phone, '12-phone-confirm');

  // The console notices the sign-in by polling.
  await expect(dialog.locator('[aria-current="step"]')).toHaveText('已扫码');

  await phone.getByRole('button', { name: '确认', exact: true }).click();
  await expect(phone.getByRole('status')).toContainText('同步完成');
  await snap(phone, '13-phone-done');

  const result = dialog.getByTestId('sync-result');
  await expect(result).toBeVisible();
  await expect(result.locator('[data-kind="new"]')).toContainText('2');
  await expect(result.locator('[data-kind="new"]')).toContainText('杭州西湖买单服务商');
  await expect(result.locator('[data-kind="skipped"]')).toContainText('深圳南山买单服务商');
  await expect(result.locator('[data-kind="skipped"]')).toContainText('已同步到其他腾讯云账号');
  await expect(result).toContainText('沙箱管理员·林');
  await snap(page, '14-sync-result');

  await dialog.getByRole('button', { name: '关闭' }).click();
  const table = page.getByTestId('providers');
  await expect(table).toContainText('杭州西湖买单服务商');
  await expect(table).toContainText('苏州园区买单服务商');
  await expect(table).not.toContainText('深圳南山买单服务商');
  await snap(page, '15-providers-list');
});

test('a WeChat user who is not an assistant admin is told who must scan', async ({ page, browser }) => {
  const url = await openSyncDialog(page);
  const phone = await phonePage(browser, url);
  await signInOnPhone(phone, WECHAT, /沙箱店员·陈/);
  await phone.getByRole('button', { name: '确认', exact: true }).click();
  await expect(phone.getByRole('alert')).toContainText('必须使用微信买单服务商助手管理员的微信扫码');
  await expect(phone.getByRole('alert')).toContainText(/请求 ID: req_/);
  await snap(phone, '16-phone-not-admin');
  // The code is still open on the console.
  await expect(page.getByRole('dialog').locator('[aria-current="step"]')).toHaveText('已扫码');
});

test('an expired code says so, cannot be used, and can be refreshed', async ({ page, browser }) => {
  test.setTimeout((TTL_S + 30) * 1000);
  const url = await openSyncDialog(page);
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('countdown')).toHaveText('二维码已过期', { timeout: (TTL_S + 5) * 1000 });
  await snap(page, '17-sync-expired');
  const phone = await phonePage(browser, url);
  await expect(phone.getByRole('alert')).toContainText('二维码已过期');

  await dialog.getByRole('button', { name: '刷新二维码' }).click();
  await expect(dialog.getByTestId('countdown')).toContainText(/秒后过期/);
  const fresh = await dialog.locator('canvas.qr').getAttribute('data-payload');
  expect(fresh).not.toBe(url);
});

test('closing the dialog cancels the code', async ({ page, browser }) => {
  const url = await openSyncDialog(page);
  await page.getByRole('dialog').getByRole('button', { name: '关闭' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  const phone = await phonePage(browser, url);
  await expect(phone.getByRole('alert')).toContainText('该二维码已取消');
});

test('a lost connection while waiting is shown and recovers by itself', async ({ page, browser }) => {
  const url = await openSyncDialog(page);
  const dialog = page.getByRole('dialog');
  // The network drops for the ticket polls only.
  expectFailedLoad(page, 'net::ERR_INTERNET_DISCONNECTED', /^\/api\/v1\/provider-sync-tickets\/[0-9a-f]+$/);
  await page.route(`**${api('PROVIDER_SYNC_TICKET', '*')}`, (route) => route.abort('internetdisconnected'));
  await expect(dialog.getByText('连接中断，正在重试…')).toBeVisible();
  await snap(page, '18-sync-connection-lost');
  const phone = await phonePage(browser, url);
  await signInOnPhone(phone, WECHAT, /沙箱管理员·林/);
  await expect(phone.getByTestId('mobile-target')).toContainText('100000000001');
  await page.unroute(`**${api('PROVIDER_SYNC_TICKET', '*')}`);
  await expect(dialog.getByText('连接中断，正在重试…')).toHaveCount(0, { timeout: 15_000 });
  await expect(dialog.locator('[aria-current="step"]')).toHaveText('已扫码');
});

test('a busy server is asked again only after the wait it names', async ({ page }) => {
  await openSyncDialog(page);
  const dialog = page.getByRole('dialog');
  // A proxy in front of the server answers one poll 503 with Retry-After and no envelope.
  const polls = [];
  expectFailedLoad(page, 503, /^\/api\/v1\/provider-sync-tickets\/[0-9a-f]+$/);
  await page.route(`**${api('PROVIDER_SYNC_TICKET', '*')}`, async (route) => {
    if (route.request().method() !== 'GET') return route.continue();
    polls.push(Date.now());
    if (polls.length > 1) return route.continue();
    return route.fulfill({ status: 503, headers: { 'Retry-After': '4' }, contentType: 'text/plain', body: 'busy' });
  });
  await expect.poll(() => polls.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
  expect(polls[1] - polls[0]).toBeGreaterThanOrEqual(3_900);
  // Waiting is not a lost connection, and the code stays open.
  await expect(dialog.getByText('连接中断，正在重试…')).toHaveCount(0);
  await expect(dialog.getByTestId('countdown')).toContainText(/二维码 \d+ 秒后过期/);
});
