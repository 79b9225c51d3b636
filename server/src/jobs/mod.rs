//! Durable jobs: stored in the database, claimed by a worker with a lease, checkpointed per
//! upstream page in the same transaction as that page's rows, so that a crash at any point
//! resumes from the last committed page with nothing lost or duplicated.
//!
//! Just over 400 lines: the workers (claims, wake-ups, stopping) and the two kinds of job
//! share the claim, the lease and the page budget; splitting the kinds into files of their
//! own is the next step when a third kind arrives.

use std::{sync::Arc, time::Duration};

use domain::{
    api::{Job, JobError as Failure, JobFailure, JobKind, JobState},
    rules,
};

use crate::{
    AppState,
    clock::rfc3339,
    retry::RetryPolicy,
    store::{Checkpoint, Held, JobRecord, StoreError, SubMerchantRow, SyncPage},
    upstream::{SubMerchantPage, UpstreamError},
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
/// How one upstream page (or its payment history) is retried before the job fails. The
/// deadline keeps a retrying worker well inside its lease.
fn retry(state: &AppState) -> RetryPolicy {
    RetryPolicy {
        attempts: 5,
        backoff: Duration::from_millis(100),
        deadline: Some(state.settings.job_lease / 2),
    }
}

fn lease_ms(state: &AppState) -> i64 {
    crate::clock::millis(state.settings.job_lease)
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
    store: &dyn crate::store::Store,
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

/// Wakes the workers of this process and tells them to stop.
#[derive(Debug, Clone, Default)]
pub struct Workers {
    wake: Arc<tokio::sync::Notify>,
    stop: Arc<tokio::sync::watch::Sender<bool>>,
    /// When a worker of this process last showed it was alive (ms; 0 before any started): at
    /// each look for a job and after each page of one.
    beat: Arc<std::sync::atomic::AtomicI64>,
}

impl Workers {
    /// A worker is alive at `now_ms`.
    pub fn beat(&self, now_ms: i64) {
        self.beat
            .store(now_ms.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// When a worker last showed it was alive (ms), `None` when none has started.
    pub fn last_beat(&self) -> Option<i64> {
        Some(self.beat.load(std::sync::atomic::Ordering::Relaxed)).filter(|ms| *ms > 0)
    }

    /// A job was queued: an idle worker takes it now rather than at its next look.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Each worker finishes the page it is on, gives its job back and ends.
    pub fn stop(&self) {
        self.stop.send_replace(true);
        self.wake.notify_waiters();
    }

    fn stopping(&self) -> bool {
        *self.stop.borrow()
    }
}

/// Starts `count` workers that run jobs until [`Workers::stop`].
pub fn spawn_workers(state: &AppState, count: usize) -> tokio::task::JoinSet<()> {
    let mut set = tokio::task::JoinSet::new();
    // Jobs queued (or given back) by other replicas wake these workers too, where the store
    // can tell.
    let listening = state.clone();
    tokio::spawn(async move {
        let workers = listening.workers.clone();
        let wake = Arc::new(move || workers.wake());
        if let Err(error) = listening.store.on_job_ready(wake).await {
            tracing::warn!(%error, "job notifications unavailable; workers poll instead");
        }
    });
    for _ in 0..count.max(1) {
        let state = state.clone();
        set.spawn(async move {
            let workers = state.workers.clone();
            let mut stopped = workers.stop.subscribe();
            while !workers.stopping() {
                workers.beat(state.clock.now_ms());
                match run_next(&state, None).await {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(error) => tracing::error!(?error, "job worker"),
                }
                tokio::select! {
                    () = workers.wake.notified() => {}
                    _ = stopped.changed() => {}
                    () = tokio::time::sleep(state.settings.job_idle_poll) => {}
                }
            }
        });
    }
    set
}

/// Why a worker put a job down before it was done.
enum Stopped {
    /// Another worker claimed it since: this one writes nothing more.
    LeaseLost,
    /// The process is stopping (or, in tests, the page budget ran out).
    Paused,
}

/// Claims one job and works on it. With `max_pages`, stops after that many pages as if the
/// process had died (tests). True when a job was claimed.
pub async fn run_next(state: &AppState, max_pages: Option<usize>) -> Result<bool, JobError> {
    let now = state.clock.now_ms();
    let lease = lease_ms(state);
    let Some(job) = state.store.claim_job(now, now + lease).await? else {
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
            JobKind::SubMerchantSync => sync_sub_merchants(state, &job, max_pages).await?,
            JobKind::Reattribution => reattribute(state, &job, max_pages).await?,
        };
        match outcome {
            Ok(()) => {}
            Err(Stopped::LeaseLost) => {
                tracing::warn!("lease lost: another worker has the job");
            }
            Err(Stopped::Paused) if state.workers.stopping() => {
                // Given back, so that the next process resumes it at once, not after the lease.
                let now = state.clock.now_ms();
                if state.store.release_job(job.claim(), now).await? == Held::Written(()) {
                    tracing::info!("job released for the next worker");
                }
            }
            Err(Stopped::Paused) => {}
        }
        Ok::<(), JobError>(())
    };
    tracing::Instrument::instrument(work, span).await?;
    Ok(true)
}

/// The page loop goes on, or the job is put down.
type Step = Result<(), Stopped>;

/// A written page (or total, or finish) goes on; a lost lease stops the job.
fn written<T>(held: Held<T>) -> Result<T, Stopped> {
    match held {
        Held::Written(value) => Ok(value),
        Held::LeaseLost => Err(Stopped::LeaseLost),
    }
}

/// Puts the job down, succeeded or failed with why (`console_jobs_finished_total`); a lost
/// lease stops it instead.
async fn finish(
    state: &AppState,
    job: &JobRecord,
    outcome: Result<(), Failure>,
) -> Result<Step, JobError> {
    let (end, failure) = match &outcome {
        Ok(()) => (JobState::Succeeded, None),
        Err(failure) => (JobState::Failed, Some(stored_failure(failure))),
    };
    let now = state.clock.now_ms();
    let held = state
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

/// A sync page or re-attribution batch committed (`console_job_pages_total`).
fn page_done(job: &JobRecord) {
    metrics::counter!("console_job_pages_total", "kind" => job.kind.as_str()).increment(1);
}

/// After a committed page: stop here when the process is stopping or the test's page budget
/// is spent.
fn pause_after(state: &AppState, pages: usize, max_pages: Option<usize>) -> Step {
    state.workers.beat(state.clock.now_ms());
    if state.workers.stopping() || max_pages.is_some_and(|max| pages >= max) {
        Err(Stopped::Paused)
    } else {
        Ok(())
    }
}

async fn page_with_retries(
    state: &AppState,
    provider_id: &str,
    cursor: u64,
    limit: u32,
) -> Result<SubMerchantPage, UpstreamError> {
    retry(state)
        .run(
            "sub_merchants",
            || state.upstream.sub_merchants(provider_id, cursor, limit),
            UpstreamError::transient,
        )
        .await
}

async fn history_with_retries(
    state: &AppState,
    merchant_ids: &[String],
) -> Result<Vec<crate::upstream::UpstreamTransaction>, UpstreamError> {
    retry(state)
        .run(
            "transactions_of",
            || state.upstream.transactions_of(merchant_ids),
            UpstreamError::transient,
        )
        .await
}

/// Transactions re-attributed per database transaction.
pub const REATTRIBUTION_BATCH: u32 = 10_000;

/// 历史交易归属调整: walks the sub-merchant's transactions by id, a batch per database
/// transaction with its checkpoint, attributing each to the sub-merchant's current
/// sub-provider.
async fn reattribute(
    state: &AppState,
    job: &JobRecord,
    max_pages: Option<usize>,
) -> Result<Step, JobError> {
    let store = &state.store;
    let claim = job.claim();
    let Ok(sub_merchant_id) = job.subject.parse::<i64>() else {
        return finish(state, job, Err(Failure::UnknownSubject)).await;
    };
    if job.total == 0 {
        let total = store.count_transactions_of(sub_merchant_id).await?;
        if let Err(stopped) = written(store.set_job_total(claim, total).await?) {
            return Ok(Err(stopped));
        }
    }
    let mut after = job
        .checkpoint
        .map_or(0, |c| i64::try_from(c.cursor).unwrap_or(i64::MAX));
    let mut batches = 0;
    loop {
        let now = state.clock.now_ms();
        let held = store
            .reattribute_batch(
                claim,
                sub_merchant_id,
                after,
                REATTRIBUTION_BATCH,
                now + lease_ms(state),
                now,
            )
            .await?;
        let last = match written(held) {
            Ok(Some(last)) => last,
            Ok(None) => break,
            Err(stopped) => return Ok(Err(stopped)),
        };
        after = last;
        batches += 1;
        page_done(job);
        if let Err(stopped) = pause_after(state, batches, max_pages) {
            return Ok(Err(stopped));
        }
    }
    let step = finish(state, job, Ok(())).await?;
    tracing::info!(job = %job.id, sub_merchant_id, "re-attribution done");
    Ok(step)
}

/// 同步买单子商户: every sub-merchant of every provider of the account.
async fn sync_sub_merchants(
    state: &AppState,
    job: &JobRecord,
    max_pages: Option<usize>,
) -> Result<Step, JobError> {
    let store = &state.store;
    let claim = job.claim();
    let providers = store.provider_ids(&job.account_id).await?;
    let fail = |failure: Failure| finish(state, job, Err(failure));
    if job.total == 0 {
        let mut total = 0;
        for provider in &providers {
            match page_with_retries(state, provider, 0, 1).await {
                Ok(page) => total += page.total,
                Err(e) => {
                    tracing::warn!(job = %job.id, %provider, error = %e, "sync total failed");
                    return fail(Failure::upstream(provider.clone(), None, e.cause())).await;
                }
            }
        }
        if let Err(stopped) = written(store.set_job_total(claim, total).await?) {
            return Ok(Err(stopped));
        }
    }
    let mut at = job.checkpoint.unwrap_or_default();
    let mut pages = 0;
    // The next upstream page is fetched while this one is written: the upstream's latency (or
    // the sandbox's generation) overlaps the database work instead of adding to it.
    let fetch = |at: Checkpoint| {
        let (state, provider) = (state.clone(), providers.get(at.provider_index).cloned());
        provider.map(|provider| {
            tokio::spawn(async move {
                let limit = state.settings.sync_page_size.max(1);
                let page = page_with_retries(&state, &provider, at.cursor, limit).await;
                // Their payment history comes along (kept for sub-merchants seen the first time).
                let history = match &page {
                    Ok(page) => {
                        let ids: Vec<String> =
                            page.items.iter().map(|m| m.merchant_id.clone()).collect();
                        history_with_retries(&state, &ids).await
                    }
                    Err(_) => Ok(Vec::new()),
                };
                (provider, page.and_then(|page| history.map(|h| (page, h))))
            })
        })
    };
    let mut pending = fetch(at);
    while let Some(task) = pending.take() {
        let (provider, page) = task.await?;
        let provider = &provider;
        let (page, history) = match page {
            Ok(fetched) => fetched,
            Err(e) => {
                tracing::warn!(job = %job.id, %provider, error = %e, "sync page failed");
                return fail(Failure::upstream(
                    provider.clone(),
                    Some(at.cursor),
                    e.cause(),
                ))
                .await;
            }
        };
        let mut rows = Vec::with_capacity(page.items.len());
        let mut failures = Vec::new();
        for item in page.items {
            match rules::merchant_id(&item.merchant_id) {
                Ok(_) => rows.push(SubMerchantRow {
                    merchant_id: item.merchant_id,
                    name: item.name,
                    maidan_opened: item.maidan_opened,
                }),
                Err(rule) => failures.push(JobFailure::invalid_merchant_id(
                    provider.clone(),
                    item.merchant_id,
                    rule,
                )),
            }
        }
        let provider_done = page.next_cursor.is_none();
        let next = match page.next_cursor {
            Some(cursor) => Checkpoint {
                provider_index: at.provider_index,
                cursor,
            },
            None => Checkpoint {
                provider_index: at.provider_index + 1,
                cursor: 0,
            },
        };
        if max_pages.is_none_or(|max| pages + 1 < max) && !state.workers.stopping() {
            pending = fetch(next);
        }
        let now = state.clock.now_ms();
        let held = store
            .apply_sync_page(&SyncPage {
                claim,
                account_id: &job.account_id,
                provider_id: provider,
                rows: &rows,
                transactions: &history,
                failures,
                next,
                provider_done,
                now_ms: now,
                lease_until_ms: now + lease_ms(state),
            })
            .await?;
        if let Err(stopped) = written(held) {
            return Ok(Err(stopped));
        }
        at = next;
        pages += 1;
        page_done(job);
        if let Err(stopped) = pause_after(state, pages, max_pages) {
            return Ok(Err(stopped));
        }
    }
    let step = finish(state, job, Ok(())).await?;
    tracing::info!(job = %job.id, "sub-merchant sync done");
    // Best effort: the database's own maintenance gets there later anyway.
    if let Err(error) = store.refresh_statistics().await {
        tracing::warn!(job = %job.id, %error, "could not refresh the statistics");
    }
    Ok(step)
}
