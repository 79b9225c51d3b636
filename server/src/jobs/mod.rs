//! Durable jobs: stored in the database, claimed by a worker with a lease, checkpointed per
//! upstream page in the same transaction as that page's rows, so that a crash at any point
//! resumes from the last committed page with nothing lost or duplicated.
//!
//! Here: what a job needs ([`JobContext`]), claiming one and putting it down, and its API
//! view; [`workers`] runs them, [`sync`] and [`reattribution`] are the two kinds.

mod reattribution;
mod sync;
mod workers;

use std::{sync::Arc, time::Duration};

use domain::api::{Job, JobError as Failure, JobKind, JobState};

pub use reattribution::REATTRIBUTION_BATCH;
pub use workers::{Workers, spawn_workers};

use crate::{
    clock::{Clock, rfc3339},
    retry::RetryPolicy,
    store::{Held, JobRecord, Store, StoreError},
    upstream::MaidanUpstream,
};

/// Why a worker could not go on with a job (it stays leased and is taken up again when the
/// lease runs out). An upstream that stays unavailable is not one: it fails the job.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("fetching the next page: {0}")]
    Fetch(#[from] tokio::task::JoinError),
}

/// How long a claimed job stays with its worker without progress, by default.
pub const LEASE_MS: i64 = 30_000;
/// Sub-merchants asked of the upstream per page, by default.
pub const PAGE_SIZE: u32 = 1000;

/// What the workers are told of the console's settings.
#[derive(Debug, Clone, Copy)]
pub struct JobSettings {
    /// How long a job stays with a worker that makes no progress (then another resumes it).
    pub lease: Duration,
    /// How often an idle worker looks for work nobody woke it for.
    pub idle_poll: Duration,
    /// Sub-merchants asked of the upstream per page, each page one transaction.
    pub page_size: u32,
}

/// Everything a job worker uses: the store, the upstream, the clock, its settings and the
/// handle that wakes and stops this process's workers. Cheap to clone.
#[derive(Clone)]
pub struct JobContext {
    pub store: Arc<dyn Store>,
    pub upstream: Arc<dyn MaidanUpstream>,
    pub clock: Arc<dyn Clock>,
    pub workers: Workers,
    pub settings: JobSettings,
}

impl From<&JobContext> for JobContext {
    fn from(context: &JobContext) -> Self {
        context.clone()
    }
}

impl JobContext {
    /// How one upstream page (or its payment history) is retried before the job fails. The
    /// deadline keeps a retrying worker well inside its lease.
    fn retry(&self) -> RetryPolicy {
        RetryPolicy {
            attempts: 5,
            backoff: Duration::from_millis(100),
            deadline: Some(self.settings.lease / 2),
        }
    }

    fn lease_ms(&self) -> i64 {
        crate::clock::millis(self.settings.lease)
    }

    /// Puts the job down, succeeded or failed with why (`console_jobs_finished_total`); a lost
    /// lease stops it instead.
    async fn finish(
        &self,
        job: &JobRecord,
        outcome: Result<(), Failure>,
    ) -> Result<Result<(), Stopped>, JobError> {
        let (end, failure) = match &outcome {
            Ok(()) => (JobState::Succeeded, None),
            Err(failure) => (JobState::Failed, Some(stored_failure(failure))),
        };
        let now = self.clock.now_ms();
        let held = self
            .store
            .finish_job(job.claim(), end, failure.as_deref(), now)
            .await?;
        if held == Held::Written(()) {
            metrics::counter!(
                "console_jobs_finished_total",
                "kind" => job.kind.as_str(),
                "state" => end.as_str(),
            )
            .increment(1);
        }
        Ok(written(held))
    }

    /// A sync page or re-attribution batch committed (`console_job_pages_total`): stop here
    /// when the process is stopping or the test's page budget is spent.
    fn page_committed(
        &self,
        job: &JobRecord,
        pages: usize,
        max_pages: Option<usize>,
    ) -> Result<(), Stopped> {
        metrics::counter!("console_job_pages_total", "kind" => job.kind.as_str()).increment(1);
        self.workers.beat(self.clock.now_ms());
        if self.workers.stopping() || max_pages.is_some_and(|max| pages >= max) {
            Err(Stopped::Paused)
        } else {
            Ok(())
        }
    }
}

