//! What every handler is given: the [`AppState`] and the [`Settings`] tests may tighten.

use std::{path::PathBuf, sync::Arc, time::Duration};

use crate::{
    Config,
    auth::CookieSettings,
    clock::Clock,
    jobs::{self, JobContext, JobSettings},
    oauth::IdentityProviders,
    store::Store,
    upstream::{MaidanUpstream, sandbox_oauth::SandboxOAuth},
    vault::Vault,
};

use super::readiness::UpstreamProbe;

/// Everything a handler may need, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub upstream: Arc<dyn MaidanUpstream>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    /// Seals secrets at rest.
    pub vault: Arc<Vault>,
    /// WeChat OAuth and Alipay app authorization: who is on the phone.
    pub identity: Arc<IdentityProviders>,
    /// The sandbox's WeChat and Alipay sign-in pages, served under `/sandbox-upstream` when
    /// the console runs with the in-process sandbox.
    pub sandbox_oauth: Option<SandboxOAuth>,
    /// This process's job workers: woken when a job is queued, stopped on shutdown.
    pub workers: jobs::Workers,
    /// The last upstream probe of `/health/ready`.
    pub readiness: Arc<UpstreamProbe>,
}

/// What the job workers are given of the state.
impl From<&AppState> for JobContext {
    fn from(state: &AppState) -> Self {
        JobContext {
            store: state.store.clone(),
            upstream: state.upstream.clone(),
            clock: state.clock.clone(),
            workers: state.workers.clone(),
            settings: JobSettings {
                lease: state.settings.job_lease,
                idle_poll: state.settings.job_idle_poll,
                page_size: state.settings.sync_page_size,
            },
        }
    }
}

/// Behaviour knobs that tests may tighten.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the built SPA lives; `None` serves no static files.
    pub dist: Option<PathBuf>,
    /// The origin the console is served from, e.g. `https://console.example.com`.
    /// When set, only it may send state-changing requests, and `https` turns on secure cookies.
    pub public_origin: Option<String>,
    /// A session ends this long after signing in, however active.
    pub session_ttl: Duration,
    /// A session ends after this long without a request (sliding).
    pub session_idle: Duration,
    /// Wrong passwords allowed per (account, client address) within [`Settings::login_window`].
    pub login_max_failures: usize,
    pub login_window: Duration,
    /// Wrong passwords per account from anywhere within an hour that slow every sign-in to it.
    pub login_account_ceiling: u64,
    /// Requests per client address and minute to `POST /session`.
    pub login_requests_per_minute: u32,
    /// Requests per client address and minute to the phone routes (`/api/v1/m/*`).
    pub phone_requests_per_minute: u32,
    /// 获取验证码 requests per (merchant ID, mobile), and per client address, in an hour.
    pub binding_codes_per_hour: usize,
    /// Proxies whose `X-Forwarded-For` is believed (`CONSOLE_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Client addresses that no per-address limit counts: the sandbox's
    /// `SANDBOX_UNLIMITED_ADDRESSES`, so that an API contract run reaches what the limits guard.
    /// Production never sets it.
    pub unlimited_addresses: Vec<ipnet::IpNet>,
    /// How long a provider sync QR code lives.
    pub ticket_ttl: Duration,
    /// QR codes a session may request per minute.
    pub tickets_per_minute: usize,
    /// After a sub-merchant sync ends, how long before the next may start.
    pub sync_cooldown: Duration,
    /// How long a job stays with a worker that makes no progress (then another resumes it).
    pub job_lease: Duration,
    /// How often an idle job worker looks for work nobody woke it for (a job queued by
    /// another replica, or one whose worker died).
    pub job_idle_poll: Duration,
    /// Sub-merchants asked of the upstream per page, each page one transaction.
    pub sync_page_size: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            dist: None,
            public_origin: None,
            session_ttl: Duration::from_secs(8 * 3600),
            session_idle: Duration::from_secs(30 * 60),
            login_max_failures: 5,
            login_window: Duration::from_secs(60),
            login_account_ceiling: 100,
            login_requests_per_minute: 60,
            phone_requests_per_minute: 300,
            trusted_proxies: Vec::new(),
            unlimited_addresses: Vec::new(),
            binding_codes_per_hour: 5,
            ticket_ttl: Duration::from_secs(120),
            tickets_per_minute: 10,
            sync_cooldown: Duration::from_secs(60),
            job_lease: Duration::from_millis(u64::try_from(jobs::LEASE_MS).unwrap_or(30_000)),
            sync_page_size: jobs::PAGE_SIZE,
            job_idle_poll: Duration::from_secs(2),
        }
    }
}

impl Settings {
    /// Whether the per-address limits let a request from `client` (a client address) through
    /// uncounted (only ever in the sandbox).
    pub fn unlimited(&self, client: &str) -> bool {
        client.parse::<std::net::IpAddr>().is_ok_and(|ip| {
            self.unlimited_addresses
                .iter()
                .any(|network| network.contains(&ip))
        })
    }

    /// Cookies get `Secure` and the `__Host-` prefix when the console is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"))
    }
}

impl Settings {
    /// A console's settings from `config`: served as `public_origin`, believing the proxies
    /// and leaving uncounted the addresses of `networks` (see [`Config::networks`]).
    pub fn from_config(
        config: &Config,
        public_origin: Option<String>,
        (trusted_proxies, unlimited_addresses): (Vec<ipnet::IpNet>, Vec<ipnet::IpNet>),
    ) -> Settings {
        Settings {
            dist: Some(config.dist.clone()),
            public_origin,
            ticket_ttl: Duration::from_secs(config.provider_sync_ticket_ttl_s),
            sync_cooldown: Duration::from_secs(config.sub_merchant_sync_cooldown_s),
            job_lease: Duration::from_secs(config.job_lease_s),
            sync_page_size: config.sub_merchant_sync_page_size,
            trusted_proxies,
            unlimited_addresses,
            ..Settings::default()
        }
    }
}

impl CookieSettings for Settings {
    fn secure_cookies(&self) -> bool {
        Settings::secure_cookies(self)
    }
}
