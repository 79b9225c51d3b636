//! Accounts, sessions and the limits on signing in and on SMS codes (whose verdicts are in
//! `limits`). Long because the account and session methods are one trait, `AccountStore`,
//! which the console's callers import by that name, and an `area!` declares a trait in one
//! place: its twenty methods and their docs cannot be spread over files.

mod limits;

pub use limits::{AttemptAdmission, AttemptLimits, BindingCodeRequest, LoginAttempt, RequestClass};
use limits::{LoginStanding, binding_code_wait};

use domain::api::{Account, TicketState};
use sqlx::Row;

use super::{
    NewAuditEvent, Result,
    dialect::{Dialect, area},
    sql::{BindAll, account_from_row},
};

/// A console account as seeded or registered.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub account: Account,
    pub password_hash: String,
}

/// An account as `accounts list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountListing {
    pub account: Account,
    pub created_at_ms: i64,
    pub disabled_at_ms: Option<i64>,
}

/// What changing an account's password or status did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChange {
    /// Done; this many other sessions of the account were ended.
    Done { sessions_ended: u64 },
    /// No such account.
    NoAccount,
}

/// What inserting an account did.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountInsert {
    Added,
    /// An account with its ID exists; it is left as it was.
    Exists,
}

/// An account that may sign in, with what its password is checked against.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub account: Account,
    pub password_hash: String,
}

/// A live session: whose, and when it ends at the latest.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub account: Account,
    pub expires_at_ms: i64,
}

/// The session a read is made in, checked by the store as part of the read: live (before its
/// expiry, seen within `idle_ms`) and its account enabled. See [`InSession`].
#[derive(Debug, Clone, Copy)]
pub struct SessionCheck<'a> {
    pub token_hash: &'a str,
    pub now_ms: i64,
    pub idle_ms: i64,
}

/// What a read made in a session found.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InSession<T> {
    /// The session is live and this is what its account may see; the session is seen now.
    Read(T),
    /// The session is over (or never was): nothing was read.
    Ended,
}

/// A session to store: only the token's hash is kept.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub account_id: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

