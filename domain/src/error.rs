//! Stable error codes and the JSON error envelope.
//!
//! Every API error is `{"error": ErrorBody}`. `code` is stable and machine-readable;
//! `message` is a sentence in the request's language that says what is wrong and what to do;
//! `request_id` lets a person quote the failure to support.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{FieldError, Lang};

crate::wire_enum! {
    /// The stable error codes of the API (the `code` of the envelope).
    pub enum ErrorCode {
        Unauthenticated = "Unauthenticated",
        Forbidden = "Forbidden",
        NotFound = "NotFound",
        Validation = "Validation",
        RateLimited = "RateLimited",
        ProvidersNotSynced = "ProvidersNotSynced",
        MaidanNotOpened = "MaidanNotOpened",
        TicketExpired = "TicketExpired",
        TicketUsed = "TicketUsed",
        NotMaidanAdmin = "NotMaidanAdmin",
        SubProviderNotFound = "SubProviderNotFound",
        JobRunning = "JobRunning",
        Internal = "Internal",
    }
}

impl ErrorCode {
    /// The HTTP status this code is answered with.
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden | ErrorCode::NotMaidanAdmin => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Validation | ErrorCode::SubProviderNotFound => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::ProvidersNotSynced
            | ErrorCode::MaidanNotOpened
            | ErrorCode::TicketUsed
            | ErrorCode::JobRunning => 409,
            ErrorCode::TicketExpired => 410,
            ErrorCode::Internal => 500,
        }
    }

    /// What went wrong and what to do next, in `lang`.
    pub const fn message(self, lang: Lang) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => lang.pick(
                "尚未登录或登录已过期，请重新登录。",
                "You are not signed in or your session has expired. Please sign in again.",
            ),
            ErrorCode::Forbidden => lang.pick(
                "当前账号无权执行此操作。请使用有权限的账号登录后重试。",
                "This account may not do that. Sign in with an account that has permission.",
            ),
            ErrorCode::NotFound => lang.pick(
                "找不到该资源，它可能不存在或不属于当前账号。请检查链接后重试。",
                "Not found: it does not exist or does not belong to this account. Check the link.",
            ),
            ErrorCode::Validation => lang.pick(
                "部分内容填写有误，请按字段下方的提示修改后重新提交。",
                "Some fields are not valid. Correct them as shown below each field and submit again.",
            ),
            ErrorCode::RateLimited => lang.pick(
                "操作过于频繁，请稍后再试。",
                "Too many requests. Please wait and try again.",
            ),
            ErrorCode::ProvidersNotSynced => lang.pick(
                "请先同步服务商：当前账号下还没有同步过来的买单服务商，请先在【服务商账户管理(新)】中扫码同步。",
                "Sync providers first: this account has no WeChat Maidan providers yet. Sync them by QR scan under Providers.",
            ),
            ErrorCode::MaidanNotOpened => lang.pick(
                "该子商户的微信支付商户号还没有开通微信买单，需要先开通才能切换。",
                "This sub-merchant's WeChat Pay merchant ID has not opened WeChat Maidan. Open it first, then switch.",
            ),
            ErrorCode::TicketExpired => lang.pick(
                "二维码已过期，请刷新二维码后重新扫码。",
                "The QR code has expired. Refresh it and scan again.",
            ),
            ErrorCode::TicketUsed => lang.pick(
                "该二维码已被使用，不能再次确认。请在控制台刷新二维码后重新扫码。",
                "This QR code has already been used. Refresh it in the console and scan again.",
            ),
            ErrorCode::NotMaidanAdmin => lang.pick(
                "必须使用微信买单服务商助手管理员的微信扫码。请让管理员扫码确认。",
                "The code must be scanned with the WeChat of a WeChat Maidan provider assistant admin. Ask an admin to scan it.",
            ),
            ErrorCode::SubProviderNotFound => lang.pick(
                "该腾讯云账号 ID 不是本服务商的子服务商，请先在【子服务商】中添加。",
                "This Tencent Cloud account ID is not one of this provider's sub-providers. Add it under Sub-providers first.",
            ),
            ErrorCode::JobRunning => lang.pick(
                "本账号有同步或历史交易归属调整正在进行，请等待其完成后再试。",
                "A sync or a transaction re-attribution is running in this account. Wait until it finishes, then try again.",
            ),
            ErrorCode::Internal => lang.pick(
                "服务器内部错误，请稍后重试；如仍失败，请联系技术支持并提供请求 ID。",
                "Something went wrong on our side. Try again later; if it persists, contact support with the request ID.",
            ),
        }
    }
}

