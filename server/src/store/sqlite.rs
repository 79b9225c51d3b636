//! The embedded default: one SQLite file in WAL mode: opening it, its health, and SQLite's way
//! of storing a page of transactions. The areas' queries are written once for both backends
//! (see `super::dialect`).

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{Result, StoreError, count_cache::CountCache};

/// SQLite storage.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    pub(super) counts: std::sync::Arc<CountCache>,
    /// The database file (empty or `:memory:` for none).
    file: std::path::PathBuf,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file of a `sqlite://` URL and migrates it.
    pub async fn open(url: &str) -> Result<SqliteStore> {
        Ok(SqliteStore::open_with(url, super::Open::START).await?.0)
    }

    /// Opens the database file of a `sqlite://` URL as `how` says.
    pub async fn open_with(
        url: &str,
        how: super::Open,
    ) -> Result<(SqliteStore, super::SchemaVersion)> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(how.create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let in_memory = {
            let name = options.get_filename().as_os_str();
            name.is_empty() || name == ":memory:"
        };
        if !how.create && !in_memory && !options.get_filename().exists() {
            return Err(StoreError::NoDatabase(
                options.get_filename().display().to_string(),
            ));
        }
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
        let version = super::schema::bring_up_to_date(
            &pool,
            &sqlx::migrate!("./migrations/sqlite"),
            how.migrate,
        )
        .await?;
        if version.pending > 0 {
            return Err(StoreError::Behind {
                pending: version.pending,
            });
        }
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
        let store = SqliteStore {
            pool,
            counts: std::sync::Arc::default(),
            file,
        };
        Ok((store, version))
    }

    /// The pool, for tests that inspect the file.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

#[async_trait::async_trait]
impl super::HealthStore for SqliteStore {
    async fn ping(&self) -> Result<()> {
        // An open connection keeps reading a file that was removed or moved: look at the path.
        let in_memory = self.file.as_os_str().is_empty() || self.file.as_os_str() == ":memory:";
        if !in_memory && !self.file.exists() {
            return Err(StoreError::Database(sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("the database file {} is gone", self.file.display()),
            ))));
        }
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn pool_use(&self) -> super::PoolUse {
        super::PoolUse::of(&self.pool)
    }
}

impl SqliteStore {
    /// Transactions of a provider's sub-merchants, attributed to each one's sub-provider now;
    /// those already stored (by upstream ID) are left as they are.
    pub(super) async fn insert_transactions(
        tx: &mut sqlx::SqliteConnection,
        account_id: &str,
        provider_id: &str,
        transactions: &[crate::upstream::UpstreamTransaction],
    ) -> Result<()> {
        for chunk in transactions.chunks(500) {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT OR IGNORE INTO transactions
                 (account_id, sub_merchant_id, upstream_id, amount_fen, paid_at)
             SELECT ",
            );
            super::sql::push_upstream_transactions(&mut insert, account_id, provider_id, chunk);
            insert.build().execute(&mut *tx).await?;
            // Those already stored keep the attribution they have.
            let mut attribute = sqlx::QueryBuilder::new(
                "INSERT OR IGNORE INTO transaction_attributions
                 (transaction_id, sub_provider_account_id, paid_at)
             SELECT t.id, s.sub_provider_account_id, t.paid_at
             FROM transactions t JOIN sub_merchants s ON s.id = t.sub_merchant_id
             WHERE t.upstream_id IN (",
            );
            let mut ids = attribute.separated(", ");
            for t in chunk {
                ids.push_bind(&t.id);
            }
            attribute.push(")");
            attribute.build().execute(&mut *tx).await?;
        }
        Ok(())
    }
}
