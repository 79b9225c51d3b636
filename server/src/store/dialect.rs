//! What differs between the two backends, so that an area's queries are written once.
//!
//! Both sqlx backends bind `$1`-style parameters by their number (a number may stand twice),
//! and both databases speak `RETURNING`, `ON CONFLICT … DO NOTHING / DO UPDATE` and `TRUE`.
//! An area's file (`audit.rs`, `keys.rs`, …) declares its trait with [`area!`], each method
//! with its one body, which is compiled for [`SqliteStore`] and for [`PgStore`]: inside it
//! `Self` is the concrete store, and the little that differs is asked of [`Dialect`]. A plan
//! that only one backend needs is a named function of each store beside the common one, not a
//! second copy.

use std::future::Future;

use sqlx::{Database, Transaction};

use super::{
    Change, NewAuditEvent, PgStore, Result, SqliteStore,
    sql::{BindAll, to_json},
};
use domain::api::Account;

/// A backend's transactions and the spellings its SQL does not share with the other's.
pub(crate) trait Dialect: Send + Sync {
    type Db: Database;

    /// LIKE that folds case, used with `ESCAPE '\'`: SQLite's LIKE folds ASCII letters,
    /// PostgreSQL's folds none.
    const LIKE_FOLDED: &'static str;

    /// Eighteen random lower-case hex digits, as an expression.
    const RANDOM_HEX_18: &'static str;

    /// An INSERT that skips a row a constraint refuses: the words that begin it and those that
    /// end it. SQLite's `OR IGNORE` (which skips a NOT NULL or CHECK failure too), PostgreSQL's
    /// `ON CONFLICT DO NOTHING`.
    const INSERT_OR_IGNORE: &'static str;
    const ON_CONFLICT_IGNORE: &'static str;

    /// Wakes the job workers of every replica when a job is queued (`None`: the workers of
    /// this process are woken in it). On PostgreSQL a notification on the channel the workers
    /// listen on (`jobs::JOBS_CHANNEL`), delivered when the transaction commits.
    const NOTIFY_JOBS: Option<&'static str>;

    /// Written before a column, keeps its term off the index (SQLite's unary `+`);
    /// PostgreSQL plans without such hints.
    const SKIP_INDEX: &'static str;