/// A more precise cause than the code alone, where a person needs a different sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorReason {
    /// Login: the account ID or the password is wrong.
    WrongCredentials,
    /// Login: too many wrong passwords for this account in the last minute.
    TooManyLoginAttempts,
    /// A state-changing request came from another site (CSRF protection).
    CrossOrigin,
    /// The request body is not the JSON the endpoint expects.
    MalformedRequest,
    /// A QR ticket that was cancelled (in the console or on the phone).
    TicketCancelled,
    /// Too many QR codes requested in a minute.
    TooManyTickets,
    /// A sub-merchant sync just ended; the next may start after the cooldown.
    SyncCooldown,
    /// The phone confirms before signing in with WeChat or Alipay on this browser.
    PhoneSignInRequired,
    /// A sign-in came back with a state that is unknown, spent, expired or another browser's.
    PhoneSignInInvalid,
    /// Another phone signed in for this QR code first.
    OtherPhone,
    /// WeChat or Alipay refused the sign-in code, or could not be reached.
    PhoneSignInRefused,
    /// Too many requests from this address in a minute.
    TooManyRequests,
    /// Too many sign-ins are being checked at once.
    SignInBusy,
    /// Too many SMS codes for this merchant ID or from this address in an hour.
    TooManyCodes,
}

impl ErrorReason {
    pub const fn message(self, lang: Lang) -> &'static str {
        match self {
            ErrorReason::WrongCredentials => lang.pick(
                "账号 ID 或密码错误，请检查后重新输入。",
                "The account ID or password is wrong. Check them and try again.",
            ),
            ErrorReason::TooManyLoginAttempts => lang.pick(
                "密码错误次数过多，该账号已暂时锁定。",
                "Too many wrong passwords: this account is locked for a while.",
            ),
            ErrorReason::CrossOrigin => lang.pick(
                "请求来自其他站点，已被拒绝。请直接在控制台页面中操作。",
                "The request came from another site and was refused. Use the console page itself.",
            ),
            ErrorReason::TicketCancelled => lang.pick(
                "该二维码已取消，请在控制台重新生成二维码后再扫码。",
                "This QR code was cancelled. Generate a new one in the console and scan again.",
            ),
            ErrorReason::SyncCooldown => lang.pick(
                "上一次子商户同步刚刚结束，无需频繁同步。",
                "A sub-merchant sync has just finished; there is no need to sync again so soon.",
            ),
            ErrorReason::TooManyTickets => {
                lang.pick("二维码生成过于频繁。", "QR codes were requested too often.")
            }
            ErrorReason::PhoneSignInRequired => lang.pick(
                "请先在这部手机上完成授权登录，再确认。",
                "Sign in on this phone first, then confirm.",
            ),
            ErrorReason::PhoneSignInInvalid => lang.pick(
                "授权登录已失效或已使用过，请重新扫描控制台上的二维码。",
                "This sign-in has expired or was already used. Scan the QR code in the console again.",
            ),
            ErrorReason::OtherPhone => lang.pick(
                "该二维码已在另一部手机上授权，请在那部手机上确认，或在控制台重新生成二维码。",
                "Another phone has signed in for this QR code. Confirm on that phone, or generate a new code in the console.",
            ),
            ErrorReason::TooManyRequests => lang.pick(
                "请求过于频繁，请稍后再试。",
                "Too many requests from this address.",
            ),
            ErrorReason::TooManyCodes => lang.pick(
                "验证码获取次数过多（同一商户号的同一手机号、同一网络每小时最多 5 次）。",
                "Too many codes were asked for (at most 5 an hour per merchant ID and mobile, and per network).",
            ),
            ErrorReason::SignInBusy => lang.pick(
                "登录请求较多，请稍后再试。",
                "Many sign-ins are being checked right now.",
            ),
            ErrorReason::PhoneSignInRefused => lang.pick(
                "授权登录未成功，请重新授权。",
                "The sign-in did not succeed. Sign in again.",
            ),
            ErrorReason::MalformedRequest => lang.pick(
                "请求格式不正确，无法处理。请刷新页面后重试。",
                "The request is not in the expected format. Reload the page and try again.",
            ),
        }
    }
}

