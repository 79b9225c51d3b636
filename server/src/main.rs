//! `cloud-pay-console`: the API server and the console's static files in one process.
//!
//! The composition root: it turns the settings ([`server::config`]) into the running console
//! (sandbox or production wiring, the sealing key's check, listeners; serving and the shutdown
//! order are [`server::http::serve`]) and into each operator command (`sandbox-upstream`,
//! `accounts`, `keys`, `migrate`), each a thin shell over a library module that holds the logic
//! (`accounts`, `sealing`, `store::open`) and decides only what is printed and the exit status.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use clap::Parser;
use server::{
    AppState, Config, Settings,
    clock::{Clock, SystemClock},
    config::{Command, KeysCommand, Production},
    http::serve::{serve_until_stopped, shutdown_signal},
    oauth::{IdentityProviders, OAuthConfig},
    sealing, seed, store,
    upstream::{
        MaidanUpstream, Observed,
        http::{HttpUpstream, HttpUpstreamConfig},
        sandbox_server::{self, SandboxServer},
    },
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `LOG_FORMAT=json`: one JSON object per line, with the request's span (its id, method
    // and route) on every line logged inside a request.
    let logs = tracing_subscriber::fmt().with_env_filter(
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| "info,sqlx=warn".into()),
    );
    if std::env::var("LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .init();
    }
    let config = Config::parse();
    match &config.command {
        Some(Command::SandboxUpstream { addr }) => sandbox_upstream(&config, *addr).await,
        Some(Command::Accounts { action }) => accounts(&config, action.clone()).await,
        Some(Command::Keys { action }) => keys(&config, action.clone()).await,
        Some(Command::Migrate) => migrate(&config).await,
        None if config.sandbox => console(&config, None).await,
        None => match config.production() {
            Ok(production) => console(&config, Some(production)).await,
            Err(missing) => refuse(&missing),
        },
    }
}

/// The database of `DATABASE_URL`, opened as `how` says; a failure is one line with the URL's
/// password masked, exit status 1.
async fn open_store(config: &Config, how: store::Open) -> Arc<dyn store::Store> {
    match store::open(&config.database_url, how).await {
        Ok((store, _)) => store,
        Err(error) => fail_on_database(config, &error),
    }
}

fn fail_on_database(config: &Config, error: &store::StoreError) -> ! {
    eprintln!(
        "cloud-pay-console: opening the database {}: {error}",
        store::redacted_url(&config.database_url)
    );
    std::process::exit(1)
}

/// `cloud-pay-console accounts …`: one line on failure, exit status 2 for bad input, 1 else.
async fn accounts(
    config: &Config,
    action: server::accounts::AccountsCommand,
) -> anyhow::Result<()> {
    let store = open_store(config, store::Open::EXISTING).await;
    let mut out = std::io::stdout();
    match server::accounts::run(store.as_ref(), action, SystemClock.now_ms(), &mut out).await {
        Ok(()) => Ok(()),
        Err(error) => {
            eprintln!("cloud-pay-console accounts: {error}");
            std::process::exit(error.exit_status())
        }
    }
}

/// `cloud-pay-console migrate`: brings an existing database up to this release's schema.
async fn migrate(config: &Config) -> anyhow::Result<()> {
    let url = store::redacted_url(&config.database_url);
    match store::open(&config.database_url, store::Open::MIGRATE).await {
        Ok((_, version)) if version.applied == 0 => {
            println!(
                "{url}: the schema is up to date (migration {})",
                version.latest
            );
            Ok(())
        }
        Ok((_, version)) => {
            println!(
                "{url}: applied {} migration(s), from {} to {}",
                version.applied, version.before, version.latest
            );
            Ok(())
        }
        Err(error) => fail_on_database(config, &error),
    }
}

