//! Request and response types of the JSON API under `/api/v1`.

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

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
    pub upstream: String,
}

/// One page of a list: `{items, total, page, page_size}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
}

impl<T> Page<T> {
    /// How many pages there are (at least 1).
    pub fn pages(&self) -> u32 {
        let size = u64::from(self.page_size.max(1));
        u32::try_from(self.total.div_ceil(size).max(1)).unwrap_or(u32::MAX)
    }
}

/// The paging and search rules of every list: page 1–100,000, page size 1–100, search ≤ 100
/// characters.
pub fn check_paging(
    page: Option<u32>,
    page_size: Option<u32>,
    q: Option<&str>,
) -> Vec<(&'static str, crate::FieldError)> {
    use crate::FieldError;
    let mut errors = Vec::new();
    match page {
        Some(0) => errors.push(("page", FieldError::TooSmall { min: 1 })),
        Some(page) if page > ListQuery::MAX_PAGE => errors.push((
            "page",
            FieldError::TooLarge {
                max: u64::from(ListQuery::MAX_PAGE),
            },
        )),
        _ => {}
    }
    match page_size {
        Some(0) => errors.push(("page_size", FieldError::TooSmall { min: 1 })),
        Some(size) if size > ListQuery::MAX_PAGE_SIZE => errors.push((
            "page_size",
            FieldError::TooLarge {
                max: u64::from(ListQuery::MAX_PAGE_SIZE),
            },
        )),
        _ => {}
    }
    if q.is_some_and(|q| q.chars().count() > ListQuery::MAX_SEARCH_CHARS) {
        errors.push((
            "q",
            FieldError::TooLong {
                max: ListQuery::MAX_SEARCH_CHARS,
            },
        ));
    }
    errors
}

/// Paging and search of a list request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct ListQuery {
    /// Text to search for (name or ID), at most 100 characters.
    #[cfg_attr(feature = "openapi", param(max_length = 100))]
    pub q: Option<String>,
    /// 1-based page number (default 1).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100_000))]
    pub page: Option<u32>,
    /// Rows per page, 1–100 (default 20).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub page_size: Option<u32>,
}

impl ListQuery {
    pub const DEFAULT_PAGE_SIZE: u32 = 20;
    pub const MAX_PAGE_SIZE: u32 = 100;
    /// The last page a list serves (10 million rows at the largest page size).
    pub const MAX_PAGE: u32 = 100_000;

    /// The longest search text.
    pub const MAX_SEARCH_CHARS: usize = 100;

    /// What the API refuses (422) rather than clamps: a page outside 1–100,000, a page size
    /// outside 1–100, a search text over 100 characters.
    pub fn check(&self) -> Vec<(&'static str, crate::FieldError)> {
        check_paging(self.page, self.page_size, self.q.as_deref())
    }

    /// `(page, page_size)` clamped to what the API serves.
    pub fn paging(&self) -> (u32, u32) {
        let page = self.page.unwrap_or(1).max(1);
        let size = self
            .page_size
            .unwrap_or(Self::DEFAULT_PAGE_SIZE)
            .clamp(1, Self::MAX_PAGE_SIZE);
        (page, size)
    }

    /// The trimmed search text, if any.
    pub fn search(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }
}

/// A WeChat Maidan provider (买单服务商) synced into the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderSummary {
    /// The Maidan provider ID (also this provider's ID in the API).
    pub provider_id: String,
    pub name: String,
    pub wechat_pay_configured: bool,
    pub alipay_configured: bool,
    /// When the provider was last synced, RFC 3339.
    pub synced_at: String,
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

/// `POST /sandbox/providers`: add a provider upstream (sandbox only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewSandboxProvider {
    /// 1–64 characters.
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 64))]
    pub name: String,
    /// One of the sandbox's WeChat users (`GET /sandbox/wechat-users`).
    pub admin_openid: String,
}

