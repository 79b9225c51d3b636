//! The translation catalogue: every visible string, keyed, in both languages.
//!
//! The language is a signal in context; it persists in `localStorage` and sets `<html lang>`.
//! Error and field messages are not here: they come with their rules from `domain`.

use std::cell::Cell;

use domain::Lang;
use leptos::prelude::*;

const STORAGE_KEY: &str = "console.lang";

thread_local! {
    /// The language the API client asks the server to answer in.
    static REQUEST_LANG: Cell<Lang> = const { Cell::new(Lang::Zh) };
}

/// The language for outgoing requests (`Accept-Language`).
pub fn request_lang() -> Lang {
    REQUEST_LANG.with(Cell::get)
}

macro_rules! catalogue {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        /// A visible string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Key { $($key),* }

        impl Key {
            /// Every key, for tests that check the catalogue is complete.
            pub const ALL: &'static [Key] = &[$(Key::$key),*];

            pub const fn text(self, lang: Lang) -> &'static str {
                match self { $(Key::$key => lang.pick($zh, $en)),* }
            }
        }
    };
}

catalogue! {
    ProductName => "云支付控制台", "Cloud Pay Console";
    ProductTagline => "微信买单服务商接入云支付", "Bring your WeChat Maidan business into Cloud Pay";
    Sandbox => "沙箱", "Sandbox";
    SandboxHint => "当前连接的是微信买单沙箱环境，数据均为演示数据。", "Connected to the WeChat Maidan sandbox: all data is demo data.";
    LanguageSwitch => "English", "中文";
    LanguageSwitchTitle => "Switch to English", "切换为中文";
    Loading => "加载中…", "Loading…";
    RequestId => "请求 ID", "Request ID";

    LoginTitle => "登录云支付控制台", "Sign in to Cloud Pay Console";
    LoginSubtitle => "使用腾讯云账号 ID 和密码登录", "Sign in with your Tencent Cloud account ID and password";
    AccountId => "腾讯云账号 ID", "Tencent Cloud account ID";
    AccountIdPlaceholder => "5–20 位数字，如 100000000001", "5–20 digits, e.g. 100000000001";
    Password => "密码", "Password";
    SignIn => "登录", "Sign in";
    SigningIn => "正在登录…", "Signing in…";
    DemoAccounts => "沙箱演示账号（密码 sandbox-demo）", "Sandbox demo accounts (password sandbox-demo)";
    SignOut => "退出登录", "Sign out";

    NavOverview => "概览", "Overview";
    RoleProvider => "服务商", "Provider";
    RoleSubProvider => "子服务商", "Sub-provider";

    OverviewTitle => "账号概览", "Account overview";
    OverviewAccount => "当前登录账号", "Signed-in account";
    OverviewName => "账号名称", "Account name";
    OverviewRole => "账号类型", "Account type";
    OverviewSessionEnds => "登录有效期至", "Session valid until";
    OverviewGuideTitle => "接入微信买单业务的步骤", "Bringing WeChat Maidan business into Cloud Pay";
    GuideStep1 => "同步买单服务商：服务商助手管理员用微信扫码确认，服务商即同步到当前账号。", "Sync providers: an assistant admin scans a QR code with WeChat; the providers land in this account.";
    GuideStep2 => "配置服务商：填写微信支付信息和支付宝信息，基本信息可选。", "Configure providers: WeChat Pay and Alipay details; basic info is optional.";
    GuideStep3 => "同步买单子商户：一键同步所有服务商的全部子商户。", "Sync sub-merchants: one click syncs every sub-merchant of every provider.";
    GuideStep4 => "配置子商户：重置认证密钥和签名公私钥并妥善保存。", "Configure sub-merchants: reset the authentication key and signing key pair, and keep them safe.";
    GuideStep5 => "按需修改子服务商、切换微信买单通道或开通微信买单。", "As needed: change sub-providers, switch to the WeChat Maidan channel, or open WeChat Maidan.";

    NotFoundTitle => "页面不存在", "Page not found";
    NotFoundBody => "您访问的页面不存在，请检查地址或返回首页。", "This page does not exist. Check the address or go back home.";
    BackHome => "返回首页", "Back to home";
}

/// The current language, in context.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    pub fn lang(&self) -> Lang {
        self.lang.get()
    }

    /// Switches the language, persists the choice and updates `<html lang>`.
    pub fn set(&self, lang: Lang) {
        self.lang.set(lang);
        apply(lang);
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(STORAGE_KEY, lang.tag());
        }
    }

    /// The text of `key` in the current language (reactive).
    pub fn t(&self, key: Key) -> &'static str {
        key.text(self.lang.get())
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn apply(lang: Lang) {
    REQUEST_LANG.with(|l| l.set(lang));
    if let Some(html) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = html.set_attribute("lang", lang.tag());
    }
}

/// Provides the language, read from `localStorage` (Chinese when nothing was chosen).
pub fn provide_i18n() -> I18n {
    let lang = local_storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .map_or(Lang::Zh, |tag| Lang::from_tag(&tag));
    apply(lang);
    let i18n = I18n {
        lang: RwSignal::new(lang),
    };
    provide_context(i18n);
    i18n
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// A reactive text for views: `{tr(Key::SignIn)}`.
pub fn tr(key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let i18n = use_i18n();
    move || i18n.t(key)
}
