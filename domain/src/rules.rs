//! Field rules, written once and used twice: inline in the browser as the user types, and
//! authoritatively on the server. Each failure is a [`FieldError`] whose message says what is
//! expected, in both languages.
//!
//! Long on purpose: the rules and the one exhaustive `match` that words every [`FieldError`]
//! sit together, so a new rule and its sentence are written side by side; over a third of the
//! file is their tests.

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

fn digits(value: &str, min: usize, max: usize) -> Result<&str, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::Required);
    }
    let ok = value.bytes().all(|b| b.is_ascii_digit()) && (min..=max).contains(&value.len());
    if ok {
        Ok(value)
    } else {
        Err(FieldError::Digits { min, max })
    }
}

/// A Tencent Cloud account ID (uin): digits only, 5–20 of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct AccountId(String);

impl AccountId {
    pub const MIN_LEN: usize = 5;
    pub const MAX_LEN: usize = 20;

    /// Checks a typed account ID (surrounding spaces are ignored).
    pub fn parse(value: &str) -> Result<AccountId, FieldError> {
        digits(value, Self::MIN_LEN, Self::MAX_LEN).map(|v| AccountId(v.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A login password: required, at most 128 characters (longer input is refused rather than
/// hashed, so that nobody can make the server hash megabytes).
pub fn login_password(value: &str) -> Result<&str, FieldError> {
    const MAX: usize = 128;
    if value.is_empty() {
        Err(FieldError::Required)
    } else if value.chars().count() > MAX {
        Err(FieldError::TooLong { max: MAX })
    } else {
        Ok(value)
    }
}

/// The shortest and longest password an account may be given.
pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 128;

/// A new password for an account (修改密码, `accounts add` and `set-password`): 12–128
/// characters.
pub fn new_password(value: &str) -> Result<&str, FieldError> {
    let length = value.chars().count();
    if value.is_empty() {
        Err(FieldError::Required)
    } else if length < PASSWORD_MIN {
        Err(FieldError::TooShort { min: PASSWORD_MIN })
    } else if length > PASSWORD_MAX {
        Err(FieldError::TooLong { max: PASSWORD_MAX })
    } else {
        Ok(value)
    }
}

/// A destructive step's confirmation: `typed` must be `expected` (surrounding spaces aside).
pub fn typed_confirmation<'a>(typed: &'a str, expected: &str) -> Result<&'a str, FieldError> {
    match typed.trim() {
        "" => Err(FieldError::Required),
        typed if typed == expected => Ok(typed),
        _ => Err(FieldError::TypedConfirmation {
            expected: expected.to_owned(),
        }),
    }
}

/// The new password typed a second time.
pub fn same_password<'a>(first: &str, second: &'a str) -> Result<&'a str, FieldError> {
    if second.is_empty() {
        Err(FieldError::Required)
    } else if first == second {
        Ok(second)
    } else {
        Err(FieldError::Mismatch)
    }
}

/// A calendar date `YYYY-MM-DD` (years 0001–9999, as RFC 3339's `full-date` and OpenAPI's
/// `format: date`), as days since 1970-01-01 (negative before it).
pub fn date(value: &str) -> Result<i64, FieldError> {
    let b = value.trim().as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        b.get(r)?.iter().try_fold(0_i64, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let parsed = (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
        .then(|| Some((digits(0..4)?, digits(5..7)?, digits(8..10)?)))
        .flatten();
    let (y, m, d) = parsed.ok_or(FieldError::Date)?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=9999).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > days_in[(m - 1) as usize]
    {
        return Err(FieldError::Date);
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok(era * 146_097 + doe - 719_468)
}

/// An SMS verification code: six digits.
pub fn sms_code(value: &str) -> Result<&str, FieldError> {
    let value = required(value)?;
    if value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value)
    } else {
        Err(FieldError::SmsCode)
    }
}

/// One of `options`, by its wire name (`as_str`); anything else names the choices.
pub fn choice<T: Copy>(
    value: &str,
    options: &[T],
    as_str: fn(T) -> &'static str,
) -> Result<T, FieldError> {
    options
        .iter()
        .copied()
        .find(|o| as_str(*o) == value)
        .ok_or_else(|| FieldError::Choice {
            values: options.iter().map(|o| as_str(*o).to_owned()).collect(),
        })
}

/// Something other than blanks, trimmed.
pub fn required(value: &str) -> Result<&str, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        Err(FieldError::Required)
    } else {
        Ok(value)
    }
}

