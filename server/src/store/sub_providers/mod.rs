//! 子服务商 and the transactions attributed to them; each backend's plan for a re-attribution's
//! batch is in `reattribution`.

mod reattribution;

use domain::api::{JobKind, JobState, SubProvider, Transaction};
use sqlx::Row;

use super::{
    Checkpoint, Claim, Held, JobRecord, NewAuditEvent, PgStore, Result, SqliteStore, Viewer,
    dialect::{Dialect, area},
    sql::{BindAll, JOB_COLUMNS, escape_like, job_from_row, to_json},
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

area! {
    pub trait SubProviderStore {
        /// The account's sub-providers, by account ID.
        async fn sub_providers(&self, account_id: &str) -> Result<Vec<SubProvider>> {
            let rows: Vec<(String, String, String, String)> = sqlx::query_as(
                "SELECT sub_provider_account_id, name, rebate_ratio, remark FROM sub_providers
                 WHERE account_id = $1 ORDER BY sub_provider_account_id",
            )
            .bind(account_id)
            .fetch_all(self.pool())
            .await?;
            let sub_provider = |(account_id, name, rebate_ratio, remark)| SubProvider {
                account_id,
                name,
                rebate_ratio,
                remark,
            };
            Ok(rows.into_iter().map(sub_provider).collect())
        }

        /// Registers or changes a sub-provider with its audit event (none when the sandbox seeds
        /// its demo data), in one transaction.
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
                .binds((sub_provider.name.trim(), sub_provider.rebate_ratio.trim()))
                .binds((sub_provider.remark.trim(), account_id, &sub_provider.account_id))
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
        ) -> Result<Option<JobRecord>> {
            let mut tx = self.write_tx(&format!("account:{account_id}")).await?;
            let done = sqlx::query(
                "UPDATE sub_merchants SET sub_provider_account_id = $1
                 WHERE id = $2 AND provider_id IN (SELECT provider_id FROM providers WHERE account_id = $3)",
            )
            .binds((sub_provider_account_id, sub_merchant_id, account_id))
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
            .binds((job_id, account_id, JobKind::Reattribution.as_str()))
            .binds((JobState::Queued.as_str(), &subject, &audit.actor, &audit.request_id))
            .binds((audit.at_ms, audit.at_ms))
            .execute(&mut *tx)
            .await?;
            if let Some(notify) = Self::NOTIFY_JOBS {
                sqlx::query(notify).execute(&mut *tx).await?;
            }
            let row = sqlx::query(&format!(
                "SELECT {JOB_COLUMNS} FROM jobs
                 WHERE account_id = $1 AND kind = $2 AND subject = $3 AND state = $4"
            ))
            .binds((account_id, JobKind::Reattribution.as_str(), &subject))
            .bind(JobState::Queued.as_str())
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            job_from_row(&row).map(Some)
        }

        /// Transactions of a sub-merchant.
        async fn count_transactions_of(&self, sub_merchant_id: i64) -> Result<u64> {
            let n: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM transactions WHERE sub_merchant_id = $1")
                    .bind(sub_merchant_id)
                    .fetch_one(self.pool())
                    .await?;
            Ok(u64::try_from(n).unwrap_or_default())
        }

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
        ) -> Result<Held<Option<i64>>> {
            let lease = (lease_until_ms, now_ms);
            let next = reattribution::Batch { claim, sub_merchant_id, after_id, batch, lease };
            self.write_reattribution(next).await
        }

        /// Stores transactions of sub-merchants of a provider (ignoring any already stored),
        /// attributed to each sub-merchant's sub-provider at this moment.
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

        /// A page of transactions the viewer may see, with the count and amount of the filter.
        async fn list_transactions(
            &self,
            viewer: Viewer<'_>,
            filter: &TransactionFilter<'_>,
            page: u32,
            page_size: u32,
        ) -> Result<TransactionPage> {
            let scan = TransactionScan::of(viewer, filter);
            let paid_at = scan.paid_at();
            let mut totals = sqlx::QueryBuilder::new(
                "SELECT COUNT(*), CAST(COALESCE(SUM(t.amount_fen), 0) AS BIGINT) FROM transactions t",
            );
            totals.push(scan.totals_join());
            Self::transaction_conditions(&mut totals, viewer, filter, paid_at);
            let mut query = sqlx::QueryBuilder::new(
                "SELECT t.id, t.sub_merchant_id, s.merchant_id, s.name, a.sub_provider_account_id,
                        t.amount_fen, t.paid_at
                 FROM transactions t
                 JOIN transaction_attributions a ON a.transaction_id = t.id
                 JOIN sub_merchants s ON s.id = t.sub_merchant_id",
            );
            Self::transaction_conditions(&mut query, viewer, filter, paid_at);
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

    impl {

        /// ` WHERE …` of the transaction list.
        fn transaction_conditions<'a>(
            q: &mut sqlx::QueryBuilder<'a, <Self as Dialect>::Db>,
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
            let plus = if narrower { Self::SKIP_INDEX } else { "" };
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
                .push(format_args!(" OR name {} ", Self::LIKE_FOLDED))
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

    /// Moves a re-attribution's checkpoint to `last` and its count on by `done`, with its
    /// lease (`lease` is the lease's new end and the time now), under the worker's claim;
    /// false when the claim no longer holds.
    async fn advance_reattribution(
        tx: &mut <<Self as Dialect>::Db as sqlx::Database>::Connection,
        claim: Claim<'_>,
        (done, last): (i64, i64),
        (lease_until_ms, now_ms): (i64, i64),
    ) -> Result<bool> {
        let checkpoint = Checkpoint {
            provider_index: 0,
            cursor: u64::try_from(last).unwrap_or_default(),
        };
        let moved = sqlx::query(
            "UPDATE jobs
             SET processed = processed + $1, checkpoint = $2, lease_until = $3, updated_at = $4
             WHERE id = $5 AND state = $6 AND claim_token = $7",
        )
        .binds((done, to_json(&checkpoint)?, lease_until_ms, now_ms, claim.job_id))
        .binds((JobState::Running.as_str(), claim.token))
        .execute(tx)
        .await?;
        Ok(moved.rows_affected() > 0)
    }
    }
}

/// How a transaction list finds its rows: a sub-provider's transactions (its own view, or a
/// provider's filtered by one) through their attributions, by sub-provider and time; a
/// provider's through its own, by account and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TransactionScan {
    ByAttribution,
    ByAccount,
}

impl TransactionScan {
    fn of(viewer: Viewer<'_>, filter: &TransactionFilter<'_>) -> TransactionScan {
        if matches!(viewer, Viewer::SubProvider(_)) || filter.sub_provider_account_id.is_some() {
            TransactionScan::ByAttribution
        } else {
            TransactionScan::ByAccount
        }
    }

    /// What the totals' `FROM transactions t` needs joined to filter by sub-provider.
    fn totals_join(self) -> &'static str {
        match self {
            TransactionScan::ByAttribution => {
                " JOIN transaction_attributions a ON a.transaction_id = t.id"
            }
            TransactionScan::ByAccount => "",
        }
    }

    /// The time column the list is filtered and ordered by, the one its index holds.
    fn paid_at(self) -> &'static str {
        match self {
            TransactionScan::ByAttribution => "a.paid_at",
            TransactionScan::ByAccount => "t.paid_at",
        }
    }
}
