// 云支付子商户切换微信买单通道: method 1 (【切换渠道】 in the list, also for several rows at
// once), method 2 (edit 基本信息 on the detail page), and the refusal when the merchant ID has
// not opened WeChat Maidan, with its way out.
const { test, api, expect, signIn, snap, expectFailedLoad, ensureSynced } = require('./fixtures');

const ACCOUNT = '100000000001';

/// Sub-merchants of the first provider still on 官方直连, opened or not.
async function direct(page, opened, count = 1) {
  const list = await (
    await page.request.get(`${api('SUB_MERCHANTS')}?provider_id=1900000101&channel=official_direct&page_size=20`)
  ).json();
  return list.items.filter((m) => m.maidan_opened === opened).slice(0, count);
}

async function findRow(page, merchantId) {
  await page.getByLabel('搜索子商户名称或商户号').fill(merchantId);
  await page.getByLabel('搜索子商户名称或商户号').press('Enter');
  await expect(page.getByText('共 1 条，第 1/1 页')).toBeVisible();
  return page.locator(`tr[data-merchant-id="${merchantId}"]`);
}

test.beforeEach(async ({ page }) => {
  await page.goto('/login');
  await signIn(page, ACCOUNT);
  await expect(page.getByTestId('account')).toBeVisible();
  await ensureSynced(page);
});

test('method 1: 【切换渠道】 in the list switches to 微信买单 and back', async ({ page }) => {
  const [merchant] = await direct(page, true);
  await page.goto('/sub-merchants');
  const row = await findRow(page, merchant.merchant_id);
  await row.getByTestId('switch-channel').click();
  await expect(page.getByTestId('switch-confirm-text')).toHaveText(
    `将「${merchant.name}」（${merchant.merchant_id}）的微信支付渠道由【官方直连】切换为【微信买单】。`,
  );
  await snap(page, '40-switch-channel-confirm');
  await page.getByTestId('confirm-switch').click();
  // One row says what became of it, not a summary of one.
  await expect(page.getByTestId('switch-results')).toHaveText(
    `「${merchant.name}」（${merchant.merchant_id}）已切换为【微信买单】。`,
  );
  await expect(row.getByTestId('channel')).toHaveText('微信买单');

  await row.getByTestId('switch-channel').click();
  await expect(page.getByTestId('switch-confirm-text')).toContainText('由【微信买单】切换为【官方直连】');
  await page.getByTestId('confirm-switch').click();
  await expect(row.getByTestId('channel')).toHaveText('官方直连');
});

test('a merchant ID without WeChat Maidan is refused, with the way to open it', async ({ page }) => {
  const [merchant] = await direct(page, false);
  expectFailedLoad(page, 409, api('SUB_MERCHANT_WECHAT_CHANNEL', merchant.id));
  await page.goto('/sub-merchants');
  const row = await findRow(page, merchant.merchant_id);
  await row.getByTestId('switch-channel').click();
  await page.getByTestId('confirm-switch').click();
  const results = page.getByTestId('switch-results');
  await expect(results).toContainText(`「${merchant.name}」（${merchant.merchant_id}）未切换：该子商户的微信支付商户号还没有开通微信买单，需要先开通才能切换。`);
  await expect(results.getByTestId('open-maidan-link')).toHaveAttribute(
    'href',
    `/maidan/open?merchant_id=${merchant.merchant_id}`,
  );
  await expect(row.getByTestId('channel')).toHaveText('官方直连');
  await snap(page, '41-switch-channel-not-opened');
});

test('method 2: edit 基本信息 on the detail page and change 微信支付接入渠道', async ({ page }) => {
  const [opened] = await direct(page, true);
  const [closed] = await direct(page, false);
  await page.goto('/sub-merchants');
  const row = await findRow(page, opened.merchant_id);
  await row.getByRole('link', { name: opened.name }).click();
  await expect(page.getByRole('heading', { name: opened.name })).toBeVisible();
  const basic = page.getByTestId('basic-info');
  await expect(basic.getByTestId('channel')).toHaveText('官方直连');

  await page.getByTestId('edit-basic').click();
  await page.getByLabel('微信支付接入渠道').selectOption('wechat_maidan');
  await page.getByTestId('save-basic').click();
  await expect(basic.getByTestId('channel')).toHaveText('微信买单');
  // The newest entry of the history is this change.
  await expect(page.getByTestId('history').locator('tbody tr').first()).toContainText('切换渠道为微信买单');
  await snap(page, '42-sub-merchant-detail-switched');

  // And back, so the list is as it was.
  await page.getByTestId('edit-basic').click();
  await page.getByLabel('微信支付接入渠道').selectOption('official_direct');
  await page.getByTestId('save-basic').click();
  await expect(basic.getByTestId('channel')).toHaveText('官方直连');

  // The not-opened merchant: refused on the page, with the way out.
  expectFailedLoad(page, 409, api('SUB_MERCHANT_WECHAT_CHANNEL', closed.id));
  await page.goto(`/sub-merchants/${closed.id}`);
  await page.getByTestId('edit-basic').click();
  await page.getByLabel('微信支付接入渠道').selectOption('wechat_maidan');
  await page.getByTestId('save-basic').click();
  await expect(page.getByRole('alert')).toContainText('还没有开通微信买单，需要先开通才能切换');
  await expect(page.getByTestId('open-maidan-link')).toHaveAttribute(
    'href',
    `/maidan/open?merchant_id=${closed.merchant_id}`,
  );
  await snap(page, '43-sub-merchant-detail-not-opened');
});

test('several rows switched in one go each get their own result', async ({ page }) => {
  const opened = await direct(page, true, 2);
  const closed = await direct(page, false, 1);
  const chosen = [...opened, ...closed];
  expectFailedLoad(page, 409, api('SUB_MERCHANT_WECHAT_CHANNEL', closed[0].id));
  await page.goto('/sub-merchants?provider_id=1900000101&channel=official_direct&page_size=20');
  for (const m of chosen) {
    await page.locator(`tr[data-merchant-id="${m.merchant_id}"]`).getByRole('checkbox').check();
  }
  await expect(page.getByTestId('bulk-bar')).toContainText('已选 3 个子商户');
  await page.getByRole('button', { name: '切换到微信买单' }).click();
  await expect(page.getByTestId('switch-confirm-text')).toHaveText('将以下 3 个子商户的微信支付渠道切换为【微信买单】：');
  await page.getByTestId('confirm-switch').click();
  const results = page.getByTestId('switch-results');
  await expect(results).toContainText('切换结果：成功 2 个，未切换 1 个。');
  await expect(results.getByTestId('open-maidan-link')).toHaveCount(1);
  await snap(page, '44-switch-channel-bulk');

  // Put the two back on 官方直连 (they left this filtered view).
  for (const m of opened) {
    const r = await page.request.put(api('SUB_MERCHANT_WECHAT_CHANNEL', m.id), {
      data: { channel: 'official_direct' },
    });
    expect(r.status()).toBe(200);
  }
});
