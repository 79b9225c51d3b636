//! Settings from flags and environment variables (the same names as in the design).

use std::{net::SocketAddr, path::PathBuf};

use domain::Secret;

/// What else the binary can do besides serving the console.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Serve the WeChat Maidan sandbox as its own HTTP service: the signed `/maidan/v1/`
    /// protocol, WeChat's and Alipay's sign-in endpoints and `/sandbox/...` controls. Reads
    /// UPSTREAM_SECRET, WECHAT_APP_ID, WECHAT_APP_SECRET, ALIPAY_APP_ID,
    /// ALIPAY_APP_PRIVATE_KEY_FILE and the SANDBOX_* sizes.
    SandboxUpstream {
        #[arg(long, default_value = "127.0.0.1:8090")]
        addr: SocketAddr,
    },
    /// Manage console accounts in the database (`DATABASE_URL`).
    Accounts {
        #[command(subcommand)]
        action: crate::accounts::AccountsCommand,
    },
}

/// The settings production mode cannot start without, checked.
#[derive(Debug, Clone)]
pub struct Production {
    pub public_origin: String,
    pub upstream_url: String,
    pub upstream_app_id: String,
    pub upstream_secret: Secret,
    pub wechat_app_id: String,
    pub wechat_app_secret: Secret,
    pub alipay_app_id: String,
    pub alipay_app_private_key_file: PathBuf,
}

