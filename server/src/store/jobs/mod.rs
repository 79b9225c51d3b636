//! Durable jobs: queueing, claiming with a lease, page commits with their checkpoint, finishing.
//! How each backend claims a job, holds it for a page and hears of new ones is in `claims`.
//! Long because one trait, `JobStore`, is declared in one `area!`, and a sync page's upsert
//! (which rows exist, new ones, changed ones, the checkpoint under the claim) is one
//! transaction, written out in one method.

mod claims;

use domain::api::{JobCounts, JobFailure, JobKind, JobState};

use super::{
    NewAuditEvent, PgStore, Result, SqliteStore,
    dialect::{Dialect, area},
    sql::{BindAll, JOB_COLUMNS, from_json, held, job_from_row, to_json},
};

/// Where a job stands. A sub-merchant sync: the next provider (by index in the account's
/// provider list, ordered by ID) and the upstream cursor within it. A re-attribution: the last
/// transaction id done, as `cursor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub provider_index: usize,
    pub cursor: u64,
}

/// A job as stored.
#[derive(Debug, Clone)]
pub struct JobRecord {
    pub id: String,
    pub account_id: String,
    pub kind: JobKind,
    pub state: JobState,
    pub processed: u64,
    pub total: u64,
    pub counts: JobCounts,
    pub failures: Vec<JobFailure>,
    pub checkpoint: Option<Checkpoint>,
    /// What the job is about (a re-attribution: the sub-merchant's ID); empty for a sync.
    pub subject: String,
    pub error: Option<String>,
    /// Who asked for the job (an audit actor).
    pub requested_by: Option<String>,
    /// The request that queued it, for the job's log lines.
    pub request_id: Option<String>,
    pub created_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
    pub updated_at_ms: i64,
    /// The fencing token of the job's latest claim.
    pub claim_token: i64,
    /// Until when the latest claim holds; renewed with every committed page.
    pub lease_until_ms: Option<i64>,
}

impl JobRecord {
    /// The claim this record was read under: what the worker's writes name.
    pub fn claim(&self) -> Claim<'_> {
        Claim {
            job_id: &self.id,
            token: self.claim_token,
        }
    }

    /// When another worker may take this running job over, once its worker has gone quiet:
    /// less than half its lease left (every write that renews the lease also stamps
    /// `updated_at`, so the lease it was given is `lease_until - updated_at`). A live worker
    /// commits well before: its retries of a page end at half the lease. `(at_ms, in_s)`,
    /// `in_s` 0 once due; `None` while the worker keeps up, and for a job not running.
    pub fn takeover(&self, now_ms: i64) -> Option<(i64, u64)> {
        let until = self
            .lease_until_ms
            .filter(|_| self.state == JobState::Running)?;
        let quiet = now_ms - self.updated_at_ms;
        let left = until - now_ms;
        (quiet > left).then(|| (until, u64::try_from(left).unwrap_or(0).div_ceil(1000)))
    }
}

/// A worker's claim on a job: the job and the fencing token [`JobStore::claim_job`] gave it.
/// Once another worker has claimed the job, the token is stale and a write naming it changes
/// nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim<'a> {
    pub job_id: &'a str,
    pub token: i64,
}

/// What a worker's write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Held<T = ()> {
    /// Written under a claim that still holds.
    Written(T),
    /// Another worker claimed the job since (or it was finished): nothing was written, and the
    /// worker stops working on it.
    LeaseLost,
}

/// A sub-merchant as the upstream reported it.
#[derive(Debug, Clone)]
pub struct SubMerchantRow {
    pub merchant_id: String,
    pub name: String,
    pub maidan_opened: bool,
}

/// One upstream page of a sync, applied with its checkpoint in one transaction.
#[derive(Debug, Clone)]
pub struct SyncPage<'a> {
    pub claim: Claim<'a>,
    pub account_id: &'a str,
    pub provider_id: &'a str,
    pub rows: &'a [SubMerchantRow],
    /// The payment history of the page's sub-merchants (kept for those seen the first time).
    pub transactions: &'a [crate::upstream::UpstreamTransaction],
    /// Rows the upstream sent that could not be taken, with the reason.
    pub failures: Vec<JobFailure>,
    pub next: Checkpoint,
    /// The provider's last page: all its sub-merchants are synced once it is written.
    pub provider_done: bool,
    pub now_ms: i64,
    pub lease_until_ms: i64,
}

