//! 子服务商 and the transactions attributed to them, with the re-attribution's batches.

use async_trait::async_trait;
use domain::api::{JobKind, JobState, SubProvider, Transaction};
use sqlx::Row;

use super::{
    Checkpoint, Claim, Held, JobRecord, NewAuditEvent, PgStore, Result, SqliteStore, Viewer,
    dialect::Dialect,
    sql::{JOB_COLUMNS, escape_like, job_from_row, to_json},
};
use crate::clock::rfc3339;

/// Filters of the transaction list; times in Unix milliseconds, `to_ms` exclusive.
#[derive(Debug, Clone, Default)]
pub struct TransactionFilter<'a> {
    pub sub_merchant_id: Option<i64>,
    /// A sub-merchant's 微信支付商户号 (exactly) or a part of its name.
    pub merchant: Option<&'a str>,
    pub sub_provider_account_id: Option<&'a str>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

/// A page of transactions, with how many the filter matches and their amount together.
#[derive(Debug, Clone)]
pub struct TransactionPage {
    pub items: Vec<Transaction>,
    pub total: u64,
    pub amount_fen: i64,
}

/// Whether saving a sub-provider registers a new one or changes a registered one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubProviderWrite {
    Register,
    Change,
}

/// What saving a sub-provider did.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubProviderSaved {
    Saved,
    /// Registering: the account has a sub-provider with that ID already.
    AlreadyRegistered,
    /// Changing: the account has no sub-provider with that ID.
    NotRegistered,
}

#[async_trait]
pub trait SubProviderStore: Send + Sync {
    /// The account's sub-providers, by account ID.
    async fn sub_providers(&self, account_id: &str) -> Result<Vec<SubProvider>>;

    /// Registers or changes a sub-provider with its audit event (none when the sandbox seeds
    /// its demo data), in one transaction.
    async fn save_sub_provider(
        &self,
        account_id: &str,
        sub_provider: &SubProvider,
        write: SubProviderWrite,
        now_ms: i64,
        audit: Option<&NewAuditEvent>,
    ) -> Result<SubProviderSaved>;

    /// 修改子商户所属的子服务商: sets the sub-merchant's sub-provider (`None`: the provider
    /// itself), records the audit event and queues the re-attribution of its transactions (or
    /// joins the one already waiting), in one transaction. `None` when the sub-merchant is not
    /// the account's.
    async fn change_sub_provider(
        &self,
        account_id: &str,
        sub_merchant_id: i64,
        sub_provider_account_id: Option<&str>,
        job_id: &str,
        audit: &NewAuditEvent,
    ) -> Result<Option<JobRecord>>;

    /// Transactions of a sub-merchant.
    async fn count_transactions_of(&self, sub_merchant_id: i64) -> Result<u64>;

    /// Attributes the next `batch` transactions of the sub-merchant after `after_id` to its
    /// current sub-provider, and checkpoints the job: the checkpoint (and the count) moves
    /// only once every transaction of the batch is attributed (SQLite writes both in one
    /// transaction; PostgreSQL writes the batch's halves side by side first). The last id done,
    /// or `None` when there were none left; nothing when the claim no longer holds.
    async fn reattribute_batch(
        &self,
        claim: Claim<'_>,
        sub_merchant_id: i64,
        after_id: i64,
        batch: u32,
        lease_until_ms: i64,
        now_ms: i64,
    ) -> Result<Held<Option<i64>>>;

    /// Stores transactions of sub-merchants of a provider (ignoring any already stored),
    /// attributed to each sub-merchant's sub-provider at this moment.
    async fn import_transactions(
        &self,
        account_id: &str,
        provider_id: &str,
        transactions: &[crate::upstream::UpstreamTransaction],
    ) -> Result<()>;

    /// A page of transactions the viewer may see, with the count and amount of the filter.
    async fn list_transactions(
        &self,
        viewer: Viewer<'_>,
        filter: &TransactionFilter<'_>,
        page: u32,
        page_size: u32,
    ) -> Result<TransactionPage>;
}

