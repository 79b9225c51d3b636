// 子商户资料 of a sub-merchant (简称, 管理员姓名 and 邮箱, 广告链接, 备注, logo, 广告图片): 编辑 opens
// the form in place, each field is checked as it is typed, a save shows what was stored and
// lands in the sub-merchant's history, and a reload keeps it.
const path = require('node:path');
const { test, api, expect, signIn, snap, ensureSynced } = require('./fixtures');
const { default: AxeBuilder } = require('@axe-core/playwright');

const FIXTURES = path.join(__dirname, '..', 'fixtures');

test('a sub-merchant profile is checked as typed, saved, shown, recorded and kept', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, '100000000001');
  await expect(page.getByTestId('account')).toBeVisible();
  await ensureSynced(page);
  const list = await (await page.request.get(`${api('SUB_MERCHANTS')}?provider_id=1900000101&page_size=1`)).json();
  const merchant = list.items[0];

  await page.goto(`/sub-merchants/${merchant.id}`);
  const card = page.getByTestId('profile');
  await expect(card).toContainText('子商户资料');
  await expect(page.getByTestId('profile-admin-email')).toHaveText('未填写');
  await page.getByTestId('edit-profile').click();

  const form = page.getByTestId('section-profile');
  await form.getByLabel('简称').fill('老王面馆');
  await form.getByLabel('管理员姓名').fill('王磊');
  await form.getByLabel('管理员邮箱').fill('wang@example');
  await form.getByLabel('广告链接').fill('http://example.com/menu');
  await form.getByLabel('Logo（PNG/JPEG，≤200 KB）').setInputFiles(path.join(FIXTURES, 'not-an-image.png'));
  await expect(page.locator('#profile-admin_email-error')).toContainText('admin@example.com');
  await expect(page.locator('#profile-ad_url-error')).toContainText('https://');
  await expect(page.locator('#profile-logo-error')).toContainText('须为 PNG 或 JPEG 图片');
  // Nothing is sent while a field is wrong.
  await form.getByRole('button', { name: '保存' }).click();
  await expect(form.locator('.field-invalid')).toHaveCount(3);
  await snap(page, '36-sub-merchant-profile-invalid');
  const axe = await new AxeBuilder({ page }).include('[data-testid="section-profile"]').withTags(['wcag2a', 'wcag2aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);

  await form.getByLabel('管理员邮箱').fill('wang@example.com');
  await form.getByLabel('广告链接').fill('https://example.com/menu');
  await form.getByLabel('备注').fill('周一店休');
  await form.getByLabel('Logo（PNG/JPEG，≤200 KB）').setInputFiles(path.join(FIXTURES, 'logo.png'));
  await expect(page.locator('#profile-logo-error')).toHaveText('');
  await expect(form.locator('.field-invalid')).toHaveCount(0);
  await form.getByRole('button', { name: '保存' }).click();

  await expect(page.getByTestId('profile-short-name')).toHaveText('老王面馆');
  await expect(page.getByTestId('profile-admin-email').getByRole('link')).toHaveAttribute('href', 'mailto:wang@example.com');
  await expect(page.getByTestId('profile-ad-url')).toHaveText('https://example.com/menu');
  await expect(page.getByTestId('profile-logo').locator('img')).toHaveAttribute('src', /^data:image\/png;base64,/);
  await expect(page.getByTestId('profile-ad-image')).toHaveText('未填写');
  await expect(page.getByTestId('history')).toContainText('修改子商户资料');
  await snap(page, '37-sub-merchant-profile-saved');

  await page.reload();
  await expect(page.getByTestId('profile-remark')).toHaveText('周一店休');
  // 取消 leaves the stored profile as it was.
  await page.getByTestId('edit-profile').click();
  await page.getByTestId('section-profile').getByLabel('简称').fill('改了又取消');
  await page.getByTestId('section-profile').getByRole('button', { name: '取消' }).click();
  await expect(page.getByTestId('profile-short-name')).toHaveText('老王面馆');

  const audit = await (await page.request.get(api('AUDIT_EVENTS'))).json();
  const entry = audit.items.find((e) => e.action === 'sub_merchant.basic_info.updated');
  expect(entry.fields).toEqual(['short_name', 'admin_name', 'admin_email', 'logo', 'ad_url', 'remark']);
});
