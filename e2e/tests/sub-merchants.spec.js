// 同步买单子商户: one click starts a durable server-side sync; the banner reports it and the list
// refreshes; clicking again during the cooldown says when the next sync can start.
const { test, expect, signIn, snap, expectFailedLoad, phoneConfirmsProviderSync } = require('./fixtures');

test('the sync runs on the server, reports its result, and fills the list', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, '100000000001');
  await expect(page.getByTestId('account')).toBeVisible();
  // Providers first (the QR flow has its own spec; here the phone is a script).
  const ticket = await (await page.request.post('/api/v1/provider-sync-tickets')).json();
  await phoneConfirmsProviderSync(ticket.id, 'o_sandbox_admin_1');

  await page.getByRole('link', { name: '子商户管理(新)' }).click();
  await expect(page.getByText('还没有子商户')).toBeVisible();
  await page.getByTestId('sync-sub-merchants').click();
  const banner = page.getByTestId('job-banner');
  await expect(banner).toHaveAttribute('data-state', 'succeeded', { timeout: 20_000 });
  await expect(banner).toContainText('子商户同步完成：新增 2100，更新 0，未变化 0，失败 0。');
  const table = page.getByTestId('sub-merchants');
  await expect(table).toContainText('1600000000');
  await expect(page.getByText('共 2100 条，第 1/105 页')).toBeVisible();
  await snap(page, '30-sub-merchants-synced');

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
  const csv = await page.request.get('/api/v1/sub-merchants.csv?provider_id=1900000102');
  const body = await csv.body();
  expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(body.toString('utf8').trim().split('\n')).toHaveLength(901);

  // Right after a sync, the next one waits for the cooldown, and says how long.
  expectFailedLoad(page, 429, '/api/v1/sub-merchant-syncs');
  await page.getByTestId('sync-sub-merchants').click();
  await expect(page.getByRole('alert')).toContainText(/上一次子商户同步刚刚结束.*请在 \d+ 秒后重试/);
  await snap(page, '31-sub-merchants-cooldown');
});

test('a slow sync shows its progress, and the banner is back after a reload', async ({ page }) => {
  // WeChat is slow today: every upstream call of the sandbox waits 0.7 s.
  await page.request.put('/api/v1/sandbox/latency', { data: { latency_ms: 700 } });
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
    const total = (await (await page.request.get('/api/v1/sub-merchants?page_size=1')).json()).total;
    expect(total).toBeGreaterThan(0);
    await expect(banner).toContainText(`子商户同步完成：新增 ${total}，`);
    await expect(page.getByText(`共 ${total} 条`)).toBeVisible();
  } finally {
    await page.request.put('/api/v1/sandbox/latency', { data: { latency_ms: 0 } });
  }
});
