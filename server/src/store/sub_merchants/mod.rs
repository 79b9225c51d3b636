//! An account's sub-merchants (子商户): the filtered list, one sub-merchant, its channel and Maidan
//! state. Each backend's plan for the list and its planner's upkeep are in `list`.

mod list;

use domain::api::{SubMerchantSummary, WechatChannel};

use domain::api::{Account, AccountRole};

use sqlx::Row;

use super::{
    AccountStore, Change, InSession, NewAuditEvent, Page, PgStore, Result, SessionCheck,
    SqliteStore, StoreError,
    count_cache::CountKey,
    dialect::{Dialect, area},
    sql::{BindAll, escape_like, sub_merchant_from_row},
};

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

area! {
    pub trait SubMerchantStore {
        /// A sub-merchant the viewer may see, and when it was last synced.
        async fn sub_merchant(&self, viewer: Viewer<'_>, id: i64) -> Result<Option<SubMerchantRecord>> {
            let (scope, who) = match viewer {
                Viewer::Provider(account) => ("p.account_id = $2", account),
                Viewer::SubProvider(account) => ("s.sub_provider_account_id = $2", account),
            };
            let row = sqlx::query(&format!(
                "SELECT s.id, s.out_sub_mch_id, p.out_mch_id, s.merchant_id, s.name, s.provider_id, p.name AS provider_name, s.channel,
                        s.maidan_opened, s.sub_provider_account_id, s.keys_set, s.synced_at
                 FROM sub_merchants s JOIN providers p ON p.provider_id = s.provider_id
                 WHERE s.id = $1 AND {scope}"
            ))
            .binds((id, who))
            .fetch_optional(self.pool())
            .await?;
            row.map(|row| {
                Ok(SubMerchantRecord {
                    summary: sub_merchant_from_row(&row)?,
                    synced_at_ms: row.try_get("synced_at")?,
                })
            })
            .transpose()
        }

        /// After a sync wrote many sub-merchants and transactions: the planner's statistics and
        /// the search indexes are brought up to date at once, so that the next lists and searches
        /// need not wait for the database's background maintenance (PostgreSQL: `VACUUM (ANALYZE)` and the
        /// trigram indexes' pending entries merged; SQLite: `PRAGMA optimize`).
        async fn refresh_statistics(&self) -> Result<()> {
            self.refresh_planner_statistics().await
        }

        /// A merchant ID opened WeChat Maidan: every sub-merchant with it says so.
        async fn mark_maidan_opened(&self, merchant_id: &str) -> Result<()> {
            let mut tx = self.write_tx(&format!("merchant:{merchant_id}")).await?;
            let accounts: Vec<String> = sqlx::query_scalar(
                "UPDATE sub_merchants SET maidan_opened = TRUE
                 WHERE merchant_id = $1 AND maidan_opened = FALSE RETURNING account_id",
            )
            .bind(merchant_id)
            .fetch_all(&mut *tx)
            .await?;
            for account in accounts {
                Self::bump_version(&mut tx, &account).await?;
            }
            tx.commit().await?;
            Ok(())
        }

        /// 切换渠道: sets the channel (and the Maidan status just read upstream) with its audit
        /// event, in one transaction; `NotFound` when the sub-merchant is not the account's.
        async fn set_sub_merchant_channel(
            &self,
            account_id: &str,
            id: i64,
            channel: WechatChannel,
            maidan_opened: bool,
            audit: &NewAuditEvent,
        ) -> Result<Change> {
            let mut tx = self.write_tx(&format!("account:{account_id}")).await?;
            let done = sqlx::query(
                "UPDATE sub_merchants SET channel = $1, maidan_opened = $2
                 WHERE id = $3 AND provider_id IN (SELECT provider_id FROM providers WHERE account_id = $4)",
            )
            .binds((channel.as_str(), maidan_opened, id, account_id))
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                Self::bump_version(&mut tx, account_id).await?;
            }
            Self::commit_change(tx, done.rows_affected(), audit).await
        }

        /// The sub-merchant's profile (基本信息) as stored (JSON, in column `basic_info`), `None`
        /// when never saved. Tenancy is the caller's: read the sub-merchant first.
        async fn sub_merchant_profile(&self, id: i64) -> Result<Option<String>> {
            let json: Option<Option<String>> =
                sqlx::query_scalar("SELECT basic_info FROM sub_merchants WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.pool())
                    .await?;
            Ok(json.flatten())
        }

        /// Saves the sub-merchant's profile (JSON) with its audit event, in one transaction;
        /// `NotFound` when the sub-merchant is not the account's.
        async fn save_sub_merchant_profile(
            &self,
            account_id: &str,
            id: i64,
            json: &str,
            audit: &NewAuditEvent,
        ) -> Result<Change> {
            let mut tx = self.write_tx(&format!("account:{account_id}")).await?;
            let done = sqlx::query(
                "UPDATE sub_merchants SET basic_info = $1
                 WHERE id = $2 AND provider_id IN (SELECT provider_id FROM providers WHERE account_id = $3)",
            )
            .binds((json, id, account_id))
            .execute(&mut *tx)
            .await?;
            Self::commit_change(tx, done.rows_affected(), audit).await
        }

        /// A page of the account's sub-merchants (`filter.assigned_to` narrows it to a
        /// sub-provider's), and how many match.
        async fn list_sub_merchants(
            &self,
            account_id: &str,
            filter: &SubMerchantFilter<'_>,
            page: u32,
            page_size: u32,
        ) -> Result<Page<SubMerchantSummary>> {
            // Without a session to check, the page is always read.
            self.read_page(account_id, None, filter, page, page_size)
                .await?
                .ok_or_else(|| StoreError::Corrupt("a list without a session read nothing".to_owned()))
        }

        /// The same page for the account of a session, the session checked as part of the read
        /// (the list is what the console asks for most, and on PostgreSQL this makes it one round
        /// trip instead of two); `filter` is narrowed for the account as [`SubMerchantFilter::seen_by`].
        async fn list_sub_merchants_in_session(
            &self,
            session: SessionCheck<'_>,
            filter: &SubMerchantFilter<'_>,
            page: u32,
            page_size: u32,
        ) -> Result<InSession<Page<SubMerchantSummary>>> {
            // Where the store knows whose the session is (PostgreSQL), it is checked in the
            // page's own statement (one round trip).
            if let Some(account) = self.session_hint(session.token_hash).await {
                let filter = filter.seen_by(&account);
                let read = self
                    .read_page(account.id.as_str(), Some((session, &account)), &filter, page, page_size)
                    .await?;
                if let Some(page) = read {
                    return Ok(InSession::Read(page));
                }
                self.forget_session(session.token_hash).await;
            }
            // No hint, or the session it named is over: looked up on its own, which decides
            // whether it is live and whose it is, then the page its account may see.
            let Some(live) = self
                .session(session.token_hash, session.now_ms, session.idle_ms)
                .await?
            else {
                return Ok(InSession::Ended);
            };
            let filter = filter.seen_by(&live.account);
            self.list_sub_merchants(live.account.id.as_str(), &filter, page, page_size)
                .await
                .map(InSession::Read)
        }
    }
    impl {
        /// How many rows match the list's filter, at the account's data `version`: cached per
        /// version, except a sub-provider's view, which is small and follows another account's
        /// version: counted each time.
        async fn count_matching(
            &self,
            pool: &sqlx::Pool<<Self as Dialect>::Db>,
            account_id: &str,
            filter: &SubMerchantFilter<'_>,
            version: i64,
            persistent: bool,
        ) -> Result<u64> {
            let count = || async {
                let mut count = sqlx::QueryBuilder::new("SELECT COUNT(*) FROM sub_merchants s");
                Self::push_conditions(&mut count, account_id, filter);
                let total: i64 = count
                    .build_query_scalar()
                    .persistent(persistent)
                    .fetch_one(pool)
                    .await?;
                Ok::<_, StoreError>(u64::try_from(total).unwrap_or_default())
            };
            if filter.assigned_to.is_some() {
                return count().await;
            }
            let key = CountKey {
                account_id: account_id.to_owned(),
                provider_id: filter.provider_id.map(str::to_owned),
                channel: filter.channel.map(WechatChannel::as_str),
                search: filter.search.map(str::to_owned),
            };
            self.counts.get_or_count(key, version, count).await
        }

        /// `WHERE …` of the sub-merchant list: only the filters that are set, so that the
        /// planner sees plain equalities and uses the index.
        fn push_conditions<'a>(
            query: &mut sqlx::QueryBuilder<'a, <Self as Dialect>::Db>,
            account_id: &'a str,
            filter: &SubMerchantFilter<'a>,
        ) {
            if let Some(sub_provider) = filter.assigned_to {
                query
                    .push(" WHERE s.sub_provider_account_id = ")
                    .push_bind(sub_provider);
            } else if Self::scoped_by_row(filter) {
                query.push(" WHERE s.account_id = ").push_bind(account_id);
            } else {
                // Tenancy through the account's providers: the whole filter stays inside
                // the (provider_id, merchant_id) index, so counting reads no rows.
                query
                    .push(" WHERE s.provider_id IN (SELECT provider_id FROM providers WHERE account_id = ")
                    .push_bind(account_id)
                    .push(")");
            }
            if let Some(provider_id) = filter.provider_id {
                query.push(" AND s.provider_id = ").push_bind(provider_id);
            }
            if let Some(channel) = filter.channel {
                query.push(" AND s.channel = ").push_bind(channel.as_str());
            }
            if let Some(search) = filter.search {
                Self::push_search(query, search);
            }
        }
    }
}
