//! A sub-merchant's keys (认证密钥, 签名公私钥) and its Alipay authorization.

use async_trait::async_trait;

use super::{Change, NewAuditEvent, Result, TicketMove, TicketRecord};

/// A sub-merchant's keys as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKeys {
    pub authentication_type: domain::api::AuthenticationType,
    pub signature_type: domain::api::SignatureType,
    /// Sealed by the vault; opened only to check a device's request.
    pub authentication_key_sealed: String,
    pub authentication_key_last4: String,
    /// SubjectPublicKeyInfo, base64 DER.
    pub signing_public_key: String,
    pub public_key_sha256: String,
    pub reset_at_ms: i64,
    pub reset_by: String,
}

impl StoredKeys {
    /// What may be shown of stored keys: their fingerprints, never the keys.
    pub fn view(&self) -> domain::api::SubMerchantKeys {
        domain::api::SubMerchantKeys {
            authentication_type: self.authentication_type,
            signature_type: self.signature_type,
            public_key_sha256: self.public_key_sha256.clone(),
            authentication_key_last4: self.authentication_key_last4.clone(),
            reset_at: crate::clock::rfc3339(self.reset_at_ms),
            reset_by: self.reset_by.clone(),
        }
    }
}

/// What a sub-merchant holds beyond its list row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubMerchantCredentials {
    pub keys: Option<StoredKeys>,
    /// The Alipay user ID that authorized, and when (ms).
    pub alipay: Option<(String, i64)>,
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// A sub-merchant's keys (as stored: the authentication key sealed) and its Alipay
    /// authorization (user ID, when, ms). Tenancy is the caller's: read the sub-merchant first.
    async fn sub_merchant_credentials(&self, id: i64) -> Result<SubMerchantCredentials>;

    /// 重置认证密钥和签名公私钥: replaces the sub-merchant's keys, marks them set and records
    /// the audit event, in one transaction; `NotFound` when the sub-merchant is not the
    /// account's.
    async fn reset_sub_merchant_keys(
        &self,
        account_id: &str,
        id: i64,
        keys: &StoredKeys,
        audit: &NewAuditEvent,
    ) -> Result<Change>;

    /// Completes an open, unexpired Alipay authorization ticket and records the Alipay user ID
    /// on its sub-merchant with the audit event, in one transaction; `Refused` when the ticket
    /// was no longer open (of two racing confirmations, one moves it).
    async fn complete_alipay_authorization(
        &self,
        ticket: &TicketRecord,
        sub_merchant_id: i64,
        user_id: &str,
        sealed_app_auth_token: &str,
        now_ms: i64,
        audit: &NewAuditEvent,
    ) -> Result<TicketMove>;
}
