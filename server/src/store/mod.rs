//! Storage behind a trait, so that handlers hold no SQL and a PostgreSQL implementation can
//! stand beside the embedded SQLite one.

mod accounts;
mod audit;
mod count_cache;
mod jobs;
mod keys;
mod providers;
mod sqlite;
mod sub_merchants;
mod sub_providers;
mod tickets;

use domain::api::{
    Account, AuditAction, JobCounts, JobFailure, JobKind, JobState, ProviderSyncResult,
    TicketState, WechatChannel,
};

pub use accounts::AccountStore;
pub use audit::AuditStore;
pub use jobs::JobStore;
pub use keys::KeyStore;
pub use providers::ProviderStore;
pub use sqlite::SqliteStore;
pub use sub_merchants::SubMerchantStore;
pub use sub_providers::SubProviderStore;
pub use tickets::TicketStore;

/// A storage failure; always an internal error to the client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: use sqlite://FILE")]
    UnsupportedUrl(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A console account as seeded or registered.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub account: Account,
    pub password_hash: String,
}

/// A sign-in attempt: which account, from which client address, when.
#[derive(Debug, Clone, Copy)]
pub struct LoginAttempt<'a> {
    pub account_id: &'a str,
    pub ip: &'a str,
    pub at_ms: i64,
}

/// How many failures lock a sign-in.
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimits {
    /// Failures of one (account, address) pair since `pair_since_ms` that lock that pair.
    pub pair_max: usize,
    pub pair_since_ms: i64,
    /// Failures of the account from anywhere since `account_since_ms` that slow everyone.
    pub account_max: u64,
    pub account_since_ms: i64,
}

/// Whether an attempt may be judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptAdmission {
    /// Recorded; judge it.
    Admitted,
    /// The pair is locked; the times of its failures in the window, oldest first.
    PairLocked { failures: Vec<i64> },
    /// The account has had too many failures from everywhere lately; the failure whose aging
    /// out lifts the ceiling happened at `oldest_ms`.
    AccountCeiling { oldest_ms: i64 },
}

/// An account as `accounts list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountListing {
    pub account: Account,
    pub created_at_ms: i64,
    pub disabled_at_ms: Option<i64>,
}

/// What changing an account's password or status did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChange {
    /// Done; this many other sessions of the account were ended.
    Done { sessions_ended: u64 },
    /// No such account.
    NoAccount,
}

/// A session to store: only the token's hash is kept.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub account_id: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

/// A section of a provider's configuration, stored as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderSection {
    Basic,
    WechatPay,
    Alipay,
}

impl ProviderSection {
    pub(crate) fn column(self) -> &'static str {
        match self {
            ProviderSection::Basic => "basic_info",
            ProviderSection::WechatPay => "wechat_pay",
            ProviderSection::Alipay => "alipay",
        }
    }

    /// The list's "configured?" column this section drives, if any.
    pub(crate) fn configured_column(self) -> Option<&'static str> {
        match self {
            ProviderSection::Basic => None,
            ProviderSection::WechatPay => Some("wechat_pay_configured"),
            ProviderSection::Alipay => Some("alipay_configured"),
        }
    }
}

/// A provider of an account, with its configuration sections as stored.
#[derive(Debug, Clone)]
pub struct ProviderRow {
    pub provider_id: String,
    pub synced_name: String,
    pub synced_at_ms: i64,
    pub basic_info: Option<String>,
    pub wechat_pay: Option<String>,
    pub alipay: Option<String>,
}

/// An audit event to write with the change it records.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub account_id: String,
    pub actor: String,
    pub action: AuditAction,
    pub target: String,
    pub fields: Vec<String>,
    pub at_ms: i64,
}

/// Where a job stands. A sub-merchant sync: the next provider (by index in the account's
/// provider list, ordered by ID) and the upstream cursor within it. A re-attribution: the last
/// transaction id done, as `cursor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub provider_index: usize,
    pub cursor: u64,
}

