//! Request and response types of the JSON API under `/api/v1`.

use serde::{Deserialize, Serialize};

use crate::rules::AccountId;

/// `POST /api/v1/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub account_id: String,
    pub password: String,
}

/// What a console account is to Cloud Pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountRole {
    /// A service provider (服务商): syncs and configures its providers and sub-merchants.
    Provider,
    /// A sub-provider (子服务商): sees, read-only, what is attributed to it.
    SubProvider,
}

/// A Tencent Cloud account that signs in to the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub role: AccountRole,
}

/// `GET /api/v1/session`: who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub account: Account,
    /// When the session ends, RFC 3339.
    pub expires_at: String,
    /// True when the upstream is the sandbox: the UI marks sandbox-only things as such.
    pub sandbox: bool,
}

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
    pub upstream: String,
}