/// The API view of a job at `now_ms`.
pub fn view(job: &JobRecord, now_ms: i64) -> Job {
    let elapsed_s = job
        .started_at_ms
        .map(|start| (job.finished_at_ms.unwrap_or(now_ms) - start).max(1) as f64 / 1000.0);
    let rate = elapsed_s.map_or(0.0, |s| job.processed as f64 / s);
    let eta_s = (job.state.is_active() && rate > 0.0 && job.total >= job.processed)
        .then(|| ((job.total - job.processed) as f64 / rate).ceil() as u64);
    let failure = job
        .error
        .as_deref()
        .and_then(|e| serde_json::from_str::<Failure>(e).ok());
    Job {
        id: job.id.clone(),
        kind: job.kind,
        state: job.state,
        processed: job.processed,
        total: job.total.max(job.processed),
        counts: job.counts,
        failures: job.failures.clone(),
        rate_per_s: (rate * 10.0).round() / 10.0,
        eta_s,
        created_at: rfc3339(job.created_at_ms),
        requested_by: job.requested_by.clone(),
        started_at: job.started_at_ms.map(rfc3339),
        finished_at: job.finished_at_ms.map(rfc3339),
        // Stored as data; a text from before is shown as it was written.
        error: failure
            .as_ref()
            .map(|f| f.message(domain::Lang::Zh))
            .or_else(|| job.error.clone()),
        failure,
        takeover_at: job.takeover(now_ms).map(|(at_ms, _)| rfc3339(at_ms)),
        takeover_in_s: job.takeover(now_ms).map(|(_, in_s)| in_s),
    }
}

/// A job's failure as its `error` column keeps it.
fn stored_failure(failure: &Failure) -> String {
    serde_json::to_string(failure).unwrap_or_default()
}

/// Whether a job of `kind` (any kind: `None`) is queued or running in the account. Asked by
/// state, not read off the recent history: a queued job may wait behind newer ones.
pub async fn any_active(
    store: &dyn Store,
    account_id: &str,
    kind: Option<JobKind>,
) -> crate::store::Result<bool> {
    for state in [JobState::Running, JobState::Queued] {
        if !store.jobs(account_id, kind, Some(state)).await?.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Why a worker put a job down before it was done.
enum Stopped {
    /// Another worker claimed it since: this one writes nothing more.
    LeaseLost,
    /// The process is stopping (or, in tests, the page budget ran out).
    Paused,
}

/// Why a job's page loop ended before the job did: put down, or unable to go on.
enum Halt {
    Stopped(Stopped),
    Failed(JobError),
}

impl From<Stopped> for Halt {
    fn from(stopped: Stopped) -> Self {
        Halt::Stopped(stopped)
    }
}

impl From<JobError> for Halt {
    fn from(error: JobError) -> Self {
        Halt::Failed(error)
    }
}

impl From<StoreError> for Halt {
    fn from(error: StoreError) -> Self {
        Halt::Failed(error.into())
    }
}

impl From<tokio::task::JoinError> for Halt {
    fn from(error: tokio::task::JoinError) -> Self {
        Halt::Failed(error.into())
    }
}

/// A written page (or total, or finish) goes on; a lost lease stops the job.
fn written<T>(held: Held<T>) -> Result<T, Stopped> {
    match held {
        Held::Written(value) => Ok(value),
        Held::LeaseLost => Err(Stopped::LeaseLost),
    }
}

/// Claims one job and works on it. With `max_pages`, stops after that many pages as if the
/// process had died (tests). True when a job was claimed.
pub async fn run_next(
    context: impl Into<JobContext>,
    max_pages: Option<usize>,
) -> Result<bool, JobError> {
    let context = context.into();
    let now = context.clock.now_ms();
    let Some(job) = context
        .store
        .claim_job(now, now + context.lease_ms())
        .await?
    else {
        return Ok(false);
    };
    // Every line the job logs names it and the request that queued it.
    let span = tracing::info_span!(
        "job",
        job = %job.id,
        kind = job.kind.as_str(),
        request_id = job.request_id.as_deref().unwrap_or("-"),
    );
    let work = async {
        tracing::info!(claim = job.claim_token, "job claimed");
        let outcome = match job.kind {
            JobKind::SubMerchantSync => sync::sync_sub_merchants(&context, &job, max_pages).await,
            JobKind::Reattribution => reattribution::reattribute(&context, &job, max_pages).await,
        };
        match outcome {
            Ok(()) => {}
            Err(Halt::Failed(error)) => return Err(error),
            Err(Halt::Stopped(Stopped::LeaseLost)) => {
                tracing::warn!("lease lost: another worker has the job");
            }
            Err(Halt::Stopped(Stopped::Paused)) if context.workers.stopping() => {
                // Given back, so that the next process resumes it at once, not after the lease.
                let now = context.clock.now_ms();
                if context.store.release_job(job.claim(), now).await? == Held::Written(()) {
                    tracing::info!("job released for the next worker");
                }
            }
            Err(Halt::Stopped(Stopped::Paused)) => {}
        }
        Ok::<(), JobError>(())
    };
    tracing::Instrument::instrument(work, span).await?;
    Ok(true)
}
