//! Sub-merchants (子商户): the list, the detail page, the channel switch.

use serde::{Deserialize, Serialize};

use super::audit::AuditEvent;
use super::jobs::Job;
use super::keys::{AlipayAuthorized, SubMerchantKeys};

/// A sub-merchant (子商户) as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubMerchantSummary {
    /// The console's own ID of the row (its pages' addresses).
    pub id: i64,
    /// 云支付子商户 ID (`out_sub_mch_id`): assigned when first synced, unique in the account,
    /// what a cash register is configured with.
    pub out_sub_mch_id: String,
    /// Its provider's 云支付服务商 ID (`out_mch_id`).
    pub out_mch_id: String,
    pub merchant_id: String,
    pub name: String,
    pub provider_id: String,
    pub provider_name: String,
    pub channel: WechatChannel,
    pub maidan_opened: bool,
    pub sub_provider_account_id: Option<String>,
    pub keys_set: bool,
    /// When a sync last brought the row, RFC 3339.
    pub synced_at: String,
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