/// `POST /m/maidan/sms-codes`: send an SMS code to the mobile, for binding a merchant ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaidanSmsRequest {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]{8,32}$"))]
    pub merchant_id: String,
    #[cfg_attr(feature = "openapi", schema(pattern = r"^1[3-9][0-9]{9}$"))]
    pub mobile: String,
}

/// A code was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaidanSmsSent {
    /// Seconds before another code may be asked for.
    pub cooldown_s: u64,
    /// Seconds the code stays valid.
    pub expires_in_s: u64,
    /// The code itself, only from the sandbox (shown in its 沙箱 banner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox_code: Option<String>,
}

/// `POST /m/maidan/bindings`: 已有商户号？立即绑定 — open WeChat Maidan for a merchant ID.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaidanBinding {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]{8,32}$"))]
    pub merchant_id: String,
    #[cfg_attr(feature = "openapi", schema(pattern = r"^1[3-9][0-9]{9}$"))]
    pub mobile: String,
    /// 12–19 digits (spaces between them are ignored) passing the Luhn check.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^ *([0-9] *){12,19}$"))]
    pub bank_card: String,
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]{6}$"))]
    pub code: String,
}

impl MaidanBinding {
    /// Every field by its rule (what the phone checks as the user types).
    pub fn check(&self) -> Vec<(&'static str, crate::FieldError)> {
        let mut errors = Vec::new();
        if let Err(e) = crate::rules::merchant_id(&self.merchant_id) {
            errors.push(("merchant_id", e));
        }
        if let Err(e) = crate::rules::mobile(&self.mobile) {
            errors.push(("mobile", e));
        }
        if let Err(e) = crate::rules::bank_card(&self.bank_card) {
            errors.push(("bank_card", e));
        }
        if let Err(e) = crate::rules::sms_code(&self.code) {
            errors.push(("code", e));
        }
        errors
    }
}

/// The merchant ID has opened WeChat Maidan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaidanBound {
    pub merchant_id: String,
    pub maidan_opened: bool,
}

/// `GET /sandbox/merchants/{merchant_id}`: what the sandbox registered for a merchant ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SandboxMerchant {
    pub merchant_id: String,
    pub name: String,
    pub mobile: String,
    pub bank_card: String,
    pub maidan_opened: bool,
}

/// `GET /sandbox/sms-codes/{mobile}`: the latest code texted there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SandboxSmsCode {
    pub mobile: String,
    pub code: String,
}

/// `PUT /sandbox/latency`: how long every later upstream call waits (sandbox only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SandboxLatency {
    /// Milliseconds, at most 10,000.
    #[cfg_attr(feature = "openapi", schema(maximum = 10_000))]
    #[serde(deserialize_with = "whole_number")]
    pub latency_ms: u32,
}

/// A JSON integer as JSON Schema counts one: `5` and `5.0` alike (a fraction or a negative number
/// is refused).
fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = u32;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number from 0 to 4294967295")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u32, E> {
            u32::try_from(v).map_err(|_| E::custom("number too large"))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u32, E> {
            u32::try_from(v).map_err(|_| E::custom("number out of range"))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<u32, E> {
            if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) {
                // Whole and in range: the cast is exact.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                Ok(v as u32)
            } else {
                Err(E::custom("not a whole number"))
            }
        }
    }
    deserializer.deserialize_any(Whole)
}

impl SandboxLatency {
    /// The longest latency the sandbox accepts, so that a demo cannot be made to hang.
    pub const MAX_MS: u32 = 10_000;
}

/// One entry of the 操作记录 (who changed what, when; never secret values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub at: String,
    /// The Tencent Cloud account ID that made the change.
    pub actor: String,
    pub action: AuditAction,
    /// What was changed, e.g. `provider/1900000101`.
    pub target: String,
    /// The names of the fields that changed.
    pub fields: Vec<String>,
}

