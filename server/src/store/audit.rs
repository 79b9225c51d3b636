//! 操作记录: the audit events of an account and of one object, read the same way on both
//! backends.

use domain::api::{AuditAction, AuditEvent};

use super::{
    Page, Result,
    dialect::area,
    sql::{BindAll, audit_from_row},
};

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

const COUNT: &str = "SELECT COUNT(*) FROM audit_events WHERE account_id = $1";
const PAGE: &str = "SELECT actor, action, target, fields, at FROM audit_events
                    WHERE account_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3";
const OF_TARGET: &str = "SELECT actor, action, target, fields, at FROM audit_events
                         WHERE account_id = $1 AND target = $2 ORDER BY id DESC LIMIT $3";

area! {
    pub trait AuditStore {
        /// The account's audit events, newest first, a page at a time; and the total.
        async fn audit_events(
            &self,
            account_id: &str,
            page: u32,
            page_size: u32,
        ) -> Result<Page<AuditEvent>> {
            let total: i64 = sqlx::query_scalar(COUNT)
                .bind(account_id)
                .fetch_one(self.pool())
                .await?;
            let rows = sqlx::query(PAGE)
                .binds((account_id, i64::from(page_size)))
                .bind(i64::from(page.saturating_sub(1)) * i64::from(page_size))
                .fetch_all(self.pool())
                .await?;
            let events = rows
                .iter()
                .map(audit_from_row)
                .collect::<Result<Vec<_>>>()?;
            Ok(Page {
                items: events,
                total: u64::try_from(total).unwrap_or_default(),
            })
        }

        /// The newest audit events of one target of the account.
        async fn audit_events_of(
            &self,
            account_id: &str,
            target: &str,
            limit: u32,
        ) -> Result<Vec<AuditEvent>> {
            let rows = sqlx::query(OF_TARGET)
                .binds((account_id, target, i64::from(limit)))
                .fetch_all(self.pool())
                .await?;
            rows.iter().map(audit_from_row).collect()
        }
    }
}