/// One implementation for both backends (see `dialect`), but for the re-attribution's batch:
/// `$reattribute` is the backend's plan for it.
macro_rules! sub_provider_store {
    ($store:ty, $reattribute:ident) => {
        #[async_trait]
        impl SubProviderStore for $store {
            async fn sub_providers(&self, account_id: &str) -> Result<Vec<SubProvider>> {
                let rows = sqlx::query(
                    "SELECT sub_provider_account_id, name, rebate_ratio, remark FROM sub_providers
                     WHERE account_id = $1 ORDER BY sub_provider_account_id",
                )
                .bind(account_id)
                .fetch_all(self.pool())
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(SubProvider {
                            account_id: row.try_get("sub_provider_account_id")?,
                            name: row.try_get("name")?,
                            rebate_ratio: row.try_get("rebate_ratio")?,
                            remark: row.try_get("remark")?,
                        })
                    })
                    .collect()
            }

            async fn save_sub_provider(
                &self,
                account_id: &str,
                sub_provider: &SubProvider,
                write: SubProviderWrite,
                now_ms: i64,
                audit: Option<&NewAuditEvent>,
            ) -> Result<SubProviderSaved> {
                let mut tx = self.write_tx(&format!("account:{account_id}")).await?;
                let sql = if write == SubProviderWrite::Register {
                    format!(
                        "{} INTO sub_providers
                             (name, rebate_ratio, remark, account_id, sub_provider_account_id, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $6) {}",
                        Self::INSERT_OR_IGNORE,
                        Self::ON_CONFLICT_IGNORE
                    )
                } else {
                    "UPDATE sub_providers SET name = $1, rebate_ratio = $2, remark = $3, updated_at = $6
                     WHERE account_id = $4 AND sub_provider_account_id = $5"
                        .to_owned()
                };
                let done = sqlx::query(&sql)
                    .bind(sub_provider.name.trim())
                    .bind(sub_provider.rebate_ratio.trim())
                    .bind(sub_provider.remark.trim())
                    .bind(account_id)
                    .bind(&sub_provider.account_id)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() != 1 {
                    return Ok(match write {
                        SubProviderWrite::Register => SubProviderSaved::AlreadyRegistered,
                        SubProviderWrite::Change => SubProviderSaved::NotRegistered,
                    });
                }
                if let Some(audit) = audit {
                    Self::insert_audit(&mut tx, audit).await?;
                }
                tx.commit().await?;
                Ok(SubProviderSaved::Saved)
            }

            async fn change_sub_provider(
                &self,
                account_id: &str,
                sub_merchant_id: i64,
                sub_provider_account_id: Option<&str>,
                job_id: &str,
                audit: &NewAuditEvent,
            ) -> Result<Option<JobRecord>> {
                let mut tx = self.write_tx(&format!("account:{account_id}")).await?;
                let done = sqlx::query(
                    "UPDATE sub_merchants SET sub_provider_account_id = $1
                     WHERE id = $2 AND provider_id IN (SELECT provider_id FROM providers WHERE account_id = $3)",
                )
                .bind(sub_provider_account_id)
                .bind(sub_merchant_id)
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Ok(None);
                }
                Self::bump_version(&mut tx, account_id).await?;
                Self::insert_audit(&mut tx, audit).await?;
                // A job already waiting for this sub-merchant will attribute to the owner set here:
                // the partial unique index makes this insert join it instead.
                let subject = sub_merchant_id.to_string();
                sqlx::query(&format!(
                    "{} INTO jobs (id, account_id, kind, state, subject, requested_by, request_id, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) {}",
                    Self::INSERT_OR_IGNORE,
                    Self::ON_CONFLICT_IGNORE
                ))
                .bind(job_id)
                .bind(account_id)
                .bind(JobKind::Reattribution.as_str())
                .bind(JobState::Queued.as_str())
                .bind(&subject)
                .bind(&audit.actor)
                .bind(&audit.request_id)
                .bind(audit.at_ms)
                .bind(audit.at_ms)
                .execute(&mut *tx)
                .await?;
                if let Some(notify) = Self::NOTIFY_JOBS {
                    sqlx::query(notify).execute(&mut *tx).await?;
                }
                let row = sqlx::query(&format!(
                    "SELECT {JOB_COLUMNS} FROM jobs
                     WHERE account_id = $1 AND kind = $2 AND subject = $3 AND state = $4"
                ))
                .bind(account_id)
                .bind(JobKind::Reattribution.as_str())
                .bind(&subject)
                .bind(JobState::Queued.as_str())
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                job_from_row(&row).map(Some)
            }

            async fn count_transactions_of(&self, sub_merchant_id: i64) -> Result<u64> {
                let n: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM transactions WHERE sub_merchant_id = $1")
                        .bind(sub_merchant_id)
                        .fetch_one(self.pool())
                        .await?;
                Ok(u64::try_from(n).unwrap_or_default())
            }

            async fn reattribute_batch(
                &self,
                claim: Claim<'_>,
                sub_merchant_id: i64,
                after_id: i64,
                batch: u32,
                lease_until_ms: i64,
                now_ms: i64,
            ) -> Result<Held<Option<i64>>> {
                let lease = (lease_until_ms, now_ms);
                self.$reattribute(claim, sub_merchant_id, after_id, batch, lease)
                    .await
            }

            async fn import_transactions(
                &self,
                account_id: &str,
                provider_id: &str,
                transactions: &[crate::upstream::UpstreamTransaction],
            ) -> Result<()> {
                let mut tx = self.pool().begin().await?;
                Self::insert_transactions(&mut tx, account_id, provider_id, transactions).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_transactions(
                &self,
                viewer: Viewer<'_>,
                filter: &TransactionFilter<'_>,
                page: u32,
                page_size: u32,
            ) -> Result<TransactionPage> {
                let scan = crate::store::sql::TransactionScan::of(viewer, filter);
                let paid_at = scan.paid_at();
                fn conditions<'a>(
                    q: &mut sqlx::QueryBuilder<'a, <$store as Dialect>::Db>,
                    viewer: Viewer<'a>,
                    filter: &TransactionFilter<'a>,
                    paid_at: &str,
                ) {
                    // With a narrower filter, the scope term is kept off the index where the
                    // dialect can say so: walking an account's million rows in time order to find
                    // one sub-merchant's is the slow way.
                    let narrower = filter.sub_merchant_id.is_some()
                        || filter.merchant.is_some()
                        || (matches!(viewer, Viewer::Provider(_))
                            && filter.sub_provider_account_id.is_some());
                    let plus = if narrower { <$store>::SKIP_INDEX } else { "" };
                    match viewer {
                        Viewer::Provider(account) => q
                            .push(format!(" WHERE {plus}t.account_id = "))
                            .push_bind(account),
                        Viewer::SubProvider(account) => q
                            .push(format!(" WHERE {plus}a.sub_provider_account_id = "))
                            .push_bind(account),
                    };
                    if let Some(id) = filter.sub_merchant_id {
                        q.push(" AND t.sub_merchant_id = ").push_bind(id);
                    }
                    if let Some(merchant) = filter.merchant {
                        q.push(
                            " AND t.sub_merchant_id IN (SELECT id FROM sub_merchants WHERE merchant_id = ",
                        )
                        .push_bind(merchant)
                        .push(format_args!(" OR name {} ", <$store>::LIKE_FOLDED))
                        .push_bind(format!("%{}%", escape_like(merchant)))
                        .push(" ESCAPE '\\')");
                    }
                    if let Some(sp) = filter.sub_provider_account_id {
                        q.push(" AND a.sub_provider_account_id = ").push_bind(sp);
                    }
                    if let Some(from) = filter.from_ms {
                        q.push(format_args!(" AND {paid_at} >= ")).push_bind(from);
                    }
                    if let Some(to) = filter.to_ms {
                        q.push(format_args!(" AND {paid_at} < ")).push_bind(to);
                    }
                }
                let mut totals = sqlx::QueryBuilder::new(
                    "SELECT COUNT(*), CAST(COALESCE(SUM(t.amount_fen), 0) AS BIGINT) FROM transactions t",
                );
                totals.push(scan.totals_join());
                conditions(&mut totals, viewer, filter, paid_at);
                let mut query = sqlx::QueryBuilder::new(
                    "SELECT t.id, t.sub_merchant_id, s.merchant_id, s.name, a.sub_provider_account_id,
                            t.amount_fen, t.paid_at
                     FROM transactions t
                     JOIN transaction_attributions a ON a.transaction_id = t.id
                     JOIN sub_merchants s ON s.id = t.sub_merchant_id",
                );
                conditions(&mut query, viewer, filter, paid_at);
                query.push(format_args!(" ORDER BY {paid_at} DESC, t.id DESC"));
                let offset = i64::from(page.saturating_sub(1)) * i64::from(page_size);
                Self::push_page(&mut query, i64::from(page_size), offset);
                // A name search is planned for its own pattern each time.
                let searching = filter.merchant.is_some();
                let (totals, rows) = tokio::try_join!(
                    totals
                        .build_query_as::<(i64, i64)>()
                        .persistent(!searching)
                        .fetch_one(self.pool()),
                    query.build().persistent(!searching).fetch_all(self.pool()),
                )?;
                let (count, amount) = totals;
                let items = rows
                    .iter()
                    .map(|row| {
                        Ok(Transaction {
                            id: row.try_get("id")?,
                            sub_merchant_id: row.try_get("sub_merchant_id")?,
                            merchant_id: row.try_get("merchant_id")?,
                            sub_merchant_name: row.try_get("name")?,
                            sub_provider_account_id: row.try_get("sub_provider_account_id")?,
                            amount_fen: row.try_get("amount_fen")?,
                            paid_at: rfc3339(row.try_get("paid_at")?),
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(TransactionPage {
                    items,
                    total: u64::try_from(count).unwrap_or_default(),
                    amount_fen: amount,
                })
            }
        }
    };
}

sub_provider_store!(SqliteStore, reattribute_in_one_transaction);
sub_provider_store!(PgStore, reattribute_in_halves);

/// A re-attribution batch's checkpoint, count and lease, written under the worker's claim.
const ADVANCE_REATTRIBUTION: &str = "UPDATE jobs
     SET processed = processed + $1, checkpoint = $2, lease_until = $3, updated_at = $4
     WHERE id = $5 AND state = $6 AND claim_token = $7";

impl SqliteStore {
    /// A re-attribution batch in one transaction: SQLite writes one statement at a time.
    /// `lease` is the lease's new end and the time now.
    async fn reattribute_in_one_transaction(
        &self,
        claim: Claim<'_>,
        sub_merchant_id: i64,
        after_id: i64,
        batch: u32,
        (lease_until_ms, now_ms): (i64, i64),
    ) -> Result<Held<Option<i64>>> {
        let mut tx = self.write_tx(&format!("job:{}", claim.job_id)).await?;
        // The owner is read inside the batch's own transaction: a later change is never
        // overwritten by an earlier one, whatever order the jobs run in.
        let last: Option<(i64, i64)> = sqlx::query_as(
            "WITH batch AS (
                 SELECT id FROM transactions WHERE sub_merchant_id = $1 AND id > $2
                 ORDER BY id LIMIT $3)
             SELECT MAX(id), COUNT(*) FROM batch HAVING COUNT(*) > 0",
        )
        .bind(sub_merchant_id)
        .bind(after_id)
        .bind(i64::from(batch))
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
        .bind(sub_merchant_id)
        .bind(after_id)
        .bind(last)
        .execute(&mut *tx)
        .await?;
        let checkpoint = Checkpoint {
            provider_index: 0,
            cursor: u64::try_from(last).unwrap_or_default(),
        };
        let moved = sqlx::query(ADVANCE_REATTRIBUTION)
            .bind(done)
            .bind(to_json(&checkpoint)?)
            .bind(lease_until_ms)
            .bind(now_ms)
            .bind(claim.job_id)
            .bind(JobState::Running.as_str())
            .bind(claim.token)
            .execute(&mut *tx)
            .await?;
        if moved.rows_affected() == 0 {
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
    async fn reattribute_in_halves(
        &self,
        claim: Claim<'_>,
        sub_merchant_id: i64,
        after_id: i64,
        batch: u32,
        (lease_until_ms, now_ms): (i64, i64),
    ) -> Result<Held<Option<i64>>> {
        // Where the batch ends, and where its first half does: read in the database, rather
        // than ten thousand ids sent to this process and back.
        let (middle, last, count): (Option<i64>, Option<i64>, i64) = sqlx::query_as(
            "SELECT (SELECT id FROM transactions WHERE sub_merchant_id = $1 AND id > $2
                     ORDER BY id OFFSET $4 LIMIT 1),
                    MAX(id), COUNT(*)
             FROM (SELECT id FROM transactions WHERE sub_merchant_id = $1 AND id > $2
                   ORDER BY id LIMIT $3) batch",
        )
        .bind(sub_merchant_id)
        .bind(after_id)
        .bind(i64::from(batch))
        .bind(i64::from(batch.div_ceil(2)) - 1)
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
        let checkpoint = Checkpoint {
            provider_index: 0,
            cursor: u64::try_from(last).unwrap_or_default(),
        };
        let mut tx = self.write_tx(&format!("job:{}", claim.job_id)).await?;
        let moved = sqlx::query(ADVANCE_REATTRIBUTION)
            .bind(count)
            .bind(to_json(&checkpoint)?)
            .bind(lease_until_ms)
            .bind(now_ms)
            .bind(claim.job_id)
            .bind(JobState::Running.as_str())
            .bind(claim.token)
            .execute(&mut *tx)
            .await?;
        if moved.rows_affected() == 0 {
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
    async fn attribute_to_owner(
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
        .bind(claim.job_id)
        .bind(JobState::Running.as_str())
        .bind(claim.token)
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
        .bind(sub_merchant_id)
        .bind(after)
        .bind(up_to)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Held::Written(()))
    }
}
