// 修改子商户信息: 重置认证密钥和签名公私钥 (the private key is made in the browser and never
// sent; both secrets are shown once, with copy and a key file, behind 我已保存) and the
// optional 支付宝子商户授权 by QR code on a phone. (Named to run after sub-merchants.spec.js,
// which starts from an account with no sub-merchants yet.)
const fs = require('node:fs');
const { test, api, expect, signIn, snap, ensureSynced, signInOnPhone } = require('./fixtures');

const ACCOUNT = '100000000001';
const TTL_S = Number(process.env.TICKET_TTL_S || 120);
const ALIPAY = '支付宝授权';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' };

/// A sub-merchant whose keys were never reset (and whose Alipay is not authorized).
async function untouched(page, skip = 0) {
  const list = await (await page.request.get(`${api('SUB_MERCHANTS')}?provider_id=1900000102&page_size=50`)).json();
  return list.items.filter((m) => !m.keys_set)[skip];
}

test.beforeEach(async ({ page }) => {
  await page.goto('/login');
  await signIn(page, ACCOUNT);
  await expect(page.getByTestId('account')).toBeVisible();
  await ensureSynced(page);
});

test('the whole key reset: typed confirmation, secrets once, key file, 我已保存, fingerprints after', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const merchant = await untouched(page);
  // Every request the page sends, with its body.
  const sent = [];
  page.on('request', (request) => sent.push(`${request.method()} ${request.url()}\n${request.postData() || ''}`));

  await page.goto(`/sub-merchants/${merchant.id}`);
  const card = page.getByTestId('keys');
  await expect(card.getByTestId('keys-badge')).toHaveText('未设置');
  await expect(card).toContainText('尚未设置密钥');
  await card.getByTestId('reset-keys').click();

  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('使用旧密钥的收银设备和系统会立即无法调用云支付');
  await expect(dialog).toContainText('签名私钥（RSASSA-PSS 2048 / SHA-256）在本浏览器中生成，不会发送到服务器');
  const confirm = dialog.getByTestId('confirm-reset');
  await expect(confirm).toBeDisabled();
  const typed = dialog.getByLabel(`请输入子商户的微信支付商户号 ${merchant.merchant_id} 以确认`);
  await typed.fill('12345');
  await expect(dialog).toContainText('与该子商户的商户号不一致。');
  await expect(confirm).toBeDisabled();
  await typed.fill(merchant.merchant_id);
  await expect(confirm).toBeEnabled();
  await snap(page, '70-key-reset-confirm');
  await confirm.click();

  const authKey = dialog.getByTestId('auth-key');
  await expect(authKey).toHaveText(/^[A-Za-z0-9]{32}$/, { timeout: 20_000 });
  const key = await authKey.textContent();
  const pem = await dialog.getByTestId('private-key').inputValue();
  expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n([A-Za-z0-9+/=]{64}\n)+[A-Za-z0-9+/=]*\n?-----END PRIVATE KEY-----\n$/);
  const fingerprint = await dialog.getByTestId('issued-fingerprint').textContent();
  expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
  await expect(dialog).toContainText('关闭此窗口后将无法再次查看');
  await snap(page, '71-key-reset-secrets');

  // The private key never left the browser: no request carries it, or any line of it.
  const body = pem.split('\n').filter((line) => line && !line.startsWith('-----'));
  for (const request of sent) {
    expect(request).not.toContain('PRIVATE KEY');
    for (const line of body) expect(request).not.toContain(line);
  }
  const resets = sent.filter((r) => r.startsWith(`POST ${new URL(page.url()).origin}${api('SUB_MERCHANT_KEY_RESETS', merchant.id)}`));
  expect(resets).toHaveLength(1);
  expect(JSON.parse(resets[0].split('\n').slice(1).join('\n'))).toEqual({ signing_public_key: expect.stringMatching(/^MIIBIjAN/) });

  // Copy buttons put each secret on the clipboard.
  await dialog.getByTestId('copy-auth-key').click();
  await expect(dialog.getByText('已复制')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
  await dialog.getByTestId('copy-private-key').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(pem);

  // The key file holds both secrets and is named after the sub-merchant.
  const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByTestId('download-keys').click()]);
  expect(download.suggestedFilename()).toBe(`${merchant.name}-${merchant.merchant_id}-keys.txt`);
  const file = fs.readFileSync(await download.path(), 'utf8');
  expect(file).toContain(key);
  expect(file).toContain(pem);
  expect(file).toContain(merchant.merchant_id);
  // What a cash register is configured with, beside the secrets: Cloud Pay's IDs and the key types.
  expect(file).toContain(`云支付服务商 ID（out_mch_id）: ${merchant.out_mch_id}`);
  expect(file).toContain(`云支付子商户 ID（out_sub_mch_id）: ${merchant.out_sub_mch_id}`);
  expect(file).toContain('认证类型: HMAC-SHA256');
  expect(file).toContain('签名类型: RSASSA-PSS-2048-SHA256');
  await expect(dialog.getByTestId('issued-ids')).toContainText(merchant.out_sub_mch_id);

  // The saved private key is the pair of the public key the server keeps: its public half has
  // the fingerprint shown, and it signs what the public half verifies.
  const check = await page.evaluate(async (text) => {
    const der = Uint8Array.from(atob(text.replace(/-----[^-]+-----|\s/g, '')), (c) => c.charCodeAt(0));
    const alg = { name: 'RSA-PSS', hash: 'SHA-256' };
    const priv = await crypto.subtle.importKey('pkcs8', der, alg, true, ['sign']);
    const jwk = await crypto.subtle.exportKey('jwk', priv);
    const pub = await crypto.subtle.importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e, alg: 'PS256', ext: true }, alg, true, ['verify']);
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pub));
    const sha = [...new Uint8Array(await crypto.subtle.digest('SHA-256', spki))].map((b) => b.toString(16).padStart(2, '0')).join('');
    const message = new TextEncoder().encode('{"out_trade_no":"R1"}');
    const signature = await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, priv, message);
    const ok = await crypto.subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, pub, signature, message);
    return { sha, ok, bits: priv.algorithm.modulusLength };
  }, pem);
  expect(check).toEqual({ sha: fingerprint, ok: true, bits: 2048 });

  // 我已保存 gates the way out: not Done, not Escape, not the close button.
  await expect(dialog.getByTestId('keys-done')).toBeDisabled();
  await page.keyboard.press('Escape');
  await expect(dialog.getByTestId('save-first')).toHaveText('请先保存密钥并勾选【我已保存】，再关闭此窗口。');
  await dialog.getByRole('button', { name: '关闭' }).click();
  await expect(dialog).toBeVisible();
  await snap(page, '72-key-reset-save-first');
  await dialog.getByTestId('saved').check();
  await expect(dialog.getByTestId('save-first')).toHaveCount(0);
  await dialog.getByTestId('keys-done').click();
  await expect(dialog).toHaveCount(0);

  // Afterwards: fingerprints and when, never the keys.
  await expect(card.getByTestId('keys-badge')).toHaveText('已设置');
  await expect(card.getByTestId('fingerprint')).toHaveText(fingerprint);
  await expect(card.getByTestId('auth-last4')).toHaveText(`···· ${key.slice(-4)}`);
  await expect(card.getByTestId('reset-at')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  await expect(card.getByTestId('auth-type')).toHaveText('HMAC-SHA256');
  await expect(card.getByTestId('sign-type')).toHaveText('RSASSA-PSS-2048-SHA256');
  await expect(page.getByTestId('out-sub-mch-id')).toHaveText(merchant.out_sub_mch_id);
  await expect(page.getByTestId('out-mch-id')).toHaveText(merchant.out_mch_id);
  await expect(page.locator('body')).not.toContainText(key);
  await expect(page.getByTestId('history')).toContainText('重置认证密钥和签名公私钥');
  await snap(page, '73-keys-after-reset');
  const detail = await (await page.request.get(api('SUB_MERCHANT', merchant.id))).text();
  expect(detail).not.toContain(key);

  // The list's keys column follows.
  await page.goto('/sub-merchants');
  await page.getByLabel('搜索子商户名称或商户号').fill(merchant.merchant_id);
  await page.getByLabel('搜索子商户名称或商户号').press('Enter');
  await expect(page.locator(`tr[data-merchant-id="${merchant.merchant_id}"]`)).toContainText('已设置');
});

