//! [`FieldError`]: why a field's value is not accepted, as it travels, and the one exhaustive
//! `match` that words it in both languages (so a new kind and its sentences are written side
//! by side).
//!
//! Over 400 lines with its tests on purpose: the kinds, the reader that takes them back and
//! their sentences are three lists of the same kinds, kept in one file so that none falls
//! behind; the tests walk every kind through all three.

use serde::{Deserialize, Serialize};

use crate::Lang;

/// Why a field's value is not accepted. On the wire: `{"kind": "digits", "min": 5, "max": 20}`
/// (its [`Deserialize`] is written by hand, below).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldError {
    /// Nothing was entered.
    #[error("required")]
    Required,
    /// Only digits are allowed, `min`..=`max` of them.
    #[error("digits only, {min} to {max}")]
    Digits { min: usize, max: usize },
    /// Too long.
    #[error("at most {max} characters")]
    TooLong { max: usize },
    /// Too short.
    #[error("at least {min} characters")]
    TooShort { min: usize },
    /// Not the account's current password.
    #[error("wrong current password")]
    WrongPassword,
    /// The second entry differs from the first.
    #[error("entries differ")]
    Mismatch,
    /// The mobile, the bank card or the SMS code does not match what is registered (one answer
    /// for all three, so that none is confirmed on its own); `left` tries remain.
    #[error("mobile, card or code does not match")]
    BindingMismatch { left: u32 },
    /// A WeChat Pay merchant ID that WeChat does not know.
    #[error("unknown merchant ID")]
    UnknownMerchant,
    /// No SMS code is valid any more (expired, used up, or never sent): ask for a new one.
    #[error("code expired")]
    CodeExpired,
    /// Six digits.
    #[error("six digits")]
    SmsCode,
    /// Not one of the provider's sub-providers.
    #[error("not a registered sub-provider")]
    NotRegistered,
    /// Registered already (a sub-provider's account ID, for one).
    #[error("already exists")]
    AlreadyExists,
    /// Not a calendar date `YYYY-MM-DD`.
    #[error("date YYYY-MM-DD")]
    Date,
    /// A number above its limit.
    #[error("at most {max}")]
    TooLarge { max: u64 },
    /// A number below its limit.
    #[error("at least {min}")]
    TooSmall { min: u64 },
    /// A WeChat AppID: `wx` and 16 letters or digits.
    #[error("wx + 16 letters or digits")]
    WechatAppId,
    /// Exactly `len` letters or digits (WeChat Pay API keys).
    #[error("exactly {len} letters or digits")]
    Alphanumeric { len: usize },
    /// An Alipay PID or user ID: `2088` and 12 digits.
    #[error("2088 + 12 digits")]
    AlipayPid,
    /// A percentage from 0 to 100 with at most two decimals.
    #[error("0 to 100, two decimals")]
    Ratio,
    /// An `https://` address.
    #[error("https URL")]
    HttpsUrl,
    /// A mainland China mobile number: `1[3-9]` and 9 more digits.
    #[error("mainland mobile number")]
    Mobile,
    /// An email address: `name@example.com`.
    #[error("email address")]
    Email,
    /// A bank card number: 12–19 digits passing the Luhn check.
    #[error("bank card number")]
    BankCard,
    /// An RSA 2048 key in PKCS#1 or PKCS#8 PEM, or bare base64.
    #[error("RSA 2048 key")]
    RsaKey,
    /// A PKCS#12 certificate that cannot be opened (wrong file or password).
    #[error("PKCS#12 certificate")]
    Certificate,
    /// A file over the size limit.
    #[error("file over {max_kb} KB")]
    FileTooLarge { max_kb: usize },
    /// Not a PNG or JPEG image (by its content).
    #[error("PNG or JPEG image")]
    Image,
    /// Not one of the values the field offers (a filter's options, for one).
    #[error("one of {values:?}")]
    Choice { values: Vec<String> },
    /// A destructive step confirmed by typing a value (a provider's ID to unbind it) that was
    /// typed differently.
    #[error("type {expected} to confirm")]
    TypedConfirmation { expected: String },
}