crate::wire_enum! {
    /// What an audited change did (操作记录's 操作).
    pub enum AuditAction {
        /// A provider's 基本信息 saved.
        ProviderBasicInfoUpdated = "provider.basic_info.updated",
        /// A provider's 微信支付 configuration saved.
        ProviderWechatPayUpdated = "provider.wechat_pay.updated",
        /// A provider's 支付宝 configuration saved.
        ProviderAlipayUpdated = "provider.alipay.updated",
        /// A sub-merchant switched to 微信买单.
        SubMerchantChannelMaidan = "sub_merchant.wechat_channel.wechat_maidan",
        /// A sub-merchant switched to 官方直连.
        SubMerchantChannelDirect = "sub_merchant.wechat_channel.official_direct",
        /// A sub-merchant moved to another sub-provider.
        SubMerchantSubProviderUpdated = "sub_merchant.sub_provider.updated",
        /// A sub-merchant's keys reset.
        SubMerchantKeysReset = "sub_merchant.keys.reset",
        /// A sub-merchant's Alipay authorization confirmed.
        SubMerchantAlipayAuthorized = "sub_merchant.alipay.authorized",
        /// A sub-provider registered.
        SubProviderCreated = "sub_provider.created",
        /// A sub-provider's details changed.
        SubProviderUpdated = "sub_provider.updated",
        /// The account's password changed.
        AccountPasswordChanged = "account.password.changed",
    }
}

impl AuditAction {
    /// The action of switching a sub-merchant to `channel`.
    pub const fn channel_switched(channel: WechatChannel) -> AuditAction {
        match channel {
            WechatChannel::WechatMaidan => AuditAction::SubMerchantChannelMaidan,
            WechatChannel::OfficialDirect => AuditAction::SubMerchantChannelDirect,
        }
    }
}

crate::wire_enum! {
    /// What kind of long-running work a job does.
    pub enum JobKind {
        /// 同步买单子商户: every sub-merchant of every provider of the account.
        SubMerchantSync = "sub_merchant_sync",
        /// 历史交易归属调整: a sub-merchant's transactions follow its new sub-provider.
        Reattribution = "reattribution",
    }
}

crate::wire_enum! {
    /// Where a job is in its life.
    pub enum JobState {
        Queued = "queued",
        Running = "running",
        Succeeded = "succeeded",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

impl JobState {
    /// Queued or running.
    pub const fn is_active(self) -> bool {
        matches!(self, JobState::Queued | JobState::Running)
    }
}

/// What a sub-merchant sync did so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobCounts {
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub failed: u64,
}

/// A row a job could not process, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobFailure {
    pub provider_id: String,
    pub merchant_id: String,
    pub reason: String,
}

/// `GET /jobs/{id}`: a job's progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: String,
    pub kind: JobKind,
    pub state: JobState,
    pub processed: u64,
    /// Estimated total (known once the upstream has been asked).
    pub total: u64,
    pub counts: JobCounts,
    /// At most the first 100 failed rows.
    pub failures: Vec<JobFailure>,
    /// Rows per second since the job started.
    pub rate_per_s: f64,
    /// Seconds left at the current rate.
    pub eta_s: Option<u64>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Why the job failed, when it did.
    pub error: Option<String>,
}

/// A sub-merchant (子商户) as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubMerchantSummary {
    pub id: i64,
    pub merchant_id: String,
    pub name: String,
    pub provider_id: String,
    pub provider_name: String,
    pub channel: WechatChannel,
    pub maidan_opened: bool,
    pub sub_provider_account_id: Option<String>,
    pub keys_set: bool,
}

/// A sub-merchant's detail page: what the list shows, when it was last synced, and its
/// change history (newest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubMerchantDetail {
    pub sub_merchant: SubMerchantSummary,
    pub synced_at: String,
    pub history: Vec<AuditEvent>,
    /// The re-attribution of its transactions, while one is queued or running.
    pub reattribution: Option<Job>,
    /// Fingerprints of its keys, once they have been reset.
    pub keys: Option<SubMerchantKeys>,
    /// Its Alipay sub-merchant authorization, once confirmed.
    pub alipay: Option<AlipayAuthorized>,
}

