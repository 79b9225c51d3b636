//! An account's sub-merchants (子商户): the filtered list, one sub-merchant, its channel and Maidan
//! state.

use async_trait::async_trait;
use domain::api::{SubMerchantSummary, WechatChannel};

use domain::api::{Account, AccountRole};

use sqlx::Row;

use super::{
    AccountStore, Change, InSession, NewAuditEvent, Page, PgStore, Result, SessionCheck,
    SqliteStore, StoreError,
    count_cache::CountKey,
    dialect::Dialect,
    sql::{escape_like, sub_merchant_from_row},
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

/// One implementation for both backends (see `dialect`); the list and the planner's upkeep are
/// each backend's own plan (below).
macro_rules! sub_merchant_store {
    ($store:ty) => {
        #[async_trait]
        impl SubMerchantStore for $store {
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
                .bind(id)
                .bind(who)
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
                .bind(channel.as_str())
                .bind(maidan_opened)
                .bind(id)
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Ok(Change::NotFound);
                }
                Self::bump_version(&mut tx, account_id).await?;
                Self::insert_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(Change::Made)
            }

            async fn sub_merchant_profile(&self, id: i64) -> Result<Option<String>> {
                let json: Option<Option<String>> =
                    sqlx::query_scalar("SELECT basic_info FROM sub_merchants WHERE id = $1")
                        .bind(id)
                        .fetch_optional(self.pool())
                        .await?;
                Ok(json.flatten())
            }

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
                .bind(json)
                .bind(id)
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Ok(Change::NotFound);
                }
                Self::insert_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(Change::Made)
            }

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

            async fn refresh_statistics(&self) -> Result<()> {
                self.refresh_planner_statistics().await
            }

            async fn list_sub_merchants(
                &self,
                account_id: &str,
                filter: &SubMerchantFilter<'_>,
                page: u32,
                page_size: u32,
            ) -> Result<Page<SubMerchantSummary>> {
                self.list_page(account_id, filter, page, page_size).await
            }

            async fn list_sub_merchants_in_session(
                &self,
                session: SessionCheck<'_>,
                filter: &SubMerchantFilter<'_>,
                page: u32,
                page_size: u32,
            ) -> Result<InSession<Page<SubMerchantSummary>>> {
                self.list_page_in_session(session, filter, page, page_size)
                    .await
            }
        }
        impl $store {
            /// `WHERE …` of the sub-merchant list: only the filters that are set, so that the
            /// planner sees plain equalities and uses the index.
            fn push_conditions<'a>(
                query: &mut sqlx::QueryBuilder<'a, <$store as Dialect>::Db>,
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
    };
}

sub_merchant_store!(SqliteStore);
sub_merchant_store!(PgStore);

impl SqliteStore {
    /// SQLite's own upkeep of its planner's statistics.
    async fn refresh_planner_statistics(&self) -> Result<()> {
        sqlx::query("PRAGMA optimize").execute(self.pool()).await?;
        Ok(())
    }

