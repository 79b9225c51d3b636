//! `cloud-pay-console`: the API server and the console's static files in one process.
//!
//! The composition root, and so longer than most files: it turns the settings into the running
//! console (sandbox or production wiring, the sealing key's check, listeners, the shutdown
//! order) and into each operator command (`sandbox-upstream`, `accounts`, `keys`, `migrate`),
//! each a thin shell over a library module that holds the logic (`accounts`, `sealing`,
//! `store::open`) and decides only what is printed and the exit status.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use clap::Parser;
use server::{
    AppState, Config, Settings,
    clock::{Clock, SystemClock},
    config::{Command, KeysCommand, Production},
    oauth::{IdentityProviders, OAuthConfig},
    sealing, seed, store,
    upstream::{
        MaidanUpstream, Observed, Sandbox, SandboxConfig,
        http::{HttpUpstream, HttpUpstreamConfig},
        sandbox_oauth::SandboxOAuth,
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

fn sandbox_world(config: &Config) -> Arc<Sandbox> {
    Arc::new(Sandbox::new(SandboxConfig {
        seed: config.sandbox_seed,
        sub_merchants: config.sandbox_sub_merchants,
        latency: Duration::from_millis(config.sandbox_latency_ms),
        fault_rate: config.sandbox_fault_rate,
        transactions_per_sub_merchant: config.sandbox_transactions_per_sub_merchant,
    }))
}

/// The console: with the in-process sandbox (`production` is `None`), or in production mode
/// against the upstream over HTTP and the real identity providers.
async fn console(config: &Config, production: Option<Production>) -> anyhow::Result<()> {
    let trusted_proxies = match server::config::parse_networks(
        config.trusted_proxies.as_deref().unwrap_or(""),
        "CONSOLE_TRUSTED_PROXIES",
    ) {
        Ok(networks) => networks,
        Err(invalid) => return refuse(&invalid),
    };
    // Nothing of the sandbox exists in production: not even its addresses that no limit counts.
    let unlimited_addresses = match (&production, &config.sandbox_unlimited_addresses) {
        (None, Some(addresses)) => {
            match server::config::parse_networks(addresses, "SANDBOX_UNLIMITED_ADDRESSES") {
                Ok(networks) => {
                    tracing::warn!(%addresses, "sandbox: no per-address limit counts these addresses");
                    networks
                }
                Err(invalid) => return refuse(&invalid),
            }
        }
        (Some(_), Some(_)) => {
            tracing::warn!("SANDBOX_UNLIMITED_ADDRESSES is ignored in production mode");
            Vec::new()
        }
        (_, None) => Vec::new(),
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

    let (upstream, oauth, sandbox_oauth, public_origin): (Arc<dyn MaidanUpstream>, _, _, _) =
        match &production {
            None => {
                let sandbox = sandbox_world(config);
                seed::demo_accounts(store.as_ref())
                    .await
                    .context("seeding the demo accounts")?;
                seed::demo_bindings(store.as_ref(), sandbox.as_ref(), clock.now_ms())
                    .await
                    .context("seeding the demo bindings")?;
                let (oauth, sandbox_oauth) = sandbox_identity(config, &sandbox, addr)?;
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
                let key = match server::oauth::read_private_key(&p.alipay_app_private_key_file) {
                    Ok(key) => key,
                    Err(why) => return refuse(&format!("ALIPAY_APP_PRIVATE_KEY_FILE: {why}")),
                };
                let alipay_key = match server::oauth::read_public_key(&p.alipay_public_key_file) {
                    Ok(key) => key,
                    Err(why) => return refuse(&format!("ALIPAY_PUBLIC_KEY_FILE: {why}")),
                };
                let oauth = OAuthConfig {
                    wechat_app_id: p.wechat_app_id.clone(),
                    wechat_app_secret: p.wechat_app_secret.expose().to_owned(),
                    wechat_oauth_url: p.wechat_oauth_url.clone(),
                    wechat_api_url: p.wechat_api_url.clone(),
                    alipay_app_id: p.alipay_app_id.clone(),
                    alipay_private_key: Arc::new(key),
                    alipay_public_key: Arc::new(alipay_key),
                    alipay_oauth_url: p.alipay_oauth_url.clone(),
                    alipay_gateway_url: p.alipay_gateway_url.clone(),
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
        settings: Arc::new(Settings {
            dist: Some(config.dist.clone()),
            public_origin,
            ticket_ttl: Duration::from_secs(config.provider_sync_ticket_ttl_s),
            sync_cooldown: Duration::from_secs(config.sub_merchant_sync_cooldown_s),
            job_lease: Duration::from_secs(config.job_lease_s),
            sync_page_size: config.sub_merchant_sync_page_size,
            trusted_proxies,
            unlimited_addresses,
            ..Settings::default()
        }),
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
    let mut workers = server::jobs::spawn_workers(&state, usize::from(config.job_workers));
    let jobs = state.workers.clone();
    match &production {
        None => print_sandbox_banner(&addr.to_string()),
        Some(p) => print_banner(&addr.to_string(), p, &config.database_url),
    }
    let app = server::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let (drain, draining) = tokio::sync::watch::channel(false);
    let serving = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let mut draining = draining;
            let _ = draining.wait_for(|now| *now).await;
        })
        .into_future();
    tokio::pin!(serving);
    tokio::select! {
        served = &mut serving => return served.map_err(Into::into),
        () = shutdown_signal() => {}
    }
    // Jobs first: no new claims from now on, and each running job is given back (its lease
    // released) so that another replica takes it over at once, while HTTP drains beside it.
    jobs.stop();
    let _ = drain.send(true);
    let handed_back = async { while workers.join_next().await.is_some() {} };
    let (served, handed_back) = tokio::join!(
        tokio::time::timeout(HTTP_DRAIN, &mut serving),
        tokio::time::timeout(HTTP_DRAIN, handed_back),
    );
    if handed_back.is_err() {
        tracing::warn!("job workers did not stop in time; their jobs resume when the lease ends");
    }
    match served {
        Ok(served) => served?,
        Err(_) => tracing::warn!(
            deadline_s = HTTP_DRAIN.as_secs(),
            "requests still open at the drain deadline were cut"
        ),
    }
    tracing::info!("stopped");
    Ok(())
}

/// How often a replica looks whether a rotation replaced its sealing key.
const SEALING_KEY_WATCH: Duration = Duration::from_secs(10);

/// How long a stopping console lets requests in flight finish: below the units'
/// `TimeoutStopSec` (30 s), so that systemd never has to kill it.
const HTTP_DRAIN: Duration = Duration::from_secs(15);

/// `cloud-pay-console sandbox-upstream`: the sandbox as its own HTTP service.
async fn sandbox_upstream(config: &Config, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    let settings = match config.sandbox_upstream() {
        Ok(settings) => settings,
        Err(missing) => return refuse(&missing),
    };
    let key = match server::oauth::read_private_key(&settings.alipay_app_private_key_file) {
        Ok(key) => key,
        Err(why) => return refuse(&format!("ALIPAY_APP_PRIVATE_KEY_FILE: {why}")),
    };
    let gateway_key =
        match server::oauth::read_private_key(&settings.alipay_gateway_private_key_file) {
            Ok(key) => key,
            Err(why) => return refuse(&format!("SANDBOX_ALIPAY_PRIVATE_KEY_FILE: {why}")),
        };
    let sandbox = sandbox_world(config);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let service = sandbox_server::router(SandboxServer {
        sandbox: sandbox.clone(),
        app_id: config.upstream_app_id.clone(),
        secret: settings.secret.into_inner(),
        oauth: SandboxOAuth {
            sandbox,
            wechat_app_id: settings.wechat_app_id,
            wechat_app_secret: settings.wechat_app_secret.into_inner(),
            alipay_app_id: settings.alipay_app_id,
            alipay_public_key: key.to_public_key(),
            gateway_key: Arc::new(gateway_key),
            redirect_hosts: registered_hosts(config),
        },
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

/// WeChat and Alipay as the in-process sandbox plays them: its sign-in pages are served by
/// this console under `/sandbox-upstream`, and codes are exchanged over HTTP with this very
/// process, through the same client as in production. Settings given explicitly still win.
fn sandbox_identity(
    config: &Config,
    sandbox: &Arc<Sandbox>,
    bound: std::net::SocketAddr,
) -> anyhow::Result<(OAuthConfig, SandboxOAuth)> {
    let mut loopback = bound;
    if loopback.ip().is_unspecified() {
        loopback.set_ip(match bound {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let mount = server::upstream::sandbox_oauth::MOUNT;
    let pages = format!(
        "{}{mount}",
        config
            .public_origin
            .as_deref()
            .unwrap_or_default()
            .trim_end_matches('/')
    );
    let api = format!("http://{loopback}{mount}");
    let key_file = config
        .alipay_app_private_key_file
        .clone()
        .unwrap_or_else(|| {
            config
                .secret_key_file
                .parent()
                .unwrap_or_else(|| std::path::Path::new("."))
                .join("alipay-app-private.pem")
        });
    let key = server::oauth::private_key_or_new(&key_file)
        .map_err(|e| anyhow::anyhow!("the Alipay application key: {e}"))?;
    // Alipay's own key, as the sandbox's gateway plays it.
    let gateway_key_file = config
        .sandbox_alipay_private_key_file
        .clone()
        .unwrap_or_else(|| key_file.with_file_name("sandbox-alipay-private.pem"));
    let gateway_key = Arc::new(
        server::oauth::private_key_or_new(&gateway_key_file)
            .map_err(|e| anyhow::anyhow!("the sandbox's Alipay gateway key: {e}"))?,
    );
    // A gateway elsewhere (a `sandbox-upstream` of its own) signs with its own key.
    let alipay_public_key = match &config.alipay_public_key_file {
        Some(path) => server::oauth::read_public_key(path)
            .map_err(|e| anyhow::anyhow!("ALIPAY_PUBLIC_KEY_FILE: {e}"))?,
        None => gateway_key.to_public_key(),
    };
    let secret = match &config.wechat_app_secret {
        Some(secret) => secret.expose().to_owned(),
        None => {
            let mut bytes = [0_u8; 16];
            getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
            server::auth::hex(&bytes)
        }
    };
    let oauth = OAuthConfig {
        wechat_app_id: config
            .wechat_app_id
            .clone()
            .unwrap_or_else(|| SANDBOX_WECHAT_APP_ID.to_owned()),
        wechat_app_secret: secret,
        wechat_oauth_url: config
            .wechat_oauth_url
            .clone()
            .unwrap_or_else(|| pages.clone()),
        wechat_api_url: config.wechat_api_url.clone().unwrap_or_else(|| api.clone()),
        alipay_app_id: config
            .alipay_app_id
            .clone()
            .unwrap_or_else(|| SANDBOX_ALIPAY_APP_ID.to_owned()),
        alipay_private_key: Arc::new(key),
        alipay_public_key: Arc::new(alipay_public_key),
        alipay_oauth_url: config.alipay_oauth_url.clone().unwrap_or(pages),
        alipay_gateway_url: config
            .alipay_gateway_url
            .clone()
            .unwrap_or_else(|| format!("{api}/gateway.do")),
    };
    let sandbox_oauth = SandboxOAuth {
        sandbox: sandbox.clone(),
        wechat_app_id: oauth.wechat_app_id.clone(),
        wechat_app_secret: oauth.wechat_app_secret.clone(),
        alipay_app_id: oauth.alipay_app_id.clone(),
        alipay_public_key: oauth.alipay_private_key.to_public_key(),
        gateway_key,
        redirect_hosts: registered_hosts(config),
    };
    Ok((oauth, sandbox_oauth))
}

/// The console's public host, registered with the sandbox's apps as WeChat's and Alipay's are
/// with the real ones.
fn registered_hosts(config: &Config) -> Vec<String> {
    config
        .public_origin
        .as_deref()
        .and_then(|origin| url::Url::parse(origin).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
        .into_iter()
        .collect()
}

/// The sandbox's WeChat official account (`wx` + 16).
const SANDBOX_WECHAT_APP_ID: &str = "wxsandbox000000001";
/// The sandbox's Alipay application.
const SANDBOX_ALIPAY_APP_ID: &str = "2021000000000001";

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
