//! Accounts, sessions and the limits on signing in and on SMS codes.

use async_trait::async_trait;
use domain::api::Account;

use super::{
    AccountChange, AccountListing, AttemptAdmission, AttemptLimits, LoginAttempt, NewAccount,
    NewAuditEvent, NewSession, Result,
};

#[async_trait]
pub trait AccountStore: Send + Sync {
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
}
