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
    /// Failures of the account from anywhere since `account_since_ms` that put it at its
    /// ceiling: then every attempt is slowed, and a pair's `pair_max` failures count since
    /// `account_since_ms` instead of `pair_since_ms` (an address without failures of its own
    /// is never refused).
    pub account_max: u64,
    pub account_since_ms: i64,
}

/// Whether an attempt may be judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptAdmission {
    /// Recorded; judge it.
    Admitted,
    /// The account is at its ceiling, but this address has had fewer than `pair_max` failures
    /// of its own in the account's window: recorded; judge it, slowed by how far the account is
    /// past its ceiling (`beyond` failures).
    Slowed { beyond: u64 },
    /// The pair is locked; the times of its failures in the window, oldest first.
    PairLocked { failures: Vec<i64> },
    /// The account is at its ceiling and this address has had `pair_max` failures of its own
    /// in the account's window: refused until the failure at `oldest_ms` leaves that window
    /// (then the ceiling lifts, or the address is under `pair_max` again).
    AccountCeiling { oldest_ms: i64 },
}

/// What a store reads about an attempt to judge it (see [`LoginStanding::judge`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct LoginStanding {
    /// The (account, address) pair's failures since the earlier of `pair_since_ms` and
    /// `account_since_ms`, oldest first.
    pub pair: Vec<i64>,
    /// The account's failures from anywhere since `account_since_ms`.
    pub account_failures: u64,
    /// The `account_max`-th newest of those, when there are that many: while it is there the
    /// account is at its ceiling; when it ages out, the ceiling lifts.
    pub at_ceiling: Option<i64>,
}

impl LoginStanding {
    /// The same verdict for both stores: the pair's lock first; then, at the account's
    /// ceiling, the pair's allowance stretches from its window to the account's, so that
    /// strangers' addresses guess a few times an hour instead of a minute, while an address
    /// without failures of its own (the owner's) is only ever slowed.
    pub(crate) fn judge(self, limits: &AttemptLimits) -> AttemptAdmission {
        let recent: Vec<i64> = self
            .pair
            .iter()
            .copied()
            .filter(|at| *at > limits.pair_since_ms)
            .collect();
        if recent.len() >= limits.pair_max {
            return AttemptAdmission::PairLocked { failures: recent };
        }
        let Some(ceiling) = self.at_ceiling else {
            return AttemptAdmission::Admitted;
        };
        let in_account_window: Vec<i64> = self
            .pair
            .into_iter()
            .filter(|at| *at > limits.account_since_ms)
            .collect();
        match in_account_window
            .len()
            .checked_sub(limits.pair_max)
            .and_then(|i| in_account_window.get(i))
        {
            Some(&own) => AttemptAdmission::AccountCeiling {
                oldest_ms: ceiling.min(own),
            },
            None => AttemptAdmission::Slowed {
                beyond: self.account_failures.saturating_sub(limits.account_max),
            },
        }
    }
}

/// A 获取验证码 request: for which merchant ID and mobile, from which client address, when.
#[derive(Debug, Clone, Copy)]
pub struct BindingCodeRequest<'a> {
    pub merchant_id: &'a str,
    pub mobile: &'a str,
    pub ip: &'a str,
    pub at_ms: i64,
}

