//! Settings from flags and environment variables (the same names as in the design).

use std::{net::SocketAddr, path::PathBuf};

/// `cloud-pay-console [FLAGS]`; every flag can also come from its environment variable.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "cloud-pay-console",
    version,
    about = "Cloud Pay Console API server"
)]
pub struct Config {
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
    /// The key that seals secrets at rest: created (mode 0600) on first run when missing.
    #[arg(
        long,
        env = "CONSOLE_SECRET_KEY_FILE",
        default_value = "data/secret.key"
    )]
    pub secret_key_file: PathBuf,
    /// The same key as base64 (32 bytes); takes precedence over the file.
    #[arg(long, env = "CONSOLE_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// How long a provider sync QR code lives, in seconds.
    #[arg(long, env = "PROVIDER_SYNC_TICKET_TTL_S", default_value_t = 120)]
    pub provider_sync_ticket_ttl_s: u64,
    /// After a sub-merchant sync ends, seconds before the next may start.
    #[arg(long, env = "SUB_MERCHANT_SYNC_COOLDOWN_S", default_value_t = 60)]
    pub sub_merchant_sync_cooldown_s: u64,
    /// Seconds a job stays with a worker that makes no progress before another resumes it.
    #[arg(long, env = "JOB_LEASE_S", default_value_t = 30)]
    pub job_lease_s: u64,
    /// Sub-merchants asked of the upstream per page (and written per transaction).
    #[arg(long, env = "SUB_MERCHANT_SYNC_PAGE_SIZE", default_value_t = 1_000,
          value_parser = clap::value_parser!(u32).range(1..=5_000))]
    pub sub_merchant_sync_page_size: u32,
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
