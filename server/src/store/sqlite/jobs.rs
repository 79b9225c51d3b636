//! Durable jobs: queueing, claiming with a lease, page commits with their checkpoint, finishing.
//! SQLite.

use async_trait::async_trait;
use domain::api::{JobCounts, JobFailure, JobKind, JobState};
use sqlx::Row;

use super::{
    JOB_COLUMNS, SqliteStore, bump_version, held, insert_audit, insert_transactions, job_from_row,
    to_json,
};
use crate::store::{Claim, Held, JobRecord, JobStore, NewAuditEvent, Result, StoreError, SyncPage};

#[async_trait]
impl JobStore for SqliteStore {
    async fn active_job(
        &self,
        account_id: &str,
        kind: JobKind,
        subject: &str,
    ) -> Result<Option<JobRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs
             WHERE account_id = ?1 AND kind = ?2 AND subject = ?3 AND state IN (?4, ?5)
             ORDER BY state = ?5 DESC, created_at LIMIT 1"
        ))
        .bind(account_id)
        .bind(kind.as_str())
        .bind(subject)
        .bind(JobState::Queued.as_str())
        .bind(JobState::Running.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    async fn start_job(&self, id: &str, kind: JobKind, audit: &NewAuditEvent) -> Result<JobRecord> {
        let (account_id, now_ms) = (audit.account_id.as_str(), audit.at_ms);
        // The partial unique index admits one queued-or-running job per account and kind.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let queued = sqlx::query(
            "INSERT OR IGNORE INTO jobs (id, account_id, kind, state, requested_by, request_id, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(account_id)
        .bind(kind.as_str())
        .bind(JobState::Queued.as_str())
        .bind(&audit.actor)
        .bind(&audit.request_id)
        .bind(now_ms)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        if queued.rows_affected() == 1 {
            insert_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs
             WHERE account_id = ? AND kind = ? AND state IN (?, ?)"
        ))
        .bind(account_id)
        .bind(kind.as_str())
        .bind(JobState::Queued.as_str())
        .bind(JobState::Running.as_str())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => job_from_row(&row),
            // It finished between the insert and the read: show the one just created.
            None => {
                let row = sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?"))
                    .bind(id)
                    .fetch_one(&self.pool)
                    .await?;
                job_from_row(&row)
            }
        }
    }

    async fn last_finished(&self, account_id: &str, kind: JobKind) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MAX(finished_at) FROM jobs WHERE account_id = ? AND kind = ?",
        )
        .bind(account_id)
        .bind(kind.as_str())
        .fetch_one(&self.pool)
        .await?)
    }

    async fn job(&self, account_id: &str, id: &str) -> Result<Option<JobRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE id = ? AND account_id = ?"
        ))
        .bind(id)
        .bind(account_id)
        .fetch_optional(&self.pool)
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
             WHERE account_id = ?1 AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR state = ?3)
             ORDER BY created_at DESC LIMIT 20"
        ))
        .bind(account_id)
        .bind(kind.map(JobKind::as_str))
        .bind(state.map(JobState::as_str))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job_from_row).collect()
    }

    async fn claim_job(&self, now_ms: i64, lease_until_ms: i64) -> Result<Option<JobRecord>> {
        // Look first (a read takes no write lock while the worker idles), then take it only
        // if it is still claimable: of two workers, one wins.
        // A queued job waits while another job of its account holds a live lease.
        let candidate: Option<String> = sqlx::query_scalar(
            "SELECT id FROM jobs j
             WHERE (j.state = ?2 AND NOT EXISTS (
                        SELECT 1 FROM jobs r
                        WHERE r.state = ?3 AND r.lease_until >= ?1
                          AND r.account_id = j.account_id))
                OR (j.state = ?3 AND j.lease_until < ?1)
             ORDER BY j.created_at LIMIT 1",
        )
        .bind(now_ms)
        .bind(JobState::Queued.as_str())
        .bind(JobState::Running.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(id) = candidate else {
            return Ok(None);
        };
        let row = sqlx::query(&format!(
            "UPDATE jobs
             SET state = ?5, lease_until = ?1, started_at = COALESCE(started_at, ?2),
                 updated_at = ?2, claim_token = claim_token + 1
             WHERE id = ?3 AND (state = ?4 OR (state = ?5 AND lease_until < ?2))
             RETURNING {JOB_COLUMNS}"
        ))
        .bind(lease_until_ms)
        .bind(now_ms)
        .bind(id)
        .bind(JobState::Queued.as_str())
        .bind(JobState::Running.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    async fn set_job_total(&self, claim: Claim<'_>, total: u64) -> Result<Held> {
        let done = sqlx::query("UPDATE jobs SET total = ? WHERE id = ? AND claim_token = ?")
            .bind(i64::try_from(total).unwrap_or(i64::MAX))
            .bind(claim.job_id)
            .bind(claim.token)
            .execute(&self.pool)
            .await?;
        Ok(held(done.rows_affected()))
    }

    async fn apply_sync_page(&self, page: &SyncPage<'_>) -> Result<Held> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut existing = std::collections::HashMap::new();
        // Which of these rows exist already? If none in the page's merchant-ID range does (a
        // first sync, in upstream order), one index probe answers for the whole page.
        let ids = page.rows.iter().map(|row| row.merchant_id.as_str());
        let overlaps = match (ids.clone().min(), ids.max()) {
            (Some(min), Some(max)) => {
                sqlx::query_scalar::<_, bool>(
                    "SELECT EXISTS (SELECT 1 FROM sub_merchants
                                WHERE provider_id = ? AND merchant_id BETWEEN ? AND ?)",
                )
                .bind(page.provider_id)
                .bind(min)
                .bind(max)
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
            for found in query.build().fetch_all(&mut *tx).await? {
                let id: String = found.try_get("merchant_id")?;
                let name: String = found.try_get("name")?;
                let opened: bool = found.try_get("maidan_opened")?;
                existing.insert(id, (name, opened));
            }
        }
        let job: (String, String) =
            sqlx::query_as("SELECT counts, failures FROM jobs WHERE id = ?")
                .bind(page.claim.job_id)
                .fetch_one(&mut *tx)
                .await?;
        let mut counts: JobCounts = serde_json::from_str(&job.0)
            .map_err(|e| StoreError::Corrupt(format!("job counts: {e}")))?;
        let mut failures: Vec<JobFailure> = serde_json::from_str(&job.1)
            .map_err(|e| StoreError::Corrupt(format!("job failures: {e}")))?;

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
                    .push("'sm' || lower(hex(randomblob(9)))");
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
                    "UPDATE sub_merchants SET name = ?, maidan_opened = ?, synced_at = ?
                     WHERE provider_id = ? AND merchant_id = ?",
                )
                .bind(&row.name)
                .bind(row.maidan_opened)
                .bind(page.now_ms)
                .bind(page.provider_id)
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
            insert_transactions(
                &mut tx,
                page.account_id,
                page.provider_id,
                page.transactions,
            )
            .await?;
        }
        if !new.is_empty() || counts.updated > updated_before {
            bump_version(&mut tx, page.account_id).await?;
        }
        counts.new += new.len() as u64;
        counts.failed += page.failures.len() as u64;
        let room = 100_usize.saturating_sub(failures.len());
        failures.extend(page.failures.iter().take(room).cloned());
        let processed = (page.rows.len() + page.failures.len()) as i64;
        let moved = sqlx::query(
            "UPDATE jobs SET processed = processed + ?, counts = ?, failures = ?, checkpoint = ?,
                             lease_until = ?, updated_at = ?
             WHERE id = ? AND state = ? AND claim_token = ?",
        )
        .bind(processed)
        .bind(to_json(&counts)?)
        .bind(to_json(&failures)?)
        .bind(to_json(&page.next)?)
        .bind(page.lease_until_ms)
        .bind(page.now_ms)
        .bind(page.claim.job_id)
        .bind(JobState::Running.as_str())
        .bind(page.claim.token)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            // Another worker holds the job: the page's rows go with this transaction.
            tx.rollback().await?;
            return Ok(Held::LeaseLost);
        }
        if page.provider_done {
            sqlx::query(
                "UPDATE providers SET sub_merchants_synced_at = ?
                 WHERE provider_id = ? AND account_id = ?",
            )
            .bind(page.now_ms)
            .bind(page.provider_id)
            .bind(page.account_id)
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
            "UPDATE jobs SET state = ?, error = ?, finished_at = ?, updated_at = ?, lease_until = NULL
             WHERE id = ? AND state = ? AND claim_token = ?",
        )
        .bind(state.as_str())
        .bind(error)
        .bind(now_ms)
        .bind(now_ms)
        .bind(claim.job_id)
        .bind(JobState::Running.as_str())
        .bind(claim.token)
        .execute(&self.pool)
        .await?;
        Ok(held(done.rows_affected()))
    }

    async fn release_job(&self, claim: Claim<'_>, now_ms: i64) -> Result<Held> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = ?, updated_at = ?
             WHERE id = ? AND state = ? AND claim_token = ?",
        )
        .bind(now_ms - 1)
        .bind(now_ms)
        .bind(claim.job_id)
        .bind(JobState::Running.as_str())
        .bind(claim.token)
        .execute(&self.pool)
        .await?;
        Ok(held(done.rows_affected()))
    }
}
