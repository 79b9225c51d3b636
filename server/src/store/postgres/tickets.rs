//! QR tickets (provider sync, Alipay authorization), the OAuth states of phone sign-ins, and who
//! signed in on a phone. PostgreSQL.

use async_trait::async_trait;
use domain::{
    Lang,
    api::{ProviderSyncResult, TicketState},
};
use sqlx::Row;

use super::{PgStore, write_tx};
use crate::store::{
    OAuthState, PhoneSignIn, PhoneSignInOutcome, Result, StoreError, TicketKind, TicketMove,
    TicketRecord, TicketStore,
};

#[async_trait]
impl TicketStore for PgStore {
    async fn create_ticket(&self, t: &TicketRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO qr_tickets
               (id, kind, subject, account_id, session_hash, state, requested_ip, created_at,
                expires_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&t.id)
        .bind(t.kind.as_str())
        .bind(&t.subject)
        .bind(&t.account_id)
        .bind(&t.session_hash)
        .bind(t.state.as_str())
        .bind(&t.requested_ip)
        .bind(t.created_at_ms)
        .bind(t.expires_at_ms)
        .bind(t.updated_at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn ticket(&self, kind: TicketKind, id: &str) -> Result<Option<TicketRecord>> {
        let row = sqlx::query(
            "SELECT id, subject, account_id, session_hash, state, requested_ip, created_at,
                    expires_at, updated_at, confirmed_by, result, phone_browser_hash,
                    phone_identity, phone_name, phone_grant
             FROM qr_tickets WHERE id = $1 AND kind = $2",
        )
        .bind(id)
        .bind(kind.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let state: String = row.try_get("state")?;
        let result: Option<String> = row.try_get("result")?;
        let browser_hash: Option<String> = row.try_get("phone_browser_hash")?;
        let phone = match browser_hash {
            Some(browser_hash) => Some(PhoneSignIn {
                browser_hash,
                identity: row
                    .try_get::<Option<String>, _>("phone_identity")?
                    .unwrap_or_default(),
                name: row
                    .try_get::<Option<String>, _>("phone_name")?
                    .unwrap_or_default(),
                sealed_grant: row.try_get("phone_grant")?,
            }),
            None => None,
        };
        Ok(Some(TicketRecord {
            phone,
            id: row.try_get("id")?,
            kind,
            subject: row.try_get("subject")?,
            account_id: row.try_get("account_id")?,
            session_hash: row.try_get("session_hash")?,
            state: TicketState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt(format!("ticket state {state:?}")))?,
            requested_ip: row.try_get("requested_ip")?,
            created_at_ms: row.try_get("created_at")?,
            expires_at_ms: row.try_get("expires_at")?,
            updated_at_ms: row.try_get("updated_at")?,
            confirmed_by: row.try_get("confirmed_by")?,
            result: result
                .map(|json| serde_json::from_str(&json))
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("ticket result: {e}")))?,
        }))
    }

    async fn tickets_created_since(&self, session_hash: &str, since_ms: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT created_at FROM qr_tickets
             WHERE session_hash = $1 AND created_at > $2 ORDER BY created_at",
        )
        .bind(session_hash)
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn create_oauth_state(&self, state: &OAuthState) -> Result<()> {
        let mut tx = write_tx(&self.pool, &format!("ticket:{}", state.ticket_id)).await?;
        // Spent and expired states are kept a day, for the log's sake, then forgotten.
        sqlx::query("DELETE FROM oauth_states WHERE expires_at < $1")
            .bind(state.created_at_ms - 86_400_000)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO oauth_states
               (state_hash, ticket_id, browser_hash, created_at, expires_at, lang)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&state.state_hash)
        .bind(&state.ticket_id)
        .bind(&state.browser_hash)
        .bind(state.created_at_ms)
        .bind(state.expires_at_ms)
        .bind(state.lang.tag())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn oauth_state_lang(&self, state_hash: &str) -> Result<Option<Lang>> {
        let tag: Option<String> =
            sqlx::query_scalar("SELECT lang FROM oauth_states WHERE state_hash = $1")
                .bind(state_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(tag.map(|tag| Lang::from_tag(&tag)))
    }

    async fn take_oauth_state(&self, state_hash: &str, now_ms: i64) -> Result<Option<OAuthState>> {
        let row = sqlx::query(
            "UPDATE oauth_states SET used_at = $1
             WHERE state_hash = $2 AND used_at IS NULL AND expires_at > $3
             RETURNING state_hash, ticket_id, browser_hash, created_at, expires_at, lang",
        )
        .bind(now_ms)
        .bind(state_hash)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(OAuthState {
                state_hash: row.try_get("state_hash")?,
                ticket_id: row.try_get("ticket_id")?,
                browser_hash: row.try_get("browser_hash")?,
                created_at_ms: row.try_get("created_at")?,
                expires_at_ms: row.try_get("expires_at")?,
                lang: Lang::from_tag(&row.try_get::<String, _>("lang")?),
            })
        })
        .transpose()
    }

    async fn record_phone_sign_in(
        &self,
        ticket_id: &str,
        sign_in: &PhoneSignIn,
        now_ms: i64,
    ) -> Result<PhoneSignInOutcome> {
        let mut tx = write_tx(&self.pool, &format!("ticket:{ticket_id}")).await?;
        let current: Option<(String, i64, Option<String>)> = sqlx::query_as(
            "SELECT state, expires_at, phone_browser_hash FROM qr_tickets WHERE id = $1",
        )
        .bind(ticket_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((state, expires_at, browser)) = current else {
            return Ok(PhoneSignInOutcome::Closed);
        };
        if !matches!(state.as_str(), "pending" | "scanned") || expires_at <= now_ms {
            return Ok(PhoneSignInOutcome::Closed);
        }
        if browser.is_some_and(|b| b != sign_in.browser_hash) {
            return Ok(PhoneSignInOutcome::OtherPhone);
        }
        sqlx::query(
            "UPDATE qr_tickets
             SET state = $1, updated_at = $2, phone_browser_hash = $3, phone_identity = $4,
                 phone_name = $5, phone_grant = $6
             WHERE id = $7",
        )
        .bind(TicketState::Scanned.as_str())
        .bind(now_ms)
        .bind(&sign_in.browser_hash)
        .bind(&sign_in.identity)
        .bind(&sign_in.name)
        .bind(&sign_in.sealed_grant)
        .bind(ticket_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(PhoneSignInOutcome::Recorded)
    }

    async fn transition_ticket(
        &self,
        id: &str,
        from: &[TicketState],
        to: TicketState,
        now_ms: i64,
        confirmed_by: Option<&str>,
        result: Option<&ProviderSyncResult>,
    ) -> Result<TicketMove> {
        let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        let result = result
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("ticket result: {e}")))?;
        let done = sqlx::query(
            "UPDATE qr_tickets
             SET state = $1, updated_at = $2, confirmed_by = COALESCE($3, confirmed_by),
                 result = COALESCE($4, result)
             WHERE id = $5 AND state = ANY($6)
               AND (state NOT IN ($7, $8) OR expires_at > $9)",
        )
        .bind(to.as_str())
        .bind(now_ms)
        .bind(confirmed_by)
        .bind(result)
        .bind(id)
        .bind(&from)
        .bind(TicketState::Pending.as_str())
        .bind(TicketState::Scanned.as_str())
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(if done.rows_affected() == 1 {
            TicketMove::Moved
        } else {
            TicketMove::Refused
        })
    }
}
