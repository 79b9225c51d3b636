//! QR tickets (provider sync, Alipay authorization), the OAuth states of phone sign-ins, and who
//! signed in on a phone.

use async_trait::async_trait;
use domain::api::{ProviderSyncResult, TicketState};

use super::{OAuthState, PhoneSignIn, PhoneSignInOutcome, Result, TicketKind, TicketRecord};

#[async_trait]
pub trait TicketStore: Send + Sync {
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
