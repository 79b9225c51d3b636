//! Storage behind a trait, so that handlers hold no SQL and a PostgreSQL implementation can
//! stand beside the embedded SQLite one.

mod count_cache;
mod sqlite;

use async_trait::async_trait;
use domain::api::{
    Account, AuditAction, AuditEvent, JobCounts, JobFailure, JobKind, JobState, ProviderSummary,
    ProviderSyncResult, SubMerchantSummary, SubProvider, SyncedProvider, TicketState, Transaction,
    WechatChannel,
};

pub use sqlite::SqliteStore;

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

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Inserts the account unless one with its ID exists (seeding is idempotent).
    async fn insert_account_if_missing(&self, account: &NewAccount) -> Result<bool>;
    /// The account and its password hash.
    async fn account_credentials(&self, id: &str) -> Result<Option<(Account, String)>>;
    /// Every account, disabled ones included, by ID.
    async fn list_accounts(&self) -> Result<Vec<AccountListing>>;
    /// Sets an account's password hash, ends its sessions except `keep` (the session that
    /// changed it, if any) and records the audit event, in one transaction.
    async fn set_password(
        &self,
        id: &str,
        password_hash: &str,
        keep: Option<&str>,
        audit: &NewAuditEvent,
    ) -> Result<AccountChange>;
    /// Disables an account and ends all its sessions, in one transaction.
    async fn disable_account(&self, id: &str, now_ms: i64) -> Result<AccountChange>;

    async fn create_session(&self, session: &NewSession) -> Result<()>;
    /// The live session's account and expiry, and it is seen now (the idle timeout slides);
    /// a session past its expiry or unseen for `idle_ms` is not returned.
    async fn session(
        &self,
        token_hash: &str,
        now_ms: i64,
        idle_ms: i64,
    ) -> Result<Option<(Account, i64)>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// 退出所有设备: ends every session of the account, and with them the QR codes they opened
    /// that no phone has confirmed yet (cancelled, their phone sign-ins spent); how many
    /// sessions.
    async fn end_sessions(&self, account_id: &str, now_ms: i64) -> Result<u64>;

    /// Counts a sign-in attempt before it is judged: it is recorded (as a failure, until
    /// [`Store::forgive_login_attempts`]) unless the (account, address) pair or the account
    /// is over its limit. Atomic: N parallel attempts admit at most the allowance.
    async fn admit_login_attempt(
        &self,
        attempt: &LoginAttempt<'_>,
        limits: &AttemptLimits,
    ) -> Result<AttemptAdmission>;
    /// The (account, address) pair's failures since `since_ms`, oldest first.
    async fn login_failures(&self, account_id: &str, ip: &str, since_ms: i64) -> Result<Vec<i64>>;
    /// Counts a 获取验证码 request before the code goes out: recorded, unless the merchant ID or
    /// the address already had `max` since `since_ms`; then the milliseconds until the oldest
    /// of those leaves the window. Atomic, like [`Store::admit_login_attempt`].
    async fn admit_binding_code(
        &self,
        merchant_id: &str,
        ip: &str,
        now_ms: i64,
        since_ms: i64,
        max: usize,
    ) -> Result<Option<i64>>;
    /// The attempt succeeded: the pair's failures are forgotten.
    async fn forgive_login_attempts(&self, account_id: &str, ip: &str) -> Result<()>;

    /// The account's providers whose name or ID contains `search`, by name; and the total.
    async fn list_providers(
        &self,
        account_id: &str,
        search: Option<&str>,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<ProviderSummary>, u64)>;

    /// Brings the account's providers up to date with `upstream` in one transaction. A
    /// provider bound to another account is skipped, never moved.
    async fn sync_providers(
        &self,
        account_id: &str,
        upstream: &[SyncedProvider],
        now_ms: i64,
    ) -> Result<ProviderSyncResult>;

    /// The account's provider with its configuration; `None` for another account's.
    async fn provider(&self, account_id: &str, provider_id: &str) -> Result<Option<ProviderRow>>;

    /// Replaces one configuration section and records the audit event, in one transaction.
    /// False when the provider is not the account's.
    async fn save_provider_section(
        &self,
        account_id: &str,
        provider_id: &str,
        section: ProviderSection,
        json: &str,
        configured: bool,
        audit: &NewAuditEvent,
    ) -> Result<bool>;

    /// The account's audit events, newest first, a page at a time; and the total.
    async fn audit_events(
        &self,
        account_id: &str,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<AuditEvent>, u64)>;

    /// A sub-merchant the viewer may see, and when it was last synced (ms).
    async fn sub_merchant(
        &self,
        viewer: Viewer<'_>,
        id: i64,
    ) -> Result<Option<(SubMerchantSummary, i64)>>;

    /// A merchant ID opened WeChat Maidan: every sub-merchant with it says so.
    async fn mark_maidan_opened(&self, merchant_id: &str) -> Result<()>;

    /// The account's sub-providers, by account ID.
    async fn sub_providers(&self, account_id: &str) -> Result<Vec<SubProvider>>;

    /// Adds (`create`) or changes a sub-provider with its audit event (none when the sandbox
    /// seeds its demo data). False when it exists already (create) or does not exist (change).
    async fn save_sub_provider(
        &self,
        account_id: &str,
        sub_provider: &SubProvider,
        create: bool,
        now_ms: i64,
        audit: Option<&NewAuditEvent>,
    ) -> Result<bool>;

    /// 修改子商户所属的子服务商: sets the sub-merchant's sub-provider, records the audit event
    /// and queues the re-attribution of its transactions (or joins the one already waiting), in
    /// one transaction. `None` when the sub-merchant is not the account's.
    async fn change_sub_provider(
        &self,
        account_id: &str,
        sub_merchant_id: i64,
        sub_provider_account_id: &str,
        job_id: &str,
        audit: &NewAuditEvent,
    ) -> Result<Option<JobRecord>>;

    /// The queued or running job of a kind about a subject, the running one first.
    async fn active_job(
        &self,
        account_id: &str,
        kind: JobKind,
        subject: &str,
    ) -> Result<Option<JobRecord>>;

    /// Transactions of a sub-merchant.
    async fn count_transactions_of(&self, sub_merchant_id: i64) -> Result<u64>;

    /// Attributes the next `batch` transactions of the sub-merchant after `after_id` to its
    /// current sub-provider, and checkpoints the job, in one transaction. The last id done,
    /// or `None` when there were none left.
    async fn reattribute_batch(
        &self,
        job_id: &str,
        sub_merchant_id: i64,
        after_id: i64,
        batch: u32,
        lease_until_ms: i64,
        now_ms: i64,
    ) -> Result<Option<i64>>;

    /// Stores transactions of sub-merchants of a provider (ignoring any already stored),
    /// attributed to each sub-merchant's sub-provider at this moment.
    async fn import_transactions(
        &self,
        account_id: &str,
        provider_id: &str,
        transactions: &[crate::upstream::UpstreamTransaction],
    ) -> Result<()>;

    /// A page of transactions the viewer may see, with the count and amount of the filter.
    async fn list_transactions(
        &self,
        viewer: Viewer<'_>,
        filter: &TransactionFilter<'_>,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<Transaction>, u64, i64)>;

    /// A sub-merchant's keys (as stored: the authentication key sealed) and its Alipay
    /// authorization (user ID, when, ms). Tenancy is the caller's: read the sub-merchant first.
    async fn sub_merchant_credentials(&self, id: i64) -> Result<SubMerchantCredentials>;

    /// 重置认证密钥和签名公私钥: replaces the sub-merchant's keys, marks them set and records
    /// the audit event, in one transaction. False when the sub-merchant is not the account's.
    async fn reset_sub_merchant_keys(
        &self,
        account_id: &str,
        id: i64,
        keys: &StoredKeys,
        audit: &NewAuditEvent,
    ) -> Result<bool>;

    /// Completes an open, unexpired Alipay authorization ticket and records the Alipay user ID
    /// on its sub-merchant with the audit event, in one transaction. False when the ticket was
    /// no longer open (of two racing confirmations, one wins).
    async fn complete_alipay_authorization(
        &self,
        ticket: &TicketRecord,
        sub_merchant_id: i64,
        user_id: &str,
        sealed_app_auth_token: &str,
        now_ms: i64,
        audit: &NewAuditEvent,
    ) -> Result<bool>;

    /// 切换渠道: sets the channel (and the Maidan status just read upstream) with its audit
    /// event, in one transaction. False when the sub-merchant is not the account's.
    async fn set_sub_merchant_channel(
        &self,
        account_id: &str,
        id: i64,
        channel: WechatChannel,
        maidan_opened: bool,
        audit: &NewAuditEvent,
    ) -> Result<bool>;

    /// The newest audit events of one target of the account.
    async fn audit_events_of(
        &self,
        account_id: &str,
        target: &str,
        limit: u32,
    ) -> Result<Vec<AuditEvent>>;

    /// The account's provider IDs, in order.
    async fn provider_ids(&self, account_id: &str) -> Result<Vec<String>>;

    /// Queues a job unless one of its kind is active for the account; returns the active
    /// job either way (the database's unique index decides between racing callers).
    async fn start_job(
        &self,
        id: &str,
        account_id: &str,
        kind: JobKind,
        now_ms: i64,
    ) -> Result<JobRecord>;
    /// When the account's last job of this kind finished, if any.
    async fn last_finished(&self, account_id: &str, kind: JobKind) -> Result<Option<i64>>;
    /// A job of the account; `None` for another account's.
    async fn job(&self, account_id: &str, id: &str) -> Result<Option<JobRecord>>;
    async fn jobs(
        &self,
        account_id: &str,
        kind: Option<JobKind>,
        state: Option<JobState>,
    ) -> Result<Vec<JobRecord>>;
    /// Takes the oldest queued job, or a running one whose lease ran out, and leases it.
    async fn claim_job(&self, now_ms: i64, lease_until_ms: i64) -> Result<Option<JobRecord>>;
    async fn set_job_total(&self, id: &str, total: u64) -> Result<()>;
    /// Upserts a page of sub-merchants and moves the job's checkpoint, atomically.
    async fn apply_sync_page(&self, page: &SyncPage<'_>) -> Result<()>;
    async fn finish_job(
        &self,
        id: &str,
        state: JobState,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<()>;
    async fn list_sub_merchants(
        &self,
        account_id: &str,
        filter: &SubMerchantFilter<'_>,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<SubMerchantSummary>, u64)>;

    async fn create_ticket(&self, ticket: &TicketRecord) -> Result<()>;
    /// A ticket of that kind (another kind's ticket is not found).
    async fn ticket(&self, kind: TicketKind, id: &str) -> Result<Option<TicketRecord>>;
    /// Creation times of the session's tickets after `since_ms` (rate limiting).
    async fn tickets_created_since(&self, session_hash: &str, since_ms: i64) -> Result<Vec<i64>>;
    /// Starts a phone sign-in.
    async fn create_oauth_state(&self, state: &OAuthState) -> Result<()>;
    /// Spends a sign-in state: its record when it existed, was not spent before and has not
    /// expired at `now_ms`. Atomic: a replayed callback finds nothing.
    async fn take_oauth_state(&self, state_hash: &str, now_ms: i64) -> Result<Option<OAuthState>>;
    /// Records who signed in on the phone on an open ticket (which becomes 已扫码), unless
    /// another phone browser signed in for it first.
    async fn record_phone_sign_in(
        &self,
        ticket_id: &str,
        sign_in: &PhoneSignIn,
        now_ms: i64,
    ) -> Result<PhoneSignInOutcome>;
    /// Moves a ticket to `to` only if it is in one of `from` and (for open states) not yet
    /// expired at `now_ms`; true when this call made the move. Atomic: of two racing calls,
    /// one wins.
    async fn transition_ticket(
        &self,
        id: &str,
        from: &[TicketState],
        to: TicketState,
        now_ms: i64,
        confirmed_by: Option<&str>,
        result: Option<&ProviderSyncResult>,
    ) -> Result<bool>;
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
