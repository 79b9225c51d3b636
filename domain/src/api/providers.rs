//! Providers (服务商) and their sync by QR code (同步买单服务商信息), with the phone's view of it.

use serde::{Deserialize, Serialize};

use super::session::Account;

/// A WeChat Maidan provider (买单服务商) synced into the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderSummary {
    /// The Maidan provider ID (also this provider's ID in the API).
    pub provider_id: String,
    /// 云支付服务商 ID (`out_mch_id`): assigned when the provider is bound, unique in the
    /// account.
    pub out_mch_id: String,
    pub name: String,
    pub wechat_pay_configured: bool,
    pub alipay_configured: bool,
    /// When the provider was last synced, RFC 3339.
    pub synced_at: String,
    /// When a sub-merchant sync last brought all of its sub-merchants; `None`: never.
    pub sub_merchants_synced_at: Option<String>,
}

/// `DELETE /providers/{provider_id}`: 解绑, confirmed by typing the provider's ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnbindProvider {
    /// The provider's ID, typed by the operator.
    pub confirm: String,
}

impl UnbindProvider {
    /// The field errors of unbinding `provider_id` with this confirmation.
    pub fn check(&self, provider_id: &str) -> crate::rules::FormErrors {
        crate::rules::form_errors([(
            "confirm",
            crate::rules::typed_confirmation(&self.confirm, provider_id).err(),
        )])
    }
}

crate::wire_enum! {
    /// Where a provider sync ticket is in its life (二维码状态).
    pub enum TicketState {
        /// 待扫码: waiting for a scan.
        Pending = "pending",
        /// 已扫码: a phone opened the confirmation page.
        Scanned = "scanned",
        /// 同步中: confirmed; providers are being synced.
        Syncing = "syncing",
        /// 完成: synced; the result is attached.
        Completed = "completed",
        /// The sync failed; the ticket cannot be reused.
        Failed = "failed",
        /// Cancelled in the console or on the phone.
        Cancelled = "cancelled",
        /// Not confirmed in time.
        Expired = "expired",
    }
}

impl TicketState {
    /// True while the ticket may still be confirmed.
    pub const fn is_open(self) -> bool {
        matches!(self, TicketState::Pending | TicketState::Scanned)
    }

    /// True once nothing more will happen to the ticket.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            TicketState::Completed
                | TicketState::Failed
                | TicketState::Cancelled
                | TicketState::Expired
        )
    }
}

/// A provider named in a sync result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncedProvider {
    pub provider_id: String,
    pub name: String,
}

crate::wire_enum! {
    /// Why a provider was not synced.
    pub enum SkipReason {
        /// It already belongs to another Tencent Cloud account; it is never moved silently.
        BoundToAnotherAccount = "bound_to_another_account",
    }
}

impl SkipReason {
    pub const fn message(self, lang: crate::Lang) -> &'static str {
        match self {
            SkipReason::BoundToAnotherAccount => lang.pick(
                "该服务商已同步到其他腾讯云账号下，未做变更。如需迁移，请联系该账号的管理员。",
                "Already synced into another Tencent Cloud account; left unchanged. To move it, contact that account's administrator.",
            ),
        }
    }
}

/// A provider that was not synced, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkippedProvider {
    pub provider_id: String,
    pub name: String,
    pub reason: SkipReason,
}

/// What a provider sync did (新增 / 更新 / 未变化 / 跳过).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderSyncResult {
    pub new: Vec<SyncedProvider>,
    pub updated: Vec<SyncedProvider>,
    pub unchanged: Vec<SyncedProvider>,
    pub skipped: Vec<SkippedProvider>,
}

/// The console's view of its provider sync ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderSyncTicket {
    /// ≥ 128 random bits, hex.
    pub id: String,
    pub state: TicketState,
    /// The account the providers will land in.
    pub account: Account,
    pub created_at: String,
    pub expires_at: String,
    /// Seconds left before the code expires (0 once expired).
    pub expires_in_s: u64,
    /// The WeChat nickname of whoever confirmed it.
    pub confirmed_by: Option<String>,
    pub result: Option<ProviderSyncResult>,
}

/// What the phone shows before the admin confirms (no secrets, no session).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MobileProviderSyncTicket {
    pub id: String,
    pub state: TicketState,
    /// The Tencent Cloud account the providers will land in.
    pub account: Account,
    /// When and from where the code was requested.
    pub requested_at: String,
    pub requested_ip: String,
    pub expires_at: String,
    pub expires_in_s: u64,
    pub result: Option<ProviderSyncResult>,
    /// Who signed in with WeChat on this phone browser for this code; `None` on any other
    /// browser, and before the sign-in (the page then starts WeChat OAuth).
    pub signed_in_as: Option<PhoneIdentity>,
}

/// Who signed in on the phone, as WeChat or Alipay reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneIdentity {
    /// The WeChat openid or the Alipay user ID (`2088` + 12 digits).
    pub id: String,
    /// The WeChat nickname or the Alipay account's name.
    pub name: String,
}

/// A sandbox WeChat user (沙箱 identity) for the phone page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WechatUser {
    pub openid: String,
    pub nickname: String,
}
