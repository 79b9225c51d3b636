//! 操作记录: the audit events of an account and of one object.

use async_trait::async_trait;
use domain::api::AuditEvent;

use super::Result;

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// The account's audit events, newest first, a page at a time; and the total.
    async fn audit_events(
        &self,
        account_id: &str,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<AuditEvent>, u64)>;

    /// The newest audit events of one target of the account.
    async fn audit_events_of(
        &self,
        account_id: &str,
        target: &str,
        limit: u32,
    ) -> Result<Vec<AuditEvent>>;
}