/// A setting production mode needs is missing or unusable: one line naming it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("{0} is required (or start with --sandbox / CONSOLE_SANDBOX=1)")]
    Missing(&'static str),
    #[error(
        "{0} must be an https origin such as https://console.example.com (http only for a loopback host)"
    )]
    NotHttps(&'static str),
    #[error("{0} is not a comma-separated list of networks such as 10.0.0.0/8, 192.168.1.7")]
    Invalid(&'static str),
}

fn required(value: &Option<String>, name: &'static str) -> Result<String, SettingError> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or(SettingError::Missing(name))
}

fn required_secret(value: &Option<Secret>, name: &'static str) -> Result<Secret, SettingError> {
    value
        .as_ref()
        .filter(|v| !v.expose().trim().is_empty())
        .cloned()
        .ok_or(SettingError::Missing(name))
}

/// `https://…`, or `http://` to a loopback host (a console tried out on one machine).
pub fn secure_origin(origin: &str) -> bool {
    let Ok(url) = url::Url::parse(origin) else {
        return false;
    };
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

/// `cloud-pay-console [FLAGS]`; every flag can also come from its environment variable.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "cloud-pay-console",
    version,
    about = "Cloud Pay Console API server"
)]
pub struct Config {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Run with the in-process WeChat Maidan sandbox, its demo accounts and controls. Without
    /// it the console is in production mode and needs the upstream and identity settings.
    #[arg(long, env = "CONSOLE_SANDBOX", value_parser = clap::builder::FalseyValueParser::new())]
    pub sandbox: bool,
    /// Address to listen on.
    #[arg(long, env = "CONSOLE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// `sqlite://path/to/file.db` (default) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/console.db")]
    pub database_url: String,
    /// The built SPA (`trunk build` output).
    #[arg(long, env = "CONSOLE_DIST", default_value = "dist")]
    pub dist: PathBuf,
    /// Public origin, e.g. `https://console.example.com` (enables secure cookies over HTTPS).
    #[arg(long, env = "CONSOLE_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,
    /// Proxies (CIDRs or addresses, comma-separated) whose `X-Forwarded-For` names the client.
    #[arg(long, env = "CONSOLE_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,
    /// The key that seals secrets at rest: created (mode 0600) on first run when missing.
    #[arg(
        long,
        env = "CONSOLE_SECRET_KEY_FILE",
        default_value = "data/secret.key"
    )]
    pub secret_key_file: PathBuf,
    /// The same key as base64 (32 bytes); takes precedence over the file.
    #[arg(long, env = "CONSOLE_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<Secret>,
    /// How long a provider sync QR code lives, in seconds.
    #[arg(long, env = "PROVIDER_SYNC_TICKET_TTL_S", default_value_t = 120)]
    pub provider_sync_ticket_ttl_s: u64,
    /// After a sub-merchant sync ends, seconds before the next may start.
    #[arg(long, env = "SUB_MERCHANT_SYNC_COOLDOWN_S", default_value_t = 60)]
    pub sub_merchant_sync_cooldown_s: u64,
    /// Seconds a job stays with a worker that makes no progress before another resumes it.
    #[arg(long, env = "JOB_LEASE_S", default_value_t = 30)]
    pub job_lease_s: u64,
    /// Job workers in this process (each runs one job at a time; an account's jobs run one at
    /// a time across all of them).
    #[arg(long, env = "JOB_WORKERS", default_value_t = 2,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub job_workers: u16,
    /// Serve Prometheus metrics at `/metrics` on this address (off when unset). Keep it off
    /// the public network: it is a listener of its own, not a route of the console's.
    #[arg(long, env = "METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// Sub-merchants asked of the upstream per page (and written per transaction).
    #[arg(long, env = "SUB_MERCHANT_SYNC_PAGE_SIZE", default_value_t = 1_000,
          value_parser = clap::value_parser!(u32).range(1..=5_000))]
    pub sub_merchant_sync_page_size: u32,
    /// The WeChat Maidan upstream's base URL (production mode).
    #[arg(long, env = "UPSTREAM_URL")]
    pub upstream_url: Option<String>,
    /// The console's app ID with the upstream.
    #[arg(long, env = "UPSTREAM_APP_ID")]
    pub upstream_app_id: Option<String>,
    /// The secret upstream requests are signed with (HMAC-SHA256).
    #[arg(long, env = "UPSTREAM_SECRET", hide_env_values = true)]
    pub upstream_secret: Option<Secret>,
    /// WeChat official account AppID the phones sign in with (WeChat OAuth, `snsapi_base`).
    #[arg(long, env = "WECHAT_APP_ID")]
    pub wechat_app_id: Option<String>,
    /// Its AppSecret (exchanges sign-in codes for openids).
    #[arg(long, env = "WECHAT_APP_SECRET", hide_env_values = true)]
    pub wechat_app_secret: Option<Secret>,
    /// Where phones sign in with WeChat (the sandbox: its own pages on this console).
    #[arg(long, env = "WECHAT_OAUTH_URL")]
    pub wechat_oauth_url: Option<String>,
    /// Where sign-in codes are exchanged.
    #[arg(long, env = "WECHAT_API_URL")]
    pub wechat_api_url: Option<String>,
    /// The provider's Alipay application (app authorization of sub-merchants).
    #[arg(long, env = "ALIPAY_APP_ID")]
    pub alipay_app_id: Option<String>,
    /// Its RSA 2048 private key (PEM), which signs gateway calls (RSA2). The sandbox creates
    /// `data/alipay-app-private.pem` (mode 0600) when none is given.
    #[arg(long, env = "ALIPAY_APP_PRIVATE_KEY_FILE")]
    pub alipay_app_private_key_file: Option<PathBuf>,
    /// Where merchants authorize the app.
    #[arg(long, env = "ALIPAY_OAUTH_URL")]
    pub alipay_oauth_url: Option<String>,
    /// Alipay's open platform gateway.
    #[arg(long, env = "ALIPAY_GATEWAY_URL")]
    pub alipay_gateway_url: Option<String>,
    /// Seed of the deterministic sandbox upstream.
    #[arg(long, env = "SANDBOX_SEED", default_value_t = 20_261_127)]
    pub sandbox_seed: u64,
    /// Sub-merchants in the sandbox, over all providers.
    #[arg(long, env = "SANDBOX_SUB_MERCHANTS", default_value_t = 3_000)]
    pub sandbox_sub_merchants: u64,
    /// Historical transactions the sandbox has for each sub-merchant.
    #[arg(
        long,
        env = "SANDBOX_TRANSACTIONS_PER_SUB_MERCHANT",
        default_value_t = 5
    )]
    pub sandbox_transactions_per_sub_merchant: u32,
    /// Latency the sandbox adds to every upstream call, in milliseconds.
    #[arg(long, env = "SANDBOX_LATENCY_MS", default_value_t = 0)]
    pub sandbox_latency_ms: u64,
    /// Share of upstream calls (0.0–1.0) that fail transiently.
    #[arg(long, env = "SANDBOX_FAULT_RATE", default_value_t = 0.0)]
    pub sandbox_fault_rate: f64,
}