/// `cloud-pay-console keys init|reseal`.
async fn keys(config: &Config, action: KeysCommand) -> anyhow::Result<()> {
    match action {
        KeysCommand::Init { file } => {
            let path = file.unwrap_or_else(|| config.secret_key_file.clone());
            match server::vault::init_key_file(&path) {
                Ok(id) => {
                    println!(
                        "wrote sealing key {id} to {} (mode 0600); back it up with the database: secrets sealed with a lost key are lost",
                        path.display()
                    );
                    Ok(())
                }
                Err(error) => refuse(&format!("keys init: {error}")),
            }
        }
        KeysCommand::Reseal { batch } => {
            let vault = match config.vault(false) {
                Ok(vault) => vault,
                Err(why) => return refuse(&why),
            };
            let store = open_store(config, store::Open::EXISTING).await;
            // Only a key the database already takes: a rotation happens at a replica's start,
            // so that the replicas seal with the new key before the old one is resealed away.
            let setting = config.secret_key_setting();
            let now = SystemClock.now_ms();
            match sealing::check_key(store.as_ref(), &vault, setting, now, false).await {
                Ok(_) => {}
                Err(sealing::KeyRefusal::Store(error)) => fail_on_database(config, &error),
                Err(refusal) => return refuse(&refusal),
            }
            // Passes until one finds nothing left: what a replica wrote meanwhile under the old
            // key (before it saw the rotation) is caught by the next.
            let key = vault.current().key_id;
            for pass in 1..=3 {
                let mut batches = 0_u64;
                let report = sealing::reseal(store.as_ref(), &vault, batch, |column, so_far| {
                    batches += 1;
                    eprintln!(
                        "  pass {pass}, batch {batches} ({}): {so_far}",
                        column.name()
                    );
                })
                .await;
                let report = match report {
                    Ok(report) => report,
                    Err(error) => fail_on_database(config, &error),
                };
                println!("keys reseal with key {key}, pass {pass}: {report}");
                if !report.unopenable.is_empty() {
                    std::process::exit(1);
                }
                if report.resealed == 0 && report.changed_meanwhile == 0 {
                    println!(
                        "every secret is sealed with key {key}: CONSOLE_SECRET_KEY_PREVIOUS can go"
                    );
                    return Ok(());
                }
            }
            println!(
                "secrets under an old key are still being written: restart every replica with key {key}, then run keys reseal again"
            );
            std::process::exit(1)
        }
    }
}

/// A setting is missing or unusable: one line naming it, exit status 2.
fn refuse(error: &dyn std::fmt::Display) -> anyhow::Result<()> {
    eprintln!("cloud-pay-console: {error}");
    std::process::exit(2)
}

