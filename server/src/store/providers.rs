//! An account's providers (服务商): the list, a provider sync, each provider's configuration.

use domain::api::{
    ProviderSummary, ProviderSyncResult, SkipReason, SkippedProvider, SyncedProvider,
};
use sqlx::Row;

use super::{
    Change, NewAuditEvent, Page, Result,
    dialect::{Dialect, area},
    sql::{BindAll, escape_like, synced_provider_ids},
};
use crate::clock::rfc3339;

/// A section of a provider's configuration, stored as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderSection {
    Basic,
    WechatPay,
    Alipay,
}

impl ProviderSection {
    pub(crate) fn column(self) -> &'static str {
        match self {
            ProviderSection::Basic => "basic_info",
            ProviderSection::WechatPay => "wechat_pay",
            ProviderSection::Alipay => "alipay",
        }
    }

    /// The list's "configured?" column this section drives, if any.
    pub(crate) fn configured_column(self) -> Option<&'static str> {
        match self {
            ProviderSection::Basic => None,
            ProviderSection::WechatPay => Some("wechat_pay_configured"),
            ProviderSection::Alipay => Some("alipay_configured"),
        }
    }
}

/// A provider of an account, with its configuration sections as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProviderRow {
    pub provider_id: String,
    pub out_mch_id: String,
    #[sqlx(rename = "name")]
    pub synced_name: String,
    #[sqlx(rename = "synced_at")]
    pub synced_at_ms: i64,
    pub basic_info: Option<String>,
    pub wechat_pay: Option<String>,
    pub alipay: Option<String>,
}

