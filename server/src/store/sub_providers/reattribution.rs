//! Each backend's plan for a re-attribution's batch: SQLite's in one transaction, PostgreSQL's
//! in two halves written side by side.

use super::*;

/// A re-attribution's next batch: up to `batch` transactions of the sub-merchant after
/// `after_id`, written under `claim`; `lease` is the lease's new end and the time now.
#[derive(Debug, Clone, Copy)]
pub(super) struct Batch<'a> {
    pub claim: Claim<'a>,
    pub sub_merchant_id: i64,
    pub after_id: i64,
    pub batch: u32,
    pub lease: (i64, i64),
}

impl SqliteStore {
    /// A re-attribution batch in one transaction: SQLite writes one statement at a time.
    pub(super) async fn write_reattribution(&self, next: Batch<'_>) -> Result<Held<Option<i64>>> {
        let (claim, lease) = (next.claim, next.lease);
        let mut tx = self.write_tx(&format!("job:{}", claim.job_id)).await?;
        // The owner is read inside the batch's own transaction: a later change is never
        // overwritten by an earlier one, whatever order the jobs run in.
        let last: Option<(i64, i64)> = sqlx::query_as(
            "WITH batch AS (
                 SELECT id FROM transactions WHERE sub_merchant_id = $1 AND id > $2
                 ORDER BY id LIMIT $3)
             SELECT MAX(id), COUNT(*) FROM batch HAVING COUNT(*) > 0",
        )
        .binds((next.sub_merchant_id, next.after_id, i64::from(next.batch)))
        .fetch_optional(&mut *tx)
        .await?;
        let Some((last, done)) = last else {
            return Ok(Held::Written(None));
        };
        sqlx::query(
            "UPDATE transaction_attributions
             SET sub_provider_account_id =
                 (SELECT sub_provider_account_id FROM sub_merchants WHERE id = $1)
             WHERE transaction_id IN
                 (SELECT id FROM transactions WHERE sub_merchant_id = $1 AND id > $2 AND id <= $3)",
        )
        .binds((next.sub_merchant_id, next.after_id, last))
        .execute(&mut *tx)
        .await?;
        if !Self::advance_reattribution(&mut tx, claim, (done, last), lease).await? {
            tx.rollback().await?;
            return Ok(Held::LeaseLost);
        }
        tx.commit().await?;
        Ok(Held::Written(Some(last)))
    }
}

impl PgStore {
    /// A re-attribution batch in two halves written at once. Most of a re-attribution is its
    /// UPDATE, and PostgreSQL runs a statement on one core: each half is a transaction of its
    /// own, whole or not at all, and writing one again is harmless (it sets what the
    /// sub-merchant's owner is), so a batch cut short by a crash is done again from the
    /// checkpoint, which moves (with the count) only once both halves are in.
    pub(super) async fn write_reattribution(&self, next: Batch<'_>) -> Result<Held<Option<i64>>> {
        let Batch {
            claim,
            sub_merchant_id,
            after_id,
            batch,
            lease,
        } = next;
        // Where the batch ends, and where its first half does: read in the database, rather
        // than ten thousand ids sent to this process and back.
        let (middle, last, count): (Option<i64>, Option<i64>, i64) = sqlx::query_as(
            "SELECT (SELECT id FROM transactions WHERE sub_merchant_id = $1 AND id > $2
                     ORDER BY id OFFSET $4 LIMIT 1),
                    MAX(id), COUNT(*)
             FROM (SELECT id FROM transactions WHERE sub_merchant_id = $1 AND id > $2
                   ORDER BY id LIMIT $3) batch",
        )
        .binds((
            sub_merchant_id,
            after_id,
            i64::from(batch),
            i64::from(batch.div_ceil(2)) - 1,
        ))
        .fetch_one(self.pool())
        .await?;
        let Some(last) = last else {
            return Ok(Held::Written(None));
        };
        // Fewer than half a batch left: all of it is the first half.
        let middle = middle.map_or(last, |middle| middle.min(last));
        let (first, second) = tokio::try_join!(
            self.attribute_to_owner(claim, sub_merchant_id, (after_id, middle)),
            self.attribute_to_owner(claim, sub_merchant_id, (middle, last)),
        )?;
        if first == Held::LeaseLost || second == Held::LeaseLost {
            return Ok(Held::LeaseLost);
        }
        // The checkpoint, the count and the lease, under the claim.
        let mut tx = self.write_tx(&format!("job:{}", claim.job_id)).await?;
        if !Self::advance_reattribution(&mut tx, claim, (count, last), lease).await? {
            return Ok(Held::LeaseLost);
        }
        tx.commit().await?;
        Ok(Held::Written(Some(last)))
    }

    /// Attributes the sub-merchant's transactions with ids in `(after, up_to]` to its
    /// sub-provider of the moment, in one transaction, if the claim still holds. The claim is
    /// checked under a lock the other half of the batch shares: a worker taking the job over
    /// (an UPDATE of the job's row) waits for both, and a half that starts after it finds the
    /// claim gone and writes nothing.
    pub(super) async fn attribute_to_owner(
        &self,
        claim: Claim<'_>,
        sub_merchant_id: i64,
        (after, up_to): (i64, i64),
    ) -> Result<Held> {
        if up_to <= after {
            return Ok(Held::Written(()));
        }
        let mut tx = self.pool().begin().await?;
        let held: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM jobs WHERE id = $1 AND state = $2 AND claim_token = $3 FOR SHARE",
        )
        .binds((claim.job_id, JobState::Running.as_str(), claim.token))
        .fetch_optional(&mut *tx)
        .await?;
        if held.is_none() {
            return Ok(Held::LeaseLost);
        }
        // The owner is read inside this transaction: a later change is never overwritten by
        // an earlier one, whatever order the jobs run in. Only the narrow attribution rows
        // are written, each found by its key: joined to the range instead, the planner may
        // hash the whole table.
        sqlx::query(
            "UPDATE transaction_attributions
             SET sub_provider_account_id = (SELECT sub_provider_account_id FROM sub_merchants WHERE id = $1)
             WHERE transaction_id = ANY (ARRAY(
                 SELECT id FROM transactions WHERE sub_merchant_id = $1 AND id > $2 AND id <= $3))",
        )
        .binds((sub_merchant_id, after, up_to))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Held::Written(()))
    }
}
