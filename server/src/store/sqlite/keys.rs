//! A sub-merchant's keys (认证密钥, 签名公私钥) and its Alipay authorization. SQLite.

use async_trait::async_trait;
use domain::api::TicketState;

use super::{SqliteStore, insert_audit};
use crate::store::sql::{KEY_COLUMNS, keys_from_row};
use crate::store::{
    Change, KeyStore, NewAuditEvent, Result, StoredKeys, SubMerchantCredentials, TicketKind,
    TicketMove, TicketRecord,
};

#[async_trait]
impl KeyStore for SqliteStore {
    async fn sub_merchant_credentials(&self, id: i64) -> Result<SubMerchantCredentials> {
        let keys = sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM sub_merchant_keys WHERE sub_merchant_id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(keys_from_row)
        .transpose()?;
        let alipay: Option<(Option<String>, Option<i64>)> = sqlx::query_as(
            "SELECT alipay_user_id, alipay_authorized_at FROM sub_merchants WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let alipay = match alipay {
            Some((Some(user_id), Some(at_ms))) => Some((user_id, at_ms)),
            _ => None,
        };
        Ok(SubMerchantCredentials { keys, alipay })
    }

    async fn reset_sub_merchant_keys(
        &self,
        account_id: &str,
        id: i64,
        keys: &StoredKeys,
        audit: &NewAuditEvent,
    ) -> Result<Change> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query(
            "UPDATE sub_merchants SET keys_set = 1
             WHERE id = ? AND provider_id IN (SELECT provider_id FROM providers WHERE account_id = ?)",
        )
        .bind(id)
        .bind(account_id)
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
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
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
        .bind(id)
        .bind(keys.authentication_type.as_str())
        .bind(keys.signature_type.as_str())
        .bind(&keys.authentication_key_sealed)
        .bind(&keys.authentication_key_last4)
        .bind(&keys.signing_public_key)
        .bind(&keys.public_key_sha256)
        .bind(keys.reset_at_ms)
        .bind(&keys.reset_by)
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Change::Made)
    }

    async fn complete_alipay_authorization(
        &self,
        ticket: &TicketRecord,
        sub_merchant_id: i64,
        user_id: &str,
        sealed_app_auth_token: &str,
        now_ms: i64,
        audit: &NewAuditEvent,
    ) -> Result<TicketMove> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let claimed = sqlx::query(
            "UPDATE qr_tickets SET state = ?, updated_at = ?, confirmed_by = ?
             WHERE id = ? AND kind = ?
               AND state IN (?, ?) AND expires_at > ?",
        )
        .bind(TicketState::Completed.as_str())
        .bind(now_ms)
        .bind(user_id)
        .bind(&ticket.id)
        .bind(TicketKind::AlipayAuthorization.as_str())
        .bind(TicketState::Pending.as_str())
        .bind(TicketState::Scanned.as_str())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() != 1 {
            return Ok(TicketMove::Refused);
        }
        let recorded = sqlx::query(
            "UPDATE sub_merchants
             SET alipay_user_id = ?, alipay_authorized_at = ?, alipay_app_auth_token = ?
             WHERE id = ? AND provider_id IN (SELECT provider_id FROM providers WHERE account_id = ?)",
        )
        .bind(user_id)
        .bind(now_ms)
        .bind(sealed_app_auth_token)
        .bind(sub_merchant_id)
        .bind(&ticket.account_id)
        .execute(&mut *tx)
        .await?;
        if recorded.rows_affected() != 1 {
            // The sub-merchant left the account since the code was made: nothing is recorded,
            // and the ticket stays as it was (the transaction is dropped, so rolled back).
            return Ok(TicketMove::Refused);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(TicketMove::Moved)
    }
}
