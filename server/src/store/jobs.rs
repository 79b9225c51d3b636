//! Durable jobs: queueing, claiming with a lease, page commits with their checkpoint, finishing.

use async_trait::async_trait;
use domain::api::{JobCounts, JobFailure, JobKind, JobState};

use super::{NewAuditEvent, Result};

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

#[async_trait]
pub trait JobStore: Send + Sync {
    /// The queued or running job of a kind about a subject, the running one first.
    async fn active_job(
        &self,
        account_id: &str,
        kind: JobKind,
        subject: &str,
    ) -> Result<Option<JobRecord>>;

    /// Queues a job unless one of its kind is active for the account; returns the active
    /// job either way (the database's unique index decides between racing callers). A job
    /// queued here is requested by `audit`'s actor and written to 操作记录 with it.
    async fn start_job(&self, id: &str, kind: JobKind, audit: &NewAuditEvent) -> Result<JobRecord>;

    /// When the account's last job of this kind finished, if any.
    async fn last_finished(&self, account_id: &str, kind: JobKind) -> Result<Option<i64>>;

    /// A job of the account; `None` for another account's.
    async fn job(&self, account_id: &str, id: &str) -> Result<Option<JobRecord>>;

    async fn jobs(
        &self,
        account_id: &str,
        kind: Option<JobKind>,
        state: Option<JobState>,
    ) -> Result<Vec<JobRecord>>;

    /// Takes the oldest queued job, or a running one whose lease ran out, and leases it under
    /// a new fencing token. An account's jobs run one at a time, so one account's long sync
    /// leaves the other workers to other accounts.
    async fn claim_job(&self, now_ms: i64, lease_until_ms: i64) -> Result<Option<JobRecord>>;

    async fn set_job_total(&self, claim: Claim<'_>, total: u64) -> Result<Held>;

    /// Upserts a page of sub-merchants and moves the job's checkpoint, atomically; nothing at
    /// all when the claim no longer holds.
    async fn apply_sync_page(&self, page: &SyncPage<'_>) -> Result<Held>;

    async fn finish_job(
        &self,
        claim: Claim<'_>,
        state: JobState,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<Held>;

    /// Gives the job back (the worker is shutting down): its lease ends now, so the next
    /// worker resumes it at once from the last committed page.
    async fn release_job(&self, claim: Claim<'_>, now_ms: i64) -> Result<Held>;

    /// Calls `wake` whenever any process on this database queues a job or gives one back, for
    /// as long as this process runs. Where the store cannot tell (SQLite), nothing: workers
    /// then look for work every `job_idle_poll`.
    async fn on_job_ready(&self, wake: std::sync::Arc<dyn Fn() + Send + Sync>) -> Result<()> {
        let _ = wake;
        Ok(())
    }
}
