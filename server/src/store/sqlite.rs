//! The embedded default: one SQLite file in WAL mode.

use std::{path::Path, str::FromStr, time::Duration};

use async_trait::async_trait;
use domain::{
    api::{
        Account, AccountRole, AuditAction, AuditEvent, JobCounts, JobFailure, JobKind, JobState,
        ProviderSummary, ProviderSyncResult, SkipReason, SkippedProvider, SubMerchantSummary,
        SubProvider, SyncedProvider, TicketState, Transaction, WechatChannel,
    },
    rules::AccountId,
};
use sqlx::{
    Row,
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
    },
};

use super::{
    AccountChange, AccountListing, AttemptAdmission, AttemptLimits, Checkpoint, JobRecord,
    LoginAttempt, NewAccount, NewAuditEvent, NewSession, OAuthState, PhoneSignIn,
    PhoneSignInOutcome, ProviderRow, ProviderSection, Result, Store, StoreError, StoredKeys,
    SubMerchantCredentials, SubMerchantFilter, SyncPage, TicketKind, TicketRecord,
    TransactionFilter, Viewer,
    count_cache::{CountCache, CountKey},
};
use crate::clock::rfc3339;

/// SQLite storage.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    counts: std::sync::Arc<CountCache>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file of a `sqlite://` URL and migrates it.
    pub async fn open(url: &str) -> Result<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(dir) = Path::new(options.get_filename()).parent()
            && !dir.as_os_str().is_empty()
        {
            crate::vault::create_private_dir(dir)
                .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let file = options.get_filename().to_owned();
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        // The database holds sealed secrets and hashes: only its owner may read it (SQLite
        // gives its -wal and -shm files the database's mode).
        for suffix in ["", "-wal", "-shm"] {
            let mut path = file.clone().into_os_string();
            path.push(suffix);
            if Path::new(&path).exists() {
                crate::vault::make_private(Path::new(&path))
                    .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
            }
        }
        Ok(SqliteStore {
            pool,
            counts: std::sync::Arc::default(),
        })
    }

    /// The pool, for tests that inspect the file.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

fn account_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Account> {
    let id: String = row.try_get("id")?;
    Ok(Account {
        id: AccountId::parse(&id).map_err(|e| StoreError::Corrupt(format!("account id: {e}")))?,
        name: row.try_get("name")?,
        role: decode("account role", row.try_get("role")?, AccountRole::parse)?,
    })
}

