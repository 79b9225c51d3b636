//! 子服务商 and the transactions attributed to them, with the re-attribution's batches.

use async_trait::async_trait;
use domain::api::{SubProvider, Transaction};

use super::{Claim, Held, JobRecord, NewAuditEvent, Result, Viewer};

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
