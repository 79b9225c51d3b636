//! QR tickets (provider sync, Alipay authorization), the OAuth states of phone sign-ins, and who
//! signed in on a phone.

use domain::{
    Lang,
    api::{ProviderSyncResult, TicketState},
};

use sqlx::Row;

use super::{
    Result, StoreError,
    dialect::{Dialect, area},
    sql::{BindAll, decode, from_json},
};

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

area! {
    pub trait TicketStore {
        async fn create_ticket(&self, t: &TicketRecord) -> Result<()> {
            sqlx::query(
                "INSERT INTO qr_tickets
                   (id, kind, subject, account_id, session_hash, state, requested_ip, created_at,
                    expires_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .binds((&t.id, t.kind.as_str(), &t.subject, &t.account_id, &t.session_hash))
            .binds((t.state.as_str(), &t.requested_ip, t.created_at_ms, t.expires_at_ms))
            .bind(t.updated_at_ms)
            .execute(self.pool())
            .await?;
            Ok(())
        }

        /// A ticket of that kind (another kind's ticket is not found).
        async fn ticket(&self, kind: TicketKind, id: &str) -> Result<Option<TicketRecord>> {
            let row = sqlx::query(
                "SELECT id, subject, account_id, session_hash, state, requested_ip, created_at,
                        expires_at, updated_at, confirmed_by, result, phone_browser_hash,
                        phone_identity, phone_name, phone_grant
                 FROM qr_tickets WHERE id = $1 AND kind = $2",
            )
            .binds((id, kind.as_str()))
            .fetch_optional(self.pool())
            .await?;
            let Some(row) = row else {
                return Ok(None);
            };
            let state: String = row.try_get("state")?;
            let result: Option<String> = row.try_get("result")?;
            let browser_hash: Option<String> = row.try_get("phone_browser_hash")?;
            let phone = match browser_hash {
                Some(browser_hash) => Some(PhoneSignIn {
                    browser_hash,
                    identity: row
                        .try_get::<Option<String>, _>("phone_identity")?
                        .unwrap_or_default(),
                    name: row
                        .try_get::<Option<String>, _>("phone_name")?
                        .unwrap_or_default(),
                    sealed_grant: row.try_get("phone_grant")?,
                }),
                None => None,
            };
            Ok(Some(TicketRecord {
                phone,
                id: row.try_get("id")?,
                kind,
                subject: row.try_get("subject")?,
                account_id: row.try_get("account_id")?,
                session_hash: row.try_get("session_hash")?,
                state: decode("ticket state", &state, TicketState::parse)?,
                requested_ip: row.try_get("requested_ip")?,
                created_at_ms: row.try_get("created_at")?,
                expires_at_ms: row.try_get("expires_at")?,
                updated_at_ms: row.try_get("updated_at")?,
                confirmed_by: row.try_get("confirmed_by")?,
                result: result
                    .map(|json| from_json("ticket result", &json))
                    .transpose()?,
            }))
        }

        /// Creation times of the session's tickets after `since_ms` (rate limiting).
        async fn tickets_created_since(&self, session_hash: &str, since_ms: i64) -> Result<Vec<i64>> {
            Ok(sqlx::query_scalar(
                "SELECT created_at FROM qr_tickets
                 WHERE session_hash = $1 AND created_at > $2 ORDER BY created_at",
            )
            .binds((session_hash, since_ms))
            .fetch_all(self.pool())
            .await?)
        }

        /// Starts a phone sign-in.
        async fn create_oauth_state(&self, state: &OAuthState) -> Result<()> {
            let mut tx = self.write_tx(&format!("ticket:{}", state.ticket_id)).await?;
            // Spent and expired states are kept a day, for the log's sake, then forgotten.
            sqlx::query("DELETE FROM oauth_states WHERE expires_at < $1")
                .bind(state.created_at_ms - 86_400_000)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO oauth_states
                   (state_hash, ticket_id, browser_hash, created_at, expires_at, lang)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .binds((&state.state_hash, &state.ticket_id, &state.browser_hash))
            .binds((state.created_at_ms, state.expires_at_ms, state.lang.tag()))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        }

        /// Spends a sign-in state: its record when it existed, was not spent before and has not
        /// expired at `now_ms`. Atomic: a replayed callback finds nothing.
        async fn take_oauth_state(&self, state_hash: &str, now_ms: i64) -> Result<Option<OAuthState>> {
            let row: Option<(String, String, String, i64, i64, String)> = sqlx::query_as(
                "UPDATE oauth_states SET used_at = $1
                 WHERE state_hash = $2 AND used_at IS NULL AND expires_at > $3
                 RETURNING state_hash, ticket_id, browser_hash, created_at, expires_at, lang",
            )
            .binds((now_ms, state_hash, now_ms))
            .fetch_optional(self.pool())
            .await?;
            Ok(row.map(
                |(state_hash, ticket_id, browser_hash, created_at_ms, expires_at_ms, lang)| OAuthState {
                    state_hash,
                    ticket_id,
                    browser_hash,
                    created_at_ms,
                    expires_at_ms,
                    lang: Lang::from_tag(&lang),
                },
            ))
        }

        /// The language a sign-in started in, spent or expired as it may be (kept as long as the
        /// state is).
        async fn oauth_state_lang(&self, state_hash: &str) -> Result<Option<Lang>> {
            let tag: Option<String> =
                sqlx::query_scalar("SELECT lang FROM oauth_states WHERE state_hash = $1")
                    .bind(state_hash)
                    .fetch_optional(self.pool())
                    .await?;
            Ok(tag.map(|tag| Lang::from_tag(&tag)))
        }

        /// Records who signed in on the phone on an open ticket (which becomes 已扫码), unless
        /// another phone browser signed in for it first.
        async fn record_phone_sign_in(
            &self,
            ticket_id: &str,
            sign_in: &PhoneSignIn,
            now_ms: i64,
        ) -> Result<PhoneSignInOutcome> {
            let mut tx = self.write_tx(&format!("ticket:{ticket_id}")).await?;
            let current: Option<(String, i64, Option<String>)> = sqlx::query_as(
                "SELECT state, expires_at, phone_browser_hash FROM qr_tickets WHERE id = $1",
            )
            .bind(ticket_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((state, expires_at, browser)) = current else {
                return Ok(PhoneSignInOutcome::Closed);
            };
            let open = TicketState::parse(&state).is_some_and(TicketState::is_open);
            if !open || expires_at <= now_ms {
                return Ok(PhoneSignInOutcome::Closed);
            }
            if browser.is_some_and(|b| b != sign_in.browser_hash) {
                return Ok(PhoneSignInOutcome::OtherPhone);
            }
            sqlx::query(
                "UPDATE qr_tickets
                 SET state = $1, updated_at = $2, phone_browser_hash = $3, phone_identity = $4,
                     phone_name = $5, phone_grant = $6
                 WHERE id = $7",
            )
            .binds((TicketState::Scanned.as_str(), now_ms, &sign_in.browser_hash))
            .binds((&sign_in.identity, &sign_in.name, &sign_in.sealed_grant, ticket_id))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(PhoneSignInOutcome::Recorded)
        }

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
        ) -> Result<TicketMove> {
            if from.is_empty() {
                return Ok(TicketMove::Refused);
            }
            let result = result
                .map(serde_json::to_string)
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("ticket result: {e}")))?;
            // `state IN ($8, $9, …)`: a parameter for each state it may move from.
            let from_list = (0..from.len())
                .map(|i| format!("${}", 8 + i))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "UPDATE qr_tickets
                 SET state = $1, updated_at = $2, confirmed_by = COALESCE($3, confirmed_by),
                     result = COALESCE($4, result)
                 WHERE id = $5 AND state IN ({from_list})
                   AND (state NOT IN ($6, $7) OR expires_at > $2)"
            );
            let mut query = sqlx::query(&sql)
                .binds((to.as_str(), now_ms, confirmed_by, result, id))
                .bind(TicketState::Pending.as_str())
                .bind(TicketState::Scanned.as_str());
            for state in from {
                query = query.bind(state.as_str());
            }
            let done = query.execute(self.pool()).await?;
            Ok(if done.rows_affected() == 1 {
                TicketMove::Moved
            } else {
                TicketMove::Refused
            })
        }
    }
}
