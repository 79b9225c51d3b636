// 修改服务商信息: configure a synced provider's WeChat Pay and basic information.
const path = require('node:path');
const { test, api, expect, signIn, snap, phoneConfirmsProviderSync } = require('./fixtures');

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const CERTIFICATE = path.join(__dirname, '..', '..', 'server', 'tests', 'fixtures', 'apiclient_cert.p12');

const API_KEY = 'Zq8vT3mN6pR1sW4yB7cE0fH2jK5lX9aD';

/// Syncs the account's providers through the API, as the admin's phone would. This spec works
/// in the other provider account (100000000004) with o_sandbox_admin_2's provider, so that the
/// QR sync spec still finds 100000000001 empty.
async function syncProviders(page) {
  const ticket = await page.request.post(api('PROVIDER_SYNC_TICKETS'));
  const { id } = await ticket.json();
  await phoneConfirmsProviderSync(id, 'o_sandbox_admin_2');
}

test('WeChat Pay info is checked as typed, saved, masked, and kept after a reload', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, '100000000004');
  await expect(page.getByTestId('account')).toBeVisible();
  await syncProviders(page);

  await page.getByRole('link', { name: '服务商账户管理(新)' }).click();
  await page.getByRole('link', { name: '成都锦江买单服务商' }).click();
  await expect(page.getByTestId('provider-title')).toHaveText('成都锦江买单服务商');
  const wechat = page.getByTestId('section-wechat');
  await expect(wechat).toContainText('尚未设置');

  // Wrong values are named as they are typed.
  await wechat.getByLabel('商户号', { exact: true }).fill('19000x');
  await wechat.getByLabel('AppID').fill('wx123');
  await wechat.getByLabel('API 密钥').fill('short');
  await wechat.getByLabel('返佣比例（%）').fill('100.5');
  await expect(page.locator('#wechat-merchant_id-error')).toContainText('只能填写数字');
  await expect(page.locator('#wechat-app_id-error')).toContainText('wx 加 16 位字母或数字');
  await expect(page.locator('#wechat-api_key-error')).toContainText('32 位字母或数字');
  await expect(page.locator('#wechat-rebate_ratio-error')).toContainText('0–100');
  await snap(page, '20-provider-wechat-invalid');

  await wechat.getByLabel('商户号', { exact: true }).fill('1900000109');
  await wechat.getByLabel('AppID').fill('wxd678efh567hg6787');
  await wechat.getByLabel('API 密钥').fill(API_KEY);
  await wechat.getByLabel('返佣比例（%）').fill('12.5');
  await wechat.getByLabel('API 证书（apiclient_cert.p12）').setInputFiles(CERTIFICATE);
  await expect(wechat).toContainText('已选择：apiclient_cert.p12');
  await expect(page.locator('#wechat-api_key-error')).toHaveText('');
  await wechat.getByRole('button', { name: '保存' }).click();
  await expect(wechat.getByRole('status').filter({ hasText: '已保存' })).toBeVisible();
  await expect(wechat).toContainText('已设置 …X9aD');
  await expect(wechat).toContainText(/证书序列号 5A3C9E01，有效期至 2027-11-2\d/);
  await expect(wechat.getByLabel('API 密钥')).toHaveValue('');
  await snap(page, '21-provider-wechat-saved');

  // The server's verdict lands on the field too (a callback URL that is not https).
  const basic = page.getByTestId('section-basic');
  await basic.getByLabel('交易完成回调地址').fill('http://pay.example.com/notify');
  await expect(page.locator('#basic-callback_url-error')).toContainText('https://');
  await basic.getByLabel('交易完成回调地址').fill('https://pay.example.com/notify');
  await basic.getByLabel('服务商简称').fill('西湖');
  // Images are checked by content: a GIF named .png is refused, a real PNG is previewed.
  await basic.getByLabel('Logo（PNG/JPEG，≤200 KB）').setInputFiles(path.join(FIXTURES, 'not-an-image.png'));
  await expect(page.locator('#basic-logo-error')).toContainText('须为 PNG 或 JPEG 图片');
  await basic.getByLabel('Logo（PNG/JPEG，≤200 KB）').setInputFiles(path.join(FIXTURES, 'logo.png'));
  await expect(page.locator('#basic-logo-error')).toHaveText('');
  await expect(basic.locator('img.image-preview')).toHaveAttribute('src', /^data:image\/png;base64,/);
  await basic.getByRole('button', { name: '保存' }).click();
  await expect(basic.getByRole('status').filter({ hasText: '已保存' })).toBeVisible();

  await page.reload();
  const reloaded = page.getByTestId('section-wechat');
  await expect(reloaded.getByLabel('商户号', { exact: true })).toHaveValue('1900000109');
  await expect(reloaded.getByLabel('返佣比例（%）')).toHaveValue('12.50');
  await expect(reloaded).toContainText('已设置 …X9aD');
  await expect(reloaded).toContainText('证书序列号 5A3C9E01');
  await expect(page.getByTestId('section-basic').getByLabel('服务商简称')).toHaveValue('西湖');
  await expect(page.getByTestId('section-basic').locator('img.image-preview')).toBeVisible();
  await snap(page, '23-provider-basic-saved');
  expect(await page.content()).not.toContain(API_KEY);

  await page.getByRole('link', { name: '服务商账户管理(新)' }).click();
  const row = page.getByRole('row', { name: /成都锦江买单服务商/ });
  await expect(row).toContainText('已配置');

  await page.getByRole('link', { name: '操作记录' }).click();
  const audit = page.getByTestId('audit');
  await expect(audit).toContainText('修改服务商微信支付信息');
  // Readable names of what changed, in the page's language, never the values.
  await expect(audit).toContainText('商户号、AppID、API 密钥、返佣比例');
  await expect(audit.getByTestId('audit-target').first()).toContainText('服务商 1900000201');
  await expect(audit).not.toContainText(API_KEY);
  // In English: the same entries, no Chinese but the names of things.
  await page.getByRole('button', { name: 'English' }).click();
  await expect(audit).toContainText('merchant ID, AppID, API key, rebate ratio');
  await expect(audit.getByTestId('audit-target').first()).toContainText('Provider 1900000201');
  await page.getByRole('button', { name: '中文' }).click();
  await expect(audit).toContainText('商户号、AppID、API 密钥、返佣比例');
  await snap(page, '22-audit-log');
});
