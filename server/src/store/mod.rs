//! Storage behind traits, so that handlers hold no SQL and a PostgreSQL implementation can
//! stand beside the embedded SQLite one. One file per area holds its trait, the row types it
//! speaks and its one implementation for both backends (`accounts`, `providers`, `audit`,
//! `sub_merchants`, `keys`, `sub_providers`, `jobs`, `tickets`, `sealing`): each query is
//! written once, and what the two databases spell differently is asked of `dialect`. Where
//! PostgreSQL needs another plan (the list's trigram search, the re-attribution's halves, a
//! job's claim), each backend's plan is a named function beside the common code. [`Store`] is
//! all of them; `sqlite` and `postgres` open the databases.

mod accounts;
mod audit;
mod count_cache;
mod dialect;
mod jobs;
mod keys;
mod postgres;
mod providers;
mod schema;
mod sealing;
mod session_hints;
mod sql;
mod sqlite;
mod sub_merchants;
mod sub_providers;
mod tickets;

pub use accounts::{
    AccountChange, AccountInsert, AccountListing, AccountStore, AttemptAdmission, AttemptLimits,
    BindingCodeRequest, Credentials, InSession, LiveSession, LoginAttempt, NewAccount, NewSession,
    RequestClass, SessionCheck,
};
pub use audit::{AuditStore, NewAuditEvent};
pub use jobs::{Checkpoint, Claim, Held, JobRecord, JobStore, SubMerchantRow, SyncPage};
/// A page of a list, and how many the whole list holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// What a change to one of an account's objects did.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Made, with its audit event, in one transaction.
    Made,
    /// The object is not the account's (or does not exist): nothing was written.
    NotFound,
}

pub use keys::{KeyStore, StoredKeys, SubMerchantCredentials};
pub use postgres::PgStore;
pub use providers::{ProviderRow, ProviderSection, ProviderStore};
pub use schema::SchemaVersion;
pub use sealing::{RowKey, SealedColumn, SealedSwap, SealingKeyRecord, SealingStore};
pub use sqlite::SqliteStore;
pub use sub_merchants::{SubMerchantFilter, SubMerchantRecord, SubMerchantStore, Viewer};
pub use sub_providers::{
    SubProviderSaved, SubProviderStore, SubProviderWrite, TransactionFilter, TransactionPage,
};
pub use tickets::{
    OAuthState, PhoneSignIn, PhoneSignInOutcome, TicketKind, TicketMove, TicketRecord, TicketStore,
};

/// A storage failure; always an internal error to the client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: use sqlite://FILE or postgres://…")]
    UnsupportedUrl(String),
    #[error(
        "no database at {0} (DATABASE_URL): the console makes a SQLite database at its first start; commands only open one that exists"
    )]
    NoDatabase(String),
    #[error(
        "the database's schema is at migration {database}, newer than this binary's {binary}: run the release that migrated it (nothing was changed)"
    )]
    Ahead { database: i64, binary: i64 },
    #[error(
        "the database's schema is {pending} migration(s) behind this binary: run `cloud-pay-console migrate` first"
    )]
    Behind { pending: usize },
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// A failure of a count other requests were waiting on too.
    #[error("{0}")]
    Shared(std::sync::Arc<StoreError>),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Whether the database answers (readiness).
#[async_trait::async_trait]
pub trait HealthStore: Send + Sync {
    /// A trivial query; on SQLite also that the database file is still where it was opened.
    async fn ping(&self) -> Result<()>;

    /// The connection pool's use (metrics).
    fn pool_use(&self) -> PoolUse;
}

/// Connections of a store's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    pub idle: u32,
    pub in_use: u32,
    /// The most the pool opens.
    pub max: u32,
}

impl PoolUse {
    pub(crate) fn of<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> PoolUse {
        let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
        PoolUse {
            idle,
            in_use: pool.size().saturating_sub(idle),
            max: pool.options().get_max_connections(),
        }
    }
}

