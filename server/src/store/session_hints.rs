//! Whose a session token is, as this process last found it.
//!
//! A hint, never an answer. A read that starts from it checks the session in the same
//! statement (live, of this account with this role, the account enabled) and reads nothing
//! when the check fails; the caller then looks the session up as if there were no hint. A
//! session ended through any replica therefore ends here at once. What a hint saves is the
//! separate lookup before the read: one round trip to the database instead of two.
//!
//! A token's account and role never change, so a hint cannot be out of date, only absent.

use std::time::Duration;

use domain::api::Account;
use moka::future::Cache;

/// How many sessions are remembered; the least recently used leave first.
const CAPACITY: u64 = 10_000;
/// A session not used for this long is forgotten (and looked up again when it comes back).
const IDLE: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone)]
pub struct SessionHints {
    accounts: Cache<String, Account>,
}

impl Default for SessionHints {
    fn default() -> Self {
        SessionHints {
            accounts: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_idle(IDLE)
                .build(),
        }
    }
}

impl SessionHints {
    /// The account the session with this token hash belonged to when it was last looked up.
    pub async fn get(&self, token_hash: &str) -> Option<Account> {
        self.accounts.get(token_hash).await
    }

    /// A lookup found the session live.
    pub async fn remember(&self, token_hash: &str, account: &Account) {
        self.accounts
            .insert(token_hash.to_owned(), account.clone())
            .await;
    }

    /// A check found the session over.
    pub async fn forget(&self, token_hash: &str) {
        self.accounts.invalidate(token_hash).await;
    }
}
