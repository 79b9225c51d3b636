//! QR tickets (provider sync, Alipay authorization), the OAuth states of phone sign-ins, and who
//! signed in on a phone.

use async_trait::async_trait;
use domain::{
    Lang,
    api::{ProviderSyncResult, TicketState},
};

use super::Result;

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
    /// The language the phone page was in: the pages of the round trip speak it.
    pub lang: Lang,
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

/// What a conditional move of a ticket did.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketMove {
    Moved,
    /// Not moved: the ticket was in none of the states it may move from, had expired, or a
    /// racing call moved it first.
    Refused,
}

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

    /// The language a sign-in started in, spent or expired as it may be (kept as long as the
    /// state is).
    async fn oauth_state_lang(&self, state_hash: &str) -> Result<Option<Lang>>;

    /// Records who signed in on the phone on an open ticket (which becomes 已扫码), unless
    /// another phone browser signed in for it first.
    async fn record_phone_sign_in(
        &self,
        ticket_id: &str,
        sign_in: &PhoneSignIn,
        now_ms: i64,
    ) -> Result<PhoneSignInOutcome>;

    /// Moves a ticket to `to` only if it is in one of `from` and (for open states) not yet
    /// expired at `now_ms`. Atomic: of two racing calls, one moves it.
    async fn transition_ticket(
        &self,
        id: &str,
        from: &[TicketState],
        to: TicketState,
        now_ms: i64,
        confirmed_by: Option<&str>,
        result: Option<&ProviderSyncResult>,
    ) -> Result<TicketMove>;
}
