//! Each backend's claim of a job, its hold on a job while a page is written, and how its
//! workers hear of new jobs.

use super::*;

/// The channel every replica's workers listen on for claimable jobs (PostgreSQL).
const JOBS_CHANNEL: &str = "console_jobs";

impl SqliteStore {
    /// Looks first (a read takes no write lock while the worker idles), then takes the job
    /// only if it is still claimable: of two workers, one wins. A queued job waits while
    /// another job of its account holds a live lease.
    pub(super) async fn claim_next_job(
        &self,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> Result<Option<JobRecord>> {
        let candidate: Option<String> = sqlx::query_scalar(
            "SELECT id FROM jobs j
             WHERE (j.state = $2 AND NOT EXISTS (
                        SELECT 1 FROM jobs r
                        WHERE r.state = $3 AND r.lease_until >= $1
                          AND r.account_id = j.account_id))
                OR (j.state = $3 AND j.lease_until < $1)
             ORDER BY j.created_at LIMIT 1",
        )
        .binds((
            now_ms,
            JobState::Queued.as_str(),
            JobState::Running.as_str(),
        ))
        .fetch_optional(self.pool())
        .await?;
        let Some(id) = candidate else {
            return Ok(None);
        };
        let row = sqlx::query(&format!(
            "UPDATE jobs
             SET state = $5, lease_until = $1, started_at = COALESCE(started_at, $2),
                 updated_at = $2, claim_token = claim_token + 1
             WHERE id = $3 AND (state = $4 OR (state = $5 AND lease_until < $2))
             RETURNING {JOB_COLUMNS}"
        ))
        .binds((
            lease_until_ms,
            now_ms,
            id,
            JobState::Queued.as_str(),
            JobState::Running.as_str(),
        ))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Nothing to do: SQLite's one writer keeps other workers out until the page commits, and
    /// the page's own count is written only under the claim.
    pub(super) async fn hold_for_page(
        _tx: &mut sqlx::SqliteConnection,
        _claim: Claim<'_>,
        _until_ms: i64,
    ) -> Result<bool> {
        Ok(true)
    }

    /// Nothing: SQLite cannot tell, and workers look for work every `job_idle_poll`.
    pub(super) async fn listen_for_jobs(
        &self,
        wake: std::sync::Arc<dyn Fn() + Send + Sync>,
    ) -> Result<()> {
        let _ = wake;
        Ok(())
    }
}

impl PgStore {
    /// Claims take turns (one short transaction each), so that two workers never both take a
    /// job of one account; within it, rows a worker is committing a page to are skipped, not
    /// waited for. A queued job waits while another job of its account holds a live lease.
    pub(super) async fn claim_next_job(
        &self,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> Result<Option<JobRecord>> {
        let mut tx = self.write_tx("job-claims").await?;
        let row = sqlx::query(&format!(
            "UPDATE jobs
             SET state = $4, lease_until = $1, started_at = COALESCE(started_at, $2),
                 updated_at = $2, claim_token = claim_token + 1
             WHERE id = (
                 SELECT id FROM jobs j
                 WHERE (j.state = $3 AND NOT EXISTS (
                            SELECT 1 FROM jobs r
                            WHERE r.state = $4 AND r.lease_until >= $2
                              AND r.account_id = j.account_id))
                    OR (j.state = $4 AND j.lease_until < $2)
                 ORDER BY j.created_at LIMIT 1
                 FOR UPDATE SKIP LOCKED)
             RETURNING {JOB_COLUMNS}"
        ))
        .binds((
            lease_until_ms,
            now_ms,
            JobState::Queued.as_str(),
            JobState::Running.as_str(),
        ))
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Renews the claim's lease and locks the job's row for the rest of the transaction, so
    /// that no other worker claims the job while this one writes a page however long that
    /// takes; false when the claim no longer holds.
    pub(super) async fn hold_for_page(
        tx: &mut sqlx::PgConnection,
        claim: Claim<'_>,
        until_ms: i64,
    ) -> Result<bool> {
        let held = sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND state = $3 AND claim_token = $4",
        )
        .binds((
            until_ms,
            claim.job_id,
            JobState::Running.as_str(),
            claim.token,
        ))
        .execute(tx)
        .await?;
        Ok(held.rows_affected() == 1)
    }

    /// Calls `wake` on every job notification, listening again after a lost connection.
    pub(super) async fn listen_for_jobs(
        &self,
        wake: std::sync::Arc<dyn Fn() + Send + Sync>,
    ) -> Result<()> {
        let mut listener = sqlx::postgres::PgListener::connect_with(self.pool()).await?;
        listener.listen(JOBS_CHANNEL).await?;
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(_) => wake(),
                    Err(error) => {
                        tracing::warn!(%error, "job notifications; listening again");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(())
    }
}
