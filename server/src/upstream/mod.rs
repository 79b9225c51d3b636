//! The WeChat Maidan service-provider assistant (微信买单服务商助手), as the console sees it.
//!
//! The real service cannot be reached from here, so the server talks to it through
//! [`MaidanUpstream`]; [`sandbox::Sandbox`] is the deterministic, seeded implementation that
//! ships and is the embedded default.

pub mod sandbox;

use async_trait::async_trait;
pub use domain::api::WechatUser;
use serde::Serialize;

pub use sandbox::{Sandbox, SandboxConfig};

/// A WeChat Maidan provider (买单服务商) as the upstream knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UpstreamProvider {
    /// The Maidan provider ID.
    pub provider_id: String,
    pub name: String,
    /// Openids of its assistant admins (服务商助手管理员).
    pub admins: Vec<String>,
}

/// An upstream call that did not succeed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UpstreamError {
    /// Worth retrying: a timeout or a 5xx of the upstream.
    #[error("upstream temporarily unavailable: {0}")]
    Transient(String),
    #[error("upstream refused the call: {0}")]
    Rejected(String),
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
}
