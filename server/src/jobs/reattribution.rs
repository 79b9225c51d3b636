//! 历史交易归属调整: a sub-merchant's transactions attributed to its current sub-provider.

use domain::api::JobError as Failure;

use super::{Halt, JobContext, written};
use crate::store::JobRecord;

/// Transactions re-attributed per database transaction.
pub const REATTRIBUTION_BATCH: u32 = 10_000;

/// Walks the sub-merchant's transactions by id, a batch per database transaction with its
/// checkpoint, attributing each to the sub-merchant's current sub-provider.
pub(super) async fn reattribute(
    context: &JobContext,
    job: &JobRecord,
    max_pages: Option<usize>,
) -> Result<(), Halt> {
    let store = &context.store;
    let claim = job.claim();
    let Ok(sub_merchant_id) = job.subject.parse::<i64>() else {
        return Ok(context.finish(job, Err(Failure::UnknownSubject)).await??);
    };
    if job.total == 0 {
        let total = store.count_transactions_of(sub_merchant_id).await?;
        written(store.set_job_total(claim, total).await?)?;
    }
    let mut after = job
        .checkpoint
        .map_or(0, |c| i64::try_from(c.cursor).unwrap_or(i64::MAX));
    let mut batches = 0;
    loop {
        let now = context.clock.now_ms();
        let held = store
            .reattribute_batch(
                claim,
                sub_merchant_id,
                after,
                REATTRIBUTION_BATCH,
                now + context.lease_ms(),
                now,
            )
            .await?;
        let Some(last) = written(held)? else {
            break;
        };
        after = last;
        batches += 1;
        context.page_committed(job, batches, max_pages)?;
    }
    let step = context.finish(job, Ok(())).await?;
    tracing::info!(job = %job.id, sub_merchant_id, "re-attribution done");
    Ok(step?)
}
