//! An account's providers (服务商): the list, a provider sync, each provider's configuration.

use async_trait::async_trait;
use domain::api::{ProviderSummary, ProviderSyncResult, SyncedProvider};

use super::{Change, NewAuditEvent, Page, Result};

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
#[derive(Debug, Clone)]
pub struct ProviderRow {
    pub provider_id: String,
    pub out_mch_id: String,
    pub synced_name: String,
    pub synced_at_ms: i64,
    pub basic_info: Option<String>,
    pub wechat_pay: Option<String>,
    pub alipay: Option<String>,
}

#[async_trait]
pub trait ProviderStore: Send + Sync {
    /// The account's providers whose name or ID contains `search`, by name; and the total.
    async fn list_providers(
        &self,
        account_id: &str,
        search: Option<&str>,
        page: u32,
        page_size: u32,
    ) -> Result<Page<ProviderSummary>>;

    /// Brings `audit`'s account's providers up to date with `upstream` in one transaction,
    /// and records `audit` naming the providers synced (when any was). A provider bound to
    /// another account is skipped, never moved.
    async fn sync_providers(
        &self,
        upstream: &[SyncedProvider],
        audit: &NewAuditEvent,
    ) -> Result<ProviderSyncResult>;

    /// 解绑: removes the account's provider with everything synced under it (its
    /// sub-merchants, their keys and transactions) and records `audit`, in one transaction.
    /// A later provider sync may bind it again, into this account or another. `NotFound` when
    /// the provider is not the account's.
    async fn unbind_provider(&self, provider_id: &str, audit: &NewAuditEvent) -> Result<Change>;

    /// The account's provider with its configuration; `None` for another account's.
    async fn provider(&self, account_id: &str, provider_id: &str) -> Result<Option<ProviderRow>>;

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
    ) -> Result<Change>;

    /// The account's provider IDs, in order.
    async fn provider_ids(&self, account_id: &str) -> Result<Vec<String>>;
}