/// The console: with the in-process sandbox (`production` is `None`), or in production mode
/// against the upstream over HTTP and the real identity providers.
async fn console(config: &Config, production: Option<Production>) -> anyhow::Result<()> {
    let networks = match config.networks(production.is_some()) {
        Ok(networks) => networks,
        Err(invalid) => return refuse(&invalid),
    };
    let store = open_store(config, store::Open::START).await;
    if !config.dist.join("index.html").is_file() {
        if production.is_some() {
            tracing::warn!(
                dist = %config.dist.display(),
                "CONSOLE_DIST has no built console (index.html): this replica serves only the API; point CONSOLE_DIST at the `cargo xtask dist` output"
            );
        } else {
            tracing::warn!(dist = %config.dist.display(), "no built console here; run `cargo xtask run`");
        }
    }
    // The sandbox makes its key on first run; production never does: a new key beside a
    // database sealed with another would leave secrets that cannot be opened.
    let vault = match config.vault(production.is_none()) {
        Ok(vault) => vault,
        Err(why) => return refuse(&why),
    };
    let setting = config.secret_key_setting();
    match sealing::check_key(store.as_ref(), &vault, setting, SystemClock.now_ms(), true).await {
        Ok(sealing::KeyStatus::Rotated { from }) => tracing::warn!(
            key = %vault.current().key_id,
            replaced = %from,
            "the sealing key was rotated: run `cloud-pay-console keys reseal`, then drop CONSOLE_SECRET_KEY_PREVIOUS"
        ),
        Ok(_) => {}
        Err(sealing::KeyRefusal::Store(error)) => fail_on_database(config, &error),
        Err(refusal) => return refuse(&refusal),
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("listening on {}", config.addr))?;
    let addr = listener.local_addr()?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);

    let (upstream, oauth, sandbox_oauth, public_origin) = match &production {
        None => {
            let sandbox = config.sandbox_world();
            seed::demo_accounts(store.as_ref())
                .await
                .context("seeding the demo accounts")?;
            seed::demo_bindings(store.as_ref(), sandbox.as_ref(), clock.now_ms())
                .await
                .context("seeding the demo bindings")?;
            let (oauth, sandbox_oauth) = config
                .sandbox_identity(&sandbox, addr)
                .map_err(anyhow::Error::msg)?;
            (
                sandbox as Arc<dyn MaidanUpstream>,
                oauth,
                Some(sandbox_oauth),
                config.public_origin.clone(),
            )
        }
        Some(p) => {
            let upstream = HttpUpstream::new(
                HttpUpstreamConfig::new(
                    &p.upstream_url,
                    &p.upstream_app_id,
                    p.upstream_secret.expose(),
                ),
                clock.clone(),
            )
            .map_err(|e| anyhow::anyhow!("the upstream client: {e}"))?;
            let oauth: OAuthConfig = match p.identity() {
                Ok(oauth) => oauth,
                Err(why) => return refuse(&why),
            };
            (
                Arc::new(upstream) as Arc<dyn MaidanUpstream>,
                oauth,
                None,
                Some(p.public_origin.clone()),
            )
        }
    };
    let state = AppState {
        readiness: Default::default(),
        workers: Default::default(),
        vault: Arc::new(vault),
        store,
        upstream: Arc::new(Observed(upstream)),
        identity: Arc::new(
            IdentityProviders::new(oauth).map_err(|e| anyhow::anyhow!("HTTP client: {e}"))?,
        ),
        sandbox_oauth,
        clock,
        settings: Arc::new(Settings::from_config(config, public_origin, networks)),
    };

    if let Some(metrics_addr) = config.metrics_addr {
        let listener = tokio::net::TcpListener::bind(metrics_addr)
            .await
            .with_context(|| format!("listening on {metrics_addr} (METRICS_ADDR)"))?;
        tracing::info!(addr = %listener.local_addr()?, "metrics at /metrics");
        let serving =
            server::metrics::serve(listener, server::metrics::install(), state.store.clone());
        tokio::spawn(async move {
            if let Err(error) = serving.await {
                tracing::error!(%error, "the metrics listener stopped");
            }
        });
    }
    // A rotation started by another replica retires this one's key: it stops sealing.
    tokio::spawn(sealing::watch(
        state.store.clone(),
        state.vault.clone(),
        SEALING_KEY_WATCH,
    ));
    let workers = server::jobs::spawn_workers(&state, usize::from(config.job_workers));
    let jobs = state.workers.clone();
    match &production {
        None => print_sandbox_banner(&addr.to_string()),
        Some(p) => print_banner(&addr.to_string(), p, &config.database_url),
    }
    Ok(serve_until_stopped(listener, server::app(state), jobs, workers).await?)
}

/// How often a replica looks whether a rotation replaced its sealing key.
const SEALING_KEY_WATCH: Duration = Duration::from_secs(10);

/// `cloud-pay-console sandbox-upstream`: the sandbox as its own HTTP service.
async fn sandbox_upstream(config: &Config, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    let settings = match config.sandbox_upstream() {
        Ok(settings) => settings,
        Err(missing) => return refuse(&missing),
    };
    let sandbox = config.sandbox_world();
    let oauth = match config.sandbox_upstream_identity(&settings, sandbox.clone()) {
        Ok(oauth) => oauth,
        Err(why) => return refuse(&why),
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let service = sandbox_server::router(SandboxServer {
        sandbox,
        app_id: config.upstream_app_id.clone(),
        secret: settings.secret.into_inner(),
        oauth,
        clock,
        nonces: Arc::default(),
    });
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    println!(
        "  WeChat Maidan sandbox upstream (沙箱) on http://{}/ : /maidan/v1/ (signed), WeChat and Alipay sign-in, /sandbox/ controls",
        listener.local_addr()?
    );
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

fn print_banner(addr: &str, production: &Production, database_url: &str) {
    println!();
    println!(
        "  Cloud Pay Console is running on {addr}, served as {}",
        production.public_origin
    );
    println!("  Upstream: {}", production.upstream_url);
    println!("  Database: {}", store::redacted_url(database_url));
    println!();
}

fn print_sandbox_banner(addr: &str) {
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
