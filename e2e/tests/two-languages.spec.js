// One language at a time. Every console page, every dialog and the three phone pages, walked
// once in English and once in Chinese: in English no Chinese character shows outside data (the
// names of providers, sub-merchants, sub-providers and accounts, which stay as entered), in
// Chinese no English sentence — in the text, the placeholders, the labels read to assistive
// technology, the tooltips and the page's title. The language switch names the other language
// in that language, as language switches do. Named to run after the specs that sync and change
// things (it only looks, opens and cancels).
const { test, api, expect, signIn, snap, ensureSynced, expectFailedLoad, signInOnPhone } = require('./fixtures');

const PROVIDER = '100000000001';
const SUB = '100000000002';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

// Full-width punctuation, CJK punctuation and the unified ideographs.
const CJK = /[\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]/;
// Three or more English words in a row (IDs, codes and single terms such as "Logo" or
// "AppID" are fine in Chinese).
const LATIN_SENTENCE = /[A-Za-z]{2,}(?:[ ,'’]+[A-Za-z]{2,}){2,}/;

const LANGS = [
  { tag: 'en', name: 'English', wrong: CJK, what: 'a Chinese character' },
  { tag: 'zh-CN', name: 'Chinese', wrong: LATIN_SENTENCE, what: 'an English sentence' },
];

/// Every text a person meets on the page: visible text, placeholders, accessible labels,
/// tooltips and the title; not code (IDs, keys), nor what is hidden from everyone.
async function textsOnPage(page) {
  return page.evaluate(() => {
    const texts = [{ where: 'title', text: document.title }];
    const skipped = (el) => el.closest('code, script, style, noscript, datalist, .lang-switch, [aria-hidden="true"]');
    const shown = (el) => (el.closest('option') ? el.closest('select') : el).checkVisibility();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || !node.textContent.trim() || skipped(el) || !shown(el)) continue;
      texts.push({ where: el.tagName.toLowerCase() + (el.dataset.testid ? `[${el.dataset.testid}]` : ''), text: node.textContent });
    }
    for (const el of document.body.querySelectorAll('[placeholder], [aria-label], [title], [alt]')) {
      if (skipped(el) || !shown(el)) continue;
      for (const attr of ['placeholder', 'aria-label', 'title', 'alt']) {
        const value = el.getAttribute(attr);
        if (value) texts.push({ where: `${el.tagName.toLowerCase()}@${attr}`, text: value });
      }
    }
    return texts;
  });
}

/// The data of the account, as entered: what may show in either language.
async function dataOf(page) {
  const get = async (path) => (await page.request.get(path)).json();
  const providers = await get(`${api('PROVIDERS')}?page_size=100`);
  const merchants = await get(`${api('SUB_MERCHANTS')}?page_size=100`);
  const subProviders = await get(api('SUB_PROVIDERS'));
  const session = await get(api('SESSION'));
  const transactions = await get(`${api('TRANSACTIONS')}?page_size=100`);
  const names = [
    session.account.name,
    ...providers.items.map((p) => p.name),
    ...merchants.items.flatMap((m) => [m.name, m.provider_name]),
    ...subProviders.flatMap((s) => [s.name, s.remark]),
    ...transactions.items.map((t) => t.sub_merchant_name),
  ];
  return [...new Set(names.filter(Boolean))].sort((a, b) => b.length - a.length);
}

/// Checks the page as it is now: `label` names the state in the report.
async function sweep(page, lang, data, label) {
  await page.waitForLoadState('networkidle');
  const found = [];
  for (const { where, text } of await textsOnPage(page)) {
    let rest = text;
    for (const name of data) rest = rest.split(name).join(' ');
    if (lang.wrong.test(rest)) found.push(`${where}: ${text.trim()}`);
  }
  expect(found, `${label} in ${lang.name} shows ${lang.what}`).toEqual([]);
}

async function inLanguage(context, lang) {
  await context.addInitScript((tag) => window.localStorage.setItem('console.lang', tag), lang.tag);
}

