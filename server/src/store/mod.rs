//! Storage behind a trait, so that handlers hold no SQL and a PostgreSQL implementation can
//! stand beside the embedded SQLite one.

mod sqlite;

use async_trait::async_trait;
use domain::api::{Account, AccountRole};

pub use sqlite::SqliteStore;

/// A storage failure; always an internal error to the client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: use sqlite://FILE")]
    UnsupportedUrl(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A console account as seeded or registered.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub account: Account,
    pub password_hash: String,
}

/// A session to store: only the token's hash is kept.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub account_id: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Inserts the account unless one with its ID exists (seeding is idempotent).
    async fn insert_account_if_missing(&self, account: &NewAccount) -> Result<bool>;
    /// The account and its password hash.
    async fn account_credentials(&self, id: &str) -> Result<Option<(Account, String)>>;

    async fn create_session(&self, session: &NewSession) -> Result<()>;
    /// The live session's account and expiry; expired sessions are not returned.
    async fn session(&self, token_hash: &str, now_ms: i64) -> Result<Option<(Account, i64)>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    /// Records a wrong password and forgets failures older than `forget_before_ms`.
    async fn record_login_failure(
        &self,
        account_id: &str,
        at_ms: i64,
        forget_before_ms: i64,
    ) -> Result<()>;
    /// Times of wrong passwords after `since_ms`, oldest first.
    async fn login_failures_since(&self, account_id: &str, since_ms: i64) -> Result<Vec<i64>>;
    async fn clear_login_failures(&self, account_id: &str) -> Result<()>;
}

/// Opens the store a `DATABASE_URL` names and brings its schema up to date.
pub async fn connect(url: &str) -> Result<std::sync::Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(SqliteStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }
}

pub(crate) fn role_to_str(role: AccountRole) -> &'static str {
    match role {
        AccountRole::Provider => "provider",
        AccountRole::SubProvider => "sub_provider",
    }
}

pub(crate) fn role_from_str(value: &str) -> Result<AccountRole> {
    match value {
        "provider" => Ok(AccountRole::Provider),
        "sub_provider" => Ok(AccountRole::SubProvider),
        other => Err(StoreError::Corrupt(format!("account role {other:?}"))),
    }
}
