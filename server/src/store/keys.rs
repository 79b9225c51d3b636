//! A sub-merchant's keys (认证密钥, 签名公私钥) and its Alipay authorization.

use domain::api::TicketState;

use super::{
    Change, NewAuditEvent, Result, TicketKind, TicketMove, TicketRecord,
    dialect::{Dialect, area},
    sql::{BindAll, KEY_COLUMNS, keys_from_row},
};

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

area! {
    pub trait KeyStore {
        /// A sub-merchant's keys (as stored: the authentication key sealed) and its Alipay
        /// authorization (user ID, when, ms). Tenancy is the caller's: read the sub-merchant first.
        async fn sub_merchant_credentials(&self, id: i64) -> Result<SubMerchantCredentials> {
            let keys = sqlx::query(&format!(
                "SELECT {KEY_COLUMNS} FROM sub_merchant_keys WHERE sub_merchant_id = $1"
            ))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(keys_from_row)
            .transpose()?;
            let alipay: Option<(Option<String>, Option<i64>)> = sqlx::query_as(
                "SELECT alipay_user_id, alipay_authorized_at FROM sub_merchants WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
            let alipay = match alipay {
                Some((Some(user_id), Some(at_ms))) => Some((user_id, at_ms)),
                _ => None,
            };
            Ok(SubMerchantCredentials { keys, alipay })
        }

        /// 重置认证密钥和签名公私钥: replaces the sub-merchant's keys, marks them set and records
        /// the audit event, in one transaction; `NotFound` when the sub-merchant is not the
        /// account's.
        async fn reset_sub_merchant_keys(
            &self,
            account_id: &str,
            id: i64,
            keys: &StoredKeys,
            audit: &NewAuditEvent,
        ) -> Result<Change> {
            let mut tx = self.write_tx(&format!("account:{account_id}")).await?;
            let done = sqlx::query(
                "UPDATE sub_merchants SET keys_set = TRUE
                 WHERE id = $1 AND provider_id IN (SELECT provider_id FROM providers WHERE account_id = $2)",
            )
            .binds((id, account_id))
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Ok(Change::NotFound);
            }
            sqlx::query(
                "INSERT INTO sub_merchant_keys
                   (sub_merchant_id, authentication_type, signature_type, authentication_key,
                    authentication_key_last4, signing_public_key, public_key_sha256, reset_at,
                    reset_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (sub_merchant_id) DO UPDATE SET
                   authentication_type = excluded.authentication_type,
                   signature_type = excluded.signature_type,
                   authentication_key = excluded.authentication_key,
                   authentication_key_last4 = excluded.authentication_key_last4,
                   signing_public_key = excluded.signing_public_key,
                   public_key_sha256 = excluded.public_key_sha256,
                   reset_at = excluded.reset_at,
                   reset_by = excluded.reset_by",
            )
            .binds((id, keys.authentication_type.as_str(), keys.signature_type.as_str()))
            .binds((&keys.authentication_key_sealed, &keys.authentication_key_last4))
            .binds((&keys.signing_public_key, &keys.public_key_sha256, keys.reset_at_ms))
            .bind(&keys.reset_by)
            .execute(&mut *tx)
            .await?;
            Self::commit_change(tx, 1, audit).await
        }

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
        ) -> Result<TicketMove> {
            let mut tx = self.write_tx(&format!("account:{}", ticket.account_id)).await?;
            let claimed = sqlx::query(
                "UPDATE qr_tickets SET state = $1, updated_at = $2, confirmed_by = $3
                 WHERE id = $4 AND kind = $5
                   AND state IN ($6, $7) AND expires_at > $8",
            )
            .binds((TicketState::Completed.as_str(), now_ms, user_id, &ticket.id))
            .binds((TicketKind::AlipayAuthorization.as_str(), TicketState::Pending.as_str()))
            .binds((TicketState::Scanned.as_str(), now_ms))
            .execute(&mut *tx)
            .await?;
            if claimed.rows_affected() != 1 {
                return Ok(TicketMove::Refused);
            }
            let recorded = sqlx::query(
                "UPDATE sub_merchants
                 SET alipay_user_id = $1, alipay_authorized_at = $2, alipay_app_auth_token = $3
                 WHERE id = $4 AND provider_id IN (SELECT provider_id FROM providers WHERE account_id = $5)",
            )
            .binds((user_id, now_ms, sealed_app_auth_token, sub_merchant_id))
            .bind(&ticket.account_id)
            .execute(&mut *tx)
            .await?;
            if recorded.rows_affected() != 1 {
                // The sub-merchant left the account since the code was made: nothing is recorded,
                // and the ticket stays as it was (the transaction is dropped, so rolled back).
                return Ok(TicketMove::Refused);
            }
            Self::insert_audit(&mut tx, audit).await?;
            tx.commit().await?;
            Ok(TicketMove::Moved)
        }
    }
}
