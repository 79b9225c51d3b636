// 同步买单子商户: one click starts a durable server-side sync; the banner reports it and the list
// refreshes; clicking again during the cooldown says when the next sync can start.
const { test, api, expect, signIn, snap, expectFailedLoad, phoneConfirmsProviderSync, ensureSynced } = require('./fixtures');

test('the sync runs on the server, reports its result, and fills the list', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, '100000000001');
  await expect(page.getByTestId('account')).toBeVisible();
  // Providers first (the QR flow has its own spec; here the phone is a script).
  const ticket = await (await page.request.post(api('PROVIDER_SYNC_TICKETS'))).json();
  await phoneConfirmsProviderSync(ticket.id, 'o_sandbox_admin_1');

  await page.getByRole('link', { name: '子商户管理(新)' }).click();
  await expect(page.getByText('还没有子商户')).toBeVisible();
  // The guide's notes before the first sync, and which providers wait for it.
  await expect(page.getByTestId('sync-notes')).toContainText('同步比较耗时');
  await expect(page.getByTestId('sync-notes')).toContainText('每次在微信买单新增了子商户，都需要再次同步');
  await expect(page.getByTestId('unsynced-providers')).toContainText('1900000101');
  await expect(page.getByTestId('unsynced-providers')).toContainText('1900000102');
  await page.getByTestId('sync-sub-merchants').click();
  const banner = page.getByTestId('job-banner');
  await expect(banner).toHaveAttribute('data-state', 'succeeded', { timeout: 20_000 });
  await expect(banner).toContainText('子商户同步完成：新增 2100，更新 0，未变化 0，失败 0。');
  const table = page.getByTestId('sub-merchants');
  await expect(table).toContainText('1600000000');
  await expect(page.getByText('共 2100 条，第 1/105 页')).toBeVisible();
  await snap(page, '30-sub-merchants-synced');

  // "等待一段时间，再刷新页面查看结果": after a reload the last sync is still reported, with who
  // asked for it and when; every row says when a sync last brought it.
  await page.reload();
  await expect(banner).toHaveAttribute('data-state', 'succeeded');
  await expect(banner).toContainText('子商户同步完成：新增 2100，更新 0，未变化 0，失败 0。');
  await expect(page.getByTestId('sync-started')).toContainText('由 100000000001 发起');
  // Every provider's sub-merchants are in; the providers were synced before this sync began.
  await expect(page.getByTestId('unsynced-providers')).toHaveCount(0);
  await expect(page.getByTestId('providers-older')).toContainText('如果在微信买单新增了服务商，请先同步服务商');
  await expect(page.getByTestId('synced-at').first()).toHaveText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);

  // Filters live in the URL, so the view survives a reload and can be shared.
  await page.getByLabel('所属服务商').selectOption('1900000102');
  await expect(page).toHaveURL(/provider_id=1900000102/);
  await expect(page.getByText('共 900 条，第 1/45 页')).toBeVisible();
  await page.reload();
  await expect(page.getByText('共 900 条，第 1/45 页')).toBeVisible();
  await page.getByLabel('搜索子商户名称或商户号').fill('1601000042');
  await page.getByLabel('搜索子商户名称或商户号').press('Enter');
  await expect(page.getByText('共 1 条，第 1/1 页')).toBeVisible();

  // The export holds the filtered rows, with a BOM for spreadsheet programs.
  const csv = await page.request.get(`${api('SUB_MERCHANTS_CSV')}?provider_id=1900000102`);
  const body = await csv.body();
  expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(body.toString('utf8').trim().split('\n')).toHaveLength(901);

  // Right after a sync, the next one waits for the cooldown, and says how long.
  expectFailedLoad(page, 429, api('SUB_MERCHANT_SYNCS'));
  await page.getByTestId('sync-sub-merchants').click();
  await expect(page.getByRole('alert')).toContainText(/上一次子商户同步刚刚结束.*请在 \d+ 秒后重试/);
  await snap(page, '31-sub-merchants-cooldown');
});

