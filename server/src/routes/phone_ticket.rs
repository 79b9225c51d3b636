//! QR tickets a phone confirms, whatever they are for (同步买单服务商信息, 支付宝授权): issued
//! to a console session, read by that session or by the phone that scanned the code, declined
//! on the phone, and refused with the reason once they can no longer be confirmed. Tickets are
//! ≥ 128 random bits, live [`crate::Settings::ticket_ttl`], are used once (atomic state moves),
//! and only the session that created one can read or cancel it from the console.
//!
//! Each flow's route file supplies its ticket kind, its views and what confirming does; the
//! steps they share are here.

use axum::{
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use domain::{
    ErrorCode,
    api::{PhoneIdentity, TicketState},
    error::ErrorReason,
};
use serde::Serialize;

use crate::{
    AppError, AppState,
    auth::hex,
    http::{ApiJson, CurrentSession},
    store::{PhoneSignIn, TicketKind, TicketRecord},
};

/// Whole seconds a ticket has left at `now_ms`.
pub fn expires_in_s(ticket: &TicketRecord, now_ms: i64) -> u64 {
    u64::try_from((ticket.expires_at_ms - now_ms).max(0) / 1000).unwrap_or_default()
}

/// A new QR ticket of this session: ≥ 128 random bits, [`crate::Settings::ticket_ttl`] to
/// live. At most `tickets_per_minute` per session, of every kind together; more answer
/// `RateLimited` with `Retry-After` (but from the sandbox's unlimited addresses).
pub async fn issue(
    state: &AppState,
    session: &CurrentSession,
    ip: String,
    kind: TicketKind,
    subject: String,
) -> Result<TicketRecord, AppError> {
    let settings = &state.settings;
    let now = state.clock.now_ms();
    let recent = state
        .store
        .tickets_created_since(&session.token_hash, now - 60_000)
        .await?;
    if recent.len() >= settings.tickets_per_minute && !settings.unlimited(&ip) {
        let oldest = recent[recent.len() - settings.tickets_per_minute];
        let wait_s = crate::clock::seconds_until(oldest + 60_000, now);
        return Err(AppError::new(ErrorCode::RateLimited)
            .with_reason(ErrorReason::TooManyTickets)
            .with_retry_after(wait_s));
    }
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes).map_err(AppError::internal)?;
    let ttl_ms = crate::clock::millis(settings.ticket_ttl);
    let ticket = TicketRecord {
        id: hex(&bytes),
        kind,
        subject,
        account_id: session.account.id.to_string(),
        session_hash: session.token_hash.clone(),
        state: TicketState::Pending,
        requested_ip: ip,
        created_at_ms: now,
        expires_at_ms: now + ttl_ms,
        updated_at_ms: now,
        confirmed_by: None,
        result: None,
        phone: None,
    };
    state.store.create_ticket(&ticket).await?;
    Ok(ticket)
}

