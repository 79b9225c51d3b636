//! 操作记录: the audit events of an account and of one object. SQLite.

use async_trait::async_trait;
use domain::api::AuditEvent;

use super::{SqliteStore, audit_from_row};
use crate::store::{AuditStore, Page, Result};

#[async_trait]
impl AuditStore for SqliteStore {
    async fn audit_events(
        &self,
        account_id: &str,
        page: u32,
        page_size: u32,
    ) -> Result<Page<AuditEvent>> {
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE account_id = ?")
                .bind(account_id)
                .fetch_one(&self.pool)
                .await?;
        let rows = sqlx::query(
            "SELECT actor, action, target, fields, at FROM audit_events
             WHERE account_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
        )
        .bind(account_id)
        .bind(i64::from(page_size))
        .bind(i64::from(page.saturating_sub(1)) * i64::from(page_size))
        .fetch_all(&self.pool)
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

    async fn audit_events_of(
        &self,
        account_id: &str,
        target: &str,
        limit: u32,
    ) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT actor, action, target, fields, at FROM audit_events
             WHERE account_id = ? AND target = ? ORDER BY id DESC LIMIT ?",
        )
        .bind(account_id)
        .bind(target)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }
}