/// A WeChat Pay merchant ID (mch_id / sub_mch_id): digits only, 8–32 (usually 10).
pub fn merchant_id(value: &str) -> Result<&str, FieldError> {
    digits(value, 8, 32)
}

/// A WeChat AppID: `wx` + 16 letters or digits.
pub fn wechat_app_id(value: &str) -> Result<&str, FieldError> {
    let value = required(value)?;
    let ok = value.len() == 18
        && value.starts_with("wx")
        && value[2..].bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(value)
    } else {
        Err(FieldError::WechatAppId)
    }
}

/// A WeChat Pay API key (v2 or v3): exactly 32 letters or digits.
pub fn wechat_api_key(value: &str) -> Result<&str, FieldError> {
    let value = required(value)?;
    if value.len() == 32 && value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(value)
    } else {
        Err(FieldError::Alphanumeric { len: 32 })
    }
}

/// An Alipay PID or user ID: `2088` + 12 digits.
pub fn alipay_pid(value: &str) -> Result<&str, FieldError> {
    let value = required(value)?;
    if value.len() == 16 && value.starts_with("2088") && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value)
    } else {
        Err(FieldError::AlipayPid)
    }
}

/// An Alipay application AppID: digits, 16 (up to 32).
pub fn alipay_app_id(value: &str) -> Result<&str, FieldError> {
    digits(value, 16, 32)
}

/// A rebate ratio (返佣比例) in percent: 0–100 with at most two decimals, as hundredths.
pub fn rebate_ratio(value: &str) -> Result<u32, FieldError> {
    let value = required(value)?;
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 3
        || fraction.len() > 2
        || !digits_only(whole)
        || !digits_only(fraction)
    {
        return Err(FieldError::Ratio);
    }
    let whole: u32 = whole.parse().map_err(|_| FieldError::Ratio)?;
    let fraction: u32 = format!("{fraction:0<2}")
        .parse()
        .map_err(|_| FieldError::Ratio)?;
    let hundredths = whole * 100 + fraction;
    if hundredths <= 100 * 100 {
        Ok(hundredths)
    } else {
        Err(FieldError::Ratio)
    }
}

/// An `https://` URL with a host, at most 256 characters.
pub fn https_url(value: &str) -> Result<&str, FieldError> {
    let value = required(value)?;
    if value.chars().count() > 256 {
        return Err(FieldError::TooLong { max: 256 });
    }
    let rest = value.strip_prefix("https://").ok_or(FieldError::HttpsUrl)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let valid_host = !host.is_empty()
        && host.contains('.')
        && !host.chars().any(|c| c.is_whitespace() || c == '@');
    if valid_host && !value.chars().any(char::is_whitespace) {
        Ok(value)
    } else {
        Err(FieldError::HttpsUrl)
    }
}

/// Free text of at most `max` characters (optional fields may be empty).
pub fn text(value: &str, max: usize) -> Result<&str, FieldError> {
    let value = value.trim();
    if value.chars().count() > max {
        Err(FieldError::TooLong { max })
    } else {
        Ok(value)
    }
}

/// A Cloud Pay ID (out_mch_id, out_sub_mch_id) or authentication key: 1–32 characters.
pub fn cloud_pay_id(value: &str) -> Result<&str, FieldError> {
    text(required(value)?, 32)
}

/// The longest email address accepted (RFC 5321's path limit less its brackets).
pub const EMAIL_MAX: usize = 254;

