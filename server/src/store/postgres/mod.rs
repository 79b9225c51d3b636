//! PostgreSQL, for several API replicas on one database: its schema
//! (`server/migrations/postgres/`) is brought up to date at start. One file per area
//! implements its store trait, as for SQLite. Where SQLite has one writer at a time, a write
//! transaction here takes a lock on what it writes (an account, a ticket, a job) for as long
//! as it runs ([`write_tx`]), so writers of one thing take turns and the rest run side by side.

mod sub_merchants;

use sqlx::postgres::{PgPool, PgPoolOptions};

use super::{
    NewAuditEvent, Result, SubMerchantFilter,
    count_cache::{CountCache, CountKey},
    dialect::Dialect,
    session_hints::SessionHints,
    sql::{escape_like, sub_merchant_from_row},
};

/// PostgreSQL storage.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Connections that always use a statement's generic plan, for the lists whose best plan
    /// does not depend on their parameters (see `list_sub_merchants`).
    generic_plans: PgPool,
    counts: std::sync::Arc<CountCache>,
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

type Tx = sqlx::Transaction<'static, sqlx::Postgres>;

/// Begins a write transaction holding `key`'s lock (a transaction-scoped advisory lock) until
/// it commits or rolls back.
pub(super) async fn write_tx(pool: &PgPool, key: &str) -> Result<Tx> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(key)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// `WHERE …` of the sub-merchant list: only the filters that are set. A text search is a
/// case-insensitive substring of the name or the merchant ID, served by the trigram indexes.
fn push_sub_merchant_conditions<'a>(
    query: &mut sqlx::QueryBuilder<'a, sqlx::Postgres>,
    account_id: &'a str,
    filter: &SubMerchantFilter<'a>,
) {
    if let Some(sub_provider) = filter.assigned_to {
        query
            .push(" WHERE s.sub_provider_account_id = ")
            .push_bind(sub_provider);
    } else if filter.search.is_some_and(has_trigram) {
        // A text search reads the trigram matches once, scoped by the row's own account (the
        // account of its provider, which never changes): through the providers, the planner
        // ran the whole match once per provider. A search too short for a trigram is the
        // list's own walk in order, each row checked.
        query.push(" WHERE s.account_id = ").push_bind(account_id);
    } else {
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
    if let Some(search) = filter.search {
        // Nothing to fold (digits, Chinese): LIKE, which checks each candidate row of the
        // trigram index about twice as fast as ILIKE.
        let like = if has_case(search) {
            " ILIKE "
        } else {
            " LIKE "
        };
        let pattern = format!("%{}%", escape_like(search));
        query
            .push(" AND (s.name")
            .push(like)
            .push_bind(pattern.clone())
            .push(" OR s.merchant_id")
            .push(like)
            .push_bind(pattern)
            .push(")");
    }
}

/// Whether `search` has a trigram for the `pg_trgm` indexes to look up: a run of three letters
/// or digits. A shorter search ("苏", "12") can only be checked row by row, whatever its
/// text: its statement is the same plan each time, prepared once; one with a trigram is
/// planned for its own pattern (how many rows it matches decides between the trigram index
/// and a walk in order).
pub(crate) fn has_trigram(search: &str) -> bool {
    search
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| word.chars().nth(2).is_some())
}

/// Whether `text` holds a letter with another case: "cafe" must also find "Cafe", while
/// "苏州 0042" has nothing to fold.
fn has_case(text: &str) -> bool {
    text.chars()
        .any(|c| c.to_lowercase().ne(std::iter::once(c)) || c.to_uppercase().ne(std::iter::once(c)))
}

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
        insert
            .push_bind(account_id)
            .push(", s.id, v.column1, v.column2, v.column3 FROM (");
        insert.push_values(chunk, |mut b, t| {
            b.push_bind(&t.id)
                .push_bind(t.amount_fen)
                .push_bind(t.paid_at_ms)
                .push_bind(&t.merchant_id);
        });
        insert
            .push(") v JOIN sub_merchants s ON s.provider_id = ")
            .push_bind(provider_id)
            .push(
                " AND s.merchant_id = v.column4 ON CONFLICT (upstream_id) DO NOTHING
                 RETURNING id, sub_merchant_id, paid_at)
             INSERT INTO transaction_attributions (transaction_id, sub_provider_account_id, paid_at)
             SELECT stored.id, s.sub_provider_account_id, stored.paid_at
             FROM stored JOIN sub_merchants s ON s.id = stored.sub_merchant_id",
            );
        insert.build().execute(&mut *tx).await?;
    }
    Ok(())
}

async fn insert_audit(tx: &mut sqlx::PgConnection, audit: &NewAuditEvent) -> Result<()> {
    <PgStore as Dialect>::insert_audit(tx, audit).await
}

async fn bump_version(tx: &mut sqlx::PgConnection, account_id: &str) -> Result<()> {
    <PgStore as Dialect>::bump_version(tx, account_id).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_letters_with_another_case_need_folding() {
        for folded in ["cafe", "CAFE", "0042a", "Ärzte", "σ"] {
            assert!(super::has_case(folded), "{folded}");
        }
        for plain in ["0042", "苏州", "西安·鹿角火锅 0137", "", "1600-00_%"] {
            assert!(!super::has_case(plain), "{plain}");
        }
    }

    #[test]
    fn a_trigram_is_three_letters_or_digits_in_a_row() {
        for indexed in ["苏州好", "004", "西安·鹿角火锅", "a cafe", "1600-00_%"] {
            assert!(super::has_trigram(indexed), "{indexed}");
        }
        for walked in ["苏", "苏州", "12", "a b", "ab-cd", "", "%_"] {
            assert!(!super::has_trigram(walked), "{walked}");
        }
    }
}