/// `POST /sub-merchants/{id}/key-resets`: the public half of a signing key pair made in the
/// browser. The private half never leaves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyReset {
    /// RSA 2048 SubjectPublicKeyInfo, PEM or bare base64 DER (RSASSA-PSS, SHA-256).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 8_192))]
    pub signing_public_key: String,
}

/// What the console may show of a sub-merchant's keys: fingerprints, never the keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubMerchantKeys {
    /// SHA-256 of the public key's SubjectPublicKeyInfo (DER), lower-case hex.
    pub public_key_sha256: String,
    /// The last 4 characters of the authentication key.
    pub authentication_key_last4: String,
    pub reset_at: String,
    pub reset_by: String,
}

/// The answer to a key reset: the authentication key, this once, and its fingerprints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyResetIssued {
    /// 32 letters and digits; no later answer carries it again.
    pub authentication_key: crate::Secret,
    pub keys: SubMerchantKeys,
}

/// An Alipay sub-merchant authorization that was confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlipayAuthorized {
    /// The Alipay user ID (`2088` + 12 digits) that authorized.
    pub user_id: String,
    pub authorized_at: String,
}

/// A 支付宝授权 QR code as the console sees it, polled until confirmed, cancelled or expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlipayAuthorizationTicket {
    pub id: String,
    /// `pending`, `scanned`, `completed`, `cancelled` or `expired`.
    pub state: TicketState,
    pub sub_merchant_id: i64,
    pub expires_at: String,
    pub expires_in_s: u64,
    /// Set once confirmed.
    pub authorized: Option<AlipayAuthorized>,
}

/// What the phone shows before the merchant authorizes: who asks, for which sub-merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MobileAlipayAuthorization {
    pub id: String,
    pub state: TicketState,
    pub sub_merchant_name: String,
    pub merchant_id: String,
    pub provider_name: String,
    pub expires_in_s: u64,
    pub authorized: Option<AlipayAuthorized>,
    /// The Alipay account that authorized the provider's app on this phone browser; `None` on
    /// any other browser, and before (the page then starts Alipay's app authorization).
    pub signed_in_as: Option<PhoneIdentity>,
}

/// `PUT /sub-merchants/{id}/sub-provider`: 修改子商户所属的子服务商.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubProviderChange {
    /// The sub-provider's Tencent Cloud account ID; one of the provider's sub-providers.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]{5,20}$"))]
    pub account_id: String,
}

/// A sub-provider (子服务商) registered by a provider account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubProvider {
    /// Its Tencent Cloud account ID.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]{5,20}$"))]
    pub account_id: String,
    /// 1–50 characters.
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 50))]
    pub name: String,
    /// Percent, two decimals at most (statistics only); empty when not set.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^$|^(([0-9]{1,2}|0[0-9]{2})(\.[0-9]{0,2})?|100(\.0{0,2})?)$")
    )]
    pub rebate_ratio: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub remark: String,
}

impl SubProvider {
    /// Every field by its rule; the fields that break one.
    pub fn check(&self) -> Vec<(&'static str, crate::FieldError)> {
        let mut errors = Vec::new();
        if let Err(e) = crate::rules::AccountId::parse(&self.account_id) {
            errors.push(("account_id", e));
        }
        if let Err(e) = crate::rules::required(&self.name).and_then(|n| crate::rules::text(n, 50)) {
            errors.push(("name", e));
        }
        if !self.rebate_ratio.trim().is_empty()
            && let Err(e) = crate::rules::rebate_ratio(&self.rebate_ratio)
        {
            errors.push(("rebate_ratio", e));
        }
        if let Err(e) = crate::rules::text(&self.remark, 200) {
            errors.push(("remark", e));
        }
        errors
    }
}

/// One payment of a sub-merchant, as Cloud Pay recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transaction {
    pub id: i64,
    pub sub_merchant_id: i64,
    pub merchant_id: String,
    pub sub_merchant_name: String,
    /// The sub-provider the payment is attributed to.
    pub sub_provider_account_id: Option<String>,
    /// In fen (0.01 CNY).
    pub amount_fen: i64,
    pub paid_at: String,
}