/// How long a 获取验证码 request at `at_ms` must wait, when one of the counts it is counted in
/// (the times of earlier requests since `since_ms`, oldest first) already holds `max`: the
/// milliseconds until enough of them leave the window.
pub(crate) fn binding_code_wait(
    counts: &[Vec<i64>],
    at_ms: i64,
    since_ms: i64,
    max: usize,
) -> Option<i64> {
    counts
        .iter()
        .filter(|sent| sent.len() >= max)
        .map(|sent| sent.get(sent.len() - max).copied().unwrap_or(at_ms) - since_ms)
        .max()
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

    /// Lets a disabled account sign in again (it has no sessions to end).
    async fn enable_account(&self, id: &str) -> Result<AccountChange>;

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

    /// What [`Self::admit_login_attempt`] would answer now, recording nothing: a refused
    /// attempt is answered and a slowed one waits before it takes a hashing turn.
    async fn login_standing(
        &self,
        attempt: &LoginAttempt<'_>,
        limits: &AttemptLimits,
    ) -> Result<AttemptAdmission>;

    /// Counts a sign-in attempt before it is judged: it is recorded (as a failure, until
    /// [`Self::forgive_login_attempts`]) unless the (account, address) pair is locked or the
    /// account is at its ceiling and the address has failed on it (see
    /// [`LoginStanding::judge`]). Atomic: N parallel attempts admit at most the allowance.
    async fn admit_login_attempt(
        &self,
        attempt: &LoginAttempt<'_>,
        limits: &AttemptLimits,
    ) -> Result<AttemptAdmission>;

    /// The (account, address) pair's failures since `since_ms`, oldest first.
    async fn login_failures(&self, account_id: &str, ip: &str, since_ms: i64) -> Result<Vec<i64>>;

    /// Counts a 获取验证码 request before the code goes out: recorded, unless the (merchant ID,
    /// mobile) pair or the address already had `max` since `since_ms`; then the milliseconds
    /// until the oldest of those leaves the window. Requests to other mobiles do not spend a
    /// pair's allowance. Atomic, like [`Self::admit_login_attempt`].
    async fn admit_binding_code(
        &self,
        request: &BindingCodeRequest<'_>,
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

/// What [`AccountStore::enable_account`] runs on either database.
pub(super) const ENABLE_ACCOUNT: &str = "UPDATE accounts SET disabled_at = NULL WHERE id = $1";

/// What an account change did, read from the rows one statement touched.
pub(super) fn enabled(rows_affected: u64) -> AccountChange {
    if rows_affected == 0 {
        AccountChange::NoAccount
    } else {
        AccountChange::Done { sessions_ended: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: AttemptLimits = AttemptLimits {
        pair_max: 5,
        pair_since_ms: 9_000,
        account_max: 100,
        account_since_ms: 1_000,
    };

    fn judge(pair: &[i64], account_failures: u64, at_ceiling: Option<i64>) -> AttemptAdmission {
        LoginStanding {
            pair: pair.to_vec(),
            account_failures,
            at_ceiling,
        }
        .judge(&LIMITS)
    }

    #[test]
    fn five_recent_failures_lock_the_pair_whatever_the_account() {
        let recent = [9_001, 9_002, 9_003, 9_004, 9_005];
        assert_eq!(
            judge(&recent, 5, None),
            AttemptAdmission::PairLocked {
                failures: recent.to_vec()
            }
        );
        // Older failures of the pair count for the account's ceiling, not for its lock.
        assert_eq!(
            judge(&[2_000, 3_000, 9_001, 9_002, 9_003, 9_004], 6, None),
            AttemptAdmission::Admitted
        );
    }

    #[test]
    fn at_the_ceiling_every_address_is_slowed_and_five_failures_in_the_hour_refuse_it() {
        assert_eq!(
            judge(&[], 130, Some(4_000)),
            AttemptAdmission::Slowed { beyond: 30 },
            "the owner's clean address"
        );
        assert_eq!(
            judge(&[2_000, 3_000], 130, Some(4_000)),
            AttemptAdmission::Slowed { beyond: 30 },
            "a typo or two"
        );
        assert_eq!(
            judge(&[2_000, 3_000, 5_000, 6_000, 7_000], 130, Some(4_000)),
            AttemptAdmission::AccountCeiling { oldest_ms: 2_000 },
            "until its oldest failure ages out"
        );
        assert_eq!(
            judge(&[5_000, 6_000, 7_000, 8_000, 8_500], 130, Some(4_000)),
            AttemptAdmission::AccountCeiling { oldest_ms: 4_000 },
            "until the ceiling lifts"
        );
        assert_eq!(
            judge(&[2_000, 3_000, 5_000, 6_000, 7_000], 30, None),
            AttemptAdmission::Admitted,
            "under the ceiling only the minute counts"
        );
    }

    #[test]
    fn a_code_request_waits_for_the_fullest_of_its_counts() {
        let since = 1_000;
        assert_eq!(
            binding_code_wait(&[vec![2_000], vec![]], 5_000, since, 2),
            None
        );
        assert_eq!(
            binding_code_wait(&[vec![2_000, 3_000], vec![1_500, 4_000]], 5_000, since, 2),
            Some(1_000),
            "until 2_000 leaves the window, the later of the two to free a place"
        );
        assert_eq!(
            binding_code_wait(&[vec![], vec![]], 5_000, since, 0),
            Some(4_000),
            "no allowance: a whole window"
        );
    }
}
