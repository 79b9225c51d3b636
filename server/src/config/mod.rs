//! Settings from flags and environment variables (the same names as in the design), checked;
//! [`identity`] turns them into the sandbox's world and the WeChat and Alipay apps.
//!
//! Over 400 lines: one flag per setting, each with its variable and its doc, in the one struct
//! clap reads, and the checks production mode makes of them.

pub mod identity;

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
    /// The sealing key: make one, or reseal every stored secret under the current one.
    Keys {
        #[command(subcommand)]
        action: KeysCommand,
    },
    /// Bring the database's schema (`DATABASE_URL`) up to this release: run it once before
    /// rolling the replicas over to a new release.
    Migrate,
}

/// What `keys` can do.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum KeysCommand {
    /// Write a new random sealing key (mode 0600) to `--file` (default: CONSOLE_SECRET_KEY_FILE);
    /// an existing file is never overwritten. Back it up with the database: secrets sealed with
    /// a lost key are lost.
    Init {
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Seal every stored secret anew under the current key, opening old ones with
    /// CONSOLE_SECRET_KEY_PREVIOUS: in batches, each written only if unchanged meanwhile, so
    /// it runs beside live replicas and can simply be run again after an interruption.
    Reseal {
        /// Rows per batch (one transaction each).
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        batch: u32,
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
    /// Alipay's public key: the gateway's answers are signed with its private half.
    pub alipay_public_key_file: PathBuf,
    pub wechat_oauth_url: String,
    pub wechat_api_url: String,
    pub alipay_oauth_url: String,
    pub alipay_gateway_url: String,
}

/// The real services, unless a setting points elsewhere (tests, a staging environment).
pub const WECHAT_OAUTH_URL: &str = "https://open.weixin.qq.com";
pub const WECHAT_API_URL: &str = "https://api.weixin.qq.com";
pub const ALIPAY_OAUTH_URL: &str = "https://openauth.alipay.com";
pub const ALIPAY_GATEWAY_URL: &str = "https://openapi.alipay.com/gateway.do";

/// A setting production mode needs is missing or unusable: one line naming it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("{0} is required (or start with --sandbox / CONSOLE_SANDBOX=1)")]
    Missing(&'static str),
    #[error(
        "{0} must be an https origin such as https://console.example.com (http only for a loopback host)"
    )]
    NotHttps(&'static str),
    #[error(
        "{0} must be an https:// URL (http:// only for a loopback host): what the console sends there must not cross a network in clear"
    )]
    NotHttpsUrl(&'static str),
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

/// What `sandbox-upstream` needs: the upstream secret, the identity apps it plays, and the key
/// its Alipay gateway signs with.
#[derive(Debug, Clone)]
pub struct SandboxUpstreamSettings {
    pub secret: Secret,
    pub wechat_app_id: String,
    pub wechat_app_secret: Secret,
    pub alipay_app_id: String,
    pub alipay_app_private_key_file: PathBuf,
    pub alipay_gateway_private_key_file: PathBuf,
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
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/console.db",
        hide_env_values = true
    )]
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
    /// Sandbox only: client addresses (CIDRs or addresses, comma-separated) that no per-address
    /// limit counts (sign-in, phone routes, SMS and QR codes), so that a test run from one
    /// address reaches what the limits guard. Production ignores it.
    #[arg(long, env = "SANDBOX_UNLIMITED_ADDRESSES")]
    pub sandbox_unlimited_addresses: Option<String>,
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
    /// During a key rotation, the keys before (base64, comma-separated): they open what they
    /// sealed until `keys reseal` has sealed it anew.
    #[arg(long, env = "CONSOLE_SECRET_KEY_PREVIOUS", hide_env_values = true)]
    pub secret_key_previous: Option<Secret>,
    /// The key before, as a key file (mode 0600).
    #[arg(long, env = "CONSOLE_SECRET_KEY_PREVIOUS_FILE")]
    pub secret_key_previous_file: Option<PathBuf>,
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
    /// Alipay's public key (PEM), which checks the gateway's signed answers (production mode).
    #[arg(long, env = "ALIPAY_PUBLIC_KEY_FILE")]
    pub alipay_public_key_file: Option<PathBuf>,
    /// `sandbox-upstream`: the key its Alipay gateway signs answers with (the console's
    /// ALIPAY_PUBLIC_KEY_FILE holds the public half). The in-process sandbox makes
    /// `data/sandbox-alipay-private.pem` when none is given.
    #[arg(long, env = "SANDBOX_ALIPAY_PRIVATE_KEY_FILE")]
    pub sandbox_alipay_private_key_file: Option<PathBuf>,
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

