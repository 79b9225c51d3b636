//! An account's sub-merchants (子商户): the filtered list, one sub-merchant, its channel and Maidan
//! state. SQLite.

use async_trait::async_trait;
use domain::api::{SubMerchantSummary, WechatChannel};
use sqlx::Row;

use super::{
    CountKey, SqliteStore, bump_version, insert_audit, push_sub_merchant_conditions,
    sub_merchant_from_row,
};
use crate::store::{
    Change, InSession, NewAuditEvent, Page, Result, SessionCheck, StoreError, SubMerchantFilter,
    SubMerchantRecord, SubMerchantStore, Viewer,
};

#[async_trait]
impl SubMerchantStore for SqliteStore {
    async fn sub_merchant(&self, viewer: Viewer<'_>, id: i64) -> Result<Option<SubMerchantRecord>> {
        let (scope, who) = match viewer {
            Viewer::Provider(account) => ("p.account_id = ?", account),
            Viewer::SubProvider(account) => ("s.sub_provider_account_id = ?", account),
        };
        let row = sqlx::query(&format!(
            "SELECT s.id, s.out_sub_mch_id, p.out_mch_id, s.merchant_id, s.name, s.provider_id, p.name AS provider_name, s.channel,
                    s.maidan_opened, s.sub_provider_account_id, s.keys_set, s.synced_at
             FROM sub_merchants s JOIN providers p ON p.provider_id = s.provider_id
             WHERE s.id = ? AND {scope}"
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query(
            "UPDATE sub_merchants SET channel = ?, maidan_opened = ?
             WHERE id = ? AND provider_id IN (SELECT provider_id FROM providers WHERE account_id = ?)",
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
            sqlx::query_scalar("SELECT basic_info FROM sub_merchants WHERE id = ?")
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query(
            "UPDATE sub_merchants SET basic_info = ?
             WHERE id = ? AND provider_id IN (SELECT provider_id FROM providers WHERE account_id = ?)",
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let accounts: Vec<String> = sqlx::query_scalar(
            "UPDATE sub_merchants SET maidan_opened = 1
             WHERE merchant_id = ? AND maidan_opened = 0 RETURNING account_id",
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
        sqlx::query("PRAGMA optimize").execute(&self.pool).await?;
        Ok(())
    }

    async fn list_sub_merchants(
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
        .fetch_one(&self.pool)
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
            push_sub_merchant_conditions(&mut count, account_id, filter);
            let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
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
        push_sub_merchant_conditions(&mut query, account_id, filter);
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
            Ok(query.build().fetch_all(&self.pool).await?)
        })?;
        let items = rows
            .iter()
            .map(sub_merchant_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total })
    }

    async fn list_sub_merchants_in_session(
        &self,
        session: SessionCheck<'_>,
        filter: &SubMerchantFilter<'_>,
        page: u32,
        page_size: u32,
    ) -> Result<InSession<Page<SubMerchantSummary>>> {
        // In the same process as its database, a lookup of its own costs no round trip.
        crate::store::sub_merchants::list_after_lookup(self, session, filter, page, page_size).await
    }
}