/// Declares [`Store`] as all of the areas, and implements it for whatever implements them.
macro_rules! store_of_areas {
    ($(#[$doc:meta])* $($area:ident),+ $(,)?) => {
        $(#[$doc])*
        pub trait Store: $($area +)+ 'static {}

        impl<T: $($area +)+ 'static> Store for T {}
    };
}

store_of_areas!(
    /// Everything the console stores, by area (one trait and one file per area). Handlers take
    /// `Arc<dyn Store>` and call any area's methods on it.
    AccountStore,
    ProviderStore,
    AuditStore,
    SubMerchantStore,
    KeyStore,
    SubProviderStore,
    JobStore,
    TicketStore,
    SealingStore,
    HealthStore,
);

/// How a process opens its database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Open {
    /// Make a SQLite file that is not there (the console's start; never a command's).
    pub create: bool,
    /// Apply the migrations this binary has and the database lacks; else a database that
    /// lacks any is refused ([`StoreError::Behind`]).
    pub migrate: bool,
}

impl Open {
    /// The console's start: creates a SQLite file and migrates.
    pub const START: Open = Open {
        create: true,
        migrate: true,
    };
    /// `cloud-pay-console migrate`: an existing database, migrated.
    pub const MIGRATE: Open = Open {
        create: false,
        migrate: true,
    };
    /// Any other command: an existing database whose schema is this binary's.
    pub const EXISTING: Open = Open {
        create: false,
        migrate: false,
    };
}

/// Opens the store a `DATABASE_URL` names and brings its schema up to date.
pub async fn connect(url: &str) -> Result<std::sync::Arc<dyn Store>> {
    open(url, Open::START).await.map(|(store, _)| store)
}

/// Opens the store a `DATABASE_URL` names as `how` says, and where its schema stands.
pub async fn open(url: &str, how: Open) -> Result<(std::sync::Arc<dyn Store>, SchemaVersion)> {
    if url.starts_with("sqlite:") {
        let (store, version) = SqliteStore::open_with(url, how).await?;
        Ok((std::sync::Arc::new(store), version))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let (store, version) = PgStore::open_with(url, how).await?;
        Ok((std::sync::Arc::new(store), version))
    } else {
        Err(StoreError::UnsupportedUrl(redacted_url(url)))
    }
}

/// A database URL fit for a log line: its password replaced by `****`, in the user part or
/// in a `password=` parameter.
pub fn redacted_url(url: &str) -> String {
    const MASK: &str = "****";
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some(MASK));
            }
            if parsed.query_pairs().any(|(k, _)| k == "password") {
                let pairs: Vec<(String, String)> = parsed
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if k == "password" { MASK.into() } else { v };
                        (k.into_owned(), v.into_owned())
                    })
                    .collect();
                parsed.query_pairs_mut().clear().extend_pairs(pairs);
            }
            parsed.to_string()
        }
        // Not a URL: all that stands between `://` and the last `@` may be credentials.
        Err(_) => match (url.split_once("://"), url.rsplit_once('@')) {
            (Some((scheme, rest)), Some((_, host))) if rest.contains('@') => {
                let user = rest.split(':').next().unwrap_or_default();
                format!("{scheme}://{user}:{MASK}@{host}")
            }
            _ => url.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use domain::api::{JobKind, JobState};

    #[test]
    fn a_database_url_is_shown_without_its_password() {
        let shown = super::redacted_url(
            "postgres://console:s3cret-pw@db.internal:5432/console?sslmode=require",
        );
        assert_eq!(
            shown,
            "postgres://console:****@db.internal:5432/console?sslmode=require"
        );
        assert_eq!(
            super::redacted_url("postgres://console@db/console"),
            "postgres://console@db/console"
        );
        assert_eq!(
            super::redacted_url("sqlite://data/console.db"),
            "sqlite://data/console.db"
        );
        assert!(!super::redacted_url("postgres://u:p@ss@[bad").contains("p@ss"));
        assert!(!super::redacted_url("postgres://u:p:a:s@[bad").contains("a:s"));
        let query = super::redacted_url(
            "postgres://console@db/console?password=s3cret&sslmode=verify-full",
        );
        assert!(!query.contains("s3cret"), "{query}");
        assert!(query.contains("sslmode=verify-full"), "{query}");
    }

    use super::TicketKind;

    /// The quoted names on the lines of the migrations that speak of `column`.
    fn names_in_migrations(column: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let files = ["sqlite", "postgres"]
            .into_iter()
            .flat_map(|backend| std::fs::read_dir(dir.join(backend)).unwrap());
        let mut names = Vec::new();
        for entry in files {
            let sql = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for line in sql.lines().filter(|l| l.contains(&format!("{column} "))) {
                let after = line.split_once(column).map_or("", |(_, rest)| rest);
                let clause = after.split(" AND ").next().unwrap_or_default();
                let quoted = clause.split('\'').skip(1).step_by(2);
                names.extend(quoted.map(str::to_owned));
            }
        }
        names
    }

    /// The schema's checks and partial indexes spell states and kinds as the enums do.
    #[test]
    fn the_schema_names_states_and_kinds_as_the_code_does() {
        let states = names_in_migrations("state");
        assert!(!states.is_empty());
        for name in &states {
            assert!(JobState::parse(name).is_some(), "job state {name:?}");
        }
        for state in JobState::ALL {
            assert!(
                states.iter().any(|n| n == state.as_str()),
                "{state:?} unchecked"
            );
        }
        let kinds = names_in_migrations("kind");
        assert!(!kinds.is_empty());
        let ticket_kinds = [TicketKind::ProviderSync, TicketKind::AlipayAuthorization];
        for name in &kinds {
            let known =
                JobKind::parse(name).is_some() || ticket_kinds.iter().any(|k| k.as_str() == name);
            assert!(known, "kind {name:?}");
        }
    }
}