/// `10.0.0.0/8, 192.168.1.7` as networks (an address is a network of one); `setting` names
/// the variable in the error.
pub fn parse_networks(
    text: &str,
    setting: &'static str,
) -> Result<Vec<ipnet::IpNet>, SettingError> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| SettingError::Invalid(setting))
        })
        .collect()
}

impl Config {
    /// `CONSOLE_TRUSTED_PROXIES`, and in the sandbox `SANDBOX_UNLIMITED_ADDRESSES`: nothing of
    /// the sandbox exists in production, not even its addresses that no limit counts.
    pub fn networks(
        &self,
        production: bool,
    ) -> Result<(Vec<ipnet::IpNet>, Vec<ipnet::IpNet>), SettingError> {
        let trusted = parse_networks(
            self.trusted_proxies.as_deref().unwrap_or(""),
            "CONSOLE_TRUSTED_PROXIES",
        )?;
        let unlimited = match (production, &self.sandbox_unlimited_addresses) {
            (false, Some(addresses)) => {
                let networks = parse_networks(addresses, "SANDBOX_UNLIMITED_ADDRESSES")?;
                tracing::warn!(%addresses, "sandbox: no per-address limit counts these addresses");
                networks
            }
            (true, Some(_)) => {
                tracing::warn!("SANDBOX_UNLIMITED_ADDRESSES is ignored in production mode");
                Vec::new()
            }
            (_, None) => Vec::new(),
        };
        Ok((trusted, unlimited))
    }

