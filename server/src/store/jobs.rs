//! Durable jobs: queueing, claiming with a lease, page commits with their checkpoint, finishing.

use async_trait::async_trait;
use domain::api::{JobKind, JobState};

use super::{JobRecord, Result, SyncPage};

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
    /// job either way (the database's unique index decides between racing callers).
    async fn start_job(
        &self,
        id: &str,
        account_id: &str,
        kind: JobKind,
        now_ms: i64,
    ) -> Result<JobRecord>;

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

    /// Takes the oldest queued job, or a running one whose lease ran out, and leases it.
    async fn claim_job(&self, now_ms: i64, lease_until_ms: i64) -> Result<Option<JobRecord>>;

    async fn set_job_total(&self, id: &str, total: u64) -> Result<()>;

    /// Upserts a page of sub-merchants and moves the job's checkpoint, atomically.
    async fn apply_sync_page(&self, page: &SyncPage<'_>) -> Result<()>;

    async fn finish_job(
        &self,
        id: &str,
        state: JobState,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<()>;
}
