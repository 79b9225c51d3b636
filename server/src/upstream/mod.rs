//! The WeChat Maidan service-provider assistant (微信买单服务商助手), as the console sees it.
//!
//! The server talks to it through [`MaidanUpstream`]: [`http::HttpUpstream`] speaks the signed
//! `/maidan/v1/` protocol ([`protocol`]) to `UPSTREAM_URL` in production; [`sandbox::Sandbox`]
//! is the deterministic, seeded world that runs in process with `--sandbox`, or as a service of
//! its own ([`sandbox_server`]) that the HTTP client can talk to.

pub mod http;
pub mod observed;
pub mod protocol;
pub mod sandbox;
pub mod sandbox_oauth;
pub mod sandbox_server;

use async_trait::async_trait;
pub use domain::api::{UpstreamCause, WechatUser};
use serde::{Deserialize, Serialize};

pub use observed::Observed;
pub use sandbox::{Sandbox, SandboxConfig};

/// A WeChat Maidan provider (买单服务商) as the upstream knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UpstreamProvider {
    /// The Maidan provider ID.
    pub provider_id: String,
    pub name: String,
    /// Openids of its assistant admins (服务商助手管理员).
    pub admins: Vec<String>,
}

/// A sub-merchant (子商户) of a provider, as the upstream knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamSubMerchant {
    /// The WeChat Pay merchant ID (sub_mch_id), unique upstream.
    pub merchant_id: String,
    pub provider_id: String,
    pub name: String,
    /// Whether the merchant ID has opened WeChat Maidan.
    pub maidan_opened: bool,
}

/// One page of a provider's sub-merchants, in a stable order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubMerchantPage {
    pub items: Vec<UpstreamSubMerchant>,
    /// Where the next page starts; `None` after the last page.
    pub next_cursor: Option<u64>,
    /// How many sub-merchants the provider has in all (for progress estimates).
    pub total: u64,
}

/// What the upstream answers when asked for a page of sub-merchants.
pub type PageAnswer = Result<SubMerchantPage, UpstreamError>;

/// A historical payment of a sub-merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamTransaction {
    pub id: String,
    pub merchant_id: String,
    /// In fen (0.01 CNY).
    pub amount_fen: i64,
    /// Unix milliseconds.
    pub paid_at_ms: i64,
}

/// An upstream call that did not succeed: why, as a cause a person reads in their language
/// ([`UpstreamCause`]), and the details for the log only.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UpstreamError {
    /// Worth retrying: a timeout, a broken connection, a 5xx of the upstream.
    #[error("upstream temporarily unavailable ({cause}): {detail}")]
    Transient {
        cause: UpstreamCause,
        detail: String,
    },
    /// The upstream said no, or answered what cannot be read: asking again would not help.
    #[error("upstream refused the call ({cause}): {detail}")]
    Rejected {
        cause: UpstreamCause,
        detail: String,
    },
}

impl UpstreamError {
    /// A failure worth retrying.
    pub fn unavailable(cause: UpstreamCause, detail: impl std::fmt::Display) -> UpstreamError {
        UpstreamError::Transient {
            cause,
            detail: detail.to_string(),
        }
    }

    /// A refusal: asking again would not help.
    pub fn refused(cause: UpstreamCause, detail: impl std::fmt::Display) -> UpstreamError {
        UpstreamError::Rejected {
            cause,
            detail: detail.to_string(),
        }
    }

    /// Why, for a person.
    pub fn cause(&self) -> UpstreamCause {
        match self {
            UpstreamError::Transient { cause, .. } | UpstreamError::Rejected { cause, .. } => {
                *cause
            }
        }
    }

    /// Why another try may succeed, when it may (what a [`crate::retry::RetryPolicy`] asks).
    pub fn transient(&self) -> Option<&str> {
        match self {
            UpstreamError::Transient { detail, .. } => Some(detail),
            UpstreamError::Rejected { .. } => None,
        }
    }
}

/// Why WeChat would not send a binding code or bind a merchant ID, in its own words (the
/// route decides which form field that is about).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error,
)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum BindingRefusal {
    /// WeChat Pay does not know the merchant ID.
    #[error("unknown merchant ID")]
    UnknownMerchant,
    /// No code of the merchant ID is valid any more (expired, used, tries used up, never sent).
    #[error("no valid code")]
    CodeExpired,
    /// The mobile, the bank card or the code differs from what is registered; one answer for
    /// all three, so that none is confirmed on its own.
    #[error("details do not match ({tries_left} tries left)")]
    DetailsMismatch { tries_left: u32 },
}

/// Why a binding call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BindingError {
    #[error(transparent)]
    Refused(BindingRefusal),
    /// A code was sent to this mobile a moment ago: seconds to wait.
    #[error("wait {0} s")]
    Cooldown(u64),
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
}

/// A binding code went out.
#[derive(Debug, Clone)]
pub struct CodeSent {
    pub cooldown_s: u64,
    pub expires_in_s: u64,
    /// The code itself, when the upstream is the sandbox.
    pub sandbox_code: Option<String>,
}

#[async_trait]
pub trait MaidanUpstream: Send + Sync + 'static {
    /// `"sandbox"` or the name of a production upstream.
    fn kind(&self) -> &'static str;

    /// The sandbox's own controls, when this upstream is the sandbox.
    fn sandbox(&self) -> Option<&Sandbox> {
        None
    }

    async fn wechat_user(&self, openid: &str) -> Result<Option<WechatUser>, UpstreamError>;

    /// The providers whose assistant admin this WeChat user is.
    async fn providers_administered_by(
        &self,
        openid: &str,
    ) -> Result<Vec<UpstreamProvider>, UpstreamError>;

    /// A page of a provider's sub-merchants, starting at `cursor` (0 for the first page).
    async fn sub_merchants(&self, provider_id: &str, cursor: u64, limit: u32) -> PageAnswer;

    /// Whether a WeChat Pay merchant ID has opened WeChat Maidan; `None` when the upstream
    /// does not know the merchant ID.
    async fn maidan_opened(&self, merchant_id: &str) -> Result<Option<bool>, UpstreamError>;

    /// 获取验证码: WeChat texts a code to the mobile, to bind the merchant ID.
    async fn send_binding_code(
        &self,
        merchant_id: &str,
        mobile: &str,
    ) -> Result<CodeSent, BindingError>;

    /// 已有商户号？立即绑定: opens WeChat Maidan for an existing merchant ID, given its
    /// registered mobile, its settlement card and the code texted to the mobile.
    async fn bind_merchant(&self, binding: &domain::api::MaidanBinding)
    -> Result<(), BindingError>;

    /// The historical transactions of one sub-merchant.
    async fn transactions(
        &self,
        merchant_id: &str,
    ) -> Result<Vec<UpstreamTransaction>, UpstreamError>;

    /// The historical transactions of several sub-merchants, in one call.
    async fn transactions_of(
        &self,
        merchant_ids: &[String],
    ) -> Result<Vec<UpstreamTransaction>, UpstreamError> {
        let mut all = Vec::new();
        for id in merchant_ids {
            all.extend(self.transactions(id).await?);
        }
        Ok(all)
    }
}
