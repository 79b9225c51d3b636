//! How values read on screen: instants in local time, fen as yuan, and the labels of the
//! domain's enums (account roles, WeChat Pay channels) as catalogue keys.

use domain::api::{AccountRole, AuditAction, WechatChannel};

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