area! {
    pub trait JobStore {
        /// The queued or running job of a kind about a subject, the running one first.
        async fn active_job(
            &self,
            account_id: &str,
            kind: JobKind,
            subject: &str,
        ) -> Result<Option<JobRecord>> {
            let row = sqlx::query(&format!(
                "SELECT {JOB_COLUMNS} FROM jobs
                 WHERE account_id = $1 AND kind = $2 AND subject = $3 AND state IN ($4, $5)
                 ORDER BY state = $5 DESC, created_at LIMIT 1"
            ))
            .binds((account_id, kind.as_str(), subject, JobState::Queued.as_str()))
            .bind(JobState::Running.as_str())
            .fetch_optional(self.pool())
            .await?;
            row.as_ref().map(job_from_row).transpose()
        }

        /// Queues a job unless one of its kind is active for the account; returns the active
        /// job either way (the database's unique index decides between racing callers). A job
        /// queued here is requested by `audit`'s actor and written to 操作记录 with it.
        async fn start_job(&self, id: &str, kind: JobKind, audit: &NewAuditEvent) -> Result<JobRecord> {
            let (account_id, now_ms) = (audit.account_id.as_str(), audit.at_ms);
            // The partial unique index admits one queued-or-running job per account and kind.
            let mut tx = self.write_tx_unlocked().await?;
            let queued = sqlx::query(&format!(
                "{} INTO jobs (id, account_id, kind, state, requested_by, request_id, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) {}",
                Self::INSERT_OR_IGNORE,
                Self::ON_CONFLICT_IGNORE
            ))
            .binds((id, account_id, kind.as_str(), JobState::Queued.as_str(), &audit.actor))
            .binds((&audit.request_id, now_ms, now_ms))
            .execute(&mut *tx)
            .await?;
            if queued.rows_affected() == 1 {
                Self::insert_audit(&mut tx, audit).await?;
            }
            tx.commit().await?;
            if let Some(notify) = Self::NOTIFY_JOBS {
                sqlx::query(notify).execute(self.pool()).await?;
            }
            let row = sqlx::query(&format!(
                "SELECT {JOB_COLUMNS} FROM jobs
                 WHERE account_id = $1 AND kind = $2 AND state IN ($3, $4)"
            ))
            .binds((account_id, kind.as_str(), JobState::Queued.as_str()))
            .bind(JobState::Running.as_str())
            .fetch_optional(self.pool())
            .await?;
            match row {
                Some(row) => job_from_row(&row),
                // It finished between the insert and the read: show the one just created.
                None => {
                    let row = sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"))
                        .bind(id)
                        .fetch_one(self.pool())
                        .await?;
                    job_from_row(&row)
                }
            }
        }

        /// When the account's last job of this kind finished, if any.
        async fn last_finished(&self, account_id: &str, kind: JobKind) -> Result<Option<i64>> {
            Ok(sqlx::query_scalar(
                "SELECT MAX(finished_at) FROM jobs WHERE account_id = $1 AND kind = $2",
            )
            .binds((account_id, kind.as_str()))
            .fetch_one(self.pool())
            .await?)
        }

        /// A job of the account; `None` for another account's.
        async fn job(&self, account_id: &str, id: &str) -> Result<Option<JobRecord>> {
            let row = sqlx::query(&format!(
                "SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1 AND account_id = $2"
            ))
            .binds((id, account_id))
            .fetch_optional(self.pool())
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
                 WHERE account_id = $1 AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR state = $3)
                 ORDER BY created_at DESC LIMIT 20"
            ))
            .binds((account_id, kind.map(JobKind::as_str), state.map(JobState::as_str)))
            .fetch_all(self.pool())
            .await?;
            rows.iter().map(job_from_row).collect()
        }

        /// Takes the oldest queued job, or a running one whose lease ran out, and leases it under
        /// a new fencing token. An account's jobs run one at a time, so one account's long sync
        /// leaves the other workers to other accounts.
        async fn claim_job(&self, now_ms: i64, lease_until_ms: i64) -> Result<Option<JobRecord>> {
            self.claim_next_job(now_ms, lease_until_ms).await
        }

        async fn set_job_total(&self, claim: Claim<'_>, total: u64) -> Result<Held> {
            let done = sqlx::query("UPDATE jobs SET total = $1 WHERE id = $2 AND claim_token = $3")
                .binds((i64::try_from(total).unwrap_or(i64::MAX), claim.job_id, claim.token))
                .execute(self.pool())
                .await?;
            Ok(held(done.rows_affected()))
        }

        /// Upserts a page of sub-merchants and moves the job's checkpoint, atomically; nothing at
        /// all when the claim no longer holds.
        async fn apply_sync_page(&self, page: &SyncPage<'_>) -> Result<Held> {
            let mut tx = self.write_tx(&format!("account:{}", page.account_id)).await?;
            if !Self::hold_for_page(&mut tx, page.claim, page.lease_until_ms).await? {
                return Ok(Held::LeaseLost);
            }
            let mut existing = std::collections::HashMap::new();
            // Which of these rows exist already? If none in the page's merchant-ID range does (a
            // first sync, in upstream order), one index probe answers for the whole page.
            let ids = page.rows.iter().map(|row| row.merchant_id.as_str());
            let overlaps = match (ids.clone().min(), ids.max()) {
                (Some(min), Some(max)) => {
                    sqlx::query_scalar::<_, bool>(
                        "SELECT EXISTS (SELECT 1 FROM sub_merchants
                                    WHERE provider_id = $1 AND merchant_id BETWEEN $2 AND $3)",
                    )
                    .binds((page.provider_id, min, max))
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
                let found: Vec<(String, String, bool)> =
                    query.build_query_as().fetch_all(&mut *tx).await?;
                existing.extend(found.into_iter().map(|(id, name, opened)| (id, (name, opened))));
            }
            let job: (String, String) =
                sqlx::query_as("SELECT counts, failures FROM jobs WHERE id = $1")
                    .bind(page.claim.job_id)
                    .fetch_one(&mut *tx)
                    .await?;
            let mut counts: JobCounts = from_json("job counts", &job.0)?;
            let mut failures: Vec<JobFailure> = from_json("job failures", &job.1)?;

            let updated_before = counts.updated;
            let (new, rest): (Vec<_>, Vec<_>) = page
                .rows
                .iter()
                .partition(|row| !existing.contains_key(&row.merchant_id));
            if !new.is_empty() {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO sub_merchants (account_id, provider_id, merchant_id, name, maidan_opened, synced_at, out_sub_mch_id) ",
                );
                insert.push_values(&new, |mut b, row| {
                    b.push_bind(page.account_id)
                        .push_bind(page.provider_id)
                        .push_bind(&row.merchant_id)
                        .push_bind(&row.name)
                        .push_bind(row.maidan_opened)
                        .push_bind(page.now_ms)
                        // 云支付子商户 ID: assigned here, once.
                        .push(format_args!("'sm' || {}", Self::RANDOM_HEX_18));
                });
                insert.build().execute(&mut *tx).await?;
            }
            let mut seen = Vec::new();
            for row in rest {
                let changed = existing
                    .get(&row.merchant_id)
                    .is_some_and(|(name, opened)| *name != row.name || *opened != row.maidan_opened);
                if changed {
                    sqlx::query(
                        "UPDATE sub_merchants SET name = $1, maidan_opened = $2, synced_at = $3
                         WHERE provider_id = $4 AND merchant_id = $5",
                    )
                    .binds((&row.name, row.maidan_opened, page.now_ms, page.provider_id))
                    .bind(&row.merchant_id)
                    .execute(&mut *tx)
                    .await?;
                    counts.updated += 1;
                } else {
                    counts.unchanged += 1;
                    seen.push(row.merchant_id.as_str());
                }
            }
            if !seen.is_empty() {
                // Unchanged rows were synced too: the list says when each row last was.
                let mut touch = sqlx::QueryBuilder::new("UPDATE sub_merchants SET synced_at = ");
                touch
                    .push_bind(page.now_ms)
                    .push(" WHERE provider_id = ")
                    .push_bind(page.provider_id)
                    .push(" AND merchant_id IN (");
                let mut ids = touch.separated(", ");
                for id in &seen {
                    ids.push_bind(*id);
                }
                touch.push(")");
                touch.build().execute(&mut *tx).await?;
            }
            if !page.transactions.is_empty() {
                Self::insert_transactions(
                    &mut tx,
                    page.account_id,
                    page.provider_id,
                    page.transactions,
                )
                .await?;
            }
            if !new.is_empty() || counts.updated > updated_before {
                Self::bump_version(&mut tx, page.account_id).await?;
            }
            counts.new += new.len() as u64;
            counts.failed += page.failures.len() as u64;
            let room = 100_usize.saturating_sub(failures.len());
            failures.extend(page.failures.iter().take(room).cloned());
            let processed = (page.rows.len() + page.failures.len()) as i64;
            let moved = sqlx::query(
                "UPDATE jobs SET processed = processed + $1, counts = $2, failures = $3, checkpoint = $4,
                                 lease_until = $5, updated_at = $6
                 WHERE id = $7 AND state = $8 AND claim_token = $9",
            )
            .binds((processed, to_json(&counts)?, to_json(&failures)?, to_json(&page.next)?))
            .binds((page.lease_until_ms, page.now_ms, page.claim.job_id))
            .binds((JobState::Running.as_str(), page.claim.token))
            .execute(&mut *tx)
            .await?;
            if moved.rows_affected() == 0 {
                // Another worker holds the job: the page's rows go with this transaction.
                tx.rollback().await?;
                return Ok(Held::LeaseLost);
            }
            if page.provider_done {
                sqlx::query(
                    "UPDATE providers SET sub_merchants_synced_at = $1
                     WHERE provider_id = $2 AND account_id = $3",
                )
                .binds((page.now_ms, page.provider_id, page.account_id))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(Held::Written(()))
        }

        async fn finish_job(
            &self,
            claim: Claim<'_>,
            state: JobState,
            error: Option<&str>,
            now_ms: i64,
        ) -> Result<Held> {
            let done = sqlx::query(
                "UPDATE jobs SET state = $1, error = $2, finished_at = $3, updated_at = $4, lease_until = NULL
                 WHERE id = $5 AND state = $6 AND claim_token = $7",
            )
            .binds((state.as_str(), error, now_ms, now_ms, claim.job_id))
            .binds((JobState::Running.as_str(), claim.token))
            .execute(self.pool())
            .await?;
            Ok(held(done.rows_affected()))
        }

        /// Gives the job back (the worker is shutting down): its lease ends now, so the next
        /// worker resumes it at once from the last committed page.
        async fn release_job(&self, claim: Claim<'_>, now_ms: i64) -> Result<Held> {
            let done = sqlx::query(
                "UPDATE jobs SET lease_until = $1, updated_at = $2
                 WHERE id = $3 AND state = $4 AND claim_token = $5",
            )
            .binds((now_ms - 1, now_ms, claim.job_id, JobState::Running.as_str(), claim.token))
            .execute(self.pool())
            .await?;
            if let Some(notify) = Self::NOTIFY_JOBS {
                sqlx::query(notify).execute(self.pool()).await?;
            }
            Ok(held(done.rows_affected()))
        }

        /// Calls `wake` whenever any process on this database queues a job or gives one back, for
        /// as long as this process runs. Where the store cannot tell (SQLite), nothing: workers
        /// then look for work every `job_idle_poll`.
        async fn on_job_ready(&self, wake: std::sync::Arc<dyn Fn() + Send + Sync>) -> Result<()> {
            self.listen_for_jobs(wake).await
        }
    }
}
