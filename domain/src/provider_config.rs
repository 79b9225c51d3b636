//! 修改服务商信息: a provider's WeChat Pay, Alipay and basic information, and the rules each
//! form obeys (the browser checks them as the user types; the server checks them again).
//!
//! Secrets (the WeChat Pay API key, the Alipay application private key) are write-only: the
//! API shows only whether they are set, a hint and when; a blank field keeps the stored value.
//!
//! The three forms and their rules stay in one file so the browser and the server read one
//! list of fields; a third of it is tests.

use serde::{Deserialize, Serialize};

use crate::{
    FieldError,
    rules::{self, form_errors, optional},
};

/// What the console shows of a write-only secret.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretStatus {
    pub set: bool,
    /// e.g. `…a1b2` (last 4 characters) or `SHA-256 3f2a9c01` (a fingerprint).
    pub hint: Option<String>,
    /// When it was last set, RFC 3339.
    pub set_at: Option<String>,
    /// For certificates: when it stops being valid, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// For certificates: expires within [`EXPIRY_WARNING_DAYS`].
    #[serde(default)]
    pub expiring_soon: bool,
}

/// A certificate that expires within this many days is flagged.
pub const EXPIRY_WARNING_DAYS: i64 = 30;
/// The largest API certificate accepted (a real apiclient_cert.p12 is about 3 KB).
pub const CERTIFICATE_MAX_KB: usize = 16;

// In a macro, to take the OpenAPI patterns of URLs and images (`rules::with_patterns!`).
macro_rules! basic_info {
    ($https_url:literal, $image:literal, $optional_ratio:literal) => {
        /// 基本信息 (optional: a missing field is empty).
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(default)]
        pub struct BasicInfo {
            /// Display name; empty means the name synced from WeChat Maidan.
            #[cfg_attr(feature = "openapi", schema(max_length = 64))]
            pub name: String,
            #[cfg_attr(feature = "openapi", schema(max_length = 32))]
            pub short_name: String,
            /// Trade-completed callback URL (https only, at most 256 characters; whitespace around it is
            /// trimmed).
            #[cfg_attr(feature = "openapi", schema(pattern = $https_url))]
            pub callback_url: String,
            #[cfg_attr(feature = "openapi", schema(pattern = $https_url))]
            pub ad_url: String,
            #[cfg_attr(feature = "openapi", schema(max_length = 256))]
            pub company_remark: String,
            #[cfg_attr(feature = "openapi", schema(max_length = 256))]
            pub provider_remark: String,
            /// The logo as a `data:` URL (PNG or JPEG, at most 200 KB, its content what it says);
            /// empty for none.
            #[cfg_attr(feature = "openapi", schema(pattern = $image))]
            pub logo: String,
            /// The ad image as a `data:` URL (PNG or JPEG, at most 200 KB); empty for none.
            #[cfg_attr(feature = "openapi", schema(pattern = $image))]
            pub ad_image: String,
        }
    };
}
rules::with_patterns!(basic_info);

/// The largest logo or ad image accepted.
pub const IMAGE_MAX_KB: usize = 200;

/// 微信支付信息 as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WechatPayInfo {
    pub merchant_id: String,
    pub app_id: String,
    pub api_key: SecretStatus,
    /// The API certificate (PKCS#12): hint is its serial number.
    #[serde(default)]
    pub certificate: SecretStatus,
    /// Percent, two decimals (e.g. `12.50`); empty when not set.
    pub rebate_ratio: String,
}

/// 支付宝信息 as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlipayInfo {
    pub app_id: String,
    pub pid: String,
    pub app_private_key: SecretStatus,
    /// The Alipay verification public key is public: shown as stored.
    pub alipay_public_key: String,
    pub rebate_ratio: String,
}

/// `GET /providers/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderDetail {
    pub provider_id: String,
    /// 云支付服务商 ID (`out_mch_id`).
    pub out_mch_id: String,
    /// The name synced from WeChat Maidan.
    pub synced_name: String,
    pub synced_at: String,
    pub basic: BasicInfo,
    pub wechat_pay: WechatPayInfo,
    pub alipay: AlipayInfo,
}

