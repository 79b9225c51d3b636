//! An account's sub-merchants (子商户): the filtered list, one sub-merchant, its channel and Maidan
//! state.

use async_trait::async_trait;
use domain::api::{SubMerchantSummary, WechatChannel};

use domain::api::{Account, AccountRole};

use super::{AccountStore, Change, InSession, NewAuditEvent, Page, Result, SessionCheck};

/// Filters of the sub-merchant list.
#[derive(Debug, Clone, Default)]
pub struct SubMerchantFilter<'a> {
    /// A sub-provider's view: only what is assigned to it (the account is then not a scope).
    pub assigned_to: Option<&'a str>,
    pub provider_id: Option<&'a str>,
    pub channel: Option<WechatChannel>,
    pub search: Option<&'a str>,
}

impl<'a> SubMerchantFilter<'a> {
    /// The filter as `account` may use it: a sub-provider only ever sees what is assigned to it.
    pub fn seen_by(&self, account: &'a Account) -> SubMerchantFilter<'a> {
        SubMerchantFilter {
            assigned_to: (account.role == AccountRole::SubProvider).then_some(account.id.as_str()),
            ..self.clone()
        }
    }
}

/// Whose eyes a read is for: a provider account sees all of its own; a sub-provider sees what
/// is assigned or attributed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer<'a> {
    Provider(&'a str),
    SubProvider(&'a str),
}

/// A sub-merchant as stored: what the list shows, and when it was last synced (ms).
#[derive(Debug, Clone)]
pub struct SubMerchantRecord {
    pub summary: SubMerchantSummary,
    pub synced_at_ms: i64,
}

#[async_trait]
pub trait SubMerchantStore: Send + Sync {
    /// A sub-merchant the viewer may see, and when it was last synced.
    async fn sub_merchant(&self, viewer: Viewer<'_>, id: i64) -> Result<Option<SubMerchantRecord>>;

    /// After a sync wrote many sub-merchants and transactions: the planner's statistics and
    /// the search indexes are brought up to date at once, so that the next lists and searches
    /// need not wait for the database's background maintenance (PostgreSQL: `VACUUM (ANALYZE)` and the
    /// trigram indexes' pending entries merged; SQLite: `PRAGMA optimize`).
    async fn refresh_statistics(&self) -> Result<()>;

    /// A merchant ID opened WeChat Maidan: every sub-merchant with it says so.
    async fn mark_maidan_opened(&self, merchant_id: &str) -> Result<()>;

    /// 切换渠道: sets the channel (and the Maidan status just read upstream) with its audit
    /// event, in one transaction; `NotFound` when the sub-merchant is not the account's.
    async fn set_sub_merchant_channel(
        &self,
        account_id: &str,
        id: i64,
        channel: WechatChannel,
        maidan_opened: bool,
        audit: &NewAuditEvent,
    ) -> Result<Change>;

    /// The sub-merchant's profile (基本信息) as stored (JSON, in column `basic_info`), `None`
    /// when never saved. Tenancy is the caller's: read the sub-merchant first.
    async fn sub_merchant_profile(&self, id: i64) -> Result<Option<String>>;

    /// Saves the sub-merchant's profile (JSON) with its audit event, in one transaction;
    /// `NotFound` when the sub-merchant is not the account's.
    async fn save_sub_merchant_profile(
        &self,
        account_id: &str,
        id: i64,
        json: &str,
        audit: &NewAuditEvent,
    ) -> Result<Change>;

    /// A page of the account's sub-merchants (`filter.assigned_to` narrows it to a
    /// sub-provider's), and how many match.
    async fn list_sub_merchants(
        &self,
        account_id: &str,
        filter: &SubMerchantFilter<'_>,
        page: u32,
        page_size: u32,
    ) -> Result<Page<SubMerchantSummary>>;

    /// The same page for the account of a session, the session checked as part of the read
    /// (the list is what the console asks for most, and on PostgreSQL this makes it one round
    /// trip instead of two); `filter` is narrowed for the account as [`SubMerchantFilter::seen_by`].
    async fn list_sub_merchants_in_session(
        &self,
        session: SessionCheck<'_>,
        filter: &SubMerchantFilter<'_>,
        page: u32,
        page_size: u32,
    ) -> Result<InSession<Page<SubMerchantSummary>>>;
}

/// The list for a session looked up on its own, which decides whether it is live and whose it
/// is, then the page its account may see.
pub(super) async fn list_after_lookup<S: AccountStore + SubMerchantStore>(
    store: &S,
    session: SessionCheck<'_>,
    filter: &SubMerchantFilter<'_>,
    page: u32,
    page_size: u32,
) -> Result<InSession<Page<SubMerchantSummary>>> {
    let Some(live) = store
        .session(session.token_hash, session.now_ms, session.idle_ms)
        .await?
    else {
        return Ok(InSession::Ended);
    };
    let filter = filter.seen_by(&live.account);
    store
        .list_sub_merchants(live.account.id.as_str(), &filter, page, page_size)
        .await
        .map(InSession::Read)
}
