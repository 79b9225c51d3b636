// The console served as a CDN edge serves it: nginx running deploy/nginx.conf as shipped (only
// its ports and paths changed) in front of two replicas of the API server on one database, over
// TLS with a throwaway certificate. BASE_URL is nginx's https server, EDGE_HTTP_URL its plain
// http one, SERVER_URL the first replica itself, SPARE_REPLICA_URL and SPARE_REPLICA_PID the
// second, which the last spec kills halfway; `cargo xtask edge` starts them all.
// The same bundles, the server's headers, the right caching and encodings, and the flows a
// person starts with — signing in, the providers page, the QR dialog, a phone page — with no
// browser error (a CSP violation would be one), before and after a replica dies.
const { test, api, expect, signIn, snap, expectFailedLoad, signInOnPhone } = require('./fixtures');

const SERVER = process.env.SERVER_URL;
const SPARE = process.env.SPARE_REPLICA_URL;
test.skip(!SERVER || !SPARE, 'runs through nginx: cargo xtask edge starts it (SERVER_URL, SPARE_REPLICA_URL)');
// The certificate is made for the run: no browser trusts it.
test.use({ ignoreHTTPSErrors: true });

const SECURITY = [
  'content-security-policy',
  'x-content-type-options',
  'referrer-policy',
  'x-frame-options',
  'cross-origin-opener-policy',
];
const IMMUTABLE = 'public, max-age=31536000, immutable';
const PHONE = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  ignoreHTTPSErrors: true,
};
const HSTS = /^max-age=\d{8,}; includeSubDomains$/;

/// An answer's media type without parameters, JavaScript by its one name (nginx says
/// application/javascript, the server text/javascript: browsers take both).
function mediaType(answer) {
  const type = (answer.headers()['content-type'] || '').split(';')[0].trim();
  return type === 'application/javascript' ? 'text/javascript' : type;
}

/// The hashed files a page names (scripts, styles, the preloaded wasm).
function hashedAssets(html) {
  return [...html.matchAll(/(?:src|href)="([^"]+-[0-9a-f]{1,16}[._][^"/]*)"/g)].map((m) => m[1]);
}

/// Kills the second replica as a crash would (no drain) and waits until its port refuses.
async function killSpareReplica() {
  process.kill(Number(process.env.SPARE_REPLICA_PID), 'SIGKILL');
  await expect
    .poll(() => fetch(`${SPARE}${api('HEALTH')}`).then(() => 'answers', () => 'refuses'))
    .toBe('refuses');
}

test('pages and assets come from the edge as the server serves them, with its headers', async ({ request }) => {
  for (const path of ['/login', '/m/provider-sync/0123456789abcdef0123456789abcdef', '/index.html']) {
    const edge = await request.get(path, { maxRedirects: 0 });
    const server = await request.get(`${SERVER}${path}`, { maxRedirects: 0 });
    expect(edge.status(), path).toBe(200);
    expect(await edge.text(), `${path}: the same page`).toBe(await server.text());
    expect(edge.headers()['content-type']).toMatch(/^text\/html/);
    expect(edge.headers()['cache-control'], path).toBe('no-cache');
    for (const name of SECURITY) expect(edge.headers()[name], `${path} ${name}`).toBe(server.headers()[name]);
    expect(edge.headers()['strict-transport-security'], path).toMatch(HSTS);
  }

  // A console page: the console's own page (it sends a signed-out visitor to the login page).
  const page = await request.get('/sub-merchants?provider=1900000101', { maxRedirects: 0 });
  expect(page.status()).toBe(200);
  expect(await page.text()).toBe(await (await request.get('/index.html')).text());

  // Each entry a bundle of its own: the login page, each phone page, the console.
  const entries = ['/login', '/m/maidan', '/m/provider-sync/x', '/m/alipay-authorizations/x', '/index.html'];
  const pages = await Promise.all(entries.map((p) => request.get(p).then((r) => r.text())));
  const assets = [...new Set(pages.flatMap(hashedAssets))];
  expect(assets.filter((a) => a.endsWith('_bg.wasm')).length, 'five bundles').toBe(5);
  for (const asset of assets) {
    const server = await request.get(`${SERVER}${asset}`, { headers: { 'accept-encoding': 'identity' } });
    const plain = await request.get(asset, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.status(), asset).toBe(200);
    expect(plain.headers()['cache-control'], asset).toBe(IMMUTABLE);
    expect(mediaType(plain), asset).toBe(mediaType(server));
    if (asset.endsWith('.wasm')) expect(plain.headers()['content-type'], 'streaming compilation').toBe('application/wasm');
    expect(plain.headers()['content-encoding'], asset).toBeUndefined();
    expect((await plain.body()).equals(await server.body()), `${asset}: the same bytes`).toBe(true);
    for (const encoding of ['br', 'gzip']) {
      const packed = await request.get(asset, { headers: { 'accept-encoding': encoding } });
      expect(packed.headers()['content-encoding'], `${asset} ${encoding}`).toBe(encoding);
      expect(packed.headers()['vary'], `${asset} ${encoding}`).toMatch(/Accept-Encoding/i);
      expect(packed.headers()['cache-control'], asset).toBe(IMMUTABLE);
      // Decoded by the client: the same file.
      expect((await packed.body()).equals(await server.body()), `${asset} ${encoding}`).toBe(true);
    }
  }

  // A missing file is 404, never a page, and never cached as if it were a hashed file.
  for (const missing of ['/login/login-0123456789abcdef.js', '/nothing-here.css', '/phone/phone-0123456789abcdef_bg.wasm']) {
    const answer = await request.get(missing);
    expect(answer.status(), missing).toBe(404);
    expect(answer.headers()['cache-control'], missing).toBeUndefined();
    expect(answer.headers()['content-security-policy'], missing).toBe(
      (await request.get(`${SERVER}/login`)).headers()['content-security-policy'],
    );
  }
});

