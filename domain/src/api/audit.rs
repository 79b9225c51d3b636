//! 操作记录: who changed what, when.

use serde::{Deserialize, Serialize};

use super::channel::WechatChannel;

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

/// What an audited change is about, as 操作记录 stores it (`provider/1900000101`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditTarget<'a> {
    Account(&'a str),
    Provider(&'a str),
    SubMerchant(i64),
    SubProvider(&'a str),
    Job(&'a str),
}

impl<'a> AuditTarget<'a> {
    /// The stored form, `kind/id`.
    pub fn path(self) -> String {
        match self {
            AuditTarget::Account(id) => format!("account/{id}"),
            AuditTarget::Provider(id) => format!("provider/{id}"),
            AuditTarget::SubMerchant(id) => format!("sub_merchant/{id}"),
            AuditTarget::SubProvider(id) => format!("sub_provider/{id}"),
            AuditTarget::Job(id) => format!("job/{id}"),
        }
    }

    /// Reads the stored form back; `None` for one it does not know.
    pub fn parse(path: &'a str) -> Option<AuditTarget<'a>> {
        let (kind, id) = path.split_once('/')?;
        match kind {
            "account" => Some(AuditTarget::Account(id)),
            "provider" => Some(AuditTarget::Provider(id)),
            "sub_merchant" => id.parse().ok().map(AuditTarget::SubMerchant),
            "sub_provider" => Some(AuditTarget::SubProvider(id)),
            "job" => Some(AuditTarget::Job(id)),
            _ => None,
        }
    }
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
        /// 基本信息 edited.
        SubMerchantBasicInfoUpdated = "sub_merchant.basic_info.updated",
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

#[cfg(test)]
mod tests {
    use super::AuditTarget;

    #[test]
    fn a_target_reads_back_from_its_stored_form() {
        for target in [
            AuditTarget::Account("100000000001"),
            AuditTarget::Provider("1900000101"),
            AuditTarget::SubMerchant(12),
            AuditTarget::SubProvider("100000000002"),
            AuditTarget::Job("job_0a1b"),
        ] {
            assert_eq!(AuditTarget::parse(&target.path()), Some(target));
        }
        assert_eq!(AuditTarget::parse("sub_merchant/x"), None);
        assert_eq!(AuditTarget::parse("nothing"), None);
    }
}
