// Page timings for `cargo xtask bench`, in headless Chromium against a running sandbox server
// (BASE_URL): each page opened RUNS times in a fresh browser context (cold cache), the median
// reported beside a baseline measured the same way in the same run (a tiny JSON answer of the
// same server, under the same network), so that the ratio says what the page costs beyond
// the round trip. Timings are read in the page (`performance.now()` since navigation start)
// when the wasm has drawn what a person waits for. A report, never a pass/fail test.
const { chromium } = require('@playwright/test');
const { api } = require('../tests/api-paths');

const BASE = process.env.BASE_URL;
const RUNS = Number(process.env.RUNS || 5);
const ACCOUNT = '100000000004';
const PASSWORD = 'sandbox-demo';
const ADMIN = 'o_sandbox_admin_2';
// Chrome DevTools' "Fast 3G": 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip (its 562.5 ms
// latency figure is the 150 ms RTT with DevTools' 3.75 adjustment; CDP takes the RTT).
const FAST_3G = { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/// The moment (ms since navigation start) `selector` is in the page, checked every frame.
async function drawn(page, selector) {
  const handle = await page.waitForFunction((s) => document.querySelector(s) && performance.now(), selector, { polling: 'raf', timeout: 30_000 });
  return handle.jsonValue();
}

/// One cold visit: a fresh context, optionally signed in and throttled.
async function visit(browser, path, selector, { signedIn = false, network = null } = {}) {
  const context = await browser.newContext({ baseURL: BASE, locale: 'zh-CN' });
  try {
    if (signedIn) {
      const r = await context.request.post(api('SESSION'), { data: { account_id: ACCOUNT, password: PASSWORD }, headers: { Origin: BASE } });
      if (!r.ok()) throw new Error(`sign-in: ${r.status()} ${await r.text()}`);
    }
    const page = await context.newPage();
    if (network) {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      await cdp.send('Network.emulateNetworkConditions', network);
    }
    await page.goto(path, { waitUntil: 'commit' });
    return await drawn(page, selector);
  } finally {
    await context.close();
  }
}

/// The providers of the signed-in account, synced once as the admin's phone would.
async function syncProviders(browser) {
  const context = await browser.newContext({ baseURL: BASE });
  const phone = await browser.newContext({ baseURL: BASE });
  try {
    await context.request.post(api('SESSION'), { data: { account_id: ACCOUNT, password: PASSWORD }, headers: { Origin: BASE } });
    const ticket = await (await context.request.post(api('PROVIDER_SYNC_TICKETS'), { headers: { Origin: BASE } })).json();
    const start = await phone.request.get(`${api('PHONE_WECHAT_OAUTH_START')}?ticket=${ticket.id}`, { maxRedirects: 0 });
    const authorize = start.headers()['location'].split('#')[0];
    await phone.request.get(`${authorize}&sandbox_user=${ADMIN}`);
    const confirmed = await phone.request.post(api('PHONE_PROVIDER_SYNC_TICKET_CONFIRM', ticket.id), { headers: { Origin: BASE } });
    if (!confirmed.ok()) throw new Error(`provider sync: ${confirmed.status()} ${await confirmed.text()}`);
  } finally {
    await context.close();
    await phone.close();
  }
}

async function measure(browser, name, target, page, baseline) {
  const times = [];
  const floors = [];
  for (let i = 0; i < RUNS; i++) {
    floors.push(await baseline());
    times.push(await page());
  }
  const t = median(times);
  const floor = median(floors);
  console.log(
    `timing: ${name}: median ${t.toFixed(0)} ms of ${RUNS} (${times.map((x) => x.toFixed(0)).join(', ')}), ` +
      `${(t / floor).toFixed(1)} x its baseline (${floor.toFixed(0)} ms); target ${target} ms`,
  );
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    await syncProviders(browser);
    // The baseline: the server's health answer opened as a page, on the same network.
    const health = (network) => () => visit(browser, api('HEALTH'), 'pre, body', { network });
    await measure(browser, 'login page interactive', 300, () => visit(browser, '/login', 'form button[type=submit]'), health(null));
    await measure(
      browser,
      'providers table rendered after signing in',
      500,
      () => visit(browser, '/providers', '[data-testid="providers"] tbody tr', { signedIn: true }),
      health(null),
    );
    await measure(
      browser,
      'phone page interactive on Fast 3G',
      2000,
      () => visit(browser, '/m/maidan', '.mobile-actions button', { network: FAST_3G }),
      health(FAST_3G),
    );
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
