//! Why WeChat Maidan did not answer a call: the cause a failed job keeps, worded in the
//! reader's language.

use serde::{Deserialize, Serialize};

/// Why WeChat Maidan did not answer a call as asked, as data: the console words it in the
/// reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum UpstreamCause {
    /// No answer in time.
    Timeout,
    /// No connection could be made, or it broke off.
    ConnectionFailed,
    /// An HTTP error status with no answer of the protocol.
    HttpStatus { status: u16 },
    /// It said that it cannot answer now.
    Unavailable,
    /// It refused the console's credentials (app ID or signature).
    Unauthorized,
    /// It does not know what the call names (the provider).
    NotFound,
    /// It refused the call as malformed.
    Refused,
    /// Its answer was not the protocol's JSON.
    UnreadableAnswer,
    /// Its answer was larger than the console reads.
    AnswerTooLarge,
    /// The sandbox injected a fault (沙箱).
    SandboxFault,
    /// The sandbox was set to be down (沙箱).
    SandboxDown,
    /// The console failed before it could ask.
    Internal,
}

impl UpstreamCause {
    /// The stable code, as on the wire (the log's words).
    pub const fn as_str(self) -> &'static str {
        match self {
            UpstreamCause::Timeout => "timeout",
            UpstreamCause::ConnectionFailed => "connection_failed",
            UpstreamCause::HttpStatus { .. } => "http_status",
            UpstreamCause::Unavailable => "unavailable",
            UpstreamCause::Unauthorized => "unauthorized",
            UpstreamCause::NotFound => "not_found",
            UpstreamCause::Refused => "refused",
            UpstreamCause::UnreadableAnswer => "unreadable_answer",
            UpstreamCause::AnswerTooLarge => "answer_too_large",
            UpstreamCause::SandboxFault => "sandbox_fault",
            UpstreamCause::SandboxDown => "sandbox_down",
            UpstreamCause::Internal => "internal",
        }
    }

    /// Whether another try later may succeed (what a person can do about it: wait).
    pub const fn is_transient(self) -> bool {
        match self {
            UpstreamCause::HttpStatus { status } => status >= 500 || status == 429,
            UpstreamCause::Timeout
            | UpstreamCause::ConnectionFailed
            | UpstreamCause::Unavailable
            | UpstreamCause::SandboxFault
            | UpstreamCause::SandboxDown => true,
            UpstreamCause::Unauthorized
            | UpstreamCause::NotFound
            | UpstreamCause::Refused
            | UpstreamCause::UnreadableAnswer
            | UpstreamCause::AnswerTooLarge
            | UpstreamCause::Internal => false,
        }
    }

    /// The cause in `lang`: a clause, without a final stop.
    pub fn message(self, lang: crate::Lang) -> String {
        let text = match self {
            UpstreamCause::HttpStatus { status } => {
                return match lang {
                    crate::Lang::Zh => format!("服务返回状态码 {status}"),
                    crate::Lang::En => format!("it answered with status {status}"),
                };
            }
            UpstreamCause::Timeout => lang.pick("请求超时", "the request timed out"),
            UpstreamCause::ConnectionFailed => lang.pick("连接失败", "the connection failed"),
            UpstreamCause::Unavailable => {
                lang.pick("服务暂时不可用", "it is temporarily unavailable")
            }
            UpstreamCause::Unauthorized => lang.pick(
                "控制台的调用凭据（应用 ID 或签名）被拒绝，请检查上游配置",
                "it refused the console's credentials (app ID or signature); check the upstream settings",
            ),
            UpstreamCause::NotFound => lang.pick(
                "微信买单中没有该服务商",
                "WeChat Maidan does not know this provider",
            ),
            UpstreamCause::Refused => lang.pick("请求被拒绝", "it refused the request"),
            UpstreamCause::UnreadableAnswer => {
                lang.pick("返回内容无法解析", "its answer could not be read")
            }
            UpstreamCause::AnswerTooLarge => lang.pick("返回内容过大", "its answer was too large"),
            UpstreamCause::SandboxFault => {
                lang.pick("沙箱注入的故障", "a fault injected by the sandbox")
            }
            UpstreamCause::SandboxDown => {
                lang.pick("沙箱已设为不可用", "the sandbox is set to be down")
            }
            UpstreamCause::Internal => lang.pick("控制台内部错误", "an internal error of the console"),
        };
        text.to_owned()
    }

    /// The cause a job failed before causes were kept, read off the upstream's words it kept
    /// instead (`None` when they name none).
    pub fn from_legacy_detail(detail: &str) -> Option<UpstreamCause> {
        let lower = detail.to_ascii_lowercase();
        let status = lower.split("http ").nth(1).and_then(|rest| {
            rest.get(..3)
                .filter(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|digits| digits.parse().ok())
        });
        let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
        Some(if let Some(status) = status {
            UpstreamCause::HttpStatus { status }
        } else if has(&["sandbox fault"]) {
            UpstreamCause::SandboxFault
        } else if has(&["sandbox is down"]) {
            UpstreamCause::SandboxDown
        } else if has(&["timed out", "timeout"]) {
            UpstreamCause::Timeout
        } else if has(&["unreadable answer"]) {
            UpstreamCause::UnreadableAnswer
        } else if has(&["larger than"]) {
            UpstreamCause::AnswerTooLarge
        } else if has(&["unauthorized"]) {
            UpstreamCause::Unauthorized
        } else if has(&["notfound", "no provider"]) {
            UpstreamCause::NotFound
        } else if has(&["connect", "sending request", "reading the answer"]) {
            UpstreamCause::ConnectionFailed
        } else if has(&["unavailable"]) {
            UpstreamCause::Unavailable
        } else {
            return None;
        })
    }
}

impl std::fmt::Display for UpstreamCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UpstreamCause::HttpStatus { status } => write!(f, "http_status {status}"),
            other => f.write_str(other.as_str()),
        }
    }
}
