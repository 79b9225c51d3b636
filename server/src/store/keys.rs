//! A sub-merchant's keys (认证密钥, 签名公私钥) and its Alipay authorization.

use async_trait::async_trait;

use super::{NewAuditEvent, Result, StoredKeys, SubMerchantCredentials, TicketRecord};

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// A sub-merchant's keys (as stored: the authentication key sealed) and its Alipay
    /// authorization (user ID, when, ms). Tenancy is the caller's: read the sub-merchant first.
    async fn sub_merchant_credentials(&self, id: i64) -> Result<SubMerchantCredentials>;

    /// 重置认证密钥和签名公私钥: replaces the sub-merchant's keys, marks them set and records
    /// the audit event, in one transaction. False when the sub-merchant is not the account's.
    async fn reset_sub_merchant_keys(
        &self,
        account_id: &str,
        id: i64,
        keys: &StoredKeys,
        audit: &NewAuditEvent,
    ) -> Result<bool>;

    /// Completes an open, unexpired Alipay authorization ticket and records the Alipay user ID
    /// on its sub-merchant with the audit event, in one transaction. False when the ticket was
    /// no longer open (of two racing confirmations, one wins).
    async fn complete_alipay_authorization(
        &self,
        ticket: &TicketRecord,
        sub_merchant_id: i64,
        user_id: &str,
        sealed_app_auth_token: &str,
        now_ms: i64,
        audit: &NewAuditEvent,
    ) -> Result<bool>;
}