/// A [`FieldError`] as it travels: the kind and whichever parameters it has.
#[derive(Deserialize)]
struct WireFieldError {
    kind: String,
    min: Option<u64>,
    max: Option<u64>,
    left: Option<u32>,
    len: Option<usize>,
    max_kb: Option<usize>,
    values: Option<Vec<String>>,
    expected: Option<String>,
}

/// By hand rather than derived: serde's derive of an internally tagged enum buffers the whole
/// object and costs every browser bundle about 25 KB of wasm; this reads one flat object.
impl<'de> Deserialize<'de> for FieldError {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let w = WireFieldError::deserialize(deserializer)?;
        fn need<T, E: Error>(value: Option<T>, name: &'static str) -> Result<T, E> {
            value.ok_or_else(|| E::missing_field(name))
        }
        let size = |v: u64| usize::try_from(v).map_err(D::Error::custom);
        Ok(match w.kind.as_str() {
            "required" => FieldError::Required,
            "digits" => FieldError::Digits {
                min: size(need(w.min, "min")?)?,
                max: size(need(w.max, "max")?)?,
            },
            "too_long" => FieldError::TooLong {
                max: size(need(w.max, "max")?)?,
            },
            "too_short" => FieldError::TooShort {
                min: size(need(w.min, "min")?)?,
            },
            "wrong_password" => FieldError::WrongPassword,
            "mismatch" => FieldError::Mismatch,
            "binding_mismatch" => FieldError::BindingMismatch {
                left: need(w.left, "left")?,
            },
            "unknown_merchant" => FieldError::UnknownMerchant,
            "code_expired" => FieldError::CodeExpired,
            "sms_code" => FieldError::SmsCode,
            "not_registered" => FieldError::NotRegistered,
            "already_exists" => FieldError::AlreadyExists,
            "date" => FieldError::Date,
            "too_large" => FieldError::TooLarge {
                max: need(w.max, "max")?,
            },
            "too_small" => FieldError::TooSmall {
                min: need(w.min, "min")?,
            },
            "wechat_app_id" => FieldError::WechatAppId,
            "alphanumeric" => FieldError::Alphanumeric {
                len: need(w.len, "len")?,
            },
            "alipay_pid" => FieldError::AlipayPid,
            "ratio" => FieldError::Ratio,
            "https_url" => FieldError::HttpsUrl,
            "mobile" => FieldError::Mobile,
            "email" => FieldError::Email,
            "bank_card" => FieldError::BankCard,
            "rsa_key" => FieldError::RsaKey,
            "certificate" => FieldError::Certificate,
            "file_too_large" => FieldError::FileTooLarge {
                max_kb: need(w.max_kb, "max_kb")?,
            },
            "image" => FieldError::Image,
            "choice" => FieldError::Choice {
                values: need(w.values, "values")?,
            },
            "typed_confirmation" => FieldError::TypedConfirmation {
                expected: need(w.expected, "expected")?,
            },
            other => return Err(D::Error::unknown_variant(other, &[])),
        })
    }
}