/// `10.0.0.0/8, 192.168.1.7` as networks (an address is a network of one).
pub fn parse_networks(text: &str) -> Result<Vec<ipnet::IpNet>, SettingError> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| SettingError::Invalid("CONSOLE_TRUSTED_PROXIES"))
        })
        .collect()
}

impl Config {
    /// Production mode's settings, or the first that is missing (in the order of the docs).
    pub fn production(&self) -> Result<Production, SettingError> {
        let public_origin = required(&self.public_origin, "CONSOLE_PUBLIC_ORIGIN")?;
        if !secure_origin(&public_origin) {
            return Err(SettingError::NotHttps("CONSOLE_PUBLIC_ORIGIN"));
        }
        Ok(Production {
            public_origin,
            upstream_url: required(&self.upstream_url, "UPSTREAM_URL")?,
            upstream_app_id: required(&self.upstream_app_id, "UPSTREAM_APP_ID")?,
            upstream_secret: required_secret(&self.upstream_secret, "UPSTREAM_SECRET")?,
            wechat_app_id: required(&self.wechat_app_id, "WECHAT_APP_ID")?,
            wechat_app_secret: required_secret(&self.wechat_app_secret, "WECHAT_APP_SECRET")?,
            alipay_app_id: required(&self.alipay_app_id, "ALIPAY_APP_ID")?,
            alipay_app_private_key_file: self
                .alipay_app_private_key_file
                .clone()
                .ok_or(SettingError::Missing("ALIPAY_APP_PRIVATE_KEY_FILE"))?,
        })
    }

    /// What `sandbox-upstream` needs: the upstream secret and the identity apps it plays.
    pub fn sandbox_upstream(
        &self,
    ) -> Result<(Secret, String, Secret, String, PathBuf), SettingError> {
        Ok((
            required_secret(&self.upstream_secret, "UPSTREAM_SECRET")?,
            required(&self.wechat_app_id, "WECHAT_APP_ID")?,
            required_secret(&self.wechat_app_secret, "WECHAT_APP_SECRET")?,
            required(&self.alipay_app_id, "ALIPAY_APP_ID")?,
            self.alipay_app_private_key_file
                .clone()
                .ok_or(SettingError::Missing("ALIPAY_APP_PRIVATE_KEY_FILE"))?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_origins_are_secure() {
        assert!(secure_origin("https://console.example.com"));
        assert!(secure_origin("http://127.0.0.1:8080"));
        assert!(secure_origin("http://localhost:8080"));
        assert!(secure_origin("http://[::1]:8080"));
        assert!(!secure_origin("http://console.example.com"));
        assert!(!secure_origin("console.example.com"));
        assert!(!secure_origin("ftp://127.0.0.1"));
    }

    #[test]
    fn settings_print_no_secret() {
        use clap::Parser;
        let config = Config::parse_from([
            "cloud-pay-console",
            "--upstream-secret",
            "the-upstream-secret",
            "--wechat-app-secret",
            "the-wechat-secret",
            "--secret-key",
            "c2VjcmV0LWtleS1vZi0zMi1ieXRlcy0wMTIzNDU2Nzg5",
        ]);
        let shown = format!("{config:?}");
        for secret in ["the-upstream-secret", "the-wechat-secret", "c2VjcmV0"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn trusted_proxies_are_networks_or_addresses() {
        let nets = parse_networks("10.0.0.0/8, 192.168.1.7,::1").unwrap();
        assert_eq!(nets.len(), 3);
        assert!(nets[1].contains(&"192.168.1.7".parse::<std::net::IpAddr>().unwrap()));
        assert!(parse_networks("").unwrap().is_empty());
        assert_eq!(
            parse_networks("10.0.0.0/8, nonsense"),
            Err(SettingError::Invalid("CONSOLE_TRUSTED_PROXIES"))
        );
    }
}
