//! An account's sub-merchants (子商户): the filtered list, one sub-merchant, its channel and Maidan
//! state. PostgreSQL.

use async_trait::async_trait;
use domain::api::{Account, SubMerchantSummary, WechatChannel};
use sqlx::Row;

use super::{
    CountKey, PgStore, bump_version, insert_audit, push_sub_merchant_conditions,
    sub_merchant_from_row, write_tx,
};
use crate::store::{
    Change, InSession, NewAuditEvent, Page, Result, SessionCheck, StoreError, SubMerchantFilter,
    SubMerchantRecord, SubMerchantStore, Viewer,
};

#[async_trait]
impl SubMerchantStore for PgStore {
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
        .fetch_optional(&self.pool)
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
        let mut tx = write_tx(&self.pool, &format!("account:{account_id}")).await?;
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
        bump_version(&mut tx, account_id).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Change::Made)
    }

    async fn sub_merchant_profile(&self, id: i64) -> Result<Option<String>> {
        let json: Option<Option<String>> =
            sqlx::query_scalar("SELECT basic_info FROM sub_merchants WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
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
        let mut tx = write_tx(&self.pool, &format!("account:{account_id}")).await?;
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
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(Change::Made)
    }

    async fn mark_maidan_opened(&self, merchant_id: &str) -> Result<()> {
        let mut tx = write_tx(&self.pool, &format!("merchant:{merchant_id}")).await?;
        let accounts: Vec<String> = sqlx::query_scalar(
            "UPDATE sub_merchants SET maidan_opened = TRUE
             WHERE merchant_id = $1 AND maidan_opened = FALSE RETURNING account_id",
        )
        .bind(merchant_id)
        .fetch_all(&mut *tx)
        .await?;
        for account in accounts {
            bump_version(&mut tx, &account).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn refresh_statistics(&self) -> Result<()> {
        // After a bulk load PostgreSQL wants a VACUUM as well: it marks the new pages all
        // visible (index-only counts) before autovacuum would, rather than in the middle of
        // whatever runs next.
        sqlx::query("VACUUM (ANALYZE) sub_merchants, transactions, transaction_attributions")
            .execute(&self.pool)
            .await?;
        for index in ["sub_merchants_name_trgm", "sub_merchants_merchant_id_trgm"] {
            sqlx::query("SELECT gin_clean_pending_list($1::regclass)")
                .bind(index)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

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

    async fn list_sub_merchants_in_session(
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
}

impl PgStore {
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
        let searching = filter.search.is_some_and(super::has_trigram);
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
        push_sub_merchant_conditions(&mut query, account_id, filter);
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
            &self.pool
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
            push_sub_merchant_conditions(&mut count, account_id, filter);
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
}
