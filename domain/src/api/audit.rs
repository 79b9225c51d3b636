//! 操作记录: who changed what, when.

use serde::{Deserialize, Serialize};

use super::sub_merchants::WechatChannel;

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
        /// 同步买单服务商信息: providers synced into the account by a scan (the actor is the
        /// WeChat user who confirmed; the fields name the providers).
        ProvidersSynced = "providers.synced",
        /// 同步买单子商户 started.
        SubMerchantSyncStarted = "sub_merchants.sync.started",
        /// A provider unbound from the account, its sub-merchants with it.
        ProviderUnbound = "provider.unbound",
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
