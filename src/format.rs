//! How values read on screen: instants in local time, spans in seconds, minutes or hours, fen as
//! yuan, and the labels of the domain's enums (account roles, WeChat Pay channels) as
//! catalogue keys.

use domain::{
    Lang,
    api::{AccountRole, AuditAction, AuditTarget, WechatChannel},
};

use crate::i18n::Key;

/// An RFC 3339 instant in the browser's local time.
pub fn local_time(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

/// A span of time as a person says it: seconds under a minute, whole minutes under an hour,
/// else hours and minutes (rounded up, for "within about").
pub fn duration(seconds: u64, lang: Lang) -> String {
    if seconds < 60 {
        return Key::Seconds.text(lang).replace("{s}", &seconds.to_string());
    }
    let minutes = seconds.div_ceil(60);
    let (hours, minutes) = (minutes / 60, minutes % 60);
    match (hours, minutes) {
        (0, m) => Key::Minutes.text(lang).replace("{m}", &m.to_string()),
        (h, 0) => Key::Hours.text(lang).replace("{h}", &h.to_string()),
        (h, m) => Key::HoursMinutes
            .text(lang)
            .replace("{h}", &h.to_string())
            .replace("{m}", &m.to_string()),
    }
}

/// Items joined as `lang` lists them: "、" in Chinese, ", " in English.
pub fn listed(items: impl IntoIterator<Item = String>, lang: Lang) -> String {
    items
        .into_iter()
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "))
}

/// A name with its ID in brackets as `lang` writes them: "名称（ID）" or "Name (ID)".
pub fn with_id(name: &str, id: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{name}（{id}）"),
        Lang::En => format!("{name} ({id})"),
    }
}

/// Fen as yuan with two decimals.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}¥{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

/// The account's role (服务商 / 子服务商).
pub const fn role_key(role: AccountRole) -> Key {
    match role {
        AccountRole::Provider => Key::RoleProvider,
        AccountRole::SubProvider => Key::RoleSubProvider,
    }
}

/// The WeChat Pay channel (官方直连 / 微信买单).
pub const fn channel_key(channel: WechatChannel) -> Key {
    match channel {
        WechatChannel::OfficialDirect => Key::ChannelDirect,
        WechatChannel::WechatMaidan => Key::ChannelMaidan,
    }
}

/// The words 操作记录 shows for an action.
pub const fn action_key(action: AuditAction) -> Key {
    match action {
        AuditAction::ProviderBasicInfoUpdated => Key::ActionBasic,
        AuditAction::ProviderWechatPayUpdated => Key::ActionWechat,
        AuditAction::ProviderAlipayUpdated => Key::ActionAlipay,
        AuditAction::SubMerchantChannelMaidan => Key::ActionChannelMaidan,
        AuditAction::SubMerchantChannelDirect => Key::ActionChannelDirect,
        AuditAction::SubMerchantSubProviderUpdated => Key::ActionSubMerchantSubProvider,
        AuditAction::SubMerchantBasicInfoUpdated => Key::ActionSubMerchantBasic,
        AuditAction::SubMerchantKeysReset => Key::ActionKeysReset,
        AuditAction::SubMerchantAlipayAuthorized => Key::ActionAlipayAuthorized,
        AuditAction::SubProviderCreated => Key::ActionSubProviderCreated,
        AuditAction::SubProviderUpdated => Key::ActionSubProviderUpdated,
        AuditAction::AccountPasswordChanged => Key::ActionPasswordChanged,
        AuditAction::ProvidersSynced => Key::ActionProvidersSynced,
        AuditAction::SubMerchantSyncStarted => Key::ActionSubMerchantSyncStarted,
        AuditAction::ProviderUnbound => Key::ActionProviderUnbound,
    }
}

/// What an 操作记录 entry is about, as a person reads it (`sub_merchant/12` → 子商户 #12),
/// with the page that shows it, when there is one.
pub fn audit_target(target: &str, lang: Lang) -> (String, Option<String>) {
    match AuditTarget::parse(target) {
        Some(AuditTarget::Provider(id)) => (
            format!("{} {id}", lang.pick("服务商", "Provider")),
            Some(format!("/providers/{id}")),
        ),
        Some(AuditTarget::SubMerchant(id)) => (
            format!("{} #{id}", lang.pick("子商户", "Sub-merchant")),
            Some(format!("/sub-merchants/{id}")),
        ),
        Some(AuditTarget::SubProvider(id)) => (
            format!("{} {id}", lang.pick("子服务商", "Sub-provider")),
            Some("/sub-providers".to_owned()),
        ),
        Some(AuditTarget::Account(id)) => (format!("{} {id}", lang.pick("账号", "Account")), None),
        Some(AuditTarget::Job(id)) => (
            format!("{} {id}", lang.pick("同步任务", "Sync job")),
            Some("/sub-merchants".to_owned()),
        ),
        None => (target.to_owned(), None),
    }
}

/// A field an 操作记录 entry names, as a person reads it; a name it does not know (a provider
/// ID a sync brought) as it is.
pub fn audit_field(name: &str, lang: Lang) -> String {
    let (zh, en) = match name {
        "name" => ("名称", "name"),
        "short_name" => ("简称", "short name"),
        "callback_url" => ("交易完成回调地址", "callback URL"),
        "ad_url" => ("广告链接", "ad link"),
        "ad_image" => ("广告图片", "ad image"),
        "logo" => ("Logo", "logo"),
        "company_remark" => ("公司备注", "company remark"),
        "provider_remark" => ("服务商备注", "provider remark"),
        "remark" => ("备注", "remark"),
        "admin_name" => ("管理员姓名", "admin name"),
        "admin_email" => ("管理员邮箱", "admin email"),
        "merchant_id" => ("商户号", "merchant ID"),
        "app_id" => ("AppID", "AppID"),
        "api_key" => ("API 密钥", "API key"),
        "certificate_p12" => ("API 证书", "API certificate"),
        "rebate_ratio" => ("返佣比例", "rebate ratio"),
        "pid" => ("PID", "PID"),
        "app_private_key" => ("应用签名私钥", "application signing private key"),
        "alipay_public_key" => ("支付宝验签公钥", "Alipay verification public key"),
        "wechat_channel" => ("微信支付接入渠道", "WeChat Pay channel"),
        "sub_provider_account_id" => ("子服务商", "sub-provider"),
        "authentication_key" => ("认证密钥", "authentication key"),
        "signing_public_key" => ("签名公钥", "signing public key"),
        "alipay_user_id" => ("支付宝用户 ID", "Alipay user ID"),
        "alipay_app_auth_token" => ("支付宝应用授权令牌", "Alipay app authorization token"),
        "password" => ("密码", "password"),
        _ => return name.to_owned(),
    };
    lang.pick(zh, en).to_owned()
}
