//! PostgreSQL, for several API replicas on one database: its schema
//! (`server/migrations/postgres/`) is brought up to date at start. The areas' queries are
//! written once for both backends (see `super::dialect`); here are the connection, its health,
//! the write transaction and PostgreSQL's way of storing a page of transactions. Where SQLite
//! has one writer at a time, a write transaction here takes a lock on what it writes (an
//! account, a ticket, a job) for as long as it runs (its `Dialect::write_tx`), so writers of one thing
//! take turns and the rest run side by side.

use sqlx::postgres::{PgPool, PgPoolOptions};

use super::{Result, count_cache::CountCache, session_hints::SessionHints};

/// PostgreSQL storage.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Connections that always use a statement's generic plan, for the lists whose best plan
    /// does not depend on their parameters (see `list_sub_merchants`).
    pub(super) generic_plans: PgPool,
    pub(super) counts: std::sync::Arc<CountCache>,
    /// Whose each session token is, so that a list checks its session in its own statement.
    pub(super) sessions: SessionHints,
}

#[async_trait::async_trait]
impl super::HealthStore for PgStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn pool_use(&self) -> super::PoolUse {
        super::PoolUse::of(&self.pool)
    }
}

impl PgStore {
    /// Connects to a `postgres://` URL and brings its schema up to date.
    pub async fn open(url: &str) -> Result<PgStore> {
        Ok(PgStore::open_with(url, super::Open::START).await?.0)
    }

    /// Connects to a `postgres://` URL as `how` says (PostgreSQL databases are never created
    /// here: `createdb` makes them).
    pub async fn open_with(url: &str, how: super::Open) -> Result<(PgStore, super::SchemaVersion)> {
        // A session that sits inside a transaction this long is a paused or partitioned
        // process: PostgreSQL ends it, and with it the locks it holds, so the other replicas
        // (and a job's next worker) go on.
        let options = url
            .parse::<sqlx::postgres::PgConnectOptions>()?
            .options([("idle_in_transaction_session_timeout", "10s")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // No ping before each use, which cost a round trip per statement (at 2,000 list
            // requests a second, the difference between 17 ms and 440 ms at the median). A
            // connection that died while idle fails the one statement it is given and leaves
            // the pool.
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        let version = super::schema::bring_up_to_date(
            &pool,
            &sqlx::migrate!("./migrations/postgres"),
            how.migrate,
        )
        .await?;
        if version.pending > 0 {
            return Err(super::StoreError::Behind {
                pending: version.pending,
            });
        }
        // PostgreSQL keeps planning a statement anew while a plan made for its values looks
        // cheaper than the generic one, even when both walk the same index: 0.4 ms a request.
        let generic_plans = PgPoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_lazy_with(options.options([("plan_cache_mode", "force_generic_plan")]));
        let store = PgStore {
            pool,
            generic_plans,
            counts: std::sync::Arc::default(),
            sessions: SessionHints::default(),
        };
        Ok((store, version))
    }

    /// The pool, for tests that inspect the database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl PgStore {
    /// Transactions of a provider's sub-merchants, attributed to each one's sub-provider now;
    /// those already stored (by upstream ID) are left as they are.
    pub(super) async fn insert_transactions(
        tx: &mut sqlx::PgConnection,
        account_id: &str,
        provider_id: &str,
        transactions: &[crate::upstream::UpstreamTransaction],
    ) -> Result<()> {
        // Four parameters a row, well inside PostgreSQL's 65,535 a statement.
        for chunk in transactions.chunks(5_000) {
            let mut insert = sqlx::QueryBuilder::new(
            "WITH stored AS (
                 INSERT INTO transactions (account_id, sub_merchant_id, upstream_id, amount_fen, paid_at)
                 SELECT ",
        );
            super::sql::push_upstream_transactions(&mut insert, account_id, provider_id, chunk);
            insert.push(
                " ON CONFLICT (upstream_id) DO NOTHING
                 RETURNING id, sub_merchant_id, paid_at)
             INSERT INTO transaction_attributions (transaction_id, sub_provider_account_id, paid_at)
             SELECT stored.id, s.sub_provider_account_id, stored.paid_at
             FROM stored JOIN sub_merchants s ON s.id = stored.sub_merchant_id",
            );
            insert.build().execute(&mut *tx).await?;
        }
        Ok(())
    }
}
