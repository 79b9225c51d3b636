//! Signing in and who is signed in.

use serde::{Deserialize, Serialize};

use crate::rules::AccountId;

/// `POST /api/v1/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]{5,20}$"))]
    pub account_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 128))]
    pub password: crate::Secret,
}

/// `PUT /session/password`: 修改密码. The new password is typed twice in the page; only the
/// first travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 128))]
    pub current_password: crate::Secret,
    /// 12–128 characters.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 12, max_length = 128))]
    pub new_password: crate::Secret,
}

crate::wire_enum! {
    /// What a console account is to Cloud Pay.
    pub enum AccountRole {
        /// A service provider (服务商): syncs and configures its providers and sub-merchants.
        Provider = "provider",
        /// A sub-provider (子服务商): sees, read-only, what is attributed to it.
        SubProvider = "sub_provider",
    }
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

/// `GET /api/v1/health/ready`: `200` while this replica can serve (`ready`, or `degraded` when
/// only the upstream fails: sign-in, pages and stored data still work, so a load balancer keeps
/// every replica), `503` when it cannot (`not_ready`: its database or its job workers). Each part
/// says only how it is; why is in the replica's log, under the request's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    pub status: ReadinessState,
    /// `database`, `upstream` and `jobs`, in that order.
    pub checks: Vec<ReadinessCheck>,
}

crate::wire_enum! {
    /// Whether a replica should get traffic.
    pub enum ReadinessState {
        /// Every part answers.
        Ready = "ready",
        /// It serves, without what the failing part does (the upstream: syncs and bindings wait).
        Degraded = "degraded",
        /// It cannot serve: `503`.
        NotReady = "not_ready",
    }
}

crate::wire_enum! {
    /// How one part of a replica is.
    pub enum PartHealth {
        Ok = "ok",
        /// It fails, but the replica still serves without it.
        Degraded = "degraded",
        /// It fails, and the replica cannot serve.
        Down = "down",
    }
}

/// One part of [`Readiness`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadinessCheck {
    pub name: String,
    pub status: PartHealth,
}

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
    pub upstream: String,
}