// In a macro, to take the OpenAPI pattern of a rebate ratio (`rules::with_patterns!`).
macro_rules! payment_forms {
    ($https_url:literal, $image:literal, $optional_ratio:literal) => {
        /// `PUT /providers/{id}/wechat-pay`. A blank `api_key` keeps the stored key. Its `Debug`
        /// prints no secret.
        #[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct UpdateWechatPay {
            #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]{8,32}$"))]
            pub merchant_id: String,
            #[cfg_attr(feature = "openapi", schema(pattern = r"^wx[0-9A-Za-z]{16}$"))]
            pub app_id: String,
            #[serde(default)]
            #[cfg_attr(feature = "openapi", schema(pattern = r"^$|^[0-9A-Za-z]{32}$"))]
            pub api_key: String,
            #[serde(default)]
            #[cfg_attr(feature = "openapi", schema(pattern = $optional_ratio))]
            pub rebate_ratio: String,
            /// The API certificate (apiclient_cert.p12) as base64; blank keeps the stored one.
            #[serde(default)]
            pub certificate_p12: String,
            /// The certificate's password; blank means the merchant ID (WeChat Pay's default).
            #[serde(default)]
            pub certificate_password: String,
        }

        /// `PUT /providers/{id}/alipay`. A blank `app_private_key` keeps the stored key. Its `Debug`
        /// prints no secret.
        #[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct UpdateAlipay {
            #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]{16,32}$"))]
            pub app_id: String,
            #[cfg_attr(feature = "openapi", schema(pattern = r"^2088[0-9]{12}$"))]
            pub pid: String,
            #[serde(default)]
            #[cfg_attr(feature = "openapi", schema(max_length = 8_192))]
            pub app_private_key: String,
            #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 8_192))]
            pub alipay_public_key: String,
            #[serde(default)]
            #[cfg_attr(feature = "openapi", schema(pattern = $optional_ratio))]
            pub rebate_ratio: String,
        }
    };
}
rules::with_patterns!(payment_forms);

/// Field problems of a form, by field name.
pub use crate::rules::FormErrors;

/// `rule`'s error for a secret whose stored value a blank entry keeps, when one is `stored`.
fn kept_or<'a, T>(
    stored: bool,
    value: &'a str,
    rule: impl FnOnce(&'a str) -> Result<T, FieldError>,
) -> Option<FieldError> {
    if stored {
        optional(value, rule)
    } else {
        rule(value).err()
    }
}

/// A PEM (PKCS#1 or PKCS#8) or bare base64 key: the shape only; the server parses it fully.
fn key_shape(value: &str) -> Result<(), FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::Required);
    }
    let body: String = value
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>()
        .split_whitespace()
        .collect();
    let base64 = body
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    // An RSA 2048 public key is ~392 base64 characters; a private key ~1,600.
    if base64 && body.len() >= 300 && value.len() <= 8_192 {
        Ok(())
    } else {
        Err(FieldError::RsaKey)
    }
}

impl UpdateWechatPay {
    /// Every field's rule. `key_stored`: a blank API key keeps the stored one.
    pub fn check(&self, key_stored: bool) -> FormErrors {
        form_errors([
            ("merchant_id", rules::merchant_id(&self.merchant_id).err()),
            ("app_id", rules::wechat_app_id(&self.app_id).err()),
            (
                "api_key",
                kept_or(key_stored, &self.api_key, rules::wechat_api_key),
            ),
            (
                "rebate_ratio",
                optional(&self.rebate_ratio, rules::rebate_ratio),
            ),
            (
                "certificate_p12",
                certificate_size(&self.certificate_p12).err(),
            ),
        ])
    }
}

/// A base64 file no larger than [`CERTIFICATE_MAX_KB`]; blank is fine (keeps the stored one).
fn certificate_size(base64: &str) -> Result<(), FieldError> {
    if base64.trim().len() / 4 * 3 > CERTIFICATE_MAX_KB * 1024 {
        Err(FieldError::FileTooLarge {
            max_kb: CERTIFICATE_MAX_KB,
        })
    } else {
        Ok(())
    }
}

impl UpdateAlipay {
    /// Every field's rule. `key_stored`: a blank private key keeps the stored one.
    pub fn check(&self, key_stored: bool) -> FormErrors {
        form_errors([
            ("app_id", rules::alipay_app_id(&self.app_id).err()),
            ("pid", rules::alipay_pid(&self.pid).err()),
            (
                "app_private_key",
                kept_or(key_stored, &self.app_private_key, key_shape),
            ),
            (
                "alipay_public_key",
                key_shape(&self.alipay_public_key).err(),
            ),
            (
                "rebate_ratio",
                optional(&self.rebate_ratio, rules::rebate_ratio),
            ),
        ])
    }
}

impl BasicInfo {
    /// Every field's rule (all optional).
    pub fn check(&self) -> FormErrors {
        form_errors([
            ("name", rules::text(&self.name, 64).err()),
            ("short_name", rules::text(&self.short_name, 32).err()),
            (
                "callback_url",
                optional(&self.callback_url, rules::https_url),
            ),
            ("ad_url", optional(&self.ad_url, rules::https_url)),
            (
                "company_remark",
                rules::text(&self.company_remark, 256).err(),
            ),
            (
                "provider_remark",
                rules::text(&self.provider_remark, 256).err(),
            ),
            (
                "logo",
                rules::image_data_url(&self.logo, IMAGE_MAX_KB).err(),
            ),
            (
                "ad_image",
                rules::image_data_url(&self.ad_image, IMAGE_MAX_KB).err(),
            ),
        ])
    }
}