#[async_trait]
impl Store for SqliteStore {
    async fn insert_account_if_missing(&self, new: &NewAccount) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO accounts (id, name, role, password_hash, created_at)
             VALUES (?, ?, ?, ?, unixepoch() * 1000)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(new.account.id.as_str())
        .bind(&new.account.name)
        .bind(new.account.role.as_str())
        .bind(&new.password_hash)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn account_credentials(&self, id: &str) -> Result<Option<(Account, String)>> {
        let row = sqlx::query(
            "SELECT id, name, role, password_hash FROM accounts
             WHERE id = ? AND disabled_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((account_from_row(&row)?, row.try_get("password_hash")?)))
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let updated = sqlx::query("UPDATE accounts SET password_hash = ? WHERE id = ?")
            .bind(password_hash)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Ok(AccountChange::NoAccount);
        }
        let ended =
            sqlx::query("DELETE FROM sessions WHERE account_id = ? AND token_hash IS NOT ?")
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let updated =
            sqlx::query("UPDATE accounts SET disabled_at = COALESCE(disabled_at, ?) WHERE id = ?")
                .bind(now_ms)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if updated.rows_affected() == 0 {
            return Ok(AccountChange::NoAccount);
        }
        let ended = sqlx::query("DELETE FROM sessions WHERE account_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(AccountChange::Done {
            sessions_ended: ended.rows_affected(),
        })
    }

    async fn create_session(&self, s: &NewSession) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE account_id = ? AND expires_at <= ?")
            .bind(&s.account_id)
            .bind(s.created_at_ms)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, created_at, expires_at, last_seen_at)
             VALUES (?, ?, ?, ?, ?)",
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
    ) -> Result<Option<(Account, i64)>> {
        let row = sqlx::query(
            "SELECT a.id, a.name, a.role, s.expires_at, s.last_seen_at
             FROM sessions s JOIN accounts a ON a.id = s.account_id
             WHERE s.token_hash = ? AND s.expires_at > ? AND s.last_seen_at > ?
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
        // Seen now; written at most once a minute, so that reads stay reads.
        let last_seen: i64 = row.try_get("last_seen_at")?;
        if now_ms - last_seen >= 60_000 {
            sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?")
                .bind(now_ms)
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some((account_from_row(&row)?, row.try_get("expires_at")?)))
    }

    async fn end_sessions(&self, account_id: &str, now_ms: i64) -> Result<u64> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE account_id = ?")
            .bind(account_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(
            "UPDATE oauth_states SET used_at = ? WHERE used_at IS NULL AND ticket_id IN \
             (SELECT id FROM qr_tickets WHERE account_id = ? AND state IN (?, ?))",
        )
        .bind(now_ms)
        .bind(account_id)
        .bind(TicketState::Pending.as_str())
        .bind(TicketState::Scanned.as_str())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE qr_tickets SET state = ?, updated_at = ? \
             WHERE account_id = ? AND state IN (?, ?)",
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
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn admit_login_attempt(
        &self,
        attempt: &LoginAttempt<'_>,
        limits: &AttemptLimits,
    ) -> Result<AttemptAdmission> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("DELETE FROM login_failures WHERE at <= ?")
            .bind(limits.account_since_ms.min(limits.pair_since_ms))
            .execute(&mut *tx)
            .await?;
        let pair: Vec<i64> = sqlx::query_scalar(
            "SELECT at FROM login_failures WHERE account_id = ? AND ip = ? AND at > ? ORDER BY at",
        )
        .bind(attempt.account_id)
        .bind(attempt.ip)
        .bind(limits.pair_since_ms)
        .fetch_all(&mut *tx)
        .await?;
        if pair.len() >= limits.pair_max {
            return Ok(AttemptAdmission::PairLocked { failures: pair });
        }
        // The `account_max`-th newest failure in the window: while it is there, the account is
        // at its ceiling; when it ages out, the ceiling lifts.
        let at_ceiling: Option<i64> = sqlx::query_scalar(
            "SELECT at FROM login_failures WHERE account_id = ? AND at > ?
             ORDER BY at DESC LIMIT 1 OFFSET ?",
        )
        .bind(attempt.account_id)
        .bind(limits.account_since_ms)
        .bind(i64::try_from(limits.account_max.saturating_sub(1)).unwrap_or(i64::MAX))
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(oldest_ms) = at_ceiling {
            return Ok(AttemptAdmission::AccountCeiling { oldest_ms });
        }
        sqlx::query("INSERT INTO login_failures (account_id, ip, at) VALUES (?, ?, ?)")
            .bind(attempt.account_id)
            .bind(attempt.ip)
            .bind(attempt.at_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(AttemptAdmission::Admitted)
    }

    async fn login_failures(&self, account_id: &str, ip: &str, since_ms: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT at FROM login_failures WHERE account_id = ? AND ip = ? AND at > ? ORDER BY at",
        )
        .bind(account_id)
        .bind(ip)
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn admit_binding_code(
        &self,
        merchant_id: &str,
        ip: &str,
        now_ms: i64,
        since_ms: i64,
        max: usize,
    ) -> Result<Option<i64>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("DELETE FROM binding_code_sends WHERE at <= ?")
            .bind(since_ms)
            .execute(&mut *tx)
            .await?;
        for (column, value) in [("merchant_id", merchant_id), ("ip", ip)] {
            let sent: Vec<i64> = sqlx::query_scalar(&format!(
                "SELECT at FROM binding_code_sends WHERE {column} = ? AND at > ? ORDER BY at"
            ))
            .bind(value)
            .bind(since_ms)
            .fetch_all(&mut *tx)
            .await?;
            if sent.len() >= max {
                let oldest = sent.get(sent.len() - max).copied().unwrap_or(now_ms);
                return Ok(Some(oldest - since_ms));
            }
        }
        sqlx::query("INSERT INTO binding_code_sends (merchant_id, ip, at) VALUES (?, ?, ?)")
            .bind(merchant_id)
            .bind(ip)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(None)
    }

    async fn forgive_login_attempts(&self, account_id: &str, ip: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE account_id = ? AND ip = ?")
            .bind(account_id)
            .bind(ip)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn list_providers(
        &self,
        account_id: &str,
        search: Option<&str>,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<ProviderSummary>, u64)> {
        let pattern = search.map(|q| format!("%{}%", escape_like(q)));
        let filter = "account_id = ?1 AND (?2 IS NULL OR name LIKE ?2 ESCAPE '\\' OR provider_id LIKE ?2 ESCAPE '\\')";
        let total: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM providers WHERE {filter}"))
                .bind(account_id)
                .bind(&pattern)
                .fetch_one(&self.pool)
                .await?;
        let rows = sqlx::query(&format!(
            "SELECT provider_id, name, wechat_pay_configured, alipay_configured, synced_at
             FROM providers WHERE {filter} ORDER BY name, provider_id LIMIT ?3 OFFSET ?4"
        ))
        .bind(account_id)
        .bind(&pattern)
        .bind(i64::from(page_size))
        .bind(i64::from(page.saturating_sub(1)) * i64::from(page_size))
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(ProviderSummary {
                    provider_id: row.try_get("provider_id")?,
                    name: row.try_get("name")?,
                    wechat_pay_configured: row.try_get("wechat_pay_configured")?,
                    alipay_configured: row.try_get("alipay_configured")?,
                    synced_at: rfc3339(row.try_get("synced_at")?),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((items, u64::try_from(total).unwrap_or_default()))
    }

    async fn sync_providers(
        &self,
        account_id: &str,
        upstream: &[SyncedProvider],
        now_ms: i64,
    ) -> Result<ProviderSyncResult> {
        // IMMEDIATE: take the write lock up front, so concurrent syncs queue instead of failing
        // to upgrade a read lock.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut result = ProviderSyncResult::default();
        for provider in upstream {
            let existing: Option<(String, String)> =
                sqlx::query_as("SELECT account_id, name FROM providers WHERE provider_id = ?")
                    .bind(&provider.provider_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            match existing {
                None => {
                    sqlx::query(
                        "INSERT INTO providers (provider_id, account_id, name, synced_at, created_at)
                         VALUES (?, ?, ?, ?, ?)",
                    )
                    .bind(&provider.provider_id)
                    .bind(account_id)
                    .bind(&provider.name)
                    .bind(now_ms)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                    result.new.push(provider.clone());
                }
                Some((owner, _)) if owner != account_id => {
                    result.skipped.push(SkippedProvider {
                        provider_id: provider.provider_id.clone(),
                        name: provider.name.clone(),
                        reason: SkipReason::BoundToAnotherAccount,
                    });
                }
                Some((_, name)) => {
                    sqlx::query(
                        "UPDATE providers SET name = ?, synced_at = ? WHERE provider_id = ?",
                    )
                    .bind(&provider.name)
                    .bind(now_ms)
                    .bind(&provider.provider_id)
                    .execute(&mut *tx)
                    .await?;
                    if name == provider.name {
                        result.unchanged.push(provider.clone());
                    } else {
                        result.updated.push(provider.clone());
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(result)
    }

    async fn provider(&self, account_id: &str, provider_id: &str) -> Result<Option<ProviderRow>> {
        let row = sqlx::query(
            "SELECT provider_id, name, synced_at, basic_info, wechat_pay, alipay
             FROM providers WHERE provider_id = ? AND account_id = ?",
        )
        .bind(provider_id)
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(ProviderRow {
                provider_id: row.try_get("provider_id")?,
                synced_name: row.try_get("name")?,
                synced_at_ms: row.try_get("synced_at")?,
                basic_info: row.try_get("basic_info")?,
                wechat_pay: row.try_get("wechat_pay")?,
                alipay: row.try_get("alipay")?,
            })
        })
        .transpose()
    }

    async fn save_provider_section(
        &self,
        account_id: &str,
        provider_id: &str,
        section: ProviderSection,
        json: &str,
        configured: bool,
        audit: &NewAuditEvent,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let column = section.column();
        let flag = section.configured_column();
        let sql = match flag {
            Some(flag) => format!(
                "UPDATE providers SET {column} = ?, {flag} = ? WHERE provider_id = ? AND account_id = ?"
            ),
            None => format!(
                "UPDATE providers SET {column} = ? WHERE provider_id = ? AND account_id = ?"
            ),
        };
        let mut update = sqlx::query(&sql).bind(json);
        if flag.is_some() {
            update = update.bind(configured);
        }
        let done = update
            .bind(provider_id)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn audit_events(
        &self,
        account_id: &str,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<AuditEvent>, u64)> {
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE account_id = ?")
                .bind(account_id)
                .fetch_one(&self.pool)
                .await?;
        let rows = sqlx::query(
            "SELECT actor, action, target, fields, at FROM audit_events
             WHERE account_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
        )
        .bind(account_id)
        .bind(i64::from(page_size))
        .bind(i64::from(page.saturating_sub(1)) * i64::from(page_size))
        .fetch_all(&self.pool)
        .await?;
        let events = rows
            .iter()
            .map(audit_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok((events, u64::try_from(total).unwrap_or_default()))
    }

    async fn sub_merchant(
        &self,
        viewer: Viewer<'_>,
        id: i64,
    ) -> Result<Option<(SubMerchantSummary, i64)>> {
        let (scope, who) = match viewer {
            Viewer::Provider(account) => ("p.account_id = ?", account),
            Viewer::SubProvider(account) => ("s.sub_provider_account_id = ?", account),
        };
        let row = sqlx::query(&format!(
            "SELECT s.id, s.merchant_id, s.name, s.provider_id, p.name AS provider_name, s.channel,
                    s.maidan_opened, s.sub_provider_account_id, s.keys_set, s.synced_at
             FROM sub_merchants s JOIN providers p ON p.provider_id = s.provider_id
             WHERE s.id = ? AND {scope}"
        ))
        .bind(id)
        .bind(who)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((sub_merchant_from_row(&row)?, row.try_get("synced_at")?)))
            .transpose()
    }

    async fn set_sub_merchant_channel(
        &self,
        account_id: &str,
        id: i64,
        channel: WechatChannel,
        maidan_opened: bool,
        audit: &NewAuditEvent,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query(
            "UPDATE sub_merchants SET channel = ?, maidan_opened = ?
             WHERE id = ? AND provider_id IN (SELECT provider_id FROM providers WHERE account_id = ?)",
        )
        .bind(channel.as_str())
        .bind(maidan_opened)
        .bind(id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        bump_version(&mut tx, account_id).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn sub_merchant_credentials(&self, id: i64) -> Result<SubMerchantCredentials> {
        let keys = sqlx::query(
            "SELECT authentication_key, authentication_key_last4, signing_public_key,
                    public_key_sha256, reset_at, reset_by
             FROM sub_merchant_keys WHERE sub_merchant_id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| -> Result<StoredKeys> {
            Ok(StoredKeys {
                authentication_key_sealed: row.try_get("authentication_key")?,
                authentication_key_last4: row.try_get("authentication_key_last4")?,
                signing_public_key: row.try_get("signing_public_key")?,
                public_key_sha256: row.try_get("public_key_sha256")?,
                reset_at_ms: row.try_get("reset_at")?,
                reset_by: row.try_get("reset_by")?,
            })
        })
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
    ) -> Result<bool> {
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
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO sub_merchant_keys
               (sub_merchant_id, authentication_key, authentication_key_last4, signing_public_key,
                public_key_sha256, reset_at, reset_by)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (sub_merchant_id) DO UPDATE SET
               authentication_key = excluded.authentication_key,
               authentication_key_last4 = excluded.authentication_key_last4,
               signing_public_key = excluded.signing_public_key,
               public_key_sha256 = excluded.public_key_sha256,
               reset_at = excluded.reset_at,
               reset_by = excluded.reset_by",
        )
        .bind(id)
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
        Ok(true)
    }

    async fn complete_alipay_authorization(
        &self,
        ticket: &TicketRecord,
        sub_merchant_id: i64,
        user_id: &str,
        sealed_app_auth_token: &str,
        now_ms: i64,
        audit: &NewAuditEvent,
    ) -> Result<bool> {
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
            return Ok(false);
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
            return Ok(false);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn mark_maidan_opened(&self, merchant_id: &str) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let accounts: Vec<String> = sqlx::query_scalar(
            "UPDATE sub_merchants SET maidan_opened = 1
             WHERE merchant_id = ? AND maidan_opened = 0 RETURNING account_id",
        )
        .bind(merchant_id)
        .fetch_all(&mut *tx)
        .await?;
        for account in accounts {
            bump_version(&mut tx, &account).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn sub_providers(&self, account_id: &str) -> Result<Vec<SubProvider>> {
        let rows = sqlx::query(
            "SELECT sub_provider_account_id, name, rebate_ratio, remark FROM sub_providers
             WHERE account_id = ? ORDER BY sub_provider_account_id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SubProvider {
                    account_id: row.try_get("sub_provider_account_id")?,
                    name: row.try_get("name")?,
                    rebate_ratio: row.try_get("rebate_ratio")?,
                    remark: row.try_get("remark")?,
                })
            })
            .collect()
    }

    async fn save_sub_provider(
        &self,
        account_id: &str,
        sub_provider: &SubProvider,
        create: bool,
        now_ms: i64,
        audit: Option<&NewAuditEvent>,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let sql = if create {
            "INSERT OR IGNORE INTO sub_providers
                 (name, rebate_ratio, remark, account_id, sub_provider_account_id, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
        } else {
            "UPDATE sub_providers SET name = ?1, rebate_ratio = ?2, remark = ?3, updated_at = ?6
             WHERE account_id = ?4 AND sub_provider_account_id = ?5"
        };
        let done = sqlx::query(sql)
            .bind(sub_provider.name.trim())
            .bind(sub_provider.rebate_ratio.trim())
            .bind(sub_provider.remark.trim())
            .bind(account_id)
            .bind(&sub_provider.account_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        if let Some(audit) = audit {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn change_sub_provider(
        &self,
        account_id: &str,
        sub_merchant_id: i64,
        sub_provider_account_id: &str,
        job_id: &str,
        audit: &NewAuditEvent,
    ) -> Result<Option<JobRecord>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query(
            "UPDATE sub_merchants SET sub_provider_account_id = ?
             WHERE id = ? AND provider_id IN (SELECT provider_id FROM providers WHERE account_id = ?)",
        )
        .bind(sub_provider_account_id)
        .bind(sub_merchant_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        bump_version(&mut tx, account_id).await?;
        insert_audit(&mut tx, audit).await?;
        // A job already waiting for this sub-merchant will attribute to the owner set here:
        // the partial unique index makes this insert join it instead.
        let subject = sub_merchant_id.to_string();
        sqlx::query(
            "INSERT OR IGNORE INTO jobs (id, account_id, kind, state, subject, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(job_id)
        .bind(account_id)
        .bind(JobKind::Reattribution.as_str())
        .bind(JobState::Queued.as_str())
        .bind(&subject)
        .bind(audit.at_ms)
        .bind(audit.at_ms)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs
             WHERE account_id = ? AND kind = ? AND subject = ? AND state = ?"
        ))
        .bind(account_id)
        .bind(JobKind::Reattribution.as_str())
        .bind(&subject)
        .bind(JobState::Queued.as_str())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        job_from_row(&row).map(Some)
    }

    async fn active_job(
        &self,
        account_id: &str,
        kind: JobKind,
        subject: &str,
    ) -> Result<Option<JobRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs
             WHERE account_id = ?1 AND kind = ?2 AND subject = ?3 AND state IN (?4, ?5)
             ORDER BY state = ?5 DESC, created_at LIMIT 1"
        ))
        .bind(account_id)
        .bind(kind.as_str())
        .bind(subject)
        .bind(JobState::Queued.as_str())
        .bind(JobState::Running.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    async fn count_transactions_of(&self, sub_merchant_id: i64) -> Result<u64> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM transactions WHERE sub_merchant_id = ?")
                .bind(sub_merchant_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    async fn reattribute_batch(
        &self,
        job_id: &str,
        sub_merchant_id: i64,
        after_id: i64,
        batch: u32,
        lease_until_ms: i64,
        now_ms: i64,
    ) -> Result<Option<i64>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        // The owner is read inside the batch's own transaction: a later change is never
        // overwritten by an earlier one, whatever order the jobs run in.
        let last: Option<(i64, i64)> = sqlx::query_as(
            "WITH batch AS (
                 SELECT id FROM transactions WHERE sub_merchant_id = ?1 AND id > ?2
                 ORDER BY id LIMIT ?3)
             SELECT MAX(id), COUNT(*) FROM batch HAVING COUNT(*) > 0",
        )
        .bind(sub_merchant_id)
        .bind(after_id)
        .bind(i64::from(batch))
        .fetch_optional(&mut *tx)
        .await?;
        let Some((last, done)) = last else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE transactions
             SET sub_provider_account_id =
                 (SELECT sub_provider_account_id FROM sub_merchants WHERE id = ?1)
             WHERE sub_merchant_id = ?1 AND id > ?2 AND id <= ?3",
        )
        .bind(sub_merchant_id)
        .bind(after_id)
        .bind(last)
        .execute(&mut *tx)
        .await?;
        let checkpoint = Checkpoint {
            provider_index: 0,
            cursor: u64::try_from(last).unwrap_or_default(),
        };
        sqlx::query(
            "UPDATE jobs SET processed = processed + ?, checkpoint = ?, lease_until = ?, updated_at = ?
             WHERE id = ? AND state = ?",
        )
        .bind(done)
        .bind(to_json(&checkpoint)?)
        .bind(lease_until_ms)
        .bind(now_ms)
        .bind(job_id)
        .bind(JobState::Running.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(last))
    }

    async fn import_transactions(
        &self,
        account_id: &str,
        provider_id: &str,
        transactions: &[crate::upstream::UpstreamTransaction],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_transactions(&mut tx, account_id, provider_id, transactions).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_transactions(
        &self,
        viewer: Viewer<'_>,
        filter: &TransactionFilter<'_>,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<Transaction>, u64, i64)> {
        fn conditions<'a>(
            q: &mut sqlx::QueryBuilder<'a, sqlx::Sqlite>,
            viewer: Viewer<'a>,
            filter: &TransactionFilter<'a>,
        ) {
            // With a narrower filter, the scope term is kept off the index (`+`): walking an
            // account's million rows in time order to find one sub-merchant's is the slow way.
            let narrower = filter.sub_merchant_id.is_some()
                || (matches!(viewer, Viewer::Provider(_))
                    && filter.sub_provider_account_id.is_some());
            let plus = if narrower { "+" } else { "" };
            match viewer {
                Viewer::Provider(account) => q
                    .push(format!(" WHERE {plus}t.account_id = "))
                    .push_bind(account),
                Viewer::SubProvider(account) => q
                    .push(format!(" WHERE {plus}t.sub_provider_account_id = "))
                    .push_bind(account),
            };
            if let Some(id) = filter.sub_merchant_id {
                q.push(" AND t.sub_merchant_id = ").push_bind(id);
            }
            if let Some(sp) = filter.sub_provider_account_id {
                q.push(" AND t.sub_provider_account_id = ").push_bind(sp);
            }
            if let Some(from) = filter.from_ms {
                q.push(" AND t.paid_at >= ").push_bind(from);
            }
            if let Some(to) = filter.to_ms {
                q.push(" AND t.paid_at < ").push_bind(to);
            }
        }
        let mut totals = sqlx::QueryBuilder::new(
            "SELECT COUNT(*), COALESCE(SUM(t.amount_fen), 0) FROM transactions t",
        );
        conditions(&mut totals, viewer, filter);
        let (count, amount): (i64, i64) = totals.build_query_as().fetch_one(&self.pool).await?;
        let mut query = sqlx::QueryBuilder::new(
            "SELECT t.id, t.sub_merchant_id, s.merchant_id, s.name, t.sub_provider_account_id,
                    t.amount_fen, t.paid_at
             FROM transactions t JOIN sub_merchants s ON s.id = t.sub_merchant_id",
        );
        conditions(&mut query, viewer, filter);
        query
            .push(" ORDER BY t.paid_at DESC, t.id DESC LIMIT ")
            .push_bind(i64::from(page_size))
            .push(" OFFSET ")
            .push_bind(i64::from(page.saturating_sub(1)) * i64::from(page_size));
        let items = query
            .build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok(Transaction {
                    id: row.try_get("id")?,
                    sub_merchant_id: row.try_get("sub_merchant_id")?,
                    merchant_id: row.try_get("merchant_id")?,
                    sub_merchant_name: row.try_get("name")?,
                    sub_provider_account_id: row.try_get("sub_provider_account_id")?,
                    amount_fen: row.try_get("amount_fen")?,
                    paid_at: rfc3339(row.try_get("paid_at")?),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((items, u64::try_from(count).unwrap_or_default(), amount))
    }

    async fn audit_events_of(
        &self,
        account_id: &str,
        target: &str,
        limit: u32,
    ) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT actor, action, target, fields, at FROM audit_events
             WHERE account_id = ? AND target = ? ORDER BY id DESC LIMIT ?",
        )
        .bind(account_id)
        .bind(target)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn provider_ids(&self, account_id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT provider_id FROM providers WHERE account_id = ? ORDER BY provider_id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn start_job(
        &self,
        id: &str,
        account_id: &str,
        kind: JobKind,
        now_ms: i64,
    ) -> Result<JobRecord> {
        // The partial unique index admits one queued-or-running job per account and kind.
        sqlx::query(
            "INSERT OR IGNORE INTO jobs (id, account_id, kind, state, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(account_id)
        .bind(kind.as_str())
        .bind(JobState::Queued.as_str())
        .bind(now_ms)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs
             WHERE account_id = ? AND kind = ? AND state IN (?, ?)"
        ))
        .bind(account_id)
        .bind(kind.as_str())
        .bind(JobState::Queued.as_str())
        .bind(JobState::Running.as_str())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => job_from_row(&row),
            // It finished between the insert and the read: show the one just created.
            None => {
                let row = sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?"))
                    .bind(id)
                    .fetch_one(&self.pool)
                    .await?;
                job_from_row(&row)
            }
        }
    }

    async fn last_finished(&self, account_id: &str, kind: JobKind) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MAX(finished_at) FROM jobs WHERE account_id = ? AND kind = ?",
        )
        .bind(account_id)
        .bind(kind.as_str())
        .fetch_one(&self.pool)
        .await?)
    }

    async fn job(&self, account_id: &str, id: &str) -> Result<Option<JobRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE id = ? AND account_id = ?"
        ))
        .bind(id)
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    async fn jobs(
        &self,
        account_id: &str,
        kind: Option<JobKind>,
        state: Option<JobState>,
    ) -> Result<Vec<JobRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs
             WHERE account_id = ?1 AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR state = ?3)
             ORDER BY created_at DESC LIMIT 20"
        ))
        .bind(account_id)
        .bind(kind.map(JobKind::as_str))
        .bind(state.map(JobState::as_str))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job_from_row).collect()
    }

    async fn claim_job(&self, now_ms: i64, lease_until_ms: i64) -> Result<Option<JobRecord>> {
        // Look first (a read takes no write lock while the worker idles), then take it only
        // if it is still claimable: of two workers, one wins.
        let candidate: Option<String> = sqlx::query_scalar(
            "SELECT id FROM jobs j
             WHERE (j.state = ?2 AND NOT EXISTS (
                        SELECT 1 FROM jobs r
                        WHERE r.state = ?3 AND r.lease_until >= ?1 AND j.subject <> ''
                          AND r.account_id = j.account_id AND r.kind = j.kind
                          AND r.subject = j.subject))
                OR (j.state = ?3 AND j.lease_until < ?1)
             ORDER BY j.created_at LIMIT 1",
        )
        .bind(now_ms)
        .bind(JobState::Queued.as_str())
        .bind(JobState::Running.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(id) = candidate else {
            return Ok(None);
        };
        let row = sqlx::query(&format!(
            "UPDATE jobs
             SET state = ?5, lease_until = ?1, started_at = COALESCE(started_at, ?2),
                 updated_at = ?2
             WHERE id = ?3 AND (state = ?4 OR (state = ?5 AND lease_until < ?2))
             RETURNING {JOB_COLUMNS}"
        ))
        .bind(lease_until_ms)
        .bind(now_ms)
        .bind(id)
        .bind(JobState::Queued.as_str())
        .bind(JobState::Running.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    async fn set_job_total(&self, id: &str, total: u64) -> Result<()> {
        sqlx::query("UPDATE jobs SET total = ? WHERE id = ?")
            .bind(i64::try_from(total).unwrap_or(i64::MAX))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn apply_sync_page(&self, page: &SyncPage<'_>) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut existing = std::collections::HashMap::new();
        // Which of these rows exist already? If none in the page's merchant-ID range does (a
        // first sync, in upstream order), one index probe answers for the whole page.
        let ids = page.rows.iter().map(|row| row.merchant_id.as_str());
        let overlaps = match (ids.clone().min(), ids.max()) {
            (Some(min), Some(max)) => {
                sqlx::query_scalar::<_, bool>(
                    "SELECT EXISTS (SELECT 1 FROM sub_merchants
                                WHERE provider_id = ? AND merchant_id BETWEEN ? AND ?)",
                )
                .bind(page.provider_id)
                .bind(min)
                .bind(max)
                .fetch_one(&mut *tx)
                .await?
            }
            _ => false,
        };
        if overlaps {
            let mut query = sqlx::QueryBuilder::new(
                "SELECT merchant_id, name, maidan_opened FROM sub_merchants WHERE provider_id = ",
            );
            query
                .push_bind(page.provider_id)
                .push(" AND merchant_id IN (");
            let mut list = query.separated(", ");
            for row in page.rows {
                list.push_bind(&row.merchant_id);
            }
            list.push_unseparated(")");
            for found in query.build().fetch_all(&mut *tx).await? {
                let id: String = found.try_get("merchant_id")?;
                let name: String = found.try_get("name")?;
                let opened: bool = found.try_get("maidan_opened")?;
                existing.insert(id, (name, opened));
            }
        }
        let job: (String, String) =
            sqlx::query_as("SELECT counts, failures FROM jobs WHERE id = ?")
                .bind(page.job_id)
                .fetch_one(&mut *tx)
                .await?;
        let mut counts: JobCounts = serde_json::from_str(&job.0)
            .map_err(|e| StoreError::Corrupt(format!("job counts: {e}")))?;
        let mut failures: Vec<JobFailure> = serde_json::from_str(&job.1)
            .map_err(|e| StoreError::Corrupt(format!("job failures: {e}")))?;

        let updated_before = counts.updated;
        let (new, rest): (Vec<_>, Vec<_>) = page
            .rows
            .iter()
            .partition(|row| !existing.contains_key(&row.merchant_id));
        if !new.is_empty() {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO sub_merchants (account_id, provider_id, merchant_id, name, maidan_opened, synced_at) ",
            );
            insert.push_values(&new, |mut b, row| {
                b.push_bind(page.account_id)
                    .push_bind(page.provider_id)
                    .push_bind(&row.merchant_id)
                    .push_bind(&row.name)
                    .push_bind(row.maidan_opened)
                    .push_bind(page.now_ms);
            });
            insert.build().execute(&mut *tx).await?;
        }
        for row in rest {
            let changed = existing
                .get(&row.merchant_id)
                .is_some_and(|(name, opened)| *name != row.name || *opened != row.maidan_opened);
            if changed {
                sqlx::query(
                    "UPDATE sub_merchants SET name = ?, maidan_opened = ?, synced_at = ?
                     WHERE provider_id = ? AND merchant_id = ?",
                )
                .bind(&row.name)
                .bind(row.maidan_opened)
                .bind(page.now_ms)
                .bind(page.provider_id)
                .bind(&row.merchant_id)
                .execute(&mut *tx)
                .await?;
                counts.updated += 1;
            } else {
                counts.unchanged += 1;
            }
        }
        if !page.transactions.is_empty() {
            insert_transactions(
                &mut tx,
                page.account_id,
                page.provider_id,
                page.transactions,
            )
            .await?;
        }
        if !new.is_empty() || counts.updated > updated_before {
            bump_version(&mut tx, page.account_id).await?;
        }
        counts.new += new.len() as u64;
        counts.failed += page.failures.len() as u64;
        let room = 100_usize.saturating_sub(failures.len());
        failures.extend(page.failures.iter().take(room).cloned());
        let processed = (page.rows.len() + page.failures.len()) as i64;
        sqlx::query(
            "UPDATE jobs SET processed = processed + ?, counts = ?, failures = ?, checkpoint = ?,
                             lease_until = ?, updated_at = ?
             WHERE id = ? AND state = ?",
        )
        .bind(processed)
        .bind(to_json(&counts)?)
        .bind(to_json(&failures)?)
        .bind(to_json(&page.next)?)
        .bind(page.lease_until_ms)
        .bind(page.now_ms)
        .bind(page.job_id)
        .bind(JobState::Running.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn finish_job(
        &self,
        id: &str,
        state: JobState,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET state = ?, error = ?, finished_at = ?, updated_at = ?, lease_until = NULL
             WHERE id = ?",
        )
        .bind(state.as_str())
        .bind(error)
        .bind(now_ms)
        .bind(now_ms)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn list_sub_merchants(
        &self,
        account_id: &str,
        filter: &SubMerchantFilter<'_>,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<SubMerchantSummary>, u64)> {
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE((SELECT version FROM sub_merchant_versions WHERE account_id = ?), 0)",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?;
        let key = CountKey {
            account_id: account_id.to_owned(),
            provider_id: filter.provider_id.map(str::to_owned),
            channel: filter.channel.map(WechatChannel::as_str),
            search: filter.search.map(str::to_owned),
        };
        // A sub-provider's view is small and follows another account's version: counted.
        let count = || async {
            let mut count = sqlx::QueryBuilder::new("SELECT COUNT(*) FROM sub_merchants s");
            push_sub_merchant_conditions(&mut count, account_id, filter);
            let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
            Ok::<_, StoreError>(u64::try_from(total).unwrap_or_default())
        };
        let total = if filter.assigned_to.is_some() {
            count().await?
        } else {
            self.counts.get_or_count(key, version, count).await?
        };
        // The page is picked in the order of the index (provider, merchant ID), with no sort
        // however many rows match; only its rows are joined to their provider names.
        let mut query = sqlx::QueryBuilder::new(
            "SELECT s.id, s.merchant_id, s.name, s.provider_id, p.name AS provider_name, s.channel,
                    s.maidan_opened, s.sub_provider_account_id, s.keys_set
             FROM (SELECT * FROM sub_merchants s",
        );
        push_sub_merchant_conditions(&mut query, account_id, filter);
        query
            .push(" ORDER BY s.provider_id, s.merchant_id LIMIT ")
            .push_bind(i64::from(page_size))
            .push(" OFFSET ")
            .push_bind(i64::from(page.saturating_sub(1)) * i64::from(page_size))
            .push(
                ") s JOIN providers p ON p.provider_id = s.provider_id
                 ORDER BY s.provider_id, s.merchant_id",
            );
        let rows = query.build().fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(sub_merchant_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok((items, total))
    }

    async fn create_ticket(&self, t: &TicketRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO qr_tickets
               (id, kind, subject, account_id, session_hash, state, requested_ip, created_at,
                expires_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
             FROM qr_tickets WHERE id = ? AND kind = ?",
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
             WHERE session_hash = ? AND created_at > ? ORDER BY created_at",
        )
        .bind(session_hash)
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn create_oauth_state(&self, state: &OAuthState) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        // Spent and expired states are kept a day, for the log's sake, then forgotten.
        sqlx::query("DELETE FROM oauth_states WHERE expires_at < ?")
            .bind(state.created_at_ms - 86_400_000)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO oauth_states (state_hash, ticket_id, browser_hash, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&state.state_hash)
        .bind(&state.ticket_id)
        .bind(&state.browser_hash)
        .bind(state.created_at_ms)
        .bind(state.expires_at_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn take_oauth_state(&self, state_hash: &str, now_ms: i64) -> Result<Option<OAuthState>> {
        let row = sqlx::query(
            "UPDATE oauth_states SET used_at = ?
             WHERE state_hash = ? AND used_at IS NULL AND expires_at > ?
             RETURNING state_hash, ticket_id, browser_hash, created_at, expires_at",
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let current: Option<(String, i64, Option<String>)> = sqlx::query_as(
            "SELECT state, expires_at, phone_browser_hash FROM qr_tickets WHERE id = ?",
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
             SET state = ?, updated_at = ?, phone_browser_hash = ?, phone_identity = ?,
                 phone_name = ?, phone_grant = ?
             WHERE id = ?",
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
    ) -> Result<bool> {
        let from_list = vec!["?"; from.len()].join(", ");
        let result = result
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("ticket result: {e}")))?;
        let sql = format!(
            "UPDATE qr_tickets
             SET state = ?, updated_at = ?, confirmed_by = COALESCE(?, confirmed_by),
                 result = COALESCE(?, result)
             WHERE id = ? AND state IN ({from_list})
               AND (state NOT IN (?, ?) OR expires_at > ?)"
        );
        let mut query = sqlx::query(&sql)
            .bind(to.as_str())
            .bind(now_ms)
            .bind(confirmed_by)
            .bind(result)
            .bind(id);
        for state in from {
            query = query.bind(state.as_str());
        }
        let done = query
            .bind(TicketState::Pending.as_str())
            .bind(TicketState::Scanned.as_str())
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
/// `WHERE …` of the sub-merchant list: only the filters that are set, so that the planner
/// sees plain equalities and uses the index.
fn push_sub_merchant_conditions<'a>(
    query: &mut sqlx::QueryBuilder<'a, sqlx::Sqlite>,
    account_id: &'a str,
    filter: &SubMerchantFilter<'a>,
) {
    if let Some(sub_provider) = filter.assigned_to {
        query
            .push(" WHERE s.sub_provider_account_id = ")
            .push_bind(sub_provider);
    } else {
        // Tenancy through the account's providers: the whole filter stays inside the
        // (provider_id, merchant_id) index, so counting reads no rows.
        query
            .push(" WHERE s.provider_id IN (SELECT provider_id FROM providers WHERE account_id = ")
            .push_bind(account_id)
            .push(")");
    }
    if let Some(provider_id) = filter.provider_id {
        query.push(" AND s.provider_id = ").push_bind(provider_id);
    }
    if let Some(channel) = filter.channel {
        query.push(" AND s.channel = ").push_bind(channel.as_str());
    }
    if let Some(search) = filter.search
        && !search.bytes().any(|b| b.is_ascii_alphabetic())
    {
        // Nothing to fold (Chinese, digits): a plain substring search, several times cheaper
        // per row than LIKE.
        query
            .push(" AND (instr(s.name, ")
            .push_bind(search)
            .push(") > 0 OR instr(s.merchant_id, ")
            .push_bind(search)
            .push(") > 0)");
    } else if let Some(search) = filter.search {
        // LIKE folds ASCII case: "cafe" finds "Cafe".
        let pattern = format!("%{}%", escape_like(search));
        query
            .push(" AND (s.name LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR s.merchant_id LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\')");
    }
}

/// Transactions of a provider's sub-merchants, attributed to each one's sub-provider now;
/// those already stored (by upstream ID) are left as they are.
async fn insert_transactions(
    tx: &mut sqlx::SqliteConnection,
    account_id: &str,
    provider_id: &str,
    transactions: &[crate::upstream::UpstreamTransaction],
) -> Result<()> {
    for chunk in transactions.chunks(500) {
        let mut insert = sqlx::QueryBuilder::new(
                "INSERT OR IGNORE INTO transactions
                     (account_id, sub_merchant_id, upstream_id, sub_provider_account_id, amount_fen, paid_at)
                 SELECT ",
            );
        insert
            .push_bind(account_id)
            .push(", s.id, v.column1, s.sub_provider_account_id, v.column2, v.column3 FROM (");
        insert.push_values(chunk, |mut b, t| {
            b.push_bind(&t.id)
                .push_bind(t.amount_fen)
                .push_bind(t.paid_at_ms)
                .push_bind(&t.merchant_id);
        });
        insert
            .push(") v JOIN sub_merchants s ON s.provider_id = ")
            .push_bind(provider_id)
            .push(" AND s.merchant_id = v.column4");
        insert.build().execute(&mut *tx).await?;
    }
    Ok(())
}

async fn insert_audit(tx: &mut sqlx::SqliteConnection, audit: &NewAuditEvent) -> Result<()> {
    let fields = serde_json::to_string(&audit.fields)
        .map_err(|e| StoreError::Corrupt(format!("audit fields: {e}")))?;
    sqlx::query(
        "INSERT INTO audit_events (account_id, actor, action, target, fields, at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&audit.account_id)
    .bind(&audit.actor)
    .bind(audit.action.as_str())
    .bind(&audit.target)
    .bind(fields)
    .bind(audit.at_ms)
    .execute(tx)
    .await?;
    Ok(())
}

fn audit_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<AuditEvent> {
    let fields: String = row.try_get("fields")?;
    Ok(AuditEvent {
        at: rfc3339(row.try_get("at")?),
        actor: row.try_get("actor")?,
        action: decode("audit action", row.try_get("action")?, AuditAction::parse)?,
        target: row.try_get("target")?,
        fields: serde_json::from_str(&fields)
            .map_err(|e| StoreError::Corrupt(format!("audit fields: {e}")))?,
    })
}

fn sub_merchant_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<SubMerchantSummary> {
    let channel: String = row.try_get("channel")?;
    Ok(SubMerchantSummary {
        id: row.try_get("id")?,
        merchant_id: row.try_get("merchant_id")?,
        name: row.try_get("name")?,
        provider_id: row.try_get("provider_id")?,
        provider_name: row.try_get("provider_name")?,
        channel: WechatChannel::parse(&channel)
            .ok_or_else(|| StoreError::Corrupt(format!("channel {channel:?}")))?,
        maidan_opened: row.try_get("maidan_opened")?,
        sub_provider_account_id: row.try_get("sub_provider_account_id")?,
        keys_set: row.try_get("keys_set")?,
    })
}

/// Marks the account's sub-merchants as changed (see [`CountCache`]).
async fn bump_version(tx: &mut sqlx::SqliteConnection, account_id: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO sub_merchant_versions (account_id, version) VALUES (?, 1)
         ON CONFLICT (account_id) DO UPDATE SET version = version + 1",
    )
    .bind(account_id)
    .execute(tx)
    .await?;
    Ok(())
}

fn escape_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A stored wire name read back as its enum; an unknown name means the row is corrupt.
fn decode<T>(what: &str, value: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(value).ok_or_else(|| StoreError::Corrupt(format!("{what} {value:?}")))
}

const JOB_COLUMNS: &str = "id, account_id, kind, state, processed, total, counts, failures, checkpoint, subject, error, created_at, started_at, finished_at, updated_at";

fn job_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<JobRecord> {
    let corrupt =
        |what: &str, e: &dyn std::fmt::Display| StoreError::Corrupt(format!("job {what}: {e}"));
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    let counts: String = row.try_get("counts")?;
    let failures: String = row.try_get("failures")?;
    let checkpoint: Option<String> = row.try_get("checkpoint")?;
    let processed: i64 = row.try_get("processed")?;
    let total: i64 = row.try_get("total")?;
    Ok(JobRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        kind: JobKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        state: JobState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        processed: u64::try_from(processed).unwrap_or_default(),
        total: u64::try_from(total).unwrap_or_default(),
        counts: serde_json::from_str(&counts).map_err(|e| corrupt("counts", &e))?,
        failures: serde_json::from_str(&failures).map_err(|e| corrupt("failures", &e))?,
        checkpoint: checkpoint
            .map(|c| serde_json::from_str::<Checkpoint>(&c))
            .transpose()
            .map_err(|e| corrupt("checkpoint", &e))?,
        subject: row.try_get("subject")?,
        error: row.try_get("error")?,
        created_at_ms: row.try_get("created_at")?,
        started_at_ms: row.try_get("started_at")?,
        finished_at_ms: row.try_get("finished_at")?,
        updated_at_ms: row.try_get("updated_at")?,
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("encoding: {e}")))
}