    /// The data version, the count (cached per version) and the page, in the index's order.
    async fn list_page(
        &self,
        account_id: &str,
        filter: &SubMerchantFilter<'_>,
        page: u32,
        page_size: u32,
    ) -> Result<Page<SubMerchantSummary>> {
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE((SELECT version FROM sub_merchant_versions WHERE account_id = ?), 0)",
        )
        .bind(account_id)
        .fetch_one(self.pool())
        .await?;
        let key = CountKey {
            account_id: account_id.to_owned(),
            provider_id: filter.provider_id.map(str::to_owned),
            channel: filter.channel.map(WechatChannel::as_str),
            search: filter.search.map(str::to_owned),
        };
        // A sub-provider's view is small and follows another account's version: counted.
        let count = || async {
            let mut count = sqlx::QueryBuilder::new("SELECT COUNT(*) FROM sub_merchants s");
            Self::push_conditions(&mut count, account_id, filter);
            let total: i64 = count.build_query_scalar().fetch_one(self.pool()).await?;
            Ok::<_, StoreError>(u64::try_from(total).unwrap_or_default())
        };
        let total = async {
            if filter.assigned_to.is_some() {
                count().await
            } else {
                self.counts.get_or_count(key, version, count).await
            }
        };
        // The page is picked in the order of the index (provider, merchant ID), with no sort
        // however many rows match; only its rows are joined to their provider names.
        let mut query = sqlx::QueryBuilder::new(
            "SELECT s.id, s.out_sub_mch_id, p.out_mch_id, s.merchant_id, s.name, s.provider_id, p.name AS provider_name, s.channel,
                    s.maidan_opened, s.sub_provider_account_id, s.keys_set, s.synced_at
             FROM (SELECT * FROM sub_merchants s",
        );
        Self::push_conditions(&mut query, account_id, filter);
        query
            .push(" ORDER BY s.provider_id, s.merchant_id LIMIT ")
            .push_bind(i64::from(page_size))
            .push(" OFFSET ")
            .push_bind(i64::from(page.saturating_sub(1)) * i64::from(page_size))
            .push(
                ") s JOIN providers p ON p.provider_id = s.provider_id
                 ORDER BY s.provider_id, s.merchant_id",
            );
        // The count (when not cached) and the page are two statements on two connections:
        // a first-time search waits for the slower of them, not for both in turn.
        let (total, rows) = tokio::try_join!(total, async {
            Ok(query.build().fetch_all(self.pool()).await?)
        })?;
        let items = rows
            .iter()
            .map(sub_merchant_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total })
    }

    /// The session looked up first: in the same process as its database, that costs no round
    /// trip.
    async fn list_page_in_session(
        &self,
        session: SessionCheck<'_>,
        filter: &SubMerchantFilter<'_>,
        page: u32,
        page_size: u32,
    ) -> Result<InSession<Page<SubMerchantSummary>>> {
        crate::store::sub_merchants::list_after_lookup(self, session, filter, page, page_size).await
    }

    /// Whether the list is scoped by the row's own account: never, on SQLite.
    fn scoped_by_row(_filter: &SubMerchantFilter<'_>) -> bool {
        false
    }

    /// ` AND …` for a text search: a substring of the name or the merchant ID.
    fn push_search<'a>(query: &mut sqlx::QueryBuilder<'a, sqlx::Sqlite>, search: &'a str) {
        if !search.bytes().any(|b| b.is_ascii_alphabetic()) {
            // Nothing to fold (Chinese, digits): a plain substring search, several times cheaper
            // per row than LIKE.
            query
                .push(" AND (instr(s.name, ")
                .push_bind(search)
                .push(") > 0 OR instr(s.merchant_id, ")
                .push_bind(search)
                .push(") > 0)");
        } else {
            // LIKE folds ASCII case: "cafe" finds "Cafe".
            let pattern = format!("%{}%", escape_like(search));
            query
                .push(" AND (s.name LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR s.merchant_id LIKE ")
                .push_bind(pattern)
                .push(" ESCAPE '\\')");
        }
    }
}

