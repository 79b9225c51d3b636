//! `cargo xtask bench`: sync 100,000 sub-merchants from the sandbox (no injected latency) and,
//! in the same process, a baseline that inserts the same rows into a fresh SQLite database with
//! plain batched INSERTs. Prints wall time, rows/s and the ratio.

use std::{sync::Arc, time::Instant};

use domain::api::{JobKind, SyncedProvider};
use server::{
    AppState, Settings,
    clock::SystemClock,
    jobs, seed,
    store::{SqliteStore, Store},
    upstream::{MaidanUpstream, Sandbox, SandboxConfig},
    vault::Vault,
};

const SUB_MERCHANTS: u64 = 100_000;
const ACCOUNT: &str = "100000000001";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sandbox = Arc::new(Sandbox::new(SandboxConfig {
        sub_merchants: SUB_MERCHANTS,
        ..SandboxConfig::default()
    }));

    // The same rows, generated up front for the baseline.
    let mut rows = Vec::new();
    for provider in sandbox.providers() {
        let mut cursor = Some(0);
        while let Some(at) = cursor {
            let page = sandbox
                .sub_merchants(&provider.provider_id, at, 500)
                .await?;
            rows.extend(page.items);
            cursor = page.next_cursor;
        }
    }
    assert_eq!(rows.len() as u64, SUB_MERCHANTS);

    // Baseline: plain batched INSERTs into a fresh database (same pragmas as the store).
    let baseline_url = format!("sqlite://{}", dir.path().join("baseline.db").display());
    let baseline = SqliteStore::open(&baseline_url).await?;
    let pool = baseline.pool();
    sqlx::query(
        "CREATE TABLE plain (provider_id TEXT, merchant_id TEXT, name TEXT, opened INTEGER)",
    )
    .execute(pool)
    .await?;
    let started = Instant::now();
    for chunk in rows.chunks(500) {
        let mut tx = pool.begin().await?;
        let mut insert =
            sqlx::QueryBuilder::new("INSERT INTO plain (provider_id, merchant_id, name, opened) ");
        insert.push_values(chunk, |mut b, r| {
            b.push_bind(&r.provider_id)
                .push_bind(&r.merchant_id)
                .push_bind(&r.name)
                .push_bind(r.maidan_opened);
        });
        insert.build().execute(&mut *tx).await?;
        tx.commit().await?;
    }
    let baseline_s = started.elapsed().as_secs_f64();

    // The console's durable job, end to end through the store and the sandbox.
    let url = format!("sqlite://{}", dir.path().join("console.db").display());
    let store = Arc::new(SqliteStore::open(&url).await?);
    seed::demo_accounts(store.as_ref())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let providers: Vec<SyncedProvider> = sandbox
        .providers()
        .into_iter()
        .map(|p| SyncedProvider {
            provider_id: p.provider_id,
            name: p.name,
        })
        .collect();
    store.sync_providers(ACCOUNT, &providers, 0).await?;
    let state = AppState {
        store: store.clone() as Arc<dyn Store>,
        upstream: sandbox.clone() as Arc<dyn MaidanUpstream>,
        clock: Arc::new(SystemClock),
        settings: Arc::new(Settings::default()),
        vault: Arc::new(Vault::random()?),
    };
    store
        .start_job("job_bench", ACCOUNT, JobKind::SubMerchantSync, 0)
        .await?;
    let started = Instant::now();
    while jobs::run_next(&state, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    {}
    let sync_s = started.elapsed().as_secs_f64();
    let (_, total) = store
        .list_sub_merchants(ACCOUNT, &Default::default(), 1, 1)
        .await?;
    assert_eq!(total, SUB_MERCHANTS);

    let n = SUB_MERCHANTS as f64;
    println!("sub-merchant sync of {SUB_MERCHANTS} rows (sandbox, no latency):");
    println!(
        "  console job      {sync_s:>7.2} s  {:>9.0} rows/s",
        n / sync_s
    );
    println!(
        "  plain INSERTs    {baseline_s:>7.2} s  {:>9.0} rows/s",
        n / baseline_s
    );
    println!(
        "  ratio            {:>7.2} x baseline (target <= 3x, and <= 5 s)",
        sync_s / baseline_s
    );
    Ok(())
}
