//! The PostgreSQL schema holds what the SQLite one holds: the same tables, the same columns,
//! the same required columns; and a replica reaches PostgreSQL over TLS, verified. `cargo
//! xtask test` runs this against a throwaway PostgreSQL (`TEST_POSTGRES_URL`; the same cluster
//! over TLS, with its CA, in `TEST_POSTGRES_TLS_URL`, and a CA that did not sign it in
//! `TEST_POSTGRES_OTHER_CA`).

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

/// `TEST_POSTGRES_TLS_URL` (`…?sslmode=verify-full&sslrootcert=CA`), or `None` to skip.
fn tls_url() -> Option<url::Url> {
    let Ok(url) = std::env::var("TEST_POSTGRES_TLS_URL") else {
        eprintln!("skipped: TEST_POSTGRES_TLS_URL is not set (cargo xtask test sets it)");
        return None;
    };
    Some(url::Url::parse(&url).unwrap())
}

/// `url` with its `sslrootcert` replaced by `root` (or removed).
fn with_root_cert(url: &url::Url, root: Option<&str>) -> String {
    let mut url = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| name != "sslrootcert")
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let mut query = url.query_pairs_mut();
    query.clear().extend_pairs(kept);
    if let Some(root) = root {
        query.append_pair("sslrootcert", root);
    }
    drop(query);
    url.into()
}

/// What a managed PostgreSQL asks of its clients: `sslmode=verify-full` with the provider's CA
/// in `sslrootcert`. Every connection the store makes, its migrations' included, is encrypted.
#[tokio::test]
async fn a_replica_connects_to_postgresql_over_tls_with_the_ca_it_is_given() {
    let Some(tls) = tls_url() else { return };
    let database = format!("tls_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(tls.as_str()).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {database}"))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let mut url = tls.clone();
    url.set_path(&format!("/{database}"));
    let store = server::store::PgStore::open(url.as_str()).await.unwrap();
    let pool = store.pool();

    let (ssl, version): (bool, String) =
        sqlx::query_as("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(pool)
            .await
            .unwrap();
    assert!(ssl, "the store's connection is not encrypted");
    assert!(version.starts_with("TLSv1."), "{version}");
    let (connections, plain): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE NOT s.ssl)
           FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
          WHERE a.datname = current_database()",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(
        connections > 0 && plain == 0,
        "{plain} of {connections} connections in plain text"
    );

    pool.close().await;
    sqlx::query(&format!("DROP DATABASE {database}"))
        .execute(&mut admin)
        .await
        .unwrap();
}

/// Given a CA that did not sign the database's certificate, or none (then only the public
/// roots are trusted), a replica does not start: it never talks to a server it cannot verify.
#[tokio::test]
async fn a_replica_refuses_a_postgresql_whose_certificate_its_ca_did_not_sign() {
    let Some(tls) = tls_url() else { return };
    let other_ca = std::env::var("TEST_POSTGRES_OTHER_CA").expect("TEST_POSTGRES_OTHER_CA");
    for (root, url) in [
        ("another CA", with_root_cert(&tls, Some(&other_ca))),
        ("no CA", with_root_cert(&tls, None)),
    ] {
        let started = std::time::Instant::now();
        let Err(refused) = server::store::connect(&url).await else {
            panic!("with {root}, a replica connected to a server it cannot verify");
        };
        let refused = refused.to_string();
        assert!(refused.contains("certificate"), "with {root}: {refused}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "with {root}, the refusal took {:?}",
            started.elapsed()
        );
    }
}