test('支付宝授权: the merchant scans on a phone and authorizes; the page shows 已授权 with the date', async ({ page, browser }) => {
  const merchant = await untouched(page, 1);
  await page.goto(`/sub-merchants/${merchant.id}`);
  const card = page.getByTestId('alipay');
  await expect(card.getByTestId('alipay-badge')).toHaveText('未授权');
  await card.getByTestId('authorize-alipay').click();
  const dialog = page.getByRole('dialog');
  const qr = dialog.locator('canvas.qr');
  await expect(qr).toHaveAttribute('data-payload', /\/m\/alipay-authorizations\/[0-9a-f]{32}$/);
  await expect(dialog.getByTestId('countdown')).toContainText(/二维码 \d+ 秒后过期/);
  await snap(page, '74-alipay-qr');
  const url = await qr.getAttribute('data-payload');

  const phoneContext = await browser.newContext(PHONE);
  const phone = await phoneContext.newPage();
  // The phone goes to Alipay's app authorization (the sandbox's page) and comes back signed in.
  await phone.goto(url);
  await expect(phone.getByRole('heading')).toContainText(ALIPAY);
  await snap(phone, '75-phone-alipay-sign-in');
  await expect(dialog.getByTestId('alipay-state')).toHaveAttribute('data-state', 'pending');
  await signInOnPhone(phone, ALIPAY, /沙箱商户·林/);
  await expect(phone.getByTestId('alipay-ask')).toContainText(merchant.name);
  await expect(phone.getByTestId('alipay-ask')).toContainText(merchant.merchant_id);
  await expect(phone.getByTestId('signed-in-as')).toHaveText('2088000000000011');
  await expect(dialog.getByTestId('alipay-state')).toHaveAttribute('data-state', 'scanned');
  await expect(dialog).toContainText('已扫码，等待子商户在手机上确认授权');
  await phone.getByTestId('alipay-confirm').click();
  await expect(phone.getByTestId('alipay-done')).toHaveText('授权成功，可以回到电脑上查看。');
  await snap(phone, '76-phone-alipay-done');

  await expect(dialog).toContainText('授权成功：支付宝用户 2088000000000011。');
  await dialog.getByRole('button', { name: '完成' }).click();
  await expect(card.getByTestId('alipay-badge')).toHaveText('已授权');
  await expect(card.getByTestId('alipay-user-id')).toHaveText('2088000000000011');
  await expect(card.getByTestId('alipay-authorized-at')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  await snap(page, '77-alipay-authorized');

  // Single use: the same code again says so.
  await phone.reload();
  await expect(phone.getByRole('alert')).toContainText('已被使用');
  await phoneContext.close();
});

test('支付宝授权 cancelled on the phone, or by closing the dialog', async ({ page, browser }) => {
  const merchant = await untouched(page, 2);
  await page.goto(`/sub-merchants/${merchant.id}`);
  await page.getByTestId('authorize-alipay').click();
  const dialog = page.getByRole('dialog');
  const url = await dialog.locator('canvas.qr').getAttribute('data-payload');
  const phoneContext = await browser.newContext(PHONE);
  const phone = await phoneContext.newPage();
  await phone.goto(url);
  await signInOnPhone(phone, ALIPAY, /沙箱商户·周/);
  await phone.getByRole('button', { name: '取消' }).click();
  await expect(phone.getByText('已取消，本次不会授权。')).toBeVisible();
  await expect(dialog.getByTestId('alipay-state')).toHaveAttribute('data-state', 'cancelled');
  await expect(dialog).toContainText('子商户在手机上取消了授权');

  // A fresh code; closing the dialog cancels it, and the phone is told.
  await dialog.getByRole('button', { name: '刷新二维码' }).click();
  await expect(dialog.locator('canvas.qr')).not.toHaveAttribute('data-payload', url);
  const second = await dialog.locator('canvas.qr').getAttribute('data-payload');
  await dialog.getByRole('button', { name: '关闭' }).click();
  await expect(dialog).toHaveCount(0);
  await phone.goto(second);
  await expect(phone.getByRole('alert')).toContainText('取消');
  await expect(page.getByTestId('alipay-badge')).toHaveText('未授权');
  await phoneContext.close();
});

test('支付宝授权: an expired code says so, cannot be used, and can be refreshed', async ({ page, browser }) => {
  test.setTimeout((TTL_S + 30) * 1000);
  const merchant = await untouched(page, 3);
  await page.goto(`/sub-merchants/${merchant.id}`);
  await page.getByTestId('authorize-alipay').click();
  const dialog = page.getByRole('dialog');
  const qr = dialog.locator('canvas.qr');
  const url = await qr.getAttribute('data-payload');
  await expect(dialog.getByTestId('countdown')).toHaveText('二维码已过期', { timeout: (TTL_S + 5) * 1000 });
  await expect(dialog.locator('.qr-frame')).toHaveClass(/qr-dim/);

  const phoneContext = await browser.newContext(PHONE);
  const phone = await phoneContext.newPage();
  await phone.goto(url);
  await expect(phone.getByRole('alert')).toContainText('二维码已过期');
  await expect(phone.getByTestId('alipay-confirm')).toHaveCount(0);
  await phoneContext.close();

  await dialog.getByRole('button', { name: '刷新二维码' }).click();
  await expect(qr).not.toHaveAttribute('data-payload', url);
  await expect(dialog.getByTestId('countdown')).toContainText(/二维码 \d+ 秒后过期/);
});

test('an answer naming another public key is caught: no secret is shown', async ({ page }) => {
  const merchant = await untouched(page, 4);
  // Something between the browser and the server swaps the key it kept.
  await page.route('**/key-resets', async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    json.keys.public_key_sha256 = '0'.repeat(64);
    await route.fulfill({ response, json });
  });
  await page.goto(`/sub-merchants/${merchant.id}`);
  await page.getByTestId('reset-keys').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel(`请输入子商户的微信支付商户号 ${merchant.merchant_id} 以确认`).fill(merchant.merchant_id);
  await dialog.getByTestId('confirm-reset').click();
  await expect(dialog.getByRole('alert')).toContainText('服务器保存的公钥与本浏览器生成的不一致', { timeout: 20_000 });
  await expect(dialog.getByTestId('auth-key')).toHaveCount(0);
  await expect(dialog.getByTestId('private-key')).toHaveCount(0);
});
