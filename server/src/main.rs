//! `cloud-pay-console`: the API server and the console's static files in one process.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use clap::Parser;
use server::{
    AppState, Config, Settings,
    clock::{Clock, SystemClock},
    seed, store,
    upstream::{Sandbox, SandboxConfig},
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let config = Config::parse();

    let store = store::connect(&config.database_url)
        .await
        .with_context(|| format!("opening the database {}", config.database_url))?;
    let sandbox = Sandbox::new(SandboxConfig {
        seed: config.sandbox_seed,
        sub_merchants: config.sandbox_sub_merchants,
        latency: Duration::from_millis(config.sandbox_latency_ms),
        fault_rate: config.sandbox_fault_rate,
        transactions_per_sub_merchant: config.sandbox_transactions_per_sub_merchant,
    });
    seed::demo_accounts(store.as_ref())
        .await
        .map_err(|e| anyhow::anyhow!("seeding the demo accounts: {e}"))?;
    seed::demo_bindings(store.as_ref(), &sandbox, SystemClock.now_ms())
        .await
        .map_err(|e| anyhow::anyhow!("seeding the demo bindings: {e}"))?;
    if !config.dist.join("index.html").is_file() {
        tracing::warn!(dist = %config.dist.display(), "no built console here; run `cargo xtask run`");
    }
    let vault = server::vault::Vault::open(config.secret_key.as_deref(), &config.secret_key_file)
        .context("opening the secret key")?;
    let state = AppState {
        vault: Arc::new(vault),
        store,
        upstream: Arc::new(sandbox),
        clock: Arc::new(SystemClock),
        settings: Arc::new(Settings {
            dist: Some(config.dist.clone()),
            public_origin: config.public_origin.clone(),
            ticket_ttl: Duration::from_secs(config.provider_sync_ticket_ttl_s),
            sync_cooldown: Duration::from_secs(config.sub_merchant_sync_cooldown_s),
            job_lease: Duration::from_secs(config.job_lease_s),
            sync_page_size: config.sub_merchant_sync_page_size,
            ..Settings::default()
        }),
    };

    server::jobs::spawn_worker(state.clone());
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("listening on {}", config.addr))?;
    let addr = listener.local_addr()?;
    print_banner(&addr.to_string());
    let app = server::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
}

fn print_banner(addr: &str) {
    println!();
    println!("  Cloud Pay Console (沙箱 sandbox upstream) is running:");
    println!("    http://{addr}/");
    println!();
    println!("  Demo logins (password: {}):", seed::DEMO_PASSWORD);
    for (id, name, role) in seed::DEMO_ACCOUNTS {
        println!("    {id}  {name}  ({role:?})");
    }
    println!();
    println!(
        "  Sandbox WeChat users: o_sandbox_admin_1 (admin of 3 providers), o_sandbox_admin_2 (admin of 1), o_sandbox_staff_1 (not an admin)"
    );
    println!("  Press Ctrl-C to stop.");
    println!();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