/// A job as stored.
#[derive(Debug, Clone)]
pub struct JobRecord {
    pub id: String,
    pub account_id: String,
    pub kind: JobKind,
    pub state: JobState,
    pub processed: u64,
    pub total: u64,
    pub counts: JobCounts,
    pub failures: Vec<JobFailure>,
    pub checkpoint: Option<Checkpoint>,
    /// What the job is about (a re-attribution: the sub-merchant's ID); empty for a sync.
    pub subject: String,
    pub error: Option<String>,
    pub created_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
    pub updated_at_ms: i64,
}

/// A sub-merchant as the upstream reported it.
#[derive(Debug, Clone)]
pub struct SubMerchantRow {
    pub merchant_id: String,
    pub name: String,
    pub maidan_opened: bool,
}

/// One upstream page of a sync, applied with its checkpoint in one transaction.
#[derive(Debug, Clone)]
pub struct SyncPage<'a> {
    pub job_id: &'a str,
    pub account_id: &'a str,
    pub provider_id: &'a str,
    pub rows: &'a [SubMerchantRow],
    /// The payment history of the page's sub-merchants (kept for those seen the first time).
    pub transactions: &'a [crate::upstream::UpstreamTransaction],
    /// Rows the upstream sent that could not be taken, with the reason.
    pub failures: Vec<JobFailure>,
    pub next: Checkpoint,
    pub now_ms: i64,
    pub lease_until_ms: i64,
}

/// A sub-merchant's keys as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKeys {
    /// Sealed by the vault; opened only to check a device's request.
    pub authentication_key_sealed: String,
    pub authentication_key_last4: String,
    /// SubjectPublicKeyInfo, base64 DER.
    pub signing_public_key: String,
    pub public_key_sha256: String,
    pub reset_at_ms: i64,
    pub reset_by: String,
}

impl StoredKeys {
    /// What may be shown of stored keys: their fingerprints, never the keys.
    pub fn view(&self) -> domain::api::SubMerchantKeys {
        domain::api::SubMerchantKeys {
            public_key_sha256: self.public_key_sha256.clone(),
            authentication_key_last4: self.authentication_key_last4.clone(),
            reset_at: crate::clock::rfc3339(self.reset_at_ms),
            reset_by: self.reset_by.clone(),
        }
    }
}

/// What a sub-merchant holds beyond its list row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubMerchantCredentials {
    pub keys: Option<StoredKeys>,
    /// The Alipay user ID that authorized, and when (ms).
    pub alipay: Option<(String, i64)>,
}

/// Filters of the sub-merchant list.
#[derive(Debug, Clone, Default)]
pub struct SubMerchantFilter<'a> {
    /// A sub-provider's view: only what is assigned to it (the account is then not a scope).
    pub assigned_to: Option<&'a str>,
    pub provider_id: Option<&'a str>,
    pub channel: Option<WechatChannel>,
    pub search: Option<&'a str>,
}

/// Whose eyes a read is for: a provider account sees all of its own; a sub-provider sees what
/// is assigned or attributed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer<'a> {
    Provider(&'a str),
    SubProvider(&'a str),
}

/// Filters of the transaction list; times in Unix milliseconds, `to_ms` exclusive.
#[derive(Debug, Clone, Default)]
pub struct TransactionFilter<'a> {
    pub sub_merchant_id: Option<i64>,
    pub sub_provider_account_id: Option<&'a str>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

/// What a QR ticket is for. A ticket is found only under its own kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketKind {
    /// 同步买单服务商信息.
    ProviderSync,
    /// 支付宝子商户授权; the subject is the sub-merchant's console ID.
    AlipayAuthorization,
}

impl TicketKind {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            TicketKind::ProviderSync => "provider_sync",
            TicketKind::AlipayAuthorization => "alipay_authorization",
        }
    }
}