test('a slow sync shows its progress, and the banner is back after a reload', async ({ page }) => {
  // WeChat is slow today: every upstream call of the sandbox waits 0.7 s.
  await page.request.put(api('SANDBOX_LATENCY'), { data: { latency_ms: 700 } });
  try {
    await page.goto('/login');
    await signIn(page, '100000000004');
    await page.getByRole('link', { name: '子商户管理(新)' }).click();
    await page.getByTestId('sync-sub-merchants').click();
    const banner = page.getByTestId('job-banner');
    await expect(banner).toHaveAttribute('data-state', 'running');
    await expect(banner).toContainText('同步在服务端进行：可以离开此页面');
    // The button shows the running sync instead of starting another.
    await expect(page.getByTestId('sync-sub-merchants')).toBeDisabled();

    // The page can be left: after a reload the banner is back, still running.
    await page.reload();
    await expect(banner).toHaveAttribute('data-state', 'running');
    // And it moves: rows are counted page by page while it runs.
    await expect
      .poll(async () => Number(await banner.getAttribute('data-processed')), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await expect(banner).toHaveAttribute('data-state', 'running');
    await expect(banner).toContainText(/已处理 \d+/);
    await snap(page, '32-sub-merchants-sync-running');

    await expect(banner).toHaveAttribute('data-state', 'succeeded', { timeout: 20_000 });
    const total = (await (await page.request.get(`${api('SUB_MERCHANTS')}?page_size=1`)).json()).total;
    expect(total).toBeGreaterThan(0);
    await expect(banner).toContainText(`子商户同步完成：新增 ${total}，`);
    await expect(page.getByText(`共 ${total} 条`)).toBeVisible();
  } finally {
    await page.request.put(api('SANDBOX_LATENCY'), { data: { latency_ms: 0 } });
  }
});

test('a provider synced by mistake is unbound, its sub-merchants with it, and written to 操作记录', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, '100000000004');
  await expect(page.getByTestId('account')).toBeVisible();
  await ensureSynced(page, 'o_sandbox_admin_2');
  const before = (await (await page.request.get(`${api('SUB_MERCHANTS')}?page_size=1`)).json()).total;
  const its = (await (await page.request.get(`${api('SUB_MERCHANTS')}?page_size=1&provider_id=1900000201`)).json()).total;
  expect(its).toBeGreaterThan(0);

  await page.goto('/providers/1900000201');
  const unbind = page.getByTestId('unbind-provider');
  await expect(unbind).toContainText('不可撤销');
  // Mistyped: the field says what to type, and nothing is sent.
  const confirm = unbind.getByLabel('输入服务商 ID 1900000201 以确认');
  await confirm.fill('190000020');
  await expect(unbind.getByText('请准确输入 1900000201 以确认')).toBeVisible();
  await confirm.fill('1900000201');
  await expect(unbind.getByText('请准确输入')).toHaveCount(0);
  await snap(page, '33-provider-unbind');
  await unbind.getByTestId('unbind').click();

  await expect(page).toHaveURL(/\/providers\?unbound=1900000201/);
  await expect(page.getByTestId('provider-unbound')).toContainText('服务商 1900000201 已解绑');
  await expect(page.getByTestId('providers')).not.toContainText('1900000201');
  await expect(page.getByTestId('providers')).toContainText('1900000103');
  const after = (await (await page.request.get(`${api('SUB_MERCHANTS')}?page_size=1`)).json()).total;
  expect(after).toBe(before - its);

  await page.getByRole('link', { name: '操作记录' }).click();
  const first = page.getByTestId('audit').locator('tbody tr').first();
  await expect(first).toContainText('解绑服务商');
  await expect(first.getByRole('link', { name: '服务商 1900000201' })).toHaveAttribute('href', '/providers/1900000201');

  // Bound again by the next scan, as the provider-config spec left it.
  const ticket = await (await page.request.post(api('PROVIDER_SYNC_TICKETS'))).json();
  await phoneConfirmsProviderSync(ticket.id, 'o_sandbox_admin_2');
  await expect
    .poll(async () => (await (await page.request.get(api('PROVIDERS'))).json()).total)
    .toBe(2);
  // Bound again, it is new: the sub-merchant page says its sub-merchants wait for a sync.
  await page.getByRole('link', { name: '子商户管理(新)' }).click();
  await expect(page.getByTestId('unsynced-providers')).toContainText('成都锦江买单服务商（1900000201）');
  await snap(page, '34-sub-merchants-unsynced-provider');
});
