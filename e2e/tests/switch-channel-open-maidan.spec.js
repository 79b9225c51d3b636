// 开通微信买单, end to end: a refused channel switch links to the guide page; its QR code opens
// the phone page, where the merchant binds the merchant ID with its mobile, bank card and SMS
// code; back in the console the same switch goes through.
const { test, api, expect, signIn, snap, expectFailedLoad, ensureSynced } = require('./fixtures');

test('switch refused → open Maidan on the phone → switch succeeds', async ({ page, browser }) => {
  await page.goto('/login');
  await signIn(page, '100000000001');
  await expect(page.getByTestId('account')).toBeVisible();
  await ensureSynced(page);
  const list = await (
    await page.request.get(`${api('SUB_MERCHANTS')}?provider_id=1900000101&channel=official_direct&page_size=50`)
  ).json();
  const merchant = list.items.find((m) => !m.maidan_opened);
  const search = async () => {
    await page.goto('/sub-merchants');
    await page.getByLabel('搜索子商户名称或商户号').fill(merchant.merchant_id);
    await page.getByLabel('搜索子商户名称或商户号').press('Enter');
    return page.locator(`tr[data-merchant-id="${merchant.merchant_id}"]`);
  };

  // 1. Refused, with the way out.
  expectFailedLoad(page, 409, api('SUB_MERCHANT_WECHAT_CHANNEL', merchant.id));
  let row = await search();
  await row.getByTestId('switch-channel').click();
  await page.getByTestId('confirm-switch').click();
  await expect(page.getByTestId('switch-results')).toContainText('需要先开通才能切换');
  await page.getByTestId('open-maidan-link').click();

  // 2. The guide page, the merchant ID carried into the QR code.
  await expect(page.getByRole('heading', { name: '开通微信买单' })).toBeVisible();
  await expect(page.getByLabel('微信支付商户号')).toHaveValue(merchant.merchant_id);
  const qr = page.locator('canvas.qr');
  await expect(qr).toHaveAttribute('data-payload', new RegExp(`/m/maidan\\?merchant_id=${merchant.merchant_id}$`));
  await snap(page, '60-open-maidan-guide');
  const phoneUrl = await qr.getAttribute('data-payload');

  // 3. On the phone.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: 'zh-CN' });
  const mobile = await phone.newPage();
  await mobile.goto(phoneUrl);
  await snap(mobile, '61-maidan-phone-landing');
  await mobile.getByRole('button', { name: '已有商户号？立即绑定' }).click();
  await expect(mobile.getByLabel('微信支付商户号')).toHaveValue(merchant.merchant_id);
  const record = await (await mobile.request.get(api('SANDBOX_MERCHANT', merchant.merchant_id))).json();
  await mobile.getByLabel('手机号').fill('12345');
  await expect(mobile.getByTestId('maidan-form')).toContainText('手机号');
  await mobile.getByLabel('手机号').fill(record.mobile);
  await mobile.getByLabel('银行卡号').fill(record.bank_card);
  await mobile.getByTestId('send-code').click();
  const banner = mobile.getByTestId('sandbox-code');
  await expect(banner).toContainText('沙箱：验证码为');
  await expect(mobile.getByTestId('send-code')).toContainText('秒后重新获取');
  await expect(mobile.getByTestId('send-code')).toBeDisabled();
  const code = (await (await mobile.request.get(api('SANDBOX_SMS_CODE', record.mobile))).json()).code;
  const wrong = code === '000000' ? '000001' : '000000';
  await mobile.getByLabel('短信验证码').fill(wrong);
  await mobile.getByTestId('bind').click();
  await expect(mobile.getByTestId('maidan-form')).toContainText('信息不匹配');
  await expect(mobile.getByTestId('maidan-form')).toContainText('还可以再试 4 次');
  await snap(mobile, '62-maidan-phone-wrong-code');
  await mobile.getByLabel('短信验证码').fill(code);
  await mobile.getByTestId('bind').click();
  await expect(mobile.getByTestId('maidan-bound')).toContainText(`商户号 ${merchant.merchant_id} 已开通微信买单`);
  await snap(mobile, '63-maidan-phone-bound');
  await phone.close();

  // 4. Back in the console: the switch goes through, and the list says opened.
  row = await search();
  await row.getByTestId('switch-channel').click();
  await page.getByTestId('confirm-switch').click();
  await expect(page.getByTestId('switch-results')).toContainText(`（${merchant.merchant_id}）已切换为【微信买单】。`);
  await expect(row.getByTestId('channel')).toHaveText('微信买单');
  await expect(row).toContainText('已开通');
  await snap(page, '64-switch-after-opening');

  // Leave it as the other specs expect it.
  await page.request.put(api('SUB_MERCHANT_WECHAT_CHANNEL', merchant.id), {
    data: { channel: 'official_direct' },
  });
});