impl FieldError {
    /// The sentence shown under the field.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (FieldError::Required, Lang::Zh) => "此项必填，请输入内容。".into(),
            (FieldError::Required, Lang::En) => "Required: please enter a value.".into(),
            (FieldError::Digits { min, max }, Lang::Zh) => {
                format!("只能填写数字，长度为 {min}–{max} 位，请检查后重新输入。")
            }
            (FieldError::Digits { min, max }, Lang::En) => {
                format!("Use digits only, {min} to {max} of them.")
            }
            (FieldError::TooLong { max }, Lang::Zh) => {
                format!("最多 {max} 个字符，请删减后重新输入。")
            }
            (FieldError::TooLong { max }, Lang::En) => format!("Use at most {max} characters."),
            (FieldError::TooShort { min }, Lang::Zh) => format!("至少需要 {min} 个字符，请再长一些。"),
            (FieldError::TooShort { min }, Lang::En) => format!("Use at least {min} characters."),
            (FieldError::WrongPassword, Lang::Zh) => "当前密码不正确，请重新输入。".into(),
            (FieldError::WrongPassword, Lang::En) => "The current password is wrong; enter it again.".into(),
            (FieldError::BindingMismatch { left }, Lang::Zh) => format!("信息不匹配：手机号、银行卡号或验证码与该商户号登记的不一致，请核对后重新输入（还可以再试 {left} 次）。"),
            (FieldError::BindingMismatch { left }, Lang::En) => format!("The details do not match: the mobile, the bank card or the code differs from what is registered with the merchant ID. Check them and try again ({left} more tries)."),
            (FieldError::Mismatch, Lang::Zh) => "两次输入的新密码不一致，请重新输入。".into(),
            (FieldError::Mismatch, Lang::En) => "The two new passwords differ; enter them again.".into(),
            (FieldError::UnknownMerchant, Lang::Zh) => "微信支付查不到这个商户号，请核对后重新输入。".into(),
            (FieldError::UnknownMerchant, Lang::En) => "WeChat Pay does not know this merchant ID. Check it and enter it again.".into(),
            (FieldError::CodeExpired, Lang::Zh) => "验证码已失效（过期、错误次数过多或未获取），请重新获取验证码。".into(),
            (FieldError::CodeExpired, Lang::En) => "The code is no longer valid (expired, too many wrong tries, or none sent). Get a new code.".into(),
            (FieldError::SmsCode, Lang::Zh) => "验证码为 6 位数字。".into(),
            (FieldError::SmsCode, Lang::En) => "The code is 6 digits.".into(),
            (FieldError::NotRegistered, Lang::Zh) => "该账号不是本服务商的子服务商，请先在【子服务商】中添加。".into(),
            (FieldError::NotRegistered, Lang::En) => "Not one of this provider's sub-providers: add it under Sub-providers first.".into(),
            (FieldError::AlreadyExists, Lang::Zh) => "已存在，无需重复添加；如需修改，请编辑已有的一项。".into(),
            (FieldError::AlreadyExists, Lang::En) => "It exists already; edit it instead of adding it again.".into(),
            (FieldError::Date, Lang::Zh) => "日期格式为 YYYY-MM-DD，例如 2026-01-31。".into(),
            (FieldError::Date, Lang::En) => "Use a date like 2026-01-31 (YYYY-MM-DD).".into(),
            (FieldError::TooLarge { max }, Lang::Zh) => format!("不能大于 {max}，请改小后重试。"),
            (FieldError::TooLarge { max }, Lang::En) => format!("Use at most {max}."),
            (FieldError::TooSmall { min }, Lang::Zh) => format!("不能小于 {min}，请改大后重试。"),
            (FieldError::TooSmall { min }, Lang::En) => format!("Use at least {min}."),
            (FieldError::WechatAppId, Lang::Zh) => {
                "AppID 格式为 wx 加 16 位字母或数字，请到微信公众平台复制。".into()
            }
            (FieldError::WechatAppId, Lang::En) => {
                "An AppID is wx followed by 16 letters or digits; copy it from the WeChat Official Accounts Platform.".into()
            }
            (FieldError::Alphanumeric { len }, Lang::Zh) => {
                format!("须为 {len} 位字母或数字，请到微信支付商户平台复制。")
            }
            (FieldError::Alphanumeric { len }, Lang::En) => {
                format!("Use exactly {len} letters or digits; copy it from the WeChat Pay merchant platform.")
            }
            (FieldError::AlipayPid, Lang::Zh) => "须为 2088 开头的 16 位数字。".into(),
            (FieldError::AlipayPid, Lang::En) => "Use 16 digits starting with 2088.".into(),
            (FieldError::Ratio, Lang::Zh) => "请输入 0–100 之间的数，最多两位小数。".into(),
            (FieldError::Ratio, Lang::En) => {
                "Enter a number from 0 to 100 with at most two decimals.".into()
            }
            (FieldError::HttpsUrl, Lang::Zh) => "须为 https:// 开头的完整网址。".into(),
            (FieldError::HttpsUrl, Lang::En) => "Enter a full address starting with https://.".into(),
            (FieldError::Email, Lang::Zh) => {
                "请输入完整的邮箱地址，例如 admin@example.com。".into()
            }
            (FieldError::Email, Lang::En) => {
                "Enter a whole email address, such as admin@example.com.".into()
            }
            (FieldError::Mobile, Lang::Zh) => "请输入 11 位中国大陆手机号，以 13–19 开头。".into(),
            (FieldError::Mobile, Lang::En) => {
                "Enter an 11-digit mainland China mobile number starting with 13–19.".into()
            }
            (FieldError::BankCard, Lang::Zh) => {
                "银行卡号应为 12–19 位数字且校验位正确，请核对卡号。".into()
            }
            (FieldError::BankCard, Lang::En) => {
                "A card number is 12–19 digits with a valid check digit; check the number.".into()
            }
            (FieldError::RsaKey, Lang::Zh) => {
                "须为 RSA 2048 密钥：PKCS#1 或 PKCS#8 PEM 格式，或不含首尾行的 base64。".into()
            }
            (FieldError::Certificate, Lang::Zh) => {
                "无法读取该证书：请上传微信支付商户平台下载的 apiclient_cert.p12，并确认证书密码（默认为商户号）。".into()
            }
            (FieldError::Certificate, Lang::En) => {
                "This certificate cannot be read: upload the apiclient_cert.p12 from the WeChat Pay merchant platform and check its password (the merchant ID by default).".into()
            }
            (FieldError::FileTooLarge { max_kb }, Lang::Zh) => {
                format!("文件过大：最大 {max_kb} KB，请检查是否选错了文件。")
            }
            (FieldError::FileTooLarge { max_kb }, Lang::En) => {
                format!("The file is too large: at most {max_kb} KB. Check that it is the right file.")
            }
            (FieldError::Image, Lang::Zh) => "须为 PNG 或 JPEG 图片，请重新选择文件。".into(),
            (FieldError::Image, Lang::En) => "Use a PNG or JPEG image.".into(),
            (FieldError::TypedConfirmation { expected }, Lang::Zh) => {
                format!("输入的内容不一致：请准确输入 {expected} 以确认。")
            }
            (FieldError::TypedConfirmation { expected }, Lang::En) => {
                format!("That does not match: type {expected} exactly to confirm.")
            }
            (FieldError::Choice { values }, Lang::Zh) => {
                format!("请从以下选项中选择一个：{}。", values.join("、"))
            }
            (FieldError::Choice { values }, Lang::En) => {
                format!("Choose one of: {}.", values.join(", "))
            }
            (FieldError::RsaKey, Lang::En) => {
                "Use an RSA 2048 key: PKCS#1 or PKCS#8 PEM, or bare base64 without the header lines.".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_is_expected_in_both_languages() {
        let e = FieldError::Digits { min: 5, max: 20 };
        assert!(e.message(Lang::Zh).contains("5–20"));
        assert!(e.message(Lang::En).contains("5 to 20"));
        assert!(FieldError::Required.message(Lang::En).contains("Required"));
    }

    #[test]
    fn field_errors_travel_tagged() {
        let json = serde_json::to_value(FieldError::Digits { min: 5, max: 20 }).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "digits", "min": 5, "max": 20})
        );
    }

    /// The hand-written reader takes back exactly what the derived writer wrote, every variant.
    #[test]
    fn every_field_error_reads_back_as_written() {
        for error in every_variant() {
            let json = serde_json::to_string(&error).unwrap();
            let back: FieldError = serde_json::from_str(&json).unwrap();
            assert_eq!(back, error, "{json}");
        }
        let unknown = serde_json::from_str::<FieldError>(r#"{"kind": "nonsense"}"#);
        assert!(unknown.is_err());
        let incomplete = serde_json::from_str::<FieldError>(r#"{"kind": "digits", "min": 5}"#);
        assert!(incomplete.unwrap_err().to_string().contains("max"));
    }

    /// One value of every variant. The match has no wildcard, so a new variant does not
    /// compile until it is listed here too.
    fn every_variant() -> Vec<FieldError> {
        let all = vec![
            FieldError::Required,
            FieldError::Digits { min: 8, max: 32 },
            FieldError::TooLong { max: 32 },
            FieldError::TooShort { min: 12 },
            FieldError::WrongPassword,
            FieldError::Mismatch,
            FieldError::BindingMismatch { left: 3 },
            FieldError::UnknownMerchant,
            FieldError::CodeExpired,
            FieldError::SmsCode,
            FieldError::NotRegistered,
            FieldError::AlreadyExists,
            FieldError::Date,
            FieldError::TooLarge { max: 100 },
            FieldError::TooSmall { min: 1 },
            FieldError::WechatAppId,
            FieldError::Alphanumeric { len: 32 },
            FieldError::AlipayPid,
            FieldError::Ratio,
            FieldError::HttpsUrl,
            FieldError::Mobile,
            FieldError::Email,
            FieldError::BankCard,
            FieldError::RsaKey,
            FieldError::Certificate,
            FieldError::FileTooLarge { max_kb: 16 },
            FieldError::Image,
            FieldError::Choice {
                values: vec!["a".into(), "b".into()],
            },
            FieldError::TypedConfirmation {
                expected: "1900000101".into(),
            },
        ];
        for e in &all {
            match e {
                FieldError::Required
                | FieldError::Digits { .. }
                | FieldError::TooLong { .. }
                | FieldError::TooShort { .. }
                | FieldError::WrongPassword
                | FieldError::Mismatch
                | FieldError::BindingMismatch { .. }
                | FieldError::UnknownMerchant
                | FieldError::CodeExpired
                | FieldError::SmsCode
                | FieldError::NotRegistered
                | FieldError::AlreadyExists
                | FieldError::Date
                | FieldError::TooLarge { .. }
                | FieldError::TooSmall { .. }
                | FieldError::WechatAppId
                | FieldError::Alphanumeric { .. }
                | FieldError::AlipayPid
                | FieldError::Ratio
                | FieldError::HttpsUrl
                | FieldError::Mobile
                | FieldError::Email
                | FieldError::BankCard
                | FieldError::RsaKey
                | FieldError::Certificate
                | FieldError::FileTooLarge { .. }
                | FieldError::Image
                | FieldError::Choice { .. }
                | FieldError::TypedConfirmation { .. } => {}
            }
        }
        all
    }

    fn has_cjk(text: &str) -> bool {
        text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    /// Each language reads as itself: Chinese in Chinese, English without a Chinese character,
    /// and each a whole sentence.
    #[test]
    fn every_rule_message_is_a_sentence_in_its_language() {
        let all = every_variant();
        let kinds: std::collections::HashSet<_> = all.iter().map(std::mem::discriminant).collect();
        assert_eq!(kinds.len(), all.len(), "each variant once");
        for e in all {
            let (zh, en) = (e.message(Lang::Zh), e.message(Lang::En));
            assert!(has_cjk(&zh), "{e:?}: {zh}");
            assert!(!has_cjk(&en), "{e:?}: {en}");
            assert!(zh.ends_with('。') || zh.ends_with('）'), "{e:?}: {zh}");
            assert!(en.ends_with('.') || en.ends_with(')'), "{e:?}: {en}");
        }
    }
}