    /// Production mode's settings, or the first that is missing (in the order of the docs).
    pub fn production(&self) -> Result<Production, SettingError> {
        let public_origin = required(&self.public_origin, "CONSOLE_PUBLIC_ORIGIN")?;
        if !secure_origin(&public_origin) {
            return Err(SettingError::NotHttps("CONSOLE_PUBLIC_ORIGIN"));
        }
        let url = |value: &Option<String>, name: &'static str, default: Option<&str>| {
            let url = match default {
                Some(default) => value.clone().unwrap_or_else(|| default.to_owned()),
                None => required(value, name)?,
            };
            if secure_origin(&url) {
                Ok(url)
            } else {
                Err(SettingError::NotHttpsUrl(name))
            }
        };
        let file = |value: &Option<PathBuf>, name: &'static str| {
            value.clone().ok_or(SettingError::Missing(name))
        };
        Ok(Production {
            public_origin,
            upstream_url: url(&self.upstream_url, "UPSTREAM_URL", None)?,
            upstream_app_id: required(&self.upstream_app_id, "UPSTREAM_APP_ID")?,
            upstream_secret: required_secret(&self.upstream_secret, "UPSTREAM_SECRET")?,
            wechat_app_id: required(&self.wechat_app_id, "WECHAT_APP_ID")?,
            wechat_app_secret: required_secret(&self.wechat_app_secret, "WECHAT_APP_SECRET")?,
            alipay_app_id: required(&self.alipay_app_id, "ALIPAY_APP_ID")?,
            alipay_app_private_key_file: file(
                &self.alipay_app_private_key_file,
                "ALIPAY_APP_PRIVATE_KEY_FILE",
            )?,
            alipay_public_key_file: file(&self.alipay_public_key_file, "ALIPAY_PUBLIC_KEY_FILE")?,
            wechat_oauth_url: url(
                &self.wechat_oauth_url,
                "WECHAT_OAUTH_URL",
                Some(WECHAT_OAUTH_URL),
            )?,
            wechat_api_url: url(&self.wechat_api_url, "WECHAT_API_URL", Some(WECHAT_API_URL))?,
            alipay_oauth_url: url(
                &self.alipay_oauth_url,
                "ALIPAY_OAUTH_URL",
                Some(ALIPAY_OAUTH_URL),
            )?,
            alipay_gateway_url: url(
                &self.alipay_gateway_url,
                "ALIPAY_GATEWAY_URL",
                Some(ALIPAY_GATEWAY_URL),
            )?,
        })
    }

    /// The setting the sealing key comes from (for messages).
    pub fn secret_key_setting(&self) -> &'static str {
        if self.secret_key.is_some() {
            "CONSOLE_SECRET_KEY"
        } else {
            "CONSOLE_SECRET_KEY_FILE"
        }
    }

    /// The sealing key and the rotation's previous keys; a missing key file is made only when
    /// `create` (the sandbox), else it is an error naming `keys init`.
    pub fn vault(&self, create: bool) -> Result<crate::vault::Vault, String> {
        let setting = self.secret_key_setting();
        let vault = crate::vault::Vault::open(
            self.secret_key.as_ref().map(Secret::expose),
            &self.secret_key_file,
            create,
        )
        .map_err(|e| format!("{setting}: {e}"))?;
        let mut previous = Vec::new();
        if let Some(keys) = &self.secret_key_previous {
            for key in keys.expose().split(',').filter(|k| !k.trim().is_empty()) {
                previous.push(
                    crate::vault::decode_key(key)
                        .map_err(|e| format!("CONSOLE_SECRET_KEY_PREVIOUS: {e}"))?,
                );
            }
        }
        if let Some(path) = &self.secret_key_previous_file {
            previous.push(
                crate::vault::read_key_file(path)
                    .map_err(|e| format!("CONSOLE_SECRET_KEY_PREVIOUS_FILE: {e}"))?,
            );
        }
        Ok(vault.with_previous(&previous))
    }

    /// What `sandbox-upstream` needs: the upstream secret and the identity apps it plays.
    pub fn sandbox_upstream(&self) -> Result<SandboxUpstreamSettings, SettingError> {
        Ok(SandboxUpstreamSettings {
            secret: required_secret(&self.upstream_secret, "UPSTREAM_SECRET")?,
            wechat_app_id: required(&self.wechat_app_id, "WECHAT_APP_ID")?,
            wechat_app_secret: required_secret(&self.wechat_app_secret, "WECHAT_APP_SECRET")?,
            alipay_app_id: required(&self.alipay_app_id, "ALIPAY_APP_ID")?,
            alipay_app_private_key_file: self
                .alipay_app_private_key_file
                .clone()
                .ok_or(SettingError::Missing("ALIPAY_APP_PRIVATE_KEY_FILE"))?,
            alipay_gateway_private_key_file: self
                .sandbox_alipay_private_key_file
                .clone()
                .ok_or(SettingError::Missing("SANDBOX_ALIPAY_PRIVATE_KEY_FILE"))?,
        })
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
        let nets =
            parse_networks("10.0.0.0/8, 192.168.1.7,::1", "CONSOLE_TRUSTED_PROXIES").unwrap();
        assert_eq!(nets.len(), 3);
        assert!(nets[1].contains(&"192.168.1.7".parse::<std::net::IpAddr>().unwrap()));
        assert!(
            parse_networks("", "CONSOLE_TRUSTED_PROXIES")
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            parse_networks("10.0.0.0/8, nonsense", "SANDBOX_UNLIMITED_ADDRESSES"),
            Err(SettingError::Invalid("SANDBOX_UNLIMITED_ADDRESSES"))
        );
    }
}