area! {
    pub trait AccountStore {
        /// Inserts the account unless one with its ID exists (seeding is idempotent).
        async fn insert_account_if_missing(&self, new: &NewAccount) -> Result<AccountInsert> {
            let done = sqlx::query(&format!(
                "INSERT INTO accounts (id, name, role, password_hash, created_at)
                 VALUES ($1, $2, $3, $4, {})
                 ON CONFLICT (id) DO NOTHING",
                Self::NOW_MS
            ))
            .binds((new.account.id.as_str(), &new.account.name, new.account.role.as_str()))
            .bind(&new.password_hash)
            .execute(self.pool())
            .await?;
            Ok(if done.rows_affected() == 1 {
                AccountInsert::Added
            } else {
                AccountInsert::Exists
            })
        }

        /// The account and its password hash; `None` for a disabled or unknown account.
        async fn account_credentials(&self, id: &str) -> Result<Option<Credentials>> {
            let row = sqlx::query(
                "SELECT id, name, role, password_hash FROM accounts
                 WHERE id = $1 AND disabled_at IS NULL",
            )
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
            row.map(|row| {
                Ok(Credentials {
                    account: account_from_row(&row)?,
                    password_hash: row.try_get("password_hash")?,
                })
            })
            .transpose()
        }

        /// Every account, disabled ones included, by ID.
        async fn list_accounts(&self) -> Result<Vec<AccountListing>> {
            let rows =
                sqlx::query("SELECT id, name, role, created_at, disabled_at FROM accounts ORDER BY id")
                    .fetch_all(self.pool())
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

        /// Sets an account's password hash, ends its sessions except `keep` (the session that
        /// changed it, if any) and records the audit event, in one transaction.
        async fn set_password(
            &self,
            id: &str,
            password_hash: &str,
            keep: Option<&str>,
            audit: &NewAuditEvent,
        ) -> Result<AccountChange> {
            let mut tx = self.write_tx(&format!("account:{id}")).await?;
            let updated = sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
                .binds((password_hash, id))
                .execute(&mut *tx)
                .await?;
            if updated.rows_affected() == 0 {
                return Ok(AccountChange::NoAccount);
            }
            let ended = sqlx::query(
                "DELETE FROM sessions WHERE account_id = $1 AND token_hash IS DISTINCT FROM $2",
            )
            .binds((id, keep))
            .execute(&mut *tx)
            .await?;
            Self::insert_audit(&mut tx, audit).await?;
            tx.commit().await?;
            Ok(AccountChange::Done {
                sessions_ended: ended.rows_affected(),
            })
        }

        /// Disables an account and ends all its sessions, in one transaction.
        async fn disable_account(&self, id: &str, now_ms: i64) -> Result<AccountChange> {
            let mut tx = self.write_tx(&format!("account:{id}")).await?;
            let updated = sqlx::query(
                "UPDATE accounts SET disabled_at = COALESCE(disabled_at, $1) WHERE id = $2",
            )
            .binds((now_ms, id))
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

        /// Lets a disabled account sign in again (it has no sessions to end).
        async fn enable_account(&self, id: &str) -> Result<AccountChange> {
            let updated = sqlx::query("UPDATE accounts SET disabled_at = NULL WHERE id = $1")
                .bind(id)
                .execute(self.pool())
                .await?;
            Ok(if updated.rows_affected() == 0 {
                AccountChange::NoAccount
            } else {
                AccountChange::Done { sessions_ended: 0 }
            })
        }

        async fn create_session(&self, s: &NewSession) -> Result<()> {
            let mut tx = self.pool().begin().await?;
            sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND expires_at <= $2")
                .binds((&s.account_id, s.created_at_ms))
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO sessions (token_hash, account_id, created_at, expires_at, last_seen_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .binds((&s.token_hash, &s.account_id, s.created_at_ms, s.expires_at_ms))
            .bind(s.created_at_ms)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        }

        /// The live session's account and expiry, and it is seen now (the idle timeout slides);
        /// a session past its expiry or unseen for `idle_ms` is not returned.
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
            .binds((token_hash, now_ms, now_ms - idle_ms))
            .fetch_optional(self.pool())
            .await?;
            let Some(row) = row else {
                return Ok(None);
            };
            self.seen(token_hash, row.try_get("last_seen_at")?, now_ms)
                .await?;
            let account = account_from_row(&row)?;
            self.remember_session(token_hash, &account).await;
            Ok(Some(LiveSession {
                account,
                expires_at_ms: row.try_get("expires_at")?,
            }))
        }

        async fn delete_session(&self, token_hash: &str) -> Result<()> {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(self.pool())
                .await?;
            self.forget_session(token_hash).await;
            Ok(())
        }

        /// 退出所有设备: ends every session of the account, and with them the QR codes they opened
        /// that no phone has confirmed yet (cancelled, their phone sign-ins spent); how many
        /// sessions.
        async fn end_sessions(&self, account_id: &str, now_ms: i64) -> Result<u64> {
            let mut tx = self.write_tx(&format!("account:{account_id}")).await?;
            let ended = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(account_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query(
                "UPDATE oauth_states SET used_at = $1 WHERE used_at IS NULL AND ticket_id IN \
                 (SELECT id FROM qr_tickets WHERE account_id = $2 AND state IN ($3, $4))",
            )
            .binds((now_ms, account_id, TicketState::Pending.as_str()))
            .bind(TicketState::Scanned.as_str())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE qr_tickets SET state = $1, updated_at = $2 \
                 WHERE account_id = $3 AND state IN ($4, $5)",
            )
            .binds((TicketState::Cancelled.as_str(), now_ms, account_id))
            .binds((TicketState::Pending.as_str(), TicketState::Scanned.as_str()))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(ended)
        }

        /// What [`Self::admit_login_attempt`] would answer now, recording nothing: a refused
        /// attempt is answered and a slowed one waits before it takes a hashing turn.
        async fn login_standing(
            &self,
            attempt: &LoginAttempt<'_>,
            limits: &AttemptLimits,
        ) -> Result<AttemptAdmission> {
            let mut conn = self.pool().acquire().await?;
            Ok(Self::standing(&mut conn, attempt, limits)
                .await?
                .judge(limits))
        }

        /// Counts a sign-in attempt before it is judged: it is recorded (as a failure, until
        /// [`Self::forgive_login_attempts`]) unless the (account, address) pair is locked or the
        /// account is at its ceiling and the address has failed on it (see
        /// [`LoginStanding::judge`]). Atomic: N parallel attempts admit at most the allowance.
        async fn admit_login_attempt(
            &self,
            attempt: &LoginAttempt<'_>,
            limits: &AttemptLimits,
        ) -> Result<AttemptAdmission> {
            let mut tx = self.write_tx(&format!("login:{}", attempt.account_id)).await?;
            sqlx::query("DELETE FROM login_failures WHERE at <= $1")
                .bind(limits.account_since_ms.min(limits.pair_since_ms))
                .execute(&mut *tx)
                .await?;
            let admission = Self::standing(&mut tx, attempt, limits)
                .await?
                .judge(limits);
            if matches!(
                admission,
                AttemptAdmission::Admitted | AttemptAdmission::Slowed { .. }
            ) {
                sqlx::query("INSERT INTO login_failures (account_id, ip, at) VALUES ($1, $2, $3)")
                    .binds((attempt.account_id, attempt.ip, attempt.at_ms))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Ok(admission)
        }

        /// The (account, address) pair's failures since `since_ms`, oldest first.
        async fn login_failures(&self, account_id: &str, ip: &str, since_ms: i64) -> Result<Vec<i64>> {
            Ok(sqlx::query_scalar(
                "SELECT at FROM login_failures WHERE account_id = $1 AND ip = $2 AND at > $3 ORDER BY at",
            )
            .binds((account_id, ip, since_ms))
            .fetch_all(self.pool())
            .await?)
        }

        /// Counts a 获取验证码 request before the code goes out: recorded, unless the (merchant ID,
        /// mobile) pair or the address already had `max` since `since_ms`; then the milliseconds
        /// until the oldest of those leaves the window. Requests to other mobiles do not spend a
        /// pair's allowance. Atomic, like [`Self::admit_login_attempt`].
        async fn admit_binding_code(
            &self,
            request: &BindingCodeRequest<'_>,
            since_ms: i64,
            max: usize,
        ) -> Result<Option<i64>> {
            let mut tx = self.write_tx("binding-codes").await?;
            sqlx::query("DELETE FROM binding_code_sends WHERE at <= $1")
                .bind(since_ms)
                .execute(&mut *tx)
                .await?;
            let to_mobile: Vec<i64> = sqlx::query_scalar(
                "SELECT at FROM binding_code_sends
                 WHERE merchant_id = $1 AND mobile = $2 AND at > $3 ORDER BY at",
            )
            .binds((request.merchant_id, request.mobile, since_ms))
            .fetch_all(&mut *tx)
            .await?;
            let from_address: Vec<i64> = sqlx::query_scalar(
                "SELECT at FROM binding_code_sends WHERE ip = $1 AND at > $2 ORDER BY at",
            )
            .binds((request.ip, since_ms))
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
            .binds((request.merchant_id, request.mobile, request.ip, request.at_ms))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(None)
        }

        /// The attempt succeeded: the pair's failures are forgotten.
        async fn forgive_login_attempts(&self, account_id: &str, ip: &str) -> Result<()> {
            sqlx::query("DELETE FROM login_failures WHERE account_id = $1 AND ip = $2")
                .binds((account_id, ip))
                .execute(self.pool())
                .await?;
            Ok(())
        }

        /// Counts a request of a client address (`bucket`) in the window that started at
        /// `window_start_ms`; the window's count with this request. Atomic: every replica counts
        /// into the same window. A window older than the stored one counts into the stored one
        /// (a replica whose clock lags does not reset it).
        async fn count_request(
            &self,
            class: RequestClass,
            bucket: &str,
            window_start_ms: i64,
        ) -> Result<u32> {
            let requests: i64 = sqlx::query_scalar(&format!(
                "INSERT INTO request_windows (class, bucket, window_start, requests)
                 VALUES ($1, $2, $3, 1)
                 ON CONFLICT (class, bucket) DO UPDATE SET
                   requests = CASE WHEN request_windows.window_start >= excluded.window_start
                                   THEN request_windows.requests + 1 ELSE 1 END,
                   window_start = {}(request_windows.window_start, excluded.window_start)
                 RETURNING requests",
                Self::GREATEST
            ))
            .binds((class.as_str(), bucket, window_start_ms))
            .fetch_one(self.pool())
            .await?;
            Ok(u32::try_from(requests).unwrap_or(u32::MAX))
        }

        /// Forgets the windows that started before `before_ms`; how many.
        async fn forget_request_windows(&self, before_ms: i64) -> Result<u64> {
            let done = sqlx::query("DELETE FROM request_windows WHERE window_start < $1")
                .bind(before_ms)
                .execute(self.pool())
                .await?;
            Ok(done.rows_affected())
        }
    }
    impl {
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
                    .binds((now_ms, token_hash))
                    .execute(self.pool())
                    .await?;
            }
            Ok(())
        }

        /// What the sign-in limits judge an attempt by (see [`LoginStanding::judge`]).
        async fn standing(
            conn: &mut <<Self as Dialect>::Db as sqlx::Database>::Connection,
            attempt: &LoginAttempt<'_>,
            limits: &AttemptLimits,
        ) -> Result<LoginStanding> {
            let since = limits.account_since_ms.min(limits.pair_since_ms);
            let pair: Vec<i64> = sqlx::query_scalar(
                "SELECT at FROM login_failures WHERE account_id = $1 AND ip = $2 AND at > $3 ORDER BY at",
            )
            .binds((attempt.account_id, attempt.ip, since))
            .fetch_all(&mut *conn)
            .await?;
            let account_failures: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE account_id = $1 AND at > $2")
                    .binds((attempt.account_id, limits.account_since_ms))
                    .fetch_one(&mut *conn)
                    .await?;
            let account_failures = u64::try_from(account_failures).unwrap_or(0);
            let at_ceiling = if account_failures >= limits.account_max {
                sqlx::query_scalar(
                    "SELECT at FROM login_failures WHERE account_id = $1 AND at > $2
                     ORDER BY at DESC LIMIT 1 OFFSET $3",
                )
                .binds((attempt.account_id, limits.account_since_ms))
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
    }
}
