//! Every path of the console's JSON API, written once. The server's router registers each
//! (`#[utoipa::path(get, path = paths::SUB_MERCHANT)]`), and the SPA's client and the tests
//! build their requests from the same constant, so that a renamed path fails to compile where
//! it is used. The end-to-end specs read the same table from the JSON that `cargo xtask` writes
//! from [`ALL`].
//!
//! A path is relative to [`BASE`]; [`api`] puts it under the base, and `{name}` marks a
//! parameter, which [`fill`] puts in.

use std::fmt::{Display, Write};

/// Where the API lives on the console's origin.
pub const BASE: &str = "/api/v1";

macro_rules! paths {
    ($($(#[$doc:meta])* $name:ident = $path:literal;)*) => {
        $($(#[$doc])* pub const $name: &str = $path;)*

        /// Every path with its constant's name, in the order above.
        pub const ALL: &[(&str, &str)] = &[$((stringify!($name), $path)),*];
    };
}

paths! {
    /// `GET` liveness and which upstream the server talks to.
    HEALTH = "/health";
    /// `GET` whether the upstream answers (for load balancers).
    HEALTH_READY = "/health/ready";
    /// `POST` sign in, `GET` who is signed in, `DELETE` sign out.
    SESSION = "/session";
    /// `PUT` change the password.
    SESSION_PASSWORD = "/session/password";
    /// `DELETE` 退出所有设备.
    SESSIONS = "/sessions";
    /// `GET` the 操作记录.
    AUDIT_EVENTS = "/audit-events";
    /// `GET` the account's jobs.
    JOBS = "/jobs";
    /// `GET` one job's progress.
    JOB = "/jobs/{id}";
    /// `POST` a QR code for 同步买单服务商信息.
    PROVIDER_SYNC_TICKETS = "/provider-sync-tickets";
    /// `GET` its state, `DELETE` cancel it.
    PROVIDER_SYNC_TICKET = "/provider-sync-tickets/{id}";
    /// `GET` the providers.
    PROVIDERS = "/providers";
    /// `GET` one provider, `DELETE` unbind it.
    PROVIDER = "/providers/{id}";
    /// `PUT` its Alipay configuration.
    PROVIDER_ALIPAY = "/providers/{id}/alipay";
    /// `PUT` its basic information.
    PROVIDER_BASIC_INFO = "/providers/{id}/basic-info";
    /// `PUT` its WeChat Pay configuration.
    PROVIDER_WECHAT_PAY = "/providers/{id}/wechat-pay";
    /// `POST` start a sub-merchant sync.
    SUB_MERCHANT_SYNCS = "/sub-merchant-syncs";
    /// `GET` the sub-merchants.
    SUB_MERCHANTS = "/sub-merchants";
    /// `GET` the sub-merchants as CSV.
    SUB_MERCHANTS_CSV = "/sub-merchants.csv";
    /// `GET` one sub-merchant.
    SUB_MERCHANT = "/sub-merchants/{id}";
    /// `POST` a QR code for its 支付宝授权.
    SUB_MERCHANT_ALIPAY_AUTHORIZATIONS = "/sub-merchants/{id}/alipay-authorizations";
    /// `GET` its state, `DELETE` cancel it.
    SUB_MERCHANT_ALIPAY_AUTHORIZATION = "/sub-merchants/{id}/alipay-authorizations/{ticket}";
    /// `PUT` (the old path of [`SUB_MERCHANT_PROFILE`], answered with 308).
    SUB_MERCHANT_BASIC_INFO = "/sub-merchants/{id}/basic-info";
    /// `POST` 重置密钥.
    SUB_MERCHANT_KEY_RESETS = "/sub-merchants/{id}/key-resets";
    /// `PUT` 子商户资料.
    SUB_MERCHANT_PROFILE = "/sub-merchants/{id}/profile";
    /// `PUT` attribute it to a sub-provider, `DELETE` clear it.
    SUB_MERCHANT_SUB_PROVIDER = "/sub-merchants/{id}/sub-provider";
    /// `PUT` 切换微信支付通道.
    SUB_MERCHANT_WECHAT_CHANNEL = "/sub-merchants/{id}/wechat-channel";
    /// `GET` the sub-providers, `POST` register one.
    SUB_PROVIDERS = "/sub-providers";
    /// `PUT` change one.
    SUB_PROVIDER = "/sub-providers/{account_id}";
    /// `GET` 交易查询.
    TRANSACTIONS = "/transactions";
    /// `GET` a phone's view of an Alipay authorization code.
    PHONE_ALIPAY_AUTHORIZATION = "/m/alipay-authorizations/{id}";
    /// `POST` decline it on the phone.
    PHONE_ALIPAY_AUTHORIZATION_CANCEL = "/m/alipay-authorizations/{id}/cancel";
    /// `POST` confirm it on the phone.
    PHONE_ALIPAY_AUTHORIZATION_CONFIRM = "/m/alipay-authorizations/{id}/confirm";
    /// `GET` Alipay's redirect back to the console.
    PHONE_ALIPAY_OAUTH_CALLBACK = "/m/alipay-oauth/callback";
    /// `GET` the phone's sign-in through Alipay.
    PHONE_ALIPAY_OAUTH_START = "/m/alipay-oauth/start";
    /// `POST` 绑定 WeChat Maidan on the phone.
    PHONE_MAIDAN_BINDINGS = "/m/maidan/bindings";
    /// `POST` 获取验证码 on the phone.
    PHONE_MAIDAN_SMS_CODES = "/m/maidan/sms-codes";
    /// `GET` a phone's view of a provider sync code.
    PHONE_PROVIDER_SYNC_TICKET = "/m/provider-sync-tickets/{id}";
    /// `POST` decline it on the phone.
    PHONE_PROVIDER_SYNC_TICKET_CANCEL = "/m/provider-sync-tickets/{id}/cancel";
    /// `POST` confirm it on the phone.
    PHONE_PROVIDER_SYNC_TICKET_CONFIRM = "/m/provider-sync-tickets/{id}/confirm";
    /// `GET` WeChat's redirect back to the console.
    PHONE_WECHAT_OAUTH_CALLBACK = "/m/wechat-oauth/callback";
    /// `GET` the phone's sign-in through WeChat.
    PHONE_WECHAT_OAUTH_START = "/m/wechat-oauth/start";
    /// `PUT` the sandbox's injected latency (sandbox only).
    SANDBOX_LATENCY = "/sandbox/latency";
    /// `GET` a sandbox merchant (sandbox only).
    SANDBOX_MERCHANT = "/sandbox/merchants/{merchant_id}";
    /// `POST` a sandbox provider (sandbox only).
    SANDBOX_PROVIDERS = "/sandbox/providers";
    /// `GET` the last SMS code sent to a mobile (sandbox only).
    SANDBOX_SMS_CODE = "/sandbox/sms-codes/{mobile}";
    /// `GET` the sandbox's WeChat users (sandbox only).
    SANDBOX_WECHAT_USERS = "/sandbox/wechat-users";
}

/// `path` under [`BASE`]: `api(SESSION)` is `/api/v1/session`. A path with parameters is
/// [`fill`]ed.
pub fn api(path: &str) -> String {
    [BASE, path].concat()
}

/// `path` under [`BASE`] with its `{…}` parameters replaced, in order, by `values`:
/// `fill(SUB_MERCHANT, &[&42])` is `/api/v1/sub-merchants/42`. Values are put in as they
/// display; the console's parameters are numbers and IDs of digits, letters and `_`.
pub fn fill(path: &str, values: &[&dyn Display]) -> String {
    let mut out = String::from(BASE);
    let mut values = values.iter();
    let mut parts = path.split('{');
    out.push_str(parts.next().unwrap_or_default());
    for part in parts {
        let (_, after) = part.split_once('}').unwrap_or(("", part));
        if let Some(value) = values.next() {
            let _ = write!(out, "{value}");
        }
        out.push_str(after);
    }
    debug_assert!(
        values.next().is_none(),
        "more values than parameters in {path}"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_puts_values_in_order_under_the_base() {
        assert_eq!(api(SESSION), "/api/v1/session");
        assert_eq!(fill(SUB_MERCHANT, &[&42]), "/api/v1/sub-merchants/42");
        assert_eq!(
            fill(SUB_MERCHANT_ALIPAY_AUTHORIZATION, &[&7, &"t_1"]),
            "/api/v1/sub-merchants/7/alipay-authorizations/t_1"
        );
    }

    #[test]
    fn every_path_is_unique_and_absolute() {
        let mut seen = std::collections::HashSet::new();
        for (name, path) in ALL {
            assert!(path.starts_with('/'), "{name}");
            assert!(seen.insert(path), "{name} repeats {path}");
        }
    }
}