/// An email address as a person types it: one `@`, a local part of at most 64 characters
/// without spaces, and a domain of dot-separated labels (letters, digits, inner hyphens; any
/// script) ending in a top-level label of two or more letters.
pub fn email(value: &str) -> Result<&str, FieldError> {
    let value = required(value)?;
    if value.chars().count() > EMAIL_MAX {
        return Err(FieldError::TooLong { max: EMAIL_MAX });
    }
    let (local, domain) = value.split_once('@').ok_or(FieldError::Email)?;
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && !local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "@<>()[]\\,;:\"".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.chars().count() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let top_ok = labels
        .last()
        .is_some_and(|t| t.chars().count() >= 2 && t.chars().all(char::is_alphabetic));
    if local_ok && labels.len() >= 2 && labels.iter().all(label_ok) && top_ok {
        Ok(value)
    } else {
        Err(FieldError::Email)
    }
}

/// A mainland China mobile number: `1[3-9]` + 9 digits.
pub fn mobile(value: &str) -> Result<&str, FieldError> {
    let value = required(value)?;
    let b = value.as_bytes();
    let ok = b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit);
    if ok {
        Ok(value)
    } else {
        Err(FieldError::Mobile)
    }
}

/// True when the digits pass the Luhn check.
pub fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// A bank card number: 12–19 digits (spaces allowed) passing the Luhn check.
pub fn bank_card(value: &str) -> Result<String, FieldError> {
    let compact: String = required(value)?.chars().filter(|c| *c != ' ').collect();
    let ok = (12..=19).contains(&compact.len())
        && compact.bytes().all(|b| b.is_ascii_digit())
        && luhn(&compact);
    if ok {
        Ok(compact)
    } else {
        Err(FieldError::BankCard)
    }
}

