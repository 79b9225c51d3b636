//! 同步买单子商户: every sub-merchant of every provider of the account, page by page.

use domain::{
    api::{JobError as Failure, JobFailure},
    rules,
};

use super::{Halt, JobContext, written};
use crate::{
    store::{Checkpoint, JobRecord, SubMerchantRow, SyncPage},
    upstream::{SubMerchantPage, UpstreamError, UpstreamTransaction},
};

/// Runs a sync from its checkpoint until every provider's last page is written.
pub(super) async fn sync_sub_merchants(
    context: &JobContext,
    job: &JobRecord,
    max_pages: Option<usize>,
) -> Result<(), Halt> {
    let store = &context.store;
    let claim = job.claim();
    let providers = store.provider_ids(&job.account_id).await?;
    if job.total == 0 {
        let mut total = 0;
        for provider in &providers {
            match page_with_retries(context, provider, 0, 1).await {
                Ok(page) => total += page.total,
                Err(e) => {
                    tracing::warn!(job = %job.id, %provider, error = %e, "sync total failed");
                    let failure = Failure::upstream(provider.clone(), None, e.cause());
                    return Ok(context.finish(job, Err(failure)).await??);
                }
            }
        }
        written(store.set_job_total(claim, total).await?)?;
    }
    let mut at = job.checkpoint.unwrap_or_default();
    let mut pages = 0;
    // The next upstream page is fetched while this one is written: the upstream's latency (or
    // the sandbox's generation) overlaps the database work instead of adding to it.
    let fetch = |at: Checkpoint| {
        let (context, provider) = (context.clone(), providers.get(at.provider_index).cloned());
        provider.map(|provider| {
            tokio::spawn(async move {
                let limit = context.settings.page_size.max(1);
                let page = page_with_retries(&context, &provider, at.cursor, limit).await;
                // Their payment history comes along (kept for sub-merchants seen the first time).
                let history = match &page {
                    Ok(page) => {
                        let ids: Vec<String> =
                            page.items.iter().map(|m| m.merchant_id.clone()).collect();
                        history_with_retries(&context, &ids).await
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
                let failure = Failure::upstream(provider.clone(), Some(at.cursor), e.cause());
                return Ok(context.finish(job, Err(failure)).await??);
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
        if max_pages.is_none_or(|max| pages + 1 < max) && !context.workers.stopping() {
            pending = fetch(next);
        }
        let now = context.clock.now_ms();
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
                lease_until_ms: now + context.lease_ms(),
            })
            .await?;
        written(held)?;
        at = next;
        pages += 1;
        context.page_committed(job, pages, max_pages)?;
    }
    let step = context.finish(job, Ok(())).await?;
    tracing::info!(job = %job.id, "sub-merchant sync done");
    // Best effort: the database's own maintenance gets there later anyway.
    if let Err(error) = store.refresh_statistics().await {
        tracing::warn!(job = %job.id, %error, "could not refresh the statistics");
    }
    Ok(step?)
}

async fn page_with_retries(
    context: &JobContext,
    provider_id: &str,
    cursor: u64,
    limit: u32,
) -> Result<SubMerchantPage, UpstreamError> {
    context
        .retry()
        .run(
            "sub_merchants",
            || context.upstream.sub_merchants(provider_id, cursor, limit),
            UpstreamError::transient,
        )
        .await
}

async fn history_with_retries(
    context: &JobContext,
    merchant_ids: &[String],
) -> Result<Vec<UpstreamTransaction>, UpstreamError> {
    context
        .retry()
        .run(
            "transactions_of",
            || context.upstream.transactions_of(merchant_ids),
            UpstreamError::transient,
        )
        .await
}