    /// Appends `LIMIT … OFFSET …`: bound on SQLite; written into the statement on PostgreSQL,
    /// so that it reuses one plan instead of planning each page.
    fn push_page(query: &mut sqlx::QueryBuilder<'_, Self::Db>, limit: i64, offset: i64);

    /// Milliseconds since the epoch, now, as an expression.
    const NOW_MS: &'static str;

    /// The larger of two values, as a function's name.
    const GREATEST: &'static str;

    /// Begins a transaction that writes. SQLite takes its one writer's lock at once
    /// (`BEGIN IMMEDIATE`), so that a transaction that reads first never fails to upgrade;
    /// PostgreSQL takes `lock`'s advisory lock, so that writers of one thing (an account, a
    /// ticket, a job) take turns and the rest run side by side.
    fn write_tx(
        &self,
        lock: &str,
    ) -> impl Future<Output = Result<Transaction<'static, Self::Db>>> + Send;

    /// Remembers whose a live session is, for PostgreSQL's lists, which check their session
    /// in their own statement (see `SessionHints`); SQLite keeps nothing.
    fn remember_session(
        &self,
        token_hash: &str,
        account: &Account,
    ) -> impl Future<Output = ()> + Send;

    /// The account a live session was last found to be, if remembered (see
    /// [`Dialect::remember_session`]).
    fn session_hint(&self, token_hash: &str) -> impl Future<Output = Option<Account>> + Send;

    /// Forgets an ended session (see [`Dialect::remember_session`]).
    fn forget_session(&self, token_hash: &str) -> impl Future<Output = ()> + Send;

    /// Begins a transaction that writes and takes no lock of its own on PostgreSQL (where its
    /// rows' locks and unique indexes suffice); `BEGIN IMMEDIATE` on SQLite, as [`Dialect::write_tx`].
    fn write_tx_unlocked(
        &self,
    ) -> impl Future<Output = Result<Transaction<'static, Self::Db>>> + Send;

    /// Writes an audit event inside the change's transaction.
    fn insert_audit(
        tx: &mut <Self::Db as Database>::Connection,
        audit: &NewAuditEvent,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Ends a change to one of an account's objects, made by a statement that changed
    /// `changed` rows: `NotFound` (nothing is committed) unless that was the one row; else the
    /// change's audit event is written and the transaction commits.
    fn commit_change(
        tx: Transaction<'static, Self::Db>,
        changed: u64,
        audit: &NewAuditEvent,
    ) -> impl Future<Output = Result<Change>> + Send;

    /// Marks the account's sub-merchants as changed (see `CountCache`).
    fn bump_version(
        tx: &mut <Self::Db as Database>::Connection,
        account_id: &str,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// Declares an area's trait (`Send + Sync`, its methods `async`) and implements it for both
/// stores: each method's signature and body are written once, beside the method's doc, and
/// compiled for each store. The items of an `impl { … }` after the trait become inherent
/// functions of both stores, for the area's methods to share.
macro_rules! area {
    (
        $(#[$attr:meta])*
        pub trait $area:ident {
            $(
                $(#[$doc:meta])*
                async fn $method:ident(&$self:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty
                $body:block
            )*
        }
        $(impl { $($helper:item)* })?
    ) => {
        $(#[$attr])*
        #[async_trait::async_trait]
        pub trait $area: Send + Sync {
            $($(#[$doc])* async fn $method(&$self $(, $arg: $ty)*) -> $ret;)*
        }

        #[async_trait::async_trait]
        impl $area for $crate::store::SqliteStore {
            $(async fn $method(&$self $(, $arg: $ty)*) -> $ret $body)*
        }

        #[async_trait::async_trait]
        impl $area for $crate::store::PgStore {
            $(async fn $method(&$self $(, $arg: $ty)*) -> $ret $body)*
        }

        $(
            impl $crate::store::SqliteStore { $($helper)* }
            impl $crate::store::PgStore { $($helper)* }
        )?
    };
}

pub(crate) use area;

/// The writes every area's changes share, the same statements on each backend's connection.
macro_rules! shared_writes {
    () => {
        async fn insert_audit(
            tx: &mut <Self::Db as Database>::Connection,
            audit: &NewAuditEvent,
        ) -> Result<()> {
            sqlx::query(
                "INSERT INTO audit_events (account_id, actor, action, target, fields, at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .binds((&audit.account_id, &audit.actor, audit.action.as_str(), &audit.target))
            .binds((to_json(&audit.fields)?, audit.at_ms))
            .execute(tx)
            .await?;
            Ok(())
        }

        async fn commit_change(
            mut tx: Transaction<'static, Self::Db>,
            changed: u64,
            audit: &NewAuditEvent,
        ) -> Result<Change> {
            if changed != 1 {
                return Ok(Change::NotFound);
            }
            Self::insert_audit(&mut tx, audit).await?;
            tx.commit().await?;
            Ok(Change::Made)
        }

        async fn bump_version(
            tx: &mut <Self::Db as Database>::Connection,
            account_id: &str,
        ) -> Result<()> {
            sqlx::query(
                "INSERT INTO sub_merchant_versions (account_id, version) VALUES ($1, 1)
                 ON CONFLICT (account_id) DO UPDATE SET version = sub_merchant_versions.version + 1",
            )
            .bind(account_id)
            .execute(tx)
            .await?;
            Ok(())
        }
    };
}

impl Dialect for SqliteStore {
    type Db = sqlx::Sqlite;

    const LIKE_FOLDED: &'static str = "LIKE";
    const RANDOM_HEX_18: &'static str = "lower(hex(randomblob(9)))";
    const INSERT_OR_IGNORE: &'static str = "INSERT OR IGNORE";
    const ON_CONFLICT_IGNORE: &'static str = "";
    const NOTIFY_JOBS: Option<&'static str> = None;
    const SKIP_INDEX: &'static str = "+";
    const NOW_MS: &'static str = "unixepoch() * 1000";
    const GREATEST: &'static str = "max";

    fn push_page(query: &mut sqlx::QueryBuilder<'_, sqlx::Sqlite>, limit: i64, offset: i64) {
        query
            .push(" LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
    }

    async fn write_tx(&self, _lock: &str) -> Result<Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool().begin_with("BEGIN IMMEDIATE").await?)
    }

    async fn write_tx_unlocked(&self) -> Result<Transaction<'static, sqlx::Sqlite>> {
        self.write_tx("").await
    }

    async fn remember_session(&self, _token_hash: &str, _account: &Account) {}

    async fn session_hint(&self, _token_hash: &str) -> Option<Account> {
        None
    }

    async fn forget_session(&self, _token_hash: &str) {}

    shared_writes!();
}

impl Dialect for PgStore {
    type Db = sqlx::Postgres;

    const LIKE_FOLDED: &'static str = "ILIKE";
    const RANDOM_HEX_18: &'static str = "substr(md5(gen_random_uuid()::text), 1, 18)";
    const INSERT_OR_IGNORE: &'static str = "INSERT";
    const ON_CONFLICT_IGNORE: &'static str = "ON CONFLICT DO NOTHING";
    const NOTIFY_JOBS: Option<&'static str> = Some("SELECT pg_notify('console_jobs', '')");
    const SKIP_INDEX: &'static str = "";
    const NOW_MS: &'static str = "(extract(epoch from now()) * 1000)::bigint";
    const GREATEST: &'static str = "GREATEST";

    fn push_page(query: &mut sqlx::QueryBuilder<'_, sqlx::Postgres>, limit: i64, offset: i64) {
        query.push(format_args!(" LIMIT {limit} OFFSET {offset}"));
    }

    async fn write_tx(&self, lock: &str) -> Result<Transaction<'static, sqlx::Postgres>> {
        // A transaction-scoped advisory lock: held until the transaction ends.
        let mut tx = self.pool().begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(lock)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    async fn write_tx_unlocked(&self) -> Result<Transaction<'static, sqlx::Postgres>> {
        Ok(self.pool().begin().await?)
    }

    async fn remember_session(&self, token_hash: &str, account: &Account) {
        self.sessions.remember(token_hash, account).await;
    }

    async fn session_hint(&self, token_hash: &str) -> Option<Account> {
        self.sessions.get(token_hash).await
    }

    async fn forget_session(&self, token_hash: &str) {
        self.sessions.forget(token_hash).await;
    }

    shared_writes!();
}
