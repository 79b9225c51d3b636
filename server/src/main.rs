//! `cloud-pay-console`: the API server and the console's static files in one process.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use clap::Parser;
use server::{
    AppState, Config, Settings,
    clock::{Clock, SystemClock},
    config::{Command, Production},
    oauth::{IdentityProviders, OAuthConfig},
    seed, store,
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
        None if config.sandbox => console(&config, None).await,
        None => match config.production() {
            Ok(production) => console(&config, Some(production)).await,
            Err(missing) => refuse(&missing),
        },
    }
}

/// `cloud-pay-console accounts …`: one line on failure, exit status 2 for bad input, 1 else.
async fn accounts(
    config: &Config,
    action: server::accounts::AccountsCommand,
) -> anyhow::Result<()> {
    let store = store::connect(&config.database_url)
        .await
        .with_context(|| format!("opening the database {}", config.database_url))?;
    let mut out = std::io::stdout();
    match server::accounts::run(store.as_ref(), action, SystemClock.now_ms(), &mut out).await {
        Ok(()) => Ok(()),
        Err(error) => {
            eprintln!("cloud-pay-console accounts: {error}");
            std::process::exit(error.exit_status())
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
    let trusted_proxies =
        match server::config::parse_networks(config.trusted_proxies.as_deref().unwrap_or("")) {
            Ok(networks) => networks,
            Err(invalid) => return refuse(&invalid),
        };
    let store = store::connect(&config.database_url)
        .await
        .with_context(|| format!("opening the database {}", config.database_url))?;
    if !config.dist.join("index.html").is_file() {
        tracing::warn!(dist = %config.dist.display(), "no built console here; run `cargo xtask run`");
    }
    let vault = server::vault::Vault::open(
        config.secret_key.as_ref().map(domain::Secret::expose),
        &config.secret_key_file,
    )
    .context("opening the secret key")?;
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
                let oauth = OAuthConfig {
                    wechat_app_id: p.wechat_app_id.clone(),
                    wechat_app_secret: p.wechat_app_secret.expose().to_owned(),
                    wechat_oauth_url: or_default(&config.wechat_oauth_url, WECHAT_OAUTH_URL),
                    wechat_api_url: or_default(&config.wechat_api_url, WECHAT_API_URL),
                    alipay_app_id: p.alipay_app_id.clone(),
                    alipay_private_key: Arc::new(key),
                    alipay_oauth_url: or_default(&config.alipay_oauth_url, ALIPAY_OAUTH_URL),
                    alipay_gateway_url: or_default(&config.alipay_gateway_url, ALIPAY_GATEWAY_URL),
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
    let mut workers = server::jobs::spawn_workers(&state, usize::from(config.job_workers));
    let jobs = state.workers.clone();
    match &production {
        None => print_sandbox_banner(&addr.to_string()),
        Some(p) => print_banner(&addr.to_string(), p),
    }
    let app = server::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    // Each worker commits or drops the page it is on and gives its job back, so that a
    // restart resumes at once instead of after JOB_LEASE_S.
    jobs.stop();
    let drained = tokio::time::timeout(Duration::from_secs(10), async {
        while workers.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("job workers did not stop in 10 s; their jobs resume when the lease ends");
    }
    tracing::info!("stopped");
    Ok(())
}

fn or_default(value: &Option<String>, default: &str) -> String {
    value.clone().unwrap_or_else(|| default.to_owned())
}

/// The real services, unless a setting points elsewhere (tests, a staging environment).
const WECHAT_OAUTH_URL: &str = "https://open.weixin.qq.com";
const WECHAT_API_URL: &str = "https://api.weixin.qq.com";
const ALIPAY_OAUTH_URL: &str = "https://openauth.alipay.com";
const ALIPAY_GATEWAY_URL: &str = "https://openapi.alipay.com/gateway.do";

/// `cloud-pay-console sandbox-upstream`: the sandbox as its own HTTP service.
async fn sandbox_upstream(config: &Config, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    let (secret, wechat_app_id, wechat_app_secret, alipay_app_id, key_file) =
        match config.sandbox_upstream() {
            Ok(settings) => settings,
            Err(missing) => return refuse(&missing),
        };
    let key = match server::oauth::read_private_key(&key_file) {
        Ok(key) => key,
        Err(why) => return refuse(&format!("ALIPAY_APP_PRIVATE_KEY_FILE: {why}")),
    };
    let sandbox = sandbox_world(config);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let service = sandbox_server::router(SandboxServer {
        sandbox: sandbox.clone(),
        app_id: config.upstream_app_id.clone(),
        secret: secret.into_inner(),
        oauth: SandboxOAuth {
            sandbox,
            wechat_app_id,
            wechat_app_secret: wechat_app_secret.into_inner(),
            alipay_app_id,
            alipay_public_key: key.to_public_key(),
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

fn print_banner(addr: &str, production: &Production) {
    println!();
    println!(
        "  Cloud Pay Console is running on {addr}, served as {}",
        production.public_origin
    );
    println!("  Upstream: {}", production.upstream_url);
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
