//! The schema's version: what a start or `cloud-pay-console migrate` applies, and what it
//! refuses. A database that has a migration this binary does not know is ahead of it (a newer
//! release migrated it): nothing runs on it, and the refusal says so.

use sqlx::migrate::{Migrate, Migrator};

use super::{Result, StoreError};

/// Where a database's schema stands against this binary's migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaVersion {
    /// The newest migration applied before (0 for a new database).
    pub before: i64,
    /// The newest migration this binary has.
    pub latest: i64,
    /// How many migrations were applied now.
    pub applied: usize,
    /// How many are still to apply (when asked not to).
    pub pending: usize,
}

/// Reads the applied migrations and, if `apply`, applies the missing ones.
pub(crate) async fn bring_up_to_date<DB>(
    pool: &sqlx::Pool<DB>,
    migrator: &Migrator,
    apply: bool,
) -> Result<SchemaVersion>
where
    DB: sqlx::Database,
    DB::Connection: Migrate,
{
    let latest = migrator.iter().map(|m| m.version).max().unwrap_or(0);
    let applied = {
        let mut conn = pool.acquire().await?;
        conn.ensure_migrations_table().await?;
        conn.list_applied_migrations().await?
    };
    let before = applied.iter().map(|m| m.version).max().unwrap_or(0);
    if let Some(unknown) = applied
        .iter()
        .map(|m| m.version)
        .filter(|v| !migrator.iter().any(|m| m.version == *v))
        .max()
    {
        return Err(StoreError::Ahead {
            database: unknown,
            binary: latest,
        });
    }
    let pending = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .filter(|m| !applied.iter().any(|a| a.version == m.version))
        .count();
    if !apply {
        return Ok(SchemaVersion {
            before,
            latest,
            applied: 0,
            pending,
        });
    }
    if pending > 0 {
        migrator.run(pool).await?;
    }
    Ok(SchemaVersion {
        before,
        latest,
        applied: pending,
        pending: 0,
    })
}
