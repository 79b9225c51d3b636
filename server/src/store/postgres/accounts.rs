//! Accounts, sessions and the limits on signing in and on SMS codes. PostgreSQL.

use async_trait::async_trait;
use domain::api::TicketState;
use sqlx::Row;

use super::{PgStore, account_from_row, insert_audit, write_tx};
use crate::store::{
    AccountChange, AccountInsert, AccountListing, AccountStore, AttemptAdmission, AttemptLimits,
    BindingCodeRequest, Credentials, LiveSession, LoginAttempt, NewAccount, NewAuditEvent,
    NewSession, RequestClass, Result,
    accounts::{LoginStanding, binding_code_wait},
};

#[async_trait]
impl AccountStore for PgStore {
    async fn insert_account_if_missing(&self, new: &NewAccount) -> Result<AccountInsert> {
        let done = sqlx::query(
            "INSERT INTO accounts (id, name, role, password_hash, created_at)
             VALUES ($1, $2, $3, $4, (extract(epoch from now()) * 1000)::bigint)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(new.account.id.as_str())
        .bind(&new.account.name)
        .bind(new.account.role.as_str())
        .bind(&new.password_hash)
        .execute(&self.pool)
        .await?;
        Ok(if done.rows_affected() == 1 {
            AccountInsert::Added
        } else {
            AccountInsert::Exists
        })
    }

    async fn account_credentials(&self, id: &str) -> Result<Option<Credentials>> {
        let row = sqlx::query(
            "SELECT id, name, role, password_hash FROM accounts
             WHERE id = $1 AND disabled_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Credentials {
                account: account_from_row(&row)?,
                password_hash: row.try_get("password_hash")?,
            })
        })
        .transpose()
    }

    async fn list_accounts(&self) -> Result<Vec<AccountListing>> {
        let rows =
            sqlx::query("SELECT id, name, role, created_at, disabled_at FROM accounts ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                Ok(AccountListing {
                    account: account_from_row(row)?,
                    created_at_ms: row.try_get("created_at")?,
                    disabled_at_ms: row.try_get("disabled_at")?,
                })
            })
            .collect()
    }

    async fn set_password(
        &self,
        id: &str,
        password_hash: &str,
        keep: Option<&str>,
        audit: &NewAuditEvent,
    ) -> Result<AccountChange> {
        let mut tx = write_tx(&self.pool, &format!("account:{id}")).await?;
        let updated = sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Ok(AccountChange::NoAccount);
        }
        let ended = sqlx::query(
            "DELETE FROM sessions WHERE account_id = $1 AND token_hash IS DISTINCT FROM $2",
        )
        .bind(id)
        .bind(keep)
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(AccountChange::Done {
            sessions_ended: ended.rows_affected(),
        })
    }

    async fn disable_account(&self, id: &str, now_ms: i64) -> Result<AccountChange> {
        let mut tx = write_tx(&self.pool, &format!("account:{id}")).await?;
        let updated = sqlx::query(
            "UPDATE accounts SET disabled_at = COALESCE(disabled_at, $1) WHERE id = $2",
        )
        .bind(now_ms)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(AccountChange::NoAccount);
        }
        let ended = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(AccountChange::Done {
            sessions_ended: ended.rows_affected(),
        })
    }

    async fn enable_account(&self, id: &str) -> Result<AccountChange> {
        let updated = sqlx::query(crate::store::accounts::ENABLE_ACCOUNT)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(crate::store::accounts::enabled(updated.rows_affected()))
    }

    async fn create_session(&self, s: &NewSession) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND expires_at <= $2")
            .bind(&s.account_id)
            .bind(s.created_at_ms)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, created_at, expires_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.token_hash)
        .bind(&s.account_id)
        .bind(s.created_at_ms)
        .bind(s.expires_at_ms)
        .bind(s.created_at_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(
        &self,
        token_hash: &str,
        now_ms: i64,
        idle_ms: i64,
    ) -> Result<Option<LiveSession>> {
        let row = sqlx::query(
            "SELECT a.id, a.name, a.role, s.expires_at, s.last_seen_at
             FROM sessions s JOIN accounts a ON a.id = s.account_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3
               AND a.disabled_at IS NULL",
        )
        .bind(token_hash)
        .bind(now_ms)
        .bind(now_ms - idle_ms)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        self.seen(token_hash, row.try_get("last_seen_at")?, now_ms)
            .await?;
        let account = account_from_row(&row)?;
        self.sessions.remember(token_hash, &account).await;
        Ok(Some(LiveSession {
            account,
            expires_at_ms: row.try_get("expires_at")?,
        }))
    }

    async fn end_sessions(&self, account_id: &str, now_ms: i64) -> Result<u64> {
        let mut tx = write_tx(&self.pool, &format!("account:{account_id}")).await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(
            "UPDATE oauth_states SET used_at = $1 WHERE used_at IS NULL AND ticket_id IN \
             (SELECT id FROM qr_tickets WHERE account_id = $2 AND state IN ($3, $4))",
        )
        .bind(now_ms)
        .bind(account_id)
        .bind(TicketState::Pending.as_str())
        .bind(TicketState::Scanned.as_str())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE qr_tickets SET state = $1, updated_at = $2 \
             WHERE account_id = $3 AND state IN ($4, $5)",
        )
        .bind(TicketState::Cancelled.as_str())
        .bind(now_ms)
        .bind(account_id)
        .bind(TicketState::Pending.as_str())
        .bind(TicketState::Scanned.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        self.sessions.forget(token_hash).await;
        Ok(())
    }

    async fn login_standing(
        &self,
        attempt: &LoginAttempt<'_>,
        limits: &AttemptLimits,
    ) -> Result<AttemptAdmission> {
        let mut conn = self.pool.acquire().await?;
        Ok(login_standing(&mut conn, attempt, limits)
            .await?
            .judge(limits))
    }

    async fn admit_login_attempt(
        &self,
        attempt: &LoginAttempt<'_>,
        limits: &AttemptLimits,
    ) -> Result<AttemptAdmission> {
        let mut tx = write_tx(&self.pool, &format!("login:{}", attempt.account_id)).await?;
        sqlx::query("DELETE FROM login_failures WHERE at <= $1")
            .bind(limits.account_since_ms.min(limits.pair_since_ms))
            .execute(&mut *tx)
            .await?;
        let admission = login_standing(&mut tx, attempt, limits)
            .await?
            .judge(limits);
        if matches!(
            admission,
            AttemptAdmission::Admitted | AttemptAdmission::Slowed { .. }
        ) {
            sqlx::query("INSERT INTO login_failures (account_id, ip, at) VALUES ($1, $2, $3)")
                .bind(attempt.account_id)
                .bind(attempt.ip)
                .bind(attempt.at_ms)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(admission)
    }

    async fn login_failures(&self, account_id: &str, ip: &str, since_ms: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT at FROM login_failures WHERE account_id = $1 AND ip = $2 AND at > $3 ORDER BY at",
        )
        .bind(account_id)
        .bind(ip)
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn admit_binding_code(
        &self,
        request: &BindingCodeRequest<'_>,
        since_ms: i64,
        max: usize,
    ) -> Result<Option<i64>> {
        let mut tx = write_tx(&self.pool, "binding-codes").await?;
        sqlx::query("DELETE FROM binding_code_sends WHERE at <= $1")
            .bind(since_ms)
            .execute(&mut *tx)
            .await?;
        let to_mobile: Vec<i64> = sqlx::query_scalar(
            "SELECT at FROM binding_code_sends
             WHERE merchant_id = $1 AND mobile = $2 AND at > $3 ORDER BY at",
        )
        .bind(request.merchant_id)
        .bind(request.mobile)
        .bind(since_ms)
        .fetch_all(&mut *tx)
        .await?;
        let from_address: Vec<i64> = sqlx::query_scalar(
            "SELECT at FROM binding_code_sends WHERE ip = $1 AND at > $2 ORDER BY at",
        )
        .bind(request.ip)
        .bind(since_ms)
        .fetch_all(&mut *tx)
        .await?;
        if let Some(wait_ms) =
            binding_code_wait(&[to_mobile, from_address], request.at_ms, since_ms, max)
        {
            return Ok(Some(wait_ms));
        }
        sqlx::query(
            "INSERT INTO binding_code_sends (merchant_id, mobile, ip, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(request.merchant_id)
        .bind(request.mobile)
        .bind(request.ip)
        .bind(request.at_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(None)
    }

    async fn forgive_login_attempts(&self, account_id: &str, ip: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE account_id = $1 AND ip = $2")
            .bind(account_id)
            .bind(ip)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn count_request(
        &self,
        class: RequestClass,
        bucket: &str,
        window_start_ms: i64,
    ) -> Result<u32> {
        let requests: i64 = sqlx::query_scalar(
            "INSERT INTO request_windows (class, bucket, window_start, requests)
             VALUES ($1, $2, $3, 1)
             ON CONFLICT (class, bucket) DO UPDATE SET
               requests = CASE WHEN request_windows.window_start >= excluded.window_start
                               THEN request_windows.requests + 1 ELSE 1 END,
               window_start = GREATEST(request_windows.window_start, excluded.window_start)
             RETURNING requests",
        )
        .bind(class.as_str())
        .bind(bucket)
        .bind(window_start_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(requests).unwrap_or(u32::MAX))
    }

    async fn forget_request_windows(&self, before_ms: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM request_windows WHERE window_start < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

impl PgStore {
    /// A live session is seen now (its idle timeout slides), written at most once a minute so
    /// that reads stay reads.
    pub(super) async fn seen(
        &self,
        token_hash: &str,
        last_seen_ms: i64,
        now_ms: i64,
    ) -> Result<()> {
        if now_ms - last_seen_ms >= 60_000 {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now_ms)
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }
}

/// What the sign-in limits judge an attempt by (see [`LoginStanding::judge`]).
async fn login_standing(
    conn: &mut sqlx::PgConnection,
    attempt: &LoginAttempt<'_>,
    limits: &AttemptLimits,
) -> Result<LoginStanding> {
    let since = limits.account_since_ms.min(limits.pair_since_ms);
    let pair: Vec<i64> = sqlx::query_scalar(
        "SELECT at FROM login_failures WHERE account_id = $1 AND ip = $2 AND at > $3 ORDER BY at",
    )
    .bind(attempt.account_id)
    .bind(attempt.ip)
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    let account_failures: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE account_id = $1 AND at > $2")
            .bind(attempt.account_id)
            .bind(limits.account_since_ms)
            .fetch_one(&mut *conn)
            .await?;
    let account_failures = u64::try_from(account_failures).unwrap_or(0);
    let at_ceiling = if account_failures >= limits.account_max {
        sqlx::query_scalar(
            "SELECT at FROM login_failures WHERE account_id = $1 AND at > $2
             ORDER BY at DESC LIMIT 1 OFFSET $3",
        )
        .bind(attempt.account_id)
        .bind(limits.account_since_ms)
        .bind(i64::try_from(limits.account_max.saturating_sub(1)).unwrap_or(i64::MAX))
        .fetch_optional(&mut *conn)
        .await?
    } else {
        None
    };
    Ok(LoginStanding {
        pair,
        account_failures,
        at_ceiling,
    })
}