/// Any ticket of a kind by ID (the phone's side: the ID itself is the secret).
pub async fn any(state: &AppState, kind: TicketKind, id: &str) -> Result<TicketRecord, AppError> {
    state
        .store
        .ticket(kind, id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// A ticket of this session, or 404 (another session's ticket does not exist for it).
pub async fn own(
    state: &AppState,
    session: &CurrentSession,
    kind: TicketKind,
    id: &str,
) -> Result<TicketRecord, AppError> {
    let ticket = any(state, kind, id).await?;
    if ticket.session_hash == session.token_hash {
        Ok(ticket)
    } else {
        Err(AppError::not_found())
    }
}

/// The console's read of its ticket's progress; `304` when `If-None-Match` carries the
/// current `ETag`. Seconds left are part of the view, so they are part of the tag.
pub fn progress<V: Serialize>(
    headers: &HeaderMap,
    ticket: &TicketRecord,
    now: i64,
    view: impl FnOnce() -> V,
) -> Result<Response, AppError> {
    let etag = format!(
        "\"{}-{}-{}\"",
        ticket.state_at(now).as_str(),
        ticket.updated_at_ms,
        expires_in_s(ticket, now)
    );
    crate::respond::conditional(headers, &etag, || ApiJson(view()).into_response())
}

/// Cancels a ticket that is still open; does nothing to one that is not.
pub async fn cancel_if_open(state: &AppState, id: &str, now: i64) -> Result<(), AppError> {
    let open = [TicketState::Pending, TicketState::Scanned];
    // A ticket that is no longer open (confirmed, expired, cancelled) stays as it is.
    let _moved = state
        .store
        .transition_ticket(id, &open, TicketState::Cancelled, now, None, None)
        .await?;
    Ok(())
}

/// The console closed the QR dialog: its ticket is cancelled if still open. Idempotent.
pub async fn cancelled(state: &AppState, id: &str) -> Result<StatusCode, AppError> {
    cancel_if_open(state, id, state.clock.now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The error a phone gets for a ticket it can no longer confirm.
pub fn unusable(state: TicketState) -> Option<AppError> {
    match state {
        TicketState::Pending | TicketState::Scanned => None,
        TicketState::Expired => Some(AppError::new(ErrorCode::TicketExpired)),
        TicketState::Cancelled => {
            Some(AppError::new(ErrorCode::TicketExpired).with_reason(ErrorReason::TicketCancelled))
        }
        TicketState::Syncing | TicketState::Completed | TicketState::Failed => {
            Some(AppError::new(ErrorCode::TicketUsed))
        }
    }
}

/// A ticket as the phone reads it, with who signed in for it on this browser.
pub struct PhoneRead {
    pub ticket: TicketRecord,
    pub now: i64,
    pub signed_in: Option<PhoneSignIn>,
}

/// The phone's read of a ticket: one that can no longer be confirmed answers why. Reading
/// changes nothing (a link preview must not mark a code scanned; the sign-in does that).
pub async fn read(
    state: &AppState,
    kind: TicketKind,
    id: &str,
    headers: &HeaderMap,
) -> Result<PhoneRead, AppError> {
    let now = state.clock.now_ms();
    let ticket = any(state, kind, id).await?;
    if let Some(error) = unusable(ticket.state_at(now)) {
        return Err(error);
    }
    let signed_in = crate::phone::signed_in(&ticket, headers, &state.settings).cloned();
    Ok(PhoneRead {
        ticket,
        now,
        signed_in,
    })
}

/// Who signed in on the phone, as its page shows them.
pub fn identity(signed_in: Option<&PhoneSignIn>) -> Option<PhoneIdentity> {
    signed_in.map(|p| PhoneIdentity {
        id: p.identity.clone(),
        name: p.name.clone(),
    })
}

/// What a confirmation starts from: a ticket that is still open, the browser's sign-in for it
/// (another browser, or one that has not signed in, is refused), and when it was checked.
pub async fn confirming(
    state: &AppState,
    kind: TicketKind,
    id: &str,
    headers: &HeaderMap,
) -> Result<(TicketRecord, PhoneSignIn, i64), AppError> {
    let ticket = any(state, kind, id).await?;
    let now = state.clock.now_ms();
    if let Some(error) = unusable(ticket.state_at(now)) {
        return Err(error);
    }
    let sign_in = crate::phone::signed_in(&ticket, headers, &state.settings)
        .cloned()
        .ok_or_else(|| {
            AppError::new(ErrorCode::Forbidden).with_reason(ErrorReason::PhoneSignInRequired)
        })?;
    Ok((ticket, sign_in, now))
}

/// Why a confirmation's move of the ticket was refused at `at`: another confirmation won, or
/// the code expired or was cancelled meanwhile; `otherwise` when the ticket is still open.
pub async fn lost(
    state: &AppState,
    kind: TicketKind,
    id: &str,
    at: i64,
    otherwise: fn() -> AppError,
) -> AppError {
    match any(state, kind, id).await {
        Ok(current) => unusable(current.state_at(at)).unwrap_or_else(otherwise),
        Err(error) => error,
    }
}

/// The phone declined: an open ticket is cancelled; one that can no longer be confirmed
/// answers why. Once a phone has signed in for the code, only that phone may decline it.
pub async fn declined(
    state: &AppState,
    kind: TicketKind,
    id: &str,
    headers: &HeaderMap,
) -> Result<StatusCode, AppError> {
    let ticket = any(state, kind, id).await?;
    let now = state.clock.now_ms();
    if let Some(error) = unusable(ticket.state_at(now)) {
        return Err(error);
    }
    if ticket.phone.is_some()
        && crate::phone::signed_in(&ticket, headers, &state.settings).is_none()
    {
        return Err(AppError::new(ErrorCode::Forbidden).with_reason(ErrorReason::OtherPhone));
    }
    cancel_if_open(state, id, now).await?;
    Ok(StatusCode::NO_CONTENT)
}
