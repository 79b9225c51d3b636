//! The limits on signing in and on SMS codes: what a store reads about an attempt or a
//! request, and the one verdict both stores give on it.

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
