//! The embedded default: one SQLite file in WAL mode. One file per area implements its
//! store trait; the helpers they share (rows to types, the audit writer, the data version,
//! LIKE escaping) are here.

mod accounts;
mod audit;
mod jobs;
mod keys;
mod providers;
mod sub_merchants;
mod sub_providers;
mod tickets;

use std::{path::Path, str::FromStr, time::Duration};

use domain::{
    api::{
        Account, AccountRole, AuditAction, AuditEvent, JobKind, JobState, SubMerchantSummary,
        WechatChannel,
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
    Checkpoint, Held, JobRecord, NewAuditEvent, Result, StoreError, SubMerchantFilter,
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

const JOB_COLUMNS: &str = "id, account_id, kind, state, processed, total, counts, failures, checkpoint, subject, error, created_at, started_at, finished_at, updated_at, claim_token";

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
        claim_token: row.try_get("claim_token")?,
    })
}

/// A worker's single-row write: written when its claim still held.
fn held(rows_affected: u64) -> Held {
    if rows_affected == 1 {
        Held::Written(())
    } else {
        Held::LeaseLost
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("encoding: {e}")))
}
