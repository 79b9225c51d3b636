//! 操作记录: the audit events of an account and of one object.

use async_trait::async_trait;
use domain::api::{AuditAction, AuditEvent};

use super::{Page, Result};

/// An audit event to write with the change it records.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub account_id: String,
    pub actor: String,
    pub action: AuditAction,
    pub target: String,
    pub fields: Vec<String>,
    pub at_ms: i64,
    /// The request that made the change, when one did: a job it queues keeps it, so that the
    /// job's log lines name the request.
    pub request_id: Option<String>,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// The account's audit events, newest first, a page at a time; and the total.
    async fn audit_events(
        &self,
        account_id: &str,
        page: u32,
        page_size: u32,
    ) -> Result<Page<AuditEvent>>;

    /// The newest audit events of one target of the account.
    async fn audit_events_of(
        &self,
        account_id: &str,
        target: &str,
        limit: u32,
    ) -> Result<Vec<AuditEvent>>;
}