area! {
    pub trait ProviderStore {
        /// The account's providers whose name or ID contains `search`, by name; and the total.
        async fn list_providers(
            &self,
            account_id: &str,
            search: Option<&str>,
            page: u32,
            page_size: u32,
        ) -> Result<Page<ProviderSummary>> {
            let pattern = search.map(|q| format!("%{}%", escape_like(q)));
            let like = Self::LIKE_FOLDED;
            let filter = format!(
                "account_id = $1 AND (CAST($2 AS TEXT) IS NULL
                 OR name {like} $2 ESCAPE '\\' OR provider_id {like} $2 ESCAPE '\\')"
            );
            let total: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM providers WHERE {filter}"))
                    .binds((account_id, &pattern))
                    .fetch_one(self.pool())
                    .await?;
            let rows = sqlx::query(&format!(
                "SELECT provider_id, out_mch_id, name, wechat_pay_configured, alipay_configured, synced_at,
                        sub_merchants_synced_at
                 FROM providers WHERE {filter} ORDER BY name, provider_id LIMIT $3 OFFSET $4"
            ))
            .binds((account_id, &pattern, i64::from(page_size)))
            .bind(i64::from(page.saturating_sub(1)) * i64::from(page_size))
            .fetch_all(self.pool())
            .await?;
            let items = rows
                .iter()
                .map(|row| {
                    Ok(ProviderSummary {
                        provider_id: row.try_get("provider_id")?,
                        out_mch_id: row.try_get("out_mch_id")?,
                        name: row.try_get("name")?,
                        wechat_pay_configured: row.try_get("wechat_pay_configured")?,
                        alipay_configured: row.try_get("alipay_configured")?,
                        synced_at: rfc3339(row.try_get("synced_at")?),
                        sub_merchants_synced_at: row
                            .try_get::<Option<i64>, _>("sub_merchants_synced_at")?
                            .map(rfc3339),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Page {
                items,
                total: u64::try_from(total).unwrap_or_default(),
            })
        }

        /// Brings `audit`'s account's providers up to date with `upstream` in one transaction,
        /// and records `audit` naming the providers synced (when any was). A provider bound to
        /// another account is skipped, never moved.
        async fn sync_providers(
            &self,
            upstream: &[SyncedProvider],
            audit: &NewAuditEvent,
        ) -> Result<ProviderSyncResult> {
            let (account_id, now_ms) = (audit.account_id.as_str(), audit.at_ms);
            // IMMEDIATE: take the write lock up front, so concurrent syncs queue instead of failing
            // to upgrade a read lock.
            let mut tx = self.write_tx("provider-sync").await?;
            let mut result = ProviderSyncResult::default();
            let insert = format!(
                "INSERT INTO providers (provider_id, account_id, name, synced_at, created_at, out_mch_id)
                 VALUES ($1, $2, $3, $4, $5, 'sp' || {})",
                Self::RANDOM_HEX_18
            );
            for provider in upstream {
                let existing: Option<(String, String)> =
                    sqlx::query_as("SELECT account_id, name FROM providers WHERE provider_id = $1")
                        .bind(&provider.provider_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                match existing {
                    None => {
                        sqlx::query(&insert)
                        .binds((&provider.provider_id, account_id, &provider.name, now_ms))
                        .bind(now_ms)
                        .execute(&mut *tx)
                        .await?;
                        result.new.push(provider.clone());
                    }
                    Some((owner, _)) if owner != account_id => {
                        result.skipped.push(SkippedProvider {
                            provider_id: provider.provider_id.clone(),
                            name: provider.name.clone(),
                            reason: SkipReason::BoundToAnotherAccount,
                        });
                    }
                    Some((_, name)) => {
                        sqlx::query(
                            "UPDATE providers SET name = $1, synced_at = $2 WHERE provider_id = $3",
                        )
                        .binds((&provider.name, now_ms, &provider.provider_id))
                        .execute(&mut *tx)
                        .await?;
                        if name == provider.name {
                            result.unchanged.push(provider.clone());
                        } else {
                            result.updated.push(provider.clone());
                        }
                    }
                }
            }
            let synced = synced_provider_ids(&result);
            if !synced.is_empty() {
                Self::insert_audit(&mut tx, &audit.clone().with_fields(synced)).await?;
            }
            tx.commit().await?;
            Ok(result)
        }

        /// 解绑: removes the account's provider with everything synced under it (its
        /// sub-merchants, their keys and transactions) and records `audit`, in one transaction.
        /// A later provider sync may bind it again, into this account or another. `NotFound` when
        /// the provider is not the account's.
        async fn unbind_provider(&self, provider_id: &str, audit: &NewAuditEvent) -> Result<Change> {
            let account_id = audit.account_id.as_str();
            let mut tx = self.write_tx("provider-sync").await?;
            let owned =
                sqlx::query("SELECT 1 FROM providers WHERE provider_id = $1 AND account_id = $2")
                    .binds((provider_id, account_id))
                    .fetch_optional(&mut *tx)
                    .await?;
            if owned.is_none() {
                return Ok(Change::NotFound);
            }
            // Children first: transactions and keys hang off the sub-merchants, which hang off
            // the provider.
            for statement in [
                "DELETE FROM transaction_attributions WHERE transaction_id IN
                   (SELECT t.id FROM transactions t JOIN sub_merchants s ON s.id = t.sub_merchant_id
                    WHERE s.provider_id = $1)",
                "DELETE FROM transactions WHERE sub_merchant_id IN
                   (SELECT id FROM sub_merchants WHERE provider_id = $1)",
                "DELETE FROM sub_merchant_keys WHERE sub_merchant_id IN
                   (SELECT id FROM sub_merchants WHERE provider_id = $1)",
                "DELETE FROM sub_merchants WHERE provider_id = $1",
                "DELETE FROM providers WHERE provider_id = $1",
            ] {
                sqlx::query(statement)
                    .bind(provider_id)
                    .execute(&mut *tx)
                    .await?;
            }
            Self::bump_version(&mut tx, account_id).await?;
            Self::commit_change(tx, 1, audit).await
        }

        /// The account's provider with its configuration; `None` for another account's.
        async fn provider(&self, account_id: &str, provider_id: &str) -> Result<Option<ProviderRow>> {
            Ok(sqlx::query_as(
                "SELECT provider_id, out_mch_id, name, synced_at, basic_info, wechat_pay, alipay
                 FROM providers WHERE provider_id = $1 AND account_id = $2",
            )
            .binds((provider_id, account_id))
            .fetch_optional(self.pool())
            .await?)
        }

        /// Replaces one configuration section and records the audit event, in one transaction.
        /// `NotFound` when the provider is not the account's.
        async fn save_provider_section(
            &self,
            account_id: &str,
            provider_id: &str,
            section: ProviderSection,
            json: &str,
            configured: bool,
            audit: &NewAuditEvent,
        ) -> Result<Change> {
            let mut tx = self.write_tx(&format!("account:{account_id}")).await?;
            let column = section.column();
            let flag = section.configured_column();
            let sql = match flag {
                Some(flag) => format!(
                    "UPDATE providers SET {column} = $1, {flag} = $2 WHERE provider_id = $3 AND account_id = $4"
                ),
                None => format!(
                    "UPDATE providers SET {column} = $1 WHERE provider_id = $2 AND account_id = $3"
                ),
            };
            let mut update = sqlx::query(&sql).bind(json);
            if flag.is_some() {
                update = update.bind(configured);
            }
            let done = update
                .binds((provider_id, account_id))
                .execute(&mut *tx)
                .await?;
            Self::commit_change(tx, done.rows_affected(), audit).await
        }

        /// The account's provider IDs, in order.
        async fn provider_ids(&self, account_id: &str) -> Result<Vec<String>> {
            Ok(sqlx::query_scalar(
                "SELECT provider_id FROM providers WHERE account_id = $1 ORDER BY provider_id",
            )
            .bind(account_id)
            .fetch_all(self.pool())
            .await?)
        }
    }
}