/// A field's problem, as carried in `fields` of a `Validation` error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldIssue {
    /// The rule that failed, so a client can show the message in its own language.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub rule: FieldError,
    pub message: String,
}

/// The body of every API error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ErrorReason>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, FieldIssue>,
    /// Seconds to wait before retrying (`RateLimited`); also sent as `Retry-After`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
    pub request_id: String,
}

/// `{"error": ErrorBody}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

/// The sentence shown for an error: the reason's (or the code's) message, plus the wait.
pub fn describe(
    code: ErrorCode,
    reason: Option<ErrorReason>,
    retry_after_s: Option<u64>,
    lang: Lang,
) -> String {
    let base = reason.map_or_else(|| code.message(lang), |r| r.message(lang));
    match retry_after_s {
        Some(s) => match lang {
            Lang::Zh => format!("{base}请在 {s} 秒后重试。"),
            Lang::En => format!("{base} Try again in {s} s."),
        },
        None => base.to_owned(),
    }
}

impl ErrorBody {
    /// This error's sentence in `lang` (independent of the language the server answered in).
    pub fn describe(&self, lang: Lang) -> String {
        describe(self.code, self.reason, self.retry_after_s, lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_status_and_both_languages() {
        for code in ErrorCode::ALL {
            assert!((400..600).contains(&code.http_status()), "{code:?}");
            assert!(
                code.message(Lang::Zh)
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{code:?} Chinese has no Chinese"
            );
            assert!(
                code.message(Lang::En).is_ascii(),
                "{code:?} English has CJK"
            );
            assert_ne!(code.message(Lang::Zh), code.message(Lang::En));
        }
    }

    #[test]
    fn codes_travel_as_their_names() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn contract_statuses_match_the_design() {
        use ErrorCode::*;
        let expected = [
            (Unauthenticated, 401),
            (Forbidden, 403),
            (NotFound, 404),
            (Validation, 422),
            (RateLimited, 429),
            (ProvidersNotSynced, 409),
            (MaidanNotOpened, 409),
            (TicketExpired, 410),
            (TicketUsed, 409),
            (NotMaidanAdmin, 403),
            (SubProviderNotFound, 422),
            (Internal, 500),
        ];
        for (code, status) in expected {
            assert_eq!(code.http_status(), status, "{code:?}");
        }
    }

    #[test]
    fn a_rate_limit_says_how_long_to_wait() {
        let zh = describe(
            ErrorCode::RateLimited,
            Some(ErrorReason::TooManyLoginAttempts),
            Some(42),
            Lang::Zh,
        );
        assert!(zh.contains("42 秒"), "{zh}");
        let en = describe(ErrorCode::RateLimited, None, Some(7), Lang::En);
        assert!(en.ends_with("Try again in 7 s."), "{en}");
    }

    #[test]
    fn the_envelope_omits_empty_parts() {
        let body = ErrorEnvelope {
            error: ErrorBody {
                code: ErrorCode::NotFound,
                message: "m".into(),
                reason: None,
                fields: BTreeMap::new(),
                retry_after_s: None,
                request_id: "r1".into(),
            },
        };
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "NotFound", "message": "m", "request_id": "r1"}})
        );
    }
}