test('the API is proxied on the same origin with its own caching and each header once', async ({ request }) => {
  const answer = await request.get(api('HEALTH'));
  expect(answer.status()).toBe(200);
  expect((await answer.json()).upstream).toBe('sandbox');
  expect(answer.headers()['cache-control']).toBe('no-store');
  const names = answer.headersArray().map((h) => h.name.toLowerCase());
  for (const name of [...SECURITY, 'strict-transport-security', 'cache-control']) {
    expect(names.filter((n) => n === name), name).toHaveLength(1);
  }
  expect(answer.headers()['x-request-id']).toMatch(/^req_[0-9a-f]{16}$/);

  // Both replicas are in service, and readiness is theirs to say (an upstream outage leaves
  // them ready but degraded, never out).
  for (const replica of [SERVER, SPARE]) {
    const ready = await request.get(`${replica}${api('HEALTH_READY')}`);
    expect(ready.status(), replica).toBe(200);
    expect((await ready.json()).status, replica).toBe('ready');
  }
});

test('plain http only sends the visitor to https, except for the certificate challenge', async ({ request }) => {
  const http = process.env.EDGE_HTTP_URL;
  for (const path of ['/', '/login', '/providers?page=2', api('HEALTH')]) {
    const answer = await request.get(`${http}${path}`, { maxRedirects: 0 });
    expect(answer.status(), path).toBe(301);
    // The port is the default one: a real edge listens on 443.
    expect(answer.headers()['location'], path).toBe(`https://${new URL(http).hostname}${path}`);
  }
  const challenge = await request.get(`${http}/.well-known/acme-challenge/token`, { maxRedirects: 0 });
  expect(challenge.status(), 'served from the webroot (here: empty)').toBe(404);
});

test('sign in, the providers page, the QR code, and the admin confirming on a phone, all through the edge', async ({ page, browser }) => {
  // No session: the console's page asks, and sends the visitor to the login page, and back after.
  expectFailedLoad(page, 401, api('SESSION'));
  await page.goto('/providers');
  await expect(page).toHaveURL(/\/login\?next=%2Fproviders$/);
  await signIn(page, '100000000001');
  await expect(page).toHaveURL(/\/providers$/);
  await expect(page.getByRole('heading', { name: '服务商账户管理(新)' })).toBeVisible();

  // One replica dies. The session, opened on either, stays open: every request now reaches
  // the other, reads and writes alike.
  await killSpareReplica();
  for (let i = 0; i < 6; i++) {
    const session = await page.request.get(api('SESSION'));
    expect(session.status(), `request ${i} after the kill`).toBe(200);
    expect((await session.json()).account.id).toBe('100000000001');
  }
  await page.getByRole('button', { name: '同步买单服务商信息' }).first().click();
  const dialog = page.getByRole('dialog');
  const qr = dialog.locator('canvas.qr');
  await expect(qr).toHaveAttribute('data-payload', /\/m\/provider-sync\/[0-9a-f]{32}$/);
  const url = await qr.getAttribute('data-payload');
  expect(new URL(url).origin, 'the code points at the edge').toBe(new URL(page.url()).origin);
  await snap(page, '60-edge-qr-dialog');

  const context = await browser.newContext(PHONE);
  const phone = await context.newPage();
  const problems = [];
  phone.on('pageerror', (error) => problems.push(error.message));
  phone.on('console', (m) => {
    // The sandbox's WeChat page names no icon, so the browser asks for /favicon.ico (404).
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) {
      problems.push(`${m.text()} ${m.location().url}`);
    }
  });
  await phone.goto(url);
  await signInOnPhone(phone, '微信授权登录', /沙箱管理员·林/);
  await expect(phone.getByTestId('signed-in-as')).toContainText('o_sandbox_admin_1');
  await expect(dialog.locator('[aria-current="step"]')).toHaveText('已扫码');
  await phone.getByRole('button', { name: '确认', exact: true }).click();
  await expect(phone.getByRole('status')).toContainText('同步完成');
  await snap(phone, '61-edge-phone-done');
  expect(problems, 'the phone pages reported errors').toEqual([]);
  await context.close();

  await expect(dialog.getByTestId('sync-result').locator('[data-kind="new"]')).toContainText('杭州西湖买单服务商');
  await dialog.getByRole('button', { name: '关闭' }).click();
  await expect(page.getByTestId('providers')).toContainText('苏州园区买单服务商');

  // A page that is a module of its own, fetched through the edge when first opened.
  const modules = [];
  page.on('response', (response) => {
    if (response.url().endsWith('.wasm')) modules.push(response);
  });
  await page.getByRole('link', { name: '子商户管理(新)' }).click();
  await expect(page.getByRole('heading', { name: '子商户管理(新)' })).toBeVisible();
  const own = modules.find((r) => /\/sub_merchants-[0-9a-f]{16}\.wasm$/.test(r.url()));
  expect(own, modules.map((r) => r.url()).join(', ')).toBeTruthy();
  const headers = await own.allHeaders();
  expect(headers).toMatchObject({
    'content-type': 'application/wasm',
    'cache-control': 'public, max-age=31536000, immutable',
  });
  expect(['br', 'gzip'], 'precompressed').toContain(headers['content-encoding']);
});
