//! Accounts, sessions and the limits on signing in and on SMS codes.

use async_trait::async_trait;
use domain::api::Account;

use super::{NewAuditEvent, Result};

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

/// Which per-address request limit a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestClass {
    /// `POST /api/v1/session`.
    SignIn,
    /// The phone routes, `/api/v1/m/*`.
    Phone,
}

impl RequestClass {
    /// The name the store keeps it under.
    pub const fn as_str(self) -> &'static str {
        match self {
            RequestClass::SignIn => "sign_in",
            RequestClass::Phone => "phone",
        }
    }
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

/// What inserting an account did.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountInsert {
    Added,
    /// An account with its ID exists; it is left as it was.
    Exists,
}

/// An account that may sign in, with what its password is checked against.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub account: Account,
    pub password_hash: String,
}

/// A live session: whose, and when it ends at the latest.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub account: Account,
    pub expires_at_ms: i64,
}

/// The session a read is made in, checked by the store as part of the read: live (before its
/// expiry, seen within `idle_ms`) and its account enabled. See [`InSession`].
#[derive(Debug, Clone, Copy)]
pub struct SessionCheck<'a> {
    pub token_hash: &'a str,
    pub now_ms: i64,
    pub idle_ms: i64,
}

/// What a read made in a session found.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InSession<T> {
    /// The session is live and this is what its account may see; the session is seen now.
    Read(T),
    /// The session is over (or never was): nothing was read.
    Ended,
}

/// A session to store: only the token's hash is kept.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub account_id: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Inserts the account unless one with its ID exists (seeding is idempotent).
    async fn insert_account_if_missing(&self, account: &NewAccount) -> Result<AccountInsert>;

    /// The account and its password hash; `None` for a disabled or unknown account.
    async fn account_credentials(&self, id: &str) -> Result<Option<Credentials>>;

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
    ) -> Result<Option<LiveSession>>;

    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    /// 退出所有设备: ends every session of the account, and with them the QR codes they opened
    /// that no phone has confirmed yet (cancelled, their phone sign-ins spent); how many
    /// sessions.
    async fn end_sessions(&self, account_id: &str, now_ms: i64) -> Result<u64>;

    /// Counts a sign-in attempt before it is judged: it is recorded (as a failure, until
    /// [`Self::forgive_login_attempts`]) unless the (account, address) pair or the account
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
    /// of those leaves the window. Atomic, like [`Self::admit_login_attempt`].
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

    /// Counts a request of a client address (`bucket`) in the window that started at
    /// `window_start_ms`; the window's count with this request. Atomic: every replica counts
    /// into the same window. A window older than the stored one counts into the stored one
    /// (a replica whose clock lags does not reset it).
    async fn count_request(
        &self,
        class: RequestClass,
        bucket: &str,
        window_start_ms: i64,
    ) -> Result<u32>;

    /// Forgets the windows that started before `before_ms`; how many.
    async fn forget_request_windows(&self, before_ms: i64) -> Result<u64>;
}