/// Filters of `GET /transactions`; `from`/`to` are dates (`YYYY-MM-DD`, inclusive, UTC+8).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct TransactionQuery {
    pub sub_merchant_id: Option<i64>,
    /// The sub-provider's Tencent Cloud account ID (5–20 digits).
    #[cfg_attr(feature = "openapi", param(pattern = "^[0-9]{5,20}$"))]
    pub sub_provider_account_id: Option<String>,
    /// First day, `YYYY-MM-DD`.
    #[cfg_attr(feature = "openapi", param(format = Date))]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    #[cfg_attr(feature = "openapi", param(format = Date))]
    pub to: Option<String>,
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100_000))]
    pub page: Option<u32>,
    /// Rows per page, 1–100 (default 20).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub page_size: Option<u32>,
}

/// A page of transactions with the totals of the whole filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransactionPage {
    pub items: Vec<Transaction>,
    pub total: u64,
    pub amount_fen: i64,
    pub page: u32,
    pub page_size: u32,
    /// A re-attribution that touches this filter is running: the totals are changing.
    pub changing: bool,
}

/// `PUT /sub-merchants/{id}/wechat-channel`: 切换渠道.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelChange {
    pub channel: WechatChannel,
}

crate::wire_enum! {
    /// The WeChat Pay access channel (微信支付接入渠道).
    pub enum WechatChannel {
        /// 官方直连.
        OfficialDirect = "official_direct",
        /// 微信买单.
        WechatMaidan = "wechat_maidan",
    }
}

impl WechatChannel {
    /// The channel as a person reads it (官方直连 / 微信买单).
    pub const fn label(self, lang: crate::Lang) -> &'static str {
        match self {
            WechatChannel::OfficialDirect => lang.pick("官方直连", "Official direct"),
            WechatChannel::WechatMaidan => lang.pick("微信买单", "WeChat Maidan"),
        }
    }
}

/// Filters of `GET /sub-merchants`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct SubMerchantQuery {
    pub provider_id: Option<String>,
    /// `official_direct` or `wechat_maidan`.
    #[cfg_attr(feature = "openapi", param(value_type = Option<WechatChannel>))]
    pub channel: Option<String>,
    /// Name or merchant ID contains this (at most 100 characters).
    #[cfg_attr(feature = "openapi", param(max_length = 100))]
    pub q: Option<String>,
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100_000))]
    pub page: Option<u32>,
    /// Rows per page, 1–100 (default 20).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub page_size: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FieldError;

    #[test]
    fn a_latency_is_a_whole_number_however_json_writes_it() {
        let latency =
            |body: &str| serde_json::from_str::<SandboxLatency>(body).map(|l| l.latency_ms);
        assert_eq!(latency(r#"{"latency_ms": 250}"#).unwrap(), 250);
        assert_eq!(latency(r#"{"latency_ms": 250.0}"#).unwrap(), 250);
        for bad in ["250.5", "-1", "4294967296", "\"250\""] {
            assert!(
                latency(&format!(r#"{{"latency_ms": {bad}}}"#)).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn paging_refuses_pages_past_the_last_one_served() {
        assert!(check_paging(Some(ListQuery::MAX_PAGE), Some(100), None).is_empty());
        assert_eq!(
            check_paging(Some(ListQuery::MAX_PAGE + 1), None, None),
            vec![("page", FieldError::TooLarge { max: 100_000 })]
        );
    }

    #[test]
    fn a_filter_value_outside_its_options_names_the_options() {
        assert_eq!(
            crate::rules::choice("wechat_maidan", &WechatChannel::ALL, WechatChannel::as_str),
            Ok(WechatChannel::WechatMaidan)
        );
        let error = crate::rules::choice("", &JobKind::ALL, JobKind::as_str).unwrap_err();
        assert_eq!(
            error.message(crate::Lang::En),
            "Choose one of: sub_merchant_sync, reattribution."
        );
    }
}