/// A QR ticket as stored.
#[derive(Debug, Clone)]
pub struct TicketRecord {
    pub id: String,
    pub kind: TicketKind,
    /// What the ticket is about, if anything beyond its account.
    pub subject: String,
    pub account_id: String,
    pub session_hash: String,
    /// As stored: `Pending`/`Scanned` past `expires_at` are expired (see [`Self::state_at`]).
    pub state: TicketState,
    pub requested_ip: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub updated_at_ms: i64,
    pub confirmed_by: Option<String>,
    pub result: Option<ProviderSyncResult>,
    /// Who signed in on the phone that scanned it, through the identity provider.
    pub phone: Option<PhoneSignIn>,
}

/// A sign-in on the scanning phone, recorded on its ticket by the OAuth callback.
#[derive(Clone, PartialEq, Eq)]
pub struct PhoneSignIn {
    /// SHA-256 of the phone browser's cookie: only that browser may confirm.
    pub browser_hash: String,
    /// The WeChat openid or the Alipay user ID.
    pub identity: String,
    /// The WeChat nickname or the Alipay account's name, for the pages.
    pub name: String,
    /// For Alipay: the app auth token, sealed for this ticket.
    pub sealed_grant: Option<String>,
}

impl std::fmt::Debug for PhoneSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneSignIn")
            .field("identity", &self.identity)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A sign-in under way: the random `state` sent through WeChat or Alipay, bound to one ticket
/// and one phone browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthState {
    pub state_hash: String,
    pub ticket_id: String,
    pub browser_hash: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

/// What recording a phone's sign-in on its ticket did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneSignInOutcome {
    /// Recorded; the ticket is 已扫码.
    Recorded,
    /// Another phone browser signed in for this ticket first.
    OtherPhone,
    /// The ticket is no longer open (expired, cancelled or used).
    Closed,
}

impl TicketRecord {
    /// The state as a person sees it at `now_ms`.
    pub fn state_at(&self, now_ms: i64) -> TicketState {
        if self.state.is_open() && now_ms >= self.expires_at_ms {
            TicketState::Expired
        } else {
            self.state
        }
    }
}

/// Everything the console stores, by area (one trait per area, one file per area per
/// backend). Handlers take `Arc<dyn Store>` and call any area's methods on it.
pub trait Store:
    AccountStore
    + ProviderStore
    + AuditStore
    + SubMerchantStore
    + KeyStore
    + SubProviderStore
    + JobStore
    + TicketStore
    + 'static
{
}

impl<
    T: AccountStore
        + ProviderStore
        + AuditStore
        + SubMerchantStore
        + KeyStore
        + SubProviderStore
        + JobStore
        + TicketStore
        + 'static,
> Store for T
{
}

/// Opens the store a `DATABASE_URL` names and brings its schema up to date.
pub async fn connect(url: &str) -> Result<std::sync::Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(SqliteStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use domain::api::{JobKind, JobState};

    use super::TicketKind;

    /// The quoted names on the lines of the migrations that speak of `column`.
    fn names_in_migrations(column: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let sql = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for line in sql.lines().filter(|l| l.contains(&format!("{column} "))) {
                let after = line.split_once(column).map_or("", |(_, rest)| rest);
                let clause = after.split(" AND ").next().unwrap_or_default();
                let quoted = clause.split('\'').skip(1).step_by(2);
                names.extend(quoted.map(str::to_owned));
            }
        }
        names
    }

    /// The schema's checks and partial indexes spell states and kinds as the enums do.
    #[test]
    fn the_schema_names_states_and_kinds_as_the_code_does() {
        let states = names_in_migrations("state");
        assert!(!states.is_empty());
        for name in &states {
            assert!(JobState::parse(name).is_some(), "job state {name:?}");
        }
        for state in JobState::ALL {
            assert!(
                states.iter().any(|n| n == state.as_str()),
                "{state:?} unchecked"
            );
        }
        let kinds = names_in_migrations("kind");
        assert!(!kinds.is_empty());
        let ticket_kinds = [TicketKind::ProviderSync, TicketKind::AlipayAuthorization];
        for name in &kinds {
            let known =
                JobKind::parse(name).is_some() || ticket_kinds.iter().any(|k| k.as_str() == name);
            assert!(known, "kind {name:?}");
        }
    }
}
