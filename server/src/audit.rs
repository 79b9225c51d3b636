//! 操作记录: the one shape of what an audited change writes. A route names the action and what
//! it changed; the event's actor, target path and field names follow from them.

use domain::api::AuditAction;

use crate::store::NewAuditEvent;

pub use domain::api::AuditTarget;

/// The fields an action always changes (never their values). A provider's sections and a
/// sub-merchant's 基本信息 name the fields that changed instead ([`NewAuditEvent::with_fields`]).
pub const fn fields_of(action: AuditAction) -> &'static [&'static str] {
    match action {
        AuditAction::ProviderBasicInfoUpdated
        | AuditAction::ProviderWechatPayUpdated
        | AuditAction::ProviderAlipayUpdated
        | AuditAction::SubMerchantBasicInfoUpdated => &[],
        AuditAction::SubMerchantChannelMaidan | AuditAction::SubMerchantChannelDirect => {
            &["wechat_channel"]
        }
        AuditAction::SubMerchantSubProviderUpdated => &["sub_provider_account_id"],
        AuditAction::SubMerchantKeysReset => &["authentication_key", "signing_public_key"],
        AuditAction::SubMerchantAlipayAuthorized => &["alipay_user_id", "alipay_app_auth_token"],
        AuditAction::SubProviderCreated | AuditAction::SubProviderUpdated => {
            &["name", "rebate_ratio", "remark"]
        }
        AuditAction::AccountPasswordChanged => &["password"],
        // The providers a scan synced are named by the route ([`NewAuditEvent::with_fields`]).
        AuditAction::ProvidersSynced
        | AuditAction::SubMerchantSyncStarted
        | AuditAction::ProviderUnbound => &[],
    }
}

impl NewAuditEvent {
    /// A change the account itself made at `at_ms`.
    pub fn new(
        account_id: &str,
        action: AuditAction,
        target: AuditTarget<'_>,
        at_ms: i64,
    ) -> NewAuditEvent {
        NewAuditEvent {
            account_id: account_id.to_owned(),
            actor: account_id.to_owned(),
            action,
            target: target.path(),
            fields: fields_of(action).iter().map(|f| (*f).to_owned()).collect(),
            at_ms,
            request_id: crate::middleware::current_request_id(),
        }
    }

    /// 同步买单子商户 queued as job `job_id` by the account.
    pub fn sub_merchant_sync(account_id: &str, job_id: &str, at_ms: i64) -> NewAuditEvent {
        NewAuditEvent::new(
            account_id,
            AuditAction::SubMerchantSyncStarted,
            AuditTarget::Job(job_id),
            at_ms,
        )
    }

    /// Made by someone else on the account's behalf (an operator, a merchant on a phone).
    pub fn by(mut self, actor: &str) -> NewAuditEvent {
        self.actor = actor.to_owned();
        self
    }

    /// Names the fields that changed.
    pub fn with_fields(mut self, fields: Vec<String>) -> NewAuditEvent {
        self.fields = fields;
        self
    }
}
