// 修改子商户所属的子服务商: the provider registers sub-providers, moves a sub-merchant to one,
// watches its past transactions follow, confirms in 交易查询, and the sub-provider signs in to
// see only what is its own.
const { test, api, expect, signIn, snap, ensureSynced, expectFailedLoad } = require('./fixtures');

const PROVIDER = '100000000001';
const SUB = '100000000002';

test('a sub-provider is added with its fields checked as typed, then edited', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, PROVIDER);
  await page.getByRole('link', { name: '子服务商' }).click();
  const table = page.getByTestId('sub-providers');
  await expect(table).toContainText(SUB);
  await expect(table).toContainText('100000000003');

  await page.getByTestId('add-sub-provider').click();
  const form = page.getByTestId('sub-provider-form');
  await form.getByLabel('子服务商腾讯云账号 ID').fill('12ab');
  await expect(form).toContainText('只能填写数字');
  await form.getByLabel('返佣比例（%，可选）').fill('120');
  await expect(form.locator('.field-invalid')).toHaveCount(2);
  const id = `1000${String(Date.now()).slice(-8)}`;
  await form.getByLabel('子服务商腾讯云账号 ID').fill(id);
  await form.getByLabel('子服务商名称').fill('杭州新伙伴');
  await form.getByLabel('返佣比例（%，可选）').fill('12.5');
  await page.getByTestId('save-sub-provider').click();
  await expect(table.locator(`tr[data-account-id="${id}"]`)).toContainText('杭州新伙伴');

  await table.locator(`tr[data-account-id="${id}"]`).getByRole('button', { name: '编辑' }).click();
  await expect(form.getByLabel('子服务商腾讯云账号 ID')).toBeDisabled();
  await form.getByLabel('子服务商名称').fill('杭州新伙伴（已签约）');
  await page.getByTestId('save-sub-provider').click();
  await expect(table.locator(`tr[data-account-id="${id}"]`)).toContainText('杭州新伙伴（已签约）');
  await snap(page, '50-sub-providers');
});

test('moving a sub-merchant re-attributes its transactions, and the sub-provider sees them', async ({ page, browser }) => {
  await page.goto('/login');
  await signIn(page, PROVIDER);
  await expect(page.getByTestId('account')).toBeVisible();
  await ensureSynced(page);
  const list = await (await page.request.get(`${api('SUB_MERCHANTS')}?provider_id=1900000102&page_size=1`)).json();
  const merchant = list.items[0];

  await page.goto(`/sub-merchants/${merchant.id}`);
  await page.getByTestId('edit-basic').click();
  const field = page.getByLabel('子服务商腾讯云账号 ID');
  await field.fill('12a');
  await expect(page.getByTestId('basic-info')).toContainText('只能填写数字');
  // Not registered: saving asks for the name it is to be registered with, and sends nothing.
  await field.fill('100000000999');
  await expect(page.getByTestId('sub-provider-unregistered')).toContainText('不是本服务商的子服务商');
  await page.getByTestId('save-basic').click();
  await expect(page.getByTestId('sub-provider-unregistered')).toContainText('此项必填，请输入内容。');
  await expect(page.getByTestId('sub-provider')).toHaveCount(0);
  await field.fill(SUB);
  await expect(page.getByTestId('sub-provider-unregistered')).toHaveCount(0);
  await page.getByTestId('save-basic').click();
  await expect(page.getByTestId('sub-provider')).toHaveText(SUB);
  const progress = page.getByTestId('reattribution');
  await expect(progress).toHaveAttribute('data-state', 'succeeded', { timeout: 20_000 });
  await expect(progress).toContainText('历史交易已全部归属到新的子服务商');
  await expect(page.getByTestId('history').locator('tbody tr').first()).toContainText('修改子商户所属的子服务商');
  await snap(page, '51-sub-merchant-moved');

  await progress.getByRole('link', { name: '查看交易' }).click();
  await expect(page).toHaveURL(new RegExp(`/transactions\\?q=${merchant.merchant_id}`));
  await expect(page.getByLabel('子商户（微信支付商户号或名称）')).toHaveValue(merchant.merchant_id);
  await expect(page.getByTestId('totals')).toContainText('共 5 笔');
  const rows = page.getByTestId('transactions').locator('tbody tr');
  await expect(rows).toHaveCount(5);
  for (const row of await rows.all()) {
    await expect(row).toContainText(SUB);
  }
  await snap(page, '52-transactions');

  // The sub-provider signs in: its sub-merchant and its transactions, nothing to change.
  const context = await browser.newContext();
  const sub = await context.newPage();
  await sub.goto('/login');
  await signIn(sub, SUB);
  await expect(sub.getByTestId('account')).toBeVisible();
  await expect(sub.getByRole('link', { name: '服务商账户管理(新)' })).toHaveCount(0);
  await sub.getByRole('link', { name: '子商户管理(新)' }).click();
  const table = sub.getByTestId('sub-merchants');
  await expect(table.locator(`tr[data-merchant-id="${merchant.merchant_id}"]`)).toBeVisible();
  await expect(sub.getByTestId('sync-sub-merchants')).toHaveCount(0);
  await expect(sub.getByTestId('switch-channel')).toHaveCount(0);
  await sub.getByRole('link', { name: '交易查询' }).click();
  await expect(sub.getByTestId('totals')).toContainText('笔');
  const all = sub.getByTestId('transactions').locator('tbody tr');
  for (const row of await all.all()) {
    await expect(row).toContainText(SUB);
  }
  await snap(sub, '53-sub-provider-view');
  await context.close();
});