for (const lang of LANGS) {
  test(`every console page and dialog in ${lang.name}`, async ({ page, browser }) => {
    test.setTimeout(120_000);
    // The login page, on a browser of its own that chose the language.
    const visitor = await browser.newContext();
    await inLanguage(visitor, lang);
    const login = await visitor.newPage();
    await login.goto('/login');
    await sweep(login, lang, [], 'the login page');
    await login.locator('input[name="account_id"]').fill('12ab');
    await sweep(login, lang, [], 'the login page with a field error');
    await visitor.close();

    await page.goto('/login');
    await signIn(page, PROVIDER);
    await expect(page.getByTestId('account')).toBeVisible();
    await ensureSynced(page);
    await inLanguage(page.context(), lang);
    const data = await dataOf(page);
    const look = (label) => sweep(page, lang, data, label);
    const merchants = (await (await page.request.get(`${api('SUB_MERCHANTS')}?provider_id=1900000101&page_size=50`)).json()).items;

    await page.goto('/');
    await look('the overview');

    await page.goto('/providers');
    await look('the providers');
    await page.getByRole('button', { name: lang.tag === 'en' ? 'Sync WeChat Maidan providers' : '同步买单服务商信息' }).first().click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await expect(page.locator('canvas.qr')).toHaveAttribute('data-payload', /\/m\/provider-sync\//);
    await look('the provider sync dialog');
    await page.keyboard.press('Escape');

    const provider = (await (await page.request.get(`${api('PROVIDERS')}?page_size=1`)).json()).items[0];
    await page.goto(`/providers/${provider.provider_id}`);
    await look('a provider');
    const edit = page.getByRole('button', { name: lang.tag === 'en' ? 'Edit' : '编辑' });
    for (const button of await edit.all()) await button.click();
    await page.locator('input[name="merchant_id"]').first().fill('12ab');
    await look('a provider being edited, with a field error');

    await page.goto('/sub-merchants');
    await look('the sub-merchants');
    const opened = merchants.find((m) => m.channel === 'official_direct' && !m.maidan_opened);
    await page.goto(`/sub-merchants?q=${opened.merchant_id}`);
    const row = page.locator(`tr[data-merchant-id="${opened.merchant_id}"]`);
    await row.getByTestId('switch-channel').click();
    await look('the channel switch dialog');
    expectFailedLoad(page, 409, api('SUB_MERCHANT_WECHAT_CHANNEL', opened.id));
    await page.getByTestId('confirm-switch').click();
    await expect(page.getByTestId('switch-results')).toBeVisible();
    await look('a refused switch');

    // A sub-merchant: its editor (registering a sub-provider in place), the move of its past
    // transactions, and its dialogs.
    const merchant = merchants[3];
    await page.goto(`/sub-merchants/${merchant.id}`);
    await look('a sub-merchant');
    await page.getByTestId('edit-basic').click();
    const account = page.getByTestId('basic-info').locator('input[name="account_id"]');
    await account.fill('100000009876');
    await expect(page.getByTestId('sub-provider-unregistered')).toBeVisible();
    await look('the sub-provider change, registering in place');
    await page.getByTestId('save-basic').click();
    await look('the sub-provider change with a missing name');
    await account.fill(SUB);
    await page.getByTestId('save-basic').click();
    await expect(page.getByTestId('reattribution')).toBeVisible();
    await look('a sub-merchant whose past transactions move');
    await snap(page, `90-languages-sub-merchant-${lang.tag}`);
    await page.getByTestId('reset-keys').click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await look('the key reset dialog');
    await page.keyboard.press('Escape');
    await page.getByTestId('authorize-alipay').click();
    await expect(page.getByRole('dialog').locator('canvas.qr')).toBeVisible();
    await look('the Alipay authorization dialog');
    await page.keyboard.press('Escape');
    const back = await page.request.delete(api('SUB_MERCHANT_SUB_PROVIDER', merchant.id));
    expect(back.ok()).toBe(true);

    await page.goto('/sub-providers');
    await look('the sub-providers');
    await page.getByTestId('add-sub-provider').click();
    await page.getByTestId('sub-provider-form').locator('input').first().fill('12ab');
    await look('a sub-provider being added, with a field error');

    await page.goto('/transactions');
    await look('the transactions');
    await page.goto('/audit');
    await look('the activity log');
    await page.goto(`/maidan/open?merchant_id=${opened.merchant_id}`);
    await look('opening WeChat Maidan');
    await page.goto('/account/password');
    await look('the password change');
    await page.goto('/no-such-page');
    await look('a page that does not exist');

  });

  test(`the three phone pages in ${lang.name}`, async ({ page, browser }) => {
    test.setTimeout(90_000);
    await page.goto('/login');
    await signIn(page, PROVIDER);
    await expect(page.getByTestId('account')).toBeVisible();
    await ensureSynced(page);
    // The names of the sandbox's WeChat and Alipay users are theirs, as WeChat and Alipay give them.
    const merchant = (await (await page.request.get(`${api('SUB_MERCHANTS')}?provider_id=1900000102&page_size=10`)).json()).items[5];
    const data = [...(await dataOf(page)), merchant.name, merchant.provider_name, '沙箱管理员·林', '沙箱商户·林'];

    const context = await browser.newContext(PHONE);
    await inLanguage(context, lang);
    const phone = await context.newPage();
    const look = (label) => sweep(phone, lang, data, label);
    try {
      // 开通微信买单 on a phone: the landing, then the binding form.
      await phone.goto(`/m/maidan?merchant_id=${merchant.merchant_id}`);
      await look('the Maidan phone page');
      await phone.getByRole('button', { name: lang.tag === 'en' ? 'Have a merchant ID? Bind it' : '已有商户号？立即绑定' }).click();
      await look('the Maidan binding form');

      // The provider sync's phone page, signed in through the sandbox's WeChat.
      const ticket = await (await page.request.post(api('PROVIDER_SYNC_TICKETS'))).json();
      await phone.goto(`/m/provider-sync/${ticket.id}`);
      await signInOnPhone(phone, '微信授权登录', /沙箱管理员·林/);
      await expect(phone.getByTestId('mobile-target')).toBeVisible();
      await look('the provider sync phone page');
      await phone.getByRole('button', { name: lang.tag === 'en' ? 'Cancel' : '取消', exact: true }).click();
      await expect(phone.getByRole('status')).toBeVisible();
      await look('the provider sync phone page, cancelled');

      // The Alipay authorization's phone page.
      const asked = await (await page.request.post(api('SUB_MERCHANT_ALIPAY_AUTHORIZATIONS', merchant.id))).json();
      await phone.goto(`/m/alipay-authorizations/${asked.id}`);
      await signInOnPhone(phone, '支付宝授权', /沙箱商户·林/);
      await expect(phone.getByTestId('alipay-ask')).toBeVisible();
      await look('the Alipay phone page');
      await phone.getByRole('button', { name: lang.tag === 'en' ? 'Cancel' : '取消', exact: true }).click();
      await look('the Alipay phone page, cancelled');
      await snap(phone, `91-languages-phone-${lang.tag}`);
    } finally {
      await context.close();
    }
  });
}
