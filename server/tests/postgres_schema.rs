//! The PostgreSQL schema holds what the SQLite one holds: the same tables, the same columns,
//! the same required columns. `cargo xtask test` runs this against a throwaway PostgreSQL
//! (`TEST_POSTGRES_URL`).

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

use std::collections::BTreeSet;

use server::store::SqliteStore;
use sqlx::{Connection, Row};

/// `(table, column, required)` of every table the console keeps.
type Columns = BTreeSet<(String, String, bool)>;

async fn sqlite_columns() -> Columns {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&format!("sqlite://{}", dir.path().join("c.db").display()))
        .await
        .unwrap();
    let pool = store.pool();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
           AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx_%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut columns = Columns::new();
    for table in tables {
        for row in sqlx::query(&format!("PRAGMA table_info({table})"))
            .fetch_all(pool)
            .await
            .unwrap()
        {
            let name: String = row.get("name");
            let required = row.get::<i64, _>("notnull") == 1 || row.get::<i64, _>("pk") > 0;
            columns.insert((table.clone(), name, required));
        }
    }
    columns
}

async fn postgres_columns(url: &str) -> Columns {
    // A database of this test's own, so that a rerun starts from an empty schema.
    let database = format!("schema_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {database}"))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    let store = server::store::PgStore::open(&format!("{base}/{database}"))
        .await
        .unwrap();
    let pool = store.pool();
    let rows = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, is_nullable::text AS n
           FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx\\_%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    pool.close().await;
    sqlx::query(&format!("DROP DATABASE {database}"))
        .execute(&mut admin)
        .await
        .unwrap();
    rows.iter()
        .map(|r| (r.get("t"), r.get("c"), r.get::<String, _>("n") == "NO"))
        .collect()
}

#[tokio::test]
async fn the_postgres_schema_has_every_table_and_column_of_the_sqlite_one() {
    let Ok(url) = std::env::var("TEST_POSTGRES_URL") else {
        eprintln!("skipped: TEST_POSTGRES_URL is not set (cargo xtask test sets it)");
        return;
    };
    let (sqlite, postgres) = (sqlite_columns().await, postgres_columns(&url).await);
    let missing: Vec<_> = sqlite.difference(&postgres).collect();
    let extra: Vec<_> = postgres.difference(&sqlite).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "only in SQLite: {missing:#?}\nonly in PostgreSQL: {extra:#?}"
    );
    assert!(sqlite.len() > 100, "{} columns compared", sqlite.len());
}
