//! PostgreSQL, for several API replicas on one database: its schema
//! (`server/migrations/postgres/`), brought up to date at start.

use sqlx::postgres::{PgPool, PgPoolOptions};

use super::Result;

/// Connects to a `postgres://` URL and brings its schema up to date.
pub async fn migrated_pool(url: &str) -> Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .connect(url)
        .await?;
    sqlx::migrate!("./migrations/postgres").run(&pool).await?;
    Ok(pool)
}