test('an unregistered ID is registered in place, and clearing gives the history back', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, PROVIDER);
  await expect(page.getByTestId('account')).toBeVisible();
  await ensureSynced(page);
  const list = await (await page.request.get(`${api('SUB_MERCHANTS')}?provider_id=1900000102&page_size=2`)).json();
  const merchant = list.items[1];
  // A sub-merchant of the sub-provider, its history attributed to it.
  const moved = await page.request.put(api('SUB_MERCHANT_SUB_PROVIDER', merchant.id), { data: { account_id: SUB } });
  expect(moved.status()).toBe(202);
  const job = await moved.json();
  await expect(async () => {
    expect((await (await page.request.get(api('JOB', job.id))).json()).state).toBe('succeeded');
  }).toPass({ timeout: 20_000 });

  // The guide, literally: type the account ID of a sub-provider never registered, save.
  await page.goto(`/sub-merchants/${merchant.id}`);
  await page.getByTestId('edit-basic').click();
  const field = page.getByLabel('子服务商腾讯云账号 ID');
  await expect(page.getByTestId('basic-info')).toContainText('建议过段时间之后再查询交易数据进行确认');
  await expect(page.getByTestId('basic-info')).toContainText('清空则归属服务商本身');
  const id = `1001${String(Date.now()).slice(-8)}`;
  await field.fill(id);
  // Registered in place, in the same editor: a name, a rebate ratio checked as typed.
  const offer = page.getByTestId('sub-provider-unregistered');
  await expect(offer).toContainText('该 ID 还不是本服务商的子服务商');
  await offer.getByLabel('返佣比例（%，可选）').fill('120');
  await expect(offer.locator('.field-invalid')).toHaveCount(1);
  await offer.getByLabel('返佣比例（%，可选）').fill('8.5');
  await offer.getByLabel('子服务商名称').fill('南京新伙伴');
  await snap(page, '55-sub-provider-register-in-place');
  await page.getByTestId('save-basic').click();
  await expect(page.getByTestId('sub-provider')).toHaveText(id);
  const moving = page.getByTestId('reattribution');
  await expect(moving).toHaveAttribute('data-state', 'succeeded', { timeout: 20_000 });
  await expect(moving).toContainText('历史交易已全部归属到新的子服务商');
  const history = page.getByTestId('history').locator('tbody tr').first();
  await expect(history).toContainText('修改子商户所属的子服务商');
  const registered = await (await page.request.get(api('SUB_PROVIDERS'))).json();
  expect(registered.find((s) => s.account_id === id)).toMatchObject({ name: '南京新伙伴', rebate_ratio: '8.5' });

  // Cleared: the sub-merchant is the provider's own again, and its history follows.
  await page.goto(`/sub-merchants/${merchant.id}`);
  await page.getByTestId('edit-basic').click();
  await field.fill('');
  await page.getByTestId('save-basic').click();
  await expect(page.getByTestId('sub-provider')).toHaveText('未指定');
  const progress = page.getByTestId('reattribution');
  await expect(progress).toHaveAttribute('data-state', 'succeeded', { timeout: 20_000 });
  await expect(progress).toContainText('历史交易已全部归属到服务商本身');
  const kept = await (
    await page.request.get(`${api('TRANSACTIONS')}?sub_merchant_id=${merchant.id}&sub_provider_account_id=${SUB}`)
  ).json();
  expect(kept.total).toBe(0);
  await snap(page, '54-sub-provider-cleared');
});
