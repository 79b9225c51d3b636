//! The embedded default: one SQLite file in WAL mode.

use std::{path::Path, str::FromStr, time::Duration};

use async_trait::async_trait;
use domain::{api::Account, rules::AccountId};
use sqlx::{
    Row,
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
    },
};

use super::{NewAccount, NewSession, Result, Store, StoreError, role_from_str, role_to_str};

/// SQLite storage.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
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
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
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
        role: role_from_str(row.try_get("role")?)?,
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
        .bind(role_to_str(new.account.role))
        .bind(&new.password_hash)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn account_credentials(&self, id: &str) -> Result<Option<(Account, String)>> {
        let row = sqlx::query("SELECT id, name, role, password_hash FROM accounts WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| Ok((account_from_row(&row)?, row.try_get("password_hash")?)))
            .transpose()
    }

    async fn create_session(&self, s: &NewSession) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE account_id = ? AND expires_at <= ?")
            .bind(&s.account_id)
            .bind(s.created_at_ms)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&s.token_hash)
        .bind(&s.account_id)
        .bind(s.created_at_ms)
        .bind(s.expires_at_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now_ms: i64) -> Result<Option<(Account, i64)>> {
        let row = sqlx::query(
            "SELECT a.id, a.name, a.role, s.expires_at
             FROM sessions s JOIN accounts a ON a.id = s.account_id
             WHERE s.token_hash = ? AND s.expires_at > ?",
        )
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((account_from_row(&row)?, row.try_get("expires_at")?)))
            .transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn record_login_failure(
        &self,
        account_id: &str,
        at_ms: i64,
        forget_before_ms: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM login_failures WHERE at < ?")
            .bind(forget_before_ms)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO login_failures (account_id, at) VALUES (?, ?)")
            .bind(account_id)
            .bind(at_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn login_failures_since(&self, account_id: &str, since_ms: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query_scalar(
            "SELECT at FROM login_failures WHERE account_id = ? AND at > ? ORDER BY at",
        )
        .bind(account_id)
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    async fn clear_login_failures(&self, account_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE account_id = ?")
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