/// The image types the console accepts, by their first bytes.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Decodes the first bytes of standard base64 (enough to read a file's signature).
fn base64_prefix(text: &str, bytes: usize) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(bytes + 3);
    for chunk in text.as_bytes().chunks(4).take(bytes.div_ceil(3)) {
        if chunk.len() < 4 {
            return None;
        }
        let n = chunk
            .iter()
            .try_fold(0_u32, |acc, c| Some(acc << 6 | u32::from(value(*c)?)))?;
        out.extend([(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    Some(out)
}

/// An image as a `data:` URL (PNG or JPEG, checked by content) of at most `max_kb`.
/// Empty means no image.
pub fn image_data_url(value: &str, max_kb: usize) -> Result<(), FieldError> {
    if value.is_empty() {
        return Ok(());
    }
    let (header, data) = value.split_once(',').ok_or(FieldError::Image)?;
    let declared = header
        .strip_prefix("data:")
        .and_then(|h| h.strip_suffix(";base64"))
        .ok_or(FieldError::Image)?;
    if data.len() / 4 * 3 > max_kb * 1024 {
        return Err(FieldError::FileTooLarge { max_kb });
    }
    match base64_prefix(data, 8).as_deref().and_then(image_type) {
        Some(actual) if actual == declared => Ok(()),
        _ => Err(FieldError::Image),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn an_email_address_is_whole() {
        for ok in [
            "admin@example.com",
            " admin@example.com ",
            "li.lei+maidan@shop.example.com.cn",
            "店长@例子.中国",
        ] {
            assert_eq!(email(ok), Ok(ok.trim()), "{ok}");
        }
        for bad in [
            "admin",
            "admin@",
            "@example.com",
            "admin@example",
            "admin@example.c",
            "admin@@example.com",
            "ad min@example.com",
            "admin@exa mple.com",
            "admin@-example.com",
            "admin@example..com",
            ".admin@example.com",
            "admin.@example.com",
            "a..b@example.com",
            "admin@example.com1",
        ] {
            assert_eq!(email(bad), Err(FieldError::Email), "{bad}");
        }
        assert_eq!(email(" "), Err(FieldError::Required));
        let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(190));
        assert_eq!(email(&long), Err(FieldError::TooLong { max: EMAIL_MAX }));
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(email(&long_local), Err(FieldError::Email));
    }

    #[test]
    fn a_typed_confirmation_is_the_expected_value_exactly() {
        assert_eq!(
            typed_confirmation(" 1900000101 ", "1900000101"),
            Ok("1900000101")
        );
        assert_eq!(
            typed_confirmation("", "1900000101"),
            Err(FieldError::Required)
        );
        let wrong = Err(FieldError::TypedConfirmation {
            expected: "1900000101".to_owned(),
        });
        assert_eq!(typed_confirmation("190000010", "1900000101"), wrong);
        assert_eq!(typed_confirmation("19000001011", "1900000101"), wrong);
    }

    #[test]
    fn account_ids_are_five_to_twenty_digits() {
        assert!(AccountId::parse("100000000001").is_ok());
        assert!(AccountId::parse("12345").is_ok());
        assert!(AccountId::parse("12345678901234567890").is_ok());
        assert_eq!(
            AccountId::parse(" 100000000001 ").map(|a| a.to_string()),
            Ok("100000000001".to_owned())
        );
        assert_eq!(AccountId::parse(""), Err(FieldError::Required));
        assert_eq!(AccountId::parse("   "), Err(FieldError::Required));
        let wrong = Err(FieldError::Digits { min: 5, max: 20 });
        assert_eq!(AccountId::parse("1234"), wrong);
        assert_eq!(AccountId::parse("123456789012345678901"), wrong);
        assert_eq!(AccountId::parse("10000a000001"), wrong);
        assert_eq!(AccountId::parse("１２３４５"), wrong, "full-width digits");
        assert_eq!(AccountId::parse("-12345"), wrong);
    }

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

    #[test]
    fn passwords_are_required_and_bounded() {
        assert_eq!(login_password(""), Err(FieldError::Required));
        assert_eq!(new_password(""), Err(FieldError::Required));
        assert_eq!(
            new_password("eleven-char"),
            Err(FieldError::TooShort { min: 12 })
        );
        assert!(new_password("twelve-chars").is_ok());
        assert!(
            new_password("十二个汉字的密码也可以用的").is_ok(),
            "counted in characters"
        );
        assert_eq!(
            new_password(&"x".repeat(129)),
            Err(FieldError::TooLong { max: 128 })
        );
        assert_eq!(
            same_password("a-new-password", ""),
            Err(FieldError::Required)
        );
        assert_eq!(
            same_password("a-new-password", "a-new-passwort"),
            Err(FieldError::Mismatch)
        );
        assert!(same_password("a-new-password", "a-new-password").is_ok());
        assert!(login_password("sandbox-demo").is_ok());
        assert_eq!(
            login_password(&"x".repeat(129)),
            Err(FieldError::TooLong { max: 128 })
        );
    }

    proptest! {
        #[test]
        fn any_five_to_twenty_digits_is_an_account_id(s in "[0-9]{5,20}") {
            prop_assert_eq!(AccountId::parse(&s).map(|a| a.to_string()), Ok(s));
        }

        #[test]
        fn anything_with_a_non_digit_is_refused(s in "[0-9]{0,10}[^0-9\\s]+[0-9]{0,10}") {
            prop_assert!(AccountId::parse(&s).is_err());
        }
    }

    #[test]
    fn merchant_ids_are_eight_to_thirty_two_digits() {
        assert!(merchant_id("1900000109").is_ok());
        assert!(merchant_id("12345678").is_ok());
        assert_eq!(
            merchant_id("1234567"),
            Err(FieldError::Digits { min: 8, max: 32 })
        );
        assert_eq!(
            merchant_id("19000001O9"),
            Err(FieldError::Digits { min: 8, max: 32 })
        );
    }

    #[test]
    fn wechat_app_ids_are_wx_and_sixteen() {
        assert!(wechat_app_id("wx8888888888888888").is_ok());
        assert!(wechat_app_id("wxd678efh567hg6787").is_ok());
        assert_eq!(
            wechat_app_id("wx888888888888888"),
            Err(FieldError::WechatAppId)
        );
        assert_eq!(
            wechat_app_id("wa8888888888888888"),
            Err(FieldError::WechatAppId)
        );
        assert_eq!(
            wechat_app_id("wx88888888888888-8"),
            Err(FieldError::WechatAppId)
        );
        assert_eq!(wechat_app_id(""), Err(FieldError::Required));
    }

    #[test]
    fn alipay_pids_start_with_2088() {
        assert!(alipay_pid("2088102146225135").is_ok());
        assert_eq!(alipay_pid("2089102146225135"), Err(FieldError::AlipayPid));
        assert_eq!(alipay_pid("208810214622513"), Err(FieldError::AlipayPid));
        assert_eq!(alipay_pid("20881021462251350"), Err(FieldError::AlipayPid));
        assert_eq!(alipay_pid("2088"), Err(FieldError::AlipayPid));
        assert!(alipay_app_id("2021000122671234").is_ok());
        assert!(alipay_app_id("202100012267123").is_err());
    }

    #[test]
    fn rebate_ratios_are_percentages_with_two_decimals() {
        assert_eq!(rebate_ratio("0"), Ok(0));
        assert_eq!(rebate_ratio("100"), Ok(10_000));
        assert_eq!(rebate_ratio("100.00"), Ok(10_000));
        assert_eq!(rebate_ratio("12.5"), Ok(1_250));
        assert_eq!(rebate_ratio("0.01"), Ok(1));
        assert_eq!(rebate_ratio("5."), Ok(500), "a trailing point is harmless");
        for bad in ["100.01", "101", "-1", "1.234", ".5", "1e2", "abc", "1,5"] {
            assert_eq!(rebate_ratio(bad), Err(FieldError::Ratio), "{bad}");
        }
        assert_eq!(rebate_ratio(""), Err(FieldError::Required));
    }

    #[test]
    fn callback_urls_must_be_https() {
        assert!(https_url("https://pay.example.com/notify").is_ok());
        assert!(https_url("https://pay.example.com").is_ok());
        assert_eq!(
            https_url("http://pay.example.com/notify"),
            Err(FieldError::HttpsUrl)
        );
        assert_eq!(https_url("https://"), Err(FieldError::HttpsUrl));
        assert_eq!(https_url("https://localhost/x"), Err(FieldError::HttpsUrl));
        assert_eq!(https_url("https://a b.com"), Err(FieldError::HttpsUrl));
        assert_eq!(
            https_url("https://user@evil.com"),
            Err(FieldError::HttpsUrl)
        );
    }

    #[test]
    fn mobile_numbers_are_mainland_numbers() {
        assert!(mobile("13800138000").is_ok());
        assert!(mobile("19912345678").is_ok());
        assert_eq!(mobile("12800138000"), Err(FieldError::Mobile));
        assert_eq!(mobile("1380013800"), Err(FieldError::Mobile));
        assert_eq!(mobile("+8613800138000"), Err(FieldError::Mobile));
    }

    #[test]
    fn bank_cards_pass_luhn() {
        assert_eq!(
            bank_card("6222 0202 0000 0000 014").map(|c| c.len()),
            Ok(19)
        );
        assert!(bank_card("4111111111111111").is_ok());
        assert_eq!(bank_card("4111111111111112"), Err(FieldError::BankCard));
        assert_eq!(bank_card("41111111111"), Err(FieldError::BankCard));
        assert_eq!(bank_card(""), Err(FieldError::Required));
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

    /// Appends the Luhn check digit to a body of digits.
    fn with_check_digit(body: &str) -> String {
        (0..10)
            .map(|d| format!("{body}{d}"))
            .find(|n| luhn(n))
            .expect("one digit always fits")
    }

    proptest! {
        #[test]
        fn any_thirty_two_letters_or_digits_is_an_api_key(key in "[A-Za-z0-9]{32}") {
            prop_assert_eq!(wechat_api_key(&key), Ok(key.as_str()));
        }

        #[test]
        fn any_other_length_is_not_an_api_key(key in "[A-Za-z0-9]{1,31}|[A-Za-z0-9]{33,40}") {
            prop_assert_eq!(wechat_api_key(&key), Err(FieldError::Alphanumeric { len: 32 }));
        }

        #[test]
        fn a_symbol_spoils_an_api_key(head in "[A-Za-z0-9]{10}", sym in "[^A-Za-z0-9 ]", tail in "[A-Za-z0-9]{21}") {
            let key = format!("{head}{sym}{tail}");
            prop_assert!(wechat_api_key(&key).is_err());
        }

        #[test]
        fn any_mainland_mobile_passes_and_other_shapes_fail(
            second in "[3-9]",
            rest in "[0-9]{9}",
            bad_second in "[0-2]",
            short in "[0-9]{1,10}",
        ) {
            let good = format!("1{second}{rest}");
            prop_assert_eq!(mobile(&good), Ok(good.as_str()));
            let bad = format!("1{bad_second}{rest}");
            prop_assert_eq!(mobile(&bad), Err(FieldError::Mobile));
            prop_assert!(mobile(&short).is_err());
            let long = format!("{good}0");
            prop_assert!(mobile(&long).is_err());
        }

        #[test]
        fn a_card_with_its_check_digit_passes_and_a_changed_digit_fails(
            body in "[0-9]{11,18}",
            pos in 0usize..11,
            bump in 1u8..10,
        ) {
            let card = with_check_digit(&body);
            prop_assert!(bank_card(&card).is_ok());
            let mut bytes = card.clone().into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + bump) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(bank_card(&changed).is_err(), "{} vs {}", card, changed);
        }

        #[test]
        fn any_2088_pid_passes(rest in "[0-9]{12}") {
            let pid = format!("2088{rest}");
            prop_assert!(alipay_pid(&pid).is_ok());
        }

        #[test]
        fn ratios_round_trip_through_hundredths(h in 0u32..=10_000) {
            let text = format!("{}.{:02}", h / 100, h % 100);
            prop_assert_eq!(rebate_ratio(&text), Ok(h));
        }
    }

    #[test]
    fn images_are_checked_by_content_not_by_name() {
        // The first 12 bytes of a PNG and of a JPEG, base64.
        let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==";
        let jpeg = "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ==";
        assert_eq!(image_data_url(png, 200), Ok(()));
        assert_eq!(image_data_url(jpeg, 200), Ok(()));
        assert_eq!(image_data_url("", 200), Ok(()));
        // A PNG that claims to be a JPEG, a GIF, text.
        assert_eq!(
            image_data_url("data:image/jpeg;base64,iVBORw0KGgoAAAANSUhEUg==", 200),
            Err(FieldError::Image)
        );
        assert_eq!(
            image_data_url("data:image/gif;base64,R0lGODlhAQABAIAAAA==", 200),
            Err(FieldError::Image)
        );
        assert_eq!(
            image_data_url("data:image/png;base64,aGVsbG8gd29ybGQhIQ==", 200),
            Err(FieldError::Image)
        );
        assert_eq!(
            image_data_url("https://example.com/logo.png", 200),
            Err(FieldError::Image)
        );
        let big = format!(
            "data:image/png;base64,iVBORw0KGgo{}",
            "A".repeat(300 * 1024)
        );
        assert_eq!(
            image_data_url(&big, 200),
            Err(FieldError::FileTooLarge { max_kb: 200 })
        );
    }
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn dates_count_days_from_1970_and_refuse_what_is_not_a_day() {
        assert_eq!(date("1970-01-01"), Ok(0));
        assert_eq!(date("2026-01-01"), Ok(20_454));
        assert_eq!(date("2024-02-29"), Ok(19_782));
        assert_eq!(date("1969-12-31"), Ok(-1));
        assert_eq!(date("0001-01-01"), Ok(-719_162));
        assert_eq!(date("9999-12-31"), Ok(2_932_896));
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-1-01",
            "26-01-01",
            "",
            "2026/01/01",
            "0000-01-01",
            "2026-01-32",
        ] {
            assert_eq!(date(bad), Err(FieldError::Date), "{bad}");
        }
    }
}