impl PgStore {
    /// PostgreSQL's upkeep after a bulk load.
    async fn refresh_planner_statistics(&self) -> Result<()> {
        // After a bulk load PostgreSQL wants a VACUUM as well: it marks the new pages all
        // visible (index-only counts) before autovacuum would, rather than in the middle of
        // whatever runs next.
        sqlx::query("VACUUM (ANALYZE) sub_merchants, transactions, transaction_attributions")
            .execute(self.pool())
            .await?;
        for index in ["sub_merchants_name_trgm", "sub_merchants_merchant_id_trgm"] {
            sqlx::query("SELECT gin_clean_pending_list($1::regclass)")
                .bind(index)
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    /// The page and its total, without a session to check.
    async fn list_page(
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

    /// The session checked in the page's own statement when its account is known (one round
    /// trip); else looked up first.
    async fn list_page_in_session(
        &self,
        session: SessionCheck<'_>,
        filter: &SubMerchantFilter<'_>,
        page: u32,
        page_size: u32,
    ) -> Result<InSession<Page<SubMerchantSummary>>> {
        if let Some(account) = self.sessions.get(session.token_hash).await {
            let filter = filter.seen_by(&account);
            let read = self
                .read_page(
                    account.id.as_str(),
                    Some((session, &account)),
                    &filter,
                    page,
                    page_size,
                )
                .await?;
            if let Some(page) = read {
                return Ok(InSession::Read(page));
            }
            self.sessions.forget(session.token_hash).await;
        }
        // No hint, or the session it named is over: looked up on its own, which decides.
        crate::store::sub_merchants::list_after_lookup(self, session, filter, page, page_size).await
    }

    /// A page of the list, and its total. With a session (and the account it was found to
    /// belong to), the same statement checks that it is still live, of that account and role,
    /// and nothing is read (`None`) when it is not.
    async fn read_page(
        &self,
        account_id: &str,
        session: Option<(SessionCheck<'_>, &Account)>,
        filter: &SubMerchantFilter<'_>,
        page: u32,
        page_size: u32,
    ) -> Result<Option<Page<SubMerchantSummary>>> {
        // How PostgreSQL plans these statements. A text search with a trigram is planned for
        // its own pattern every time (an unnamed statement): a plan made for "any pattern"
        // walks the whole (provider, merchant ID) index when the pattern is rare, 300 ms over
        // 1,000,000 rows. Any other list keeps a plan per statement: its page size and offset
        // are written into the statement, so the plan made for "any provider" is as good as one
        // made for this one and is reused (0.26 ms of planning per request otherwise; a search
        // too short for a trigram is that walk whatever its pattern, and planning and parsing
        // it each time cost 0.6 ms a request).
        let searching = filter.search.is_some_and(has_trigram);
        // The session, the account's data version and the page in one statement (one round
        // trip, one snapshot): a row with the version and no sub-merchant when the page is
        // empty. When the session is over (its `last_seen` NULL), the page is not read at all
        // (a filter PostgreSQL checks once, before it reads any sub-merchant). The page is
        // picked in the order of the index (provider, merchant ID), with no sort however many
        // rows match; only its rows are joined to their provider names.
        let mut query = sqlx::QueryBuilder::new(
            "WITH v AS (SELECT COALESCE((SELECT version FROM sub_merchant_versions WHERE account_id = ",
        );
        query.push_bind(account_id).push("), 0) AS version");
        if let Some((check, account)) = session {
            query
                .push(
                    ", (SELECT t.last_seen_at FROM sessions t JOIN accounts a ON a.id = t.account_id
                        WHERE t.token_hash = ",
                )
                .push_bind(check.token_hash)
                .push(" AND t.account_id = ")
                .push_bind(account.id.as_str())
                .push(" AND a.role = ")
                .push_bind(account.role.as_str())
                .push(" AND t.expires_at > ")
                .push_bind(check.now_ms)
                .push(" AND t.last_seen_at > ")
                .push_bind(check.now_ms - check.idle_ms)
                .push(" AND a.disabled_at IS NULL) AS last_seen");
        } else {
            query.push(", 0::bigint AS last_seen");
        }
        query.push(
            ")
             SELECT v.version, v.last_seen, s.id, s.out_sub_mch_id, s.out_mch_id, s.merchant_id, s.name, s.provider_id,
                    s.provider_name, s.channel, s.maidan_opened, s.sub_provider_account_id, s.keys_set, s.synced_at
             FROM v LEFT JOIN (
               SELECT s.*, p.out_mch_id, p.name AS provider_name
               FROM (SELECT * FROM sub_merchants s",
        );
        Self::push_conditions(&mut query, account_id, filter);
        if session.is_some() {
            query.push(" AND (SELECT v.last_seen FROM v) IS NOT NULL");
        }
        let offset = i64::from(page.saturating_sub(1)) * i64::from(page_size);
        query.push(" ORDER BY s.provider_id, s.merchant_id");
        if searching {
            query
                .push(" LIMIT ")
                .push_bind(i64::from(page_size))
                .push(" OFFSET ")
                .push_bind(offset);
        } else {
            // Integers of our own making, not text from the request.
            query.push(format_args!(" LIMIT {page_size} OFFSET {offset}"));
        }
        query.push(
            ") s JOIN providers p ON p.provider_id = s.provider_id
             ) s ON TRUE
             ORDER BY s.provider_id, s.merchant_id",
        );
        let pool = if searching {
            self.pool()
        } else {
            &self.generic_plans
        };
        let rows = query.build().persistent(!searching).fetch_all(pool).await?;
        let (version, last_seen): (i64, Option<i64>) = match rows.first() {
            Some(row) => (row.try_get("version")?, row.try_get("last_seen")?),
            None => (0, None),
        };
        if let Some((check, _)) = session {
            let Some(last_seen) = last_seen else {
                return Ok(None);
            };
            self.seen(check.token_hash, last_seen, check.now_ms).await?;
        }
        // An empty page is the version's row alone, its sub-merchant columns NULL.
        let items = rows
            .iter()
            .filter_map(|row| match row.try_get::<Option<i64>, _>("id") {
                Ok(None) => None,
                Ok(Some(_)) => Some(sub_merchant_from_row(row)),
                Err(e) => Some(Err(e.into())),
            })
            .collect::<Result<Vec<_>>>()?;
        let key = CountKey {
            account_id: account_id.to_owned(),
            provider_id: filter.provider_id.map(str::to_owned),
            channel: filter.channel.map(WechatChannel::as_str),
            search: filter.search.map(str::to_owned),
        };
        // Counted at the version the page was read at. A sub-provider's view is small and
        // follows another account's version: counted each time.
        let count = || async {
            let mut count = sqlx::QueryBuilder::new("SELECT COUNT(*) FROM sub_merchants s");
            Self::push_conditions(&mut count, account_id, filter);
            let total: i64 = count
                .build_query_scalar()
                .persistent(!searching)
                .fetch_one(pool)
                .await?;
            Ok::<_, StoreError>(u64::try_from(total).unwrap_or_default())
        };
        let total = if filter.assigned_to.is_some() {
            count().await?
        } else {
            self.counts.get_or_count(key, version, count).await?
        };
        Ok(Some(Page { items, total }))
    }

    /// Whether the list is scoped by the row's own account: for a text search with a trigram,
    /// which reads the trigram matches once, scoped by the row's own account (the account of
    /// its provider, which never changes): through the providers, the planner ran the whole
    /// match once per provider. A search too short for a trigram is the list's own walk in
    /// order, each row checked.
    fn scoped_by_row(filter: &SubMerchantFilter<'_>) -> bool {
        filter.search.is_some_and(has_trigram)
    }

    /// ` AND …` for a text search: a case-insensitive substring of the name or the merchant
    /// ID, served by the trigram indexes.
    fn push_search<'a>(query: &mut sqlx::QueryBuilder<'a, sqlx::Postgres>, search: &'a str) {
        // Nothing to fold (digits, Chinese): LIKE, which checks each candidate row of the
        // trigram index about twice as fast as ILIKE.
        let like = if has_case(search) {
            " ILIKE "
        } else {
            " LIKE "
        };
        let pattern = format!("%{}%", escape_like(search));
        query
            .push(" AND (s.name")
            .push(like)
            .push_bind(pattern.clone())
            .push(" OR s.merchant_id")
            .push(like)
            .push_bind(pattern)
            .push(")");
    }
}

/// Whether `search` has a trigram for the `pg_trgm` indexes to look up: a run of three letters
/// or digits. A shorter search ("苏", "12") can only be checked row by row, whatever its
/// text: its statement is the same plan each time, prepared once; one with a trigram is
/// planned for its own pattern (how many rows it matches decides between the trigram index
/// and a walk in order).
fn has_trigram(search: &str) -> bool {
    search
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| word.chars().nth(2).is_some())
}

/// Whether `text` holds a letter with another case: "cafe" must also find "Cafe", while
/// "苏州 0042" has nothing to fold.
fn has_case(text: &str) -> bool {
    text.chars()
        .any(|c| c.to_lowercase().ne(std::iter::once(c)) || c.to_uppercase().ne(std::iter::once(c)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_letters_with_another_case_need_folding() {
        for folded in ["cafe", "CAFE", "0042a", "Ärzte", "σ"] {
            assert!(super::has_case(folded), "{folded}");
        }
        for plain in ["0042", "苏州", "西安·鹿角火锅 0137", "", "1600-00_%"] {
            assert!(!super::has_case(plain), "{plain}");
        }
    }

    #[test]
    fn a_trigram_is_three_letters_or_digits_in_a_row() {
        for indexed in ["苏州好", "004", "西安·鹿角火锅", "a cafe", "1600-00_%"] {
            assert!(super::has_trigram(indexed), "{indexed}");
        }
        for walked in ["苏", "苏州", "12", "a b", "ab-cd", "", "%_"] {
            assert!(!super::has_trigram(walked), "{walked}");
        }
    }
}