/// Hundredths of a percent as the form shows them: `1250` → `12.50`.
pub fn ratio_text(hundredths: u32) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wechat() -> UpdateWechatPay {
        UpdateWechatPay {
            merchant_id: "1900000109".into(),
            app_id: "wxd678efh567hg6787".into(),
            api_key: "a".repeat(32),
            rebate_ratio: "12.5".into(),
            ..UpdateWechatPay::default()
        }
    }

    #[test]
    fn a_valid_wechat_form_passes() {
        assert!(wechat().check(false).is_empty());
    }

    #[test]
    fn a_blank_key_is_fine_only_when_one_is_stored() {
        let form = UpdateWechatPay {
            api_key: String::new(),
            ..wechat()
        };
        assert!(form.check(true).is_empty());
        assert_eq!(form.check(false), vec![("api_key", FieldError::Required)]);
    }

    #[test]
    fn every_wrong_wechat_field_is_named() {
        let form = UpdateWechatPay {
            merchant_id: "19x".into(),
            app_id: "wx1".into(),
            api_key: "short".into(),
            rebate_ratio: "101".into(),
            certificate_p12: "A".repeat(30_000),
            certificate_password: String::new(),
        };
        let names: Vec<&str> = form.check(false).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "merchant_id",
                "app_id",
                "api_key",
                "rebate_ratio",
                "certificate_p12"
            ]
        );
    }

    #[test]
    fn alipay_keys_must_look_like_keys() {
        let key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA".repeat(8);
        let form = UpdateAlipay {
            app_id: "2021000122671234".into(),
            pid: "2088102146225135".into(),
            app_private_key: format!(
                "-----BEGIN PRIVATE KEY-----\n{key}\n-----END PRIVATE KEY-----"
            ),
            alipay_public_key: key.clone(),
            rebate_ratio: String::new(),
        };
        assert!(form.check(false).is_empty());
        let bad = UpdateAlipay {
            alipay_public_key: "not a key".into(),
            ..form
        };
        assert_eq!(
            bad.check(true),
            vec![("alipay_public_key", FieldError::RsaKey)]
        );
    }

    #[test]
    fn basic_info_is_optional_but_urls_must_be_https() {
        assert!(BasicInfo::default().check().is_empty());
        let info = BasicInfo {
            callback_url: "http://example.com/notify".into(),
            ..BasicInfo::default()
        };
        assert_eq!(info.check(), vec![("callback_url", FieldError::HttpsUrl)]);
        let gif = BasicInfo {
            logo: "data:image/png;base64,R0lGODlhAQABAIAAAA==".into(),
            ..BasicInfo::default()
        };
        assert_eq!(gif.check(), vec![("logo", FieldError::Image)]);
    }

    #[test]
    fn ratios_show_with_two_decimals() {
        assert_eq!(ratio_text(1250), "12.50");
        assert_eq!(ratio_text(0), "0.00");
        assert_eq!(ratio_text(10_000), "100.00");
    }
}

/// What `Debug` shows of a secret field: whether one was given, never its value.
fn redacted(value: &str) -> &'static str {
    if value.is_empty() { "" } else { "[redacted]" }
}

impl std::fmt::Debug for UpdateWechatPay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateWechatPay")
            .field("merchant_id", &self.merchant_id)
            .field("app_id", &self.app_id)
            .field("api_key", &redacted(&self.api_key))
            .field("rebate_ratio", &self.rebate_ratio)
            .field("certificate_p12", &redacted(&self.certificate_p12))
            .field(
                "certificate_password",
                &redacted(&self.certificate_password),
            )
            .finish()
    }
}

impl std::fmt::Debug for UpdateAlipay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateAlipay")
            .field("app_id", &self.app_id)
            .field("pid", &self.pid)
            .field("app_private_key", &redacted(&self.app_private_key))
            .field("alipay_public_key", &self.alipay_public_key)
            .field("rebate_ratio", &self.rebate_ratio)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn secrets_of_the_forms_are_never_printed() {
        let wechat = UpdateWechatPay {
            api_key: "Zq8vT3mN6pR1sW4yB7cE0fH2jK5lX9aD".into(),
            certificate_password: "p12-password".into(),
            ..UpdateWechatPay::default()
        };
        let shown = format!("{wechat:?}");
        assert!(
            !shown.contains("Zq8vT3") && !shown.contains("p12-password"),
            "{shown}"
        );
        assert!(shown.contains("[redacted]"));
        let alipay = UpdateAlipay {
            app_private_key: "-----BEGIN PRIVATE KEY-----MIIE".into(),
            ..UpdateAlipay::default()
        };
        assert!(!format!("{alipay:?}").contains("MIIE"));
    }
}
