//! 同步买单服务商信息: provider sync by QR scan.
//!
//! The console asks for a ticket and draws its URL as a QR code; the assistant admin's phone
//! opens `/m/provider-sync/{id}`, reads the ticket, and confirms. Tickets are ≥ 128 random
//! bits, live [`crate::Settings::ticket_ttl`], are used once (atomic state moves), and only
//! the session that created one can read or cancel it.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use domain::{
    ErrorCode,
    api::{
        Account, MobileProviderSyncTicket, PhoneIdentity, ProviderSyncTicket, SyncedProvider,
        TicketState,
    },
    error::ErrorReason,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::ApiPath;
use crate::{
    AppError, AppState,
    auth::{CurrentSession, hex},
    clock::rfc3339,
    error::ApiJson,
    middleware::ClientIp,
    routes::providers::require_provider,
    store::{PhoneSignIn, TicketKind, TicketRecord},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_ticket))
        .routes(routes!(get_ticket, cancel_ticket))
        .routes(routes!(mobile_ticket))
        .routes(routes!(confirm_ticket))
        .routes(routes!(mobile_cancel_ticket))
}

pub(crate) fn expires_in_s(ticket: &TicketRecord, now_ms: i64) -> u64 {
    u64::try_from((ticket.expires_at_ms - now_ms).max(0) / 1000).unwrap_or_default()
}

fn console_view(ticket: &TicketRecord, account: Account, now_ms: i64) -> ProviderSyncTicket {
    ProviderSyncTicket {
        id: ticket.id.clone(),
        state: ticket.state_at(now_ms),
        account,
        created_at: rfc3339(ticket.created_at_ms),
        expires_at: rfc3339(ticket.expires_at_ms),
        expires_in_s: expires_in_s(ticket, now_ms),
        confirmed_by: ticket.confirmed_by.clone(),
        result: ticket.result.clone(),
    }
}

fn mobile_view(
    ticket: &TicketRecord,
    account: Account,
    now_ms: i64,
    signed_in: Option<&PhoneSignIn>,
) -> MobileProviderSyncTicket {
    MobileProviderSyncTicket {
        id: ticket.id.clone(),
        state: ticket.state_at(now_ms),
        account,
        requested_at: rfc3339(ticket.created_at_ms),
        requested_ip: ticket.requested_ip.clone(),
        expires_at: rfc3339(ticket.expires_at_ms),
        expires_in_s: expires_in_s(ticket, now_ms),
        result: ticket.result.clone(),
        signed_in_as: signed_in.map(|p| PhoneIdentity {
            id: p.identity.clone(),
            name: p.name.clone(),
        }),
    }
}

/// A ticket of this session, or 404 (another session's ticket does not exist for it).
pub(crate) async fn own_ticket(
    state: &AppState,
    session: &CurrentSession,
    kind: TicketKind,
    id: &str,
) -> Result<TicketRecord, AppError> {
    state
        .store
        .ticket(kind, id)
        .await?
        .filter(|t| t.session_hash == session.token_hash)
        .ok_or_else(AppError::not_found)
}

/// Any ticket of a kind by ID (the phone's side: the ID itself is the secret).
pub(crate) async fn any_ticket(
    state: &AppState,
    kind: TicketKind,
    id: &str,
) -> Result<TicketRecord, AppError> {
    state
        .store
        .ticket(kind, id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Cancels a ticket that is still open; does nothing to one that is not.
pub(crate) async fn cancel_if_open(state: &AppState, id: &str, now: i64) -> Result<(), AppError> {
    let open = [TicketState::Pending, TicketState::Scanned];
    state
        .store
        .transition_ticket(id, &open, TicketState::Cancelled, now, None, None)
        .await?;
    Ok(())
}

/// Asks for a QR code that syncs this account's providers (待扫码).
///
/// At most `tickets_per_minute` per session; more answer `RateLimited` with `Retry-After`.
#[utoipa::path(post, path = "/provider-sync-tickets", tag = "provider sync",
    responses(
        (status = 201, body = ProviderSyncTicket),
        (status = 429, body = domain::ErrorEnvelope),
    ))]
async fn create_ticket(
    State(state): State<AppState>,
    session: CurrentSession,
    ClientIp(ip): ClientIp,
) -> Result<Response, AppError> {
    require_provider(&session)?;
    let ticket = issue_ticket(
        &state,
        &session,
        ip,
        TicketKind::ProviderSync,
        String::new(),
    )
    .await?;
    let location = format!("/api/v1/provider-sync-tickets/{}", ticket.id);
    let view = console_view(&ticket, session.account, ticket.created_at_ms);
    created(&location, view)
}

/// `201 Created` with the new resource's `Location`.
pub(crate) fn created<T: serde::Serialize>(location: &str, body: T) -> Result<Response, AppError> {
    Ok((
        StatusCode::CREATED,
        [(
            header::LOCATION,
            HeaderValue::from_str(location).map_err(AppError::internal)?,
        )],
        ApiJson(body),
    )
        .into_response())
}

/// A new QR ticket of this session: ≥ 128 random bits, [`crate::Settings::ticket_ttl`] to
/// live. At most `tickets_per_minute` per session, of every kind together; more answer
/// `RateLimited` with `Retry-After`.
pub(crate) async fn issue_ticket(
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
    if recent.len() >= settings.tickets_per_minute {
        let oldest = recent[recent.len() - settings.tickets_per_minute];
        let wait_s = u64::try_from((oldest + 60_000 - now + 999) / 1000).unwrap_or(1);
        return Err(AppError::new(ErrorCode::RateLimited)
            .with_reason(ErrorReason::TooManyTickets)
            .with_retry_after(wait_s));
    }
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes).map_err(AppError::internal)?;
    let ttl_ms = i64::try_from(settings.ticket_ttl.as_millis()).unwrap_or(i64::MAX);
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

/// The ticket's progress for the console that created it: 待扫码 → 已扫码 → 同步中 → 完成.
///
/// Answers `304` when `If-None-Match` carries the current `ETag`.
#[utoipa::path(get, path = "/provider-sync-tickets/{id}", tag = "provider sync",
    params(("id" = String, Path)),
    responses((status = 200, body = ProviderSyncTicket), (status = 304), (status = 404, body = domain::ErrorEnvelope)))]
async fn get_ticket(
    State(state): State<AppState>,
    session: CurrentSession,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let ticket = own_ticket(&state, &session, TicketKind::ProviderSync, &id).await?;
    let now = state.clock.now_ms();
    // Seconds left are part of the view, so they are part of the tag.
    let etag = format!(
        "\"{}-{}-{}\"",
        ticket.state_at(now).as_str(),
        ticket.updated_at_ms,
        expires_in_s(&ticket, now)
    );
    crate::middleware::conditional(&headers, &etag, || {
        ApiJson(console_view(&ticket, session.account, now)).into_response()
    })
}

/// Cancels the ticket (closing the QR dialog). Idempotent.
#[utoipa::path(delete, path = "/provider-sync-tickets/{id}", tag = "provider sync",
    params(("id" = String, Path)), responses((status = 204), (status = 404, body = domain::ErrorEnvelope)))]
async fn cancel_ticket(
    State(state): State<AppState>,
    session: CurrentSession,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    own_ticket(&state, &session, TicketKind::ProviderSync, &id).await?;
    let now = state.clock.now_ms();
    cancel_if_open(&state, &id, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The error a phone gets for a ticket it can no longer confirm.
pub(crate) fn unusable(state: TicketState) -> Option<AppError> {
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

/// The phone's read of a ticket: one that can no longer be confirmed answers why. Reading
/// changes nothing (a link preview must not mark a code scanned; the sign-in does that).
pub(crate) async fn readable(
    state: &AppState,
    kind: TicketKind,
    id: &str,
    now: i64,
) -> Result<TicketRecord, AppError> {
    let ticket = any_ticket(state, kind, id).await?;
    match unusable(ticket.state_at(now)) {
        Some(error) => Err(error),
        None => Ok(ticket),
    }
}

async fn ticket_account(state: &AppState, ticket: &TicketRecord) -> Result<Account, AppError> {
    state
        .store
        .account_credentials(&ticket.account_id)
        .await?
        .map(|(account, _)| account)
        // A disabled account's codes are of no use to anyone.
        .ok_or_else(AppError::not_found)
}

/// What the scanning phone shows: the target account, when and from where the code was
/// requested, and who signed in with WeChat on this browser (nobody yet: the page then starts
/// WeChat OAuth). Reading changes nothing.
#[utoipa::path(get, path = "/m/provider-sync-tickets/{id}", tag = "provider sync",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = MobileProviderSyncTicket),
        (status = 404, body = domain::ErrorEnvelope),
        (status = 409, body = domain::ErrorEnvelope),
        (status = 410, body = domain::ErrorEnvelope),
    ))]
async fn mobile_ticket(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<ApiJson<MobileProviderSyncTicket>, AppError> {
    let now = state.clock.now_ms();
    let ticket = readable(&state, TicketKind::ProviderSync, &id, now).await?;
    let account = ticket_account(&state, &ticket).await?;
    let signed_in = crate::phone::signed_in(&ticket, &headers, &state.settings);
    Ok(ApiJson(mobile_view(&ticket, account, now, signed_in)))
}

/// The assistant admin confirms on the phone that signed in with WeChat for this code: the
/// providers they administer are synced into the ticket's account. The identity is the one
/// WeChat reported to the callback, never one the request names; another browser is refused.
/// Only an admin may confirm; of two racing confirmations, one wins.
#[utoipa::path(post, path = "/m/provider-sync-tickets/{id}/confirm", tag = "provider sync",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = MobileProviderSyncTicket),
        (status = 403, body = domain::ErrorEnvelope),
        (status = 404, body = domain::ErrorEnvelope),
        (status = 409, body = domain::ErrorEnvelope),
        (status = 410, body = domain::ErrorEnvelope),
    ))]
async fn confirm_ticket(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<ApiJson<MobileProviderSyncTicket>, AppError> {
    let ticket = any_ticket(&state, TicketKind::ProviderSync, &id).await?;
    if let Some(error) = unusable(ticket.state_at(state.clock.now_ms())) {
        return Err(error);
    }
    let sign_in = crate::phone::signed_in(&ticket, &headers, &state.settings)
        .cloned()
        .ok_or_else(|| {
            AppError::new(ErrorCode::Forbidden).with_reason(ErrorReason::PhoneSignInRequired)
        })?;
    let openid = sign_in.identity.as_str();
    let user = state.upstream.wechat_user(openid).await?;
    let providers = state.upstream.providers_administered_by(openid).await?;
    let (Some(user), false) = (user, providers.is_empty()) else {
        return Err(AppError::new(ErrorCode::NotMaidanAdmin));
    };

    // The account the providers would land in must still be able to use them.
    ticket_account(&state, &ticket).await?;
    let open = [TicketState::Pending, TicketState::Scanned];
    let now = state.clock.now_ms();
    let claimed = state
        .store
        .transition_ticket(
            &id,
            &open,
            TicketState::Syncing,
            now,
            Some(&user.nickname),
            None,
        )
        .await?;
    if !claimed {
        // Someone else confirmed (or it expired) between our read and our move.
        let current = any_ticket(&state, TicketKind::ProviderSync, &id).await?;
        return Err(
            unusable(current.state_at(now)).unwrap_or_else(|| AppError::new(ErrorCode::TicketUsed))
        );
    }

    let upstream: Vec<SyncedProvider> = providers
        .into_iter()
        .map(|p| SyncedProvider {
            provider_id: p.provider_id,
            name: p.name,
        })
        .collect();
    let synced = state
        .store
        .sync_providers(&ticket.account_id, &upstream, now)
        .await;
    let finished = state.clock.now_ms();
    let result = match synced {
        Ok(result) => result,
        Err(error) => {
            state
                .store
                .transition_ticket(
                    &id,
                    &[TicketState::Syncing],
                    TicketState::Failed,
                    finished,
                    None,
                    None,
                )
                .await?;
            return Err(error.into());
        }
    };
    state
        .store
        .transition_ticket(
            &id,
            &[TicketState::Syncing],
            TicketState::Completed,
            finished,
            None,
            Some(&result),
        )
        .await?;
    let ticket = any_ticket(&state, TicketKind::ProviderSync, &id).await?;
    let account = ticket_account(&state, &ticket).await?;
    Ok(ApiJson(mobile_view(
        &ticket,
        account,
        finished,
        Some(&sign_in),
    )))
}

/// The phone declines: the ticket is cancelled and the console says so.
#[utoipa::path(post, path = "/m/provider-sync-tickets/{id}/cancel", tag = "provider sync",
    params(("id" = String, Path)), responses((status = 204), (status = 403, body = domain::ErrorEnvelope), (status = 404, body = domain::ErrorEnvelope), (status = 409, body = domain::ErrorEnvelope), (status = 410, body = domain::ErrorEnvelope)))]
async fn mobile_cancel_ticket(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    declined(&state, TicketKind::ProviderSync, &id, &headers).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The phone declined: an open ticket is cancelled; one that can no longer be confirmed
/// answers why.
/// Once a phone has signed in for the code, only that phone may decline it.
pub(crate) async fn declined(
    state: &AppState,
    kind: TicketKind,
    id: &str,
    headers: &HeaderMap,
) -> Result<(), AppError> {
    let ticket = any_ticket(state, kind, id).await?;
    let now = state.clock.now_ms();
    if let Some(error) = unusable(ticket.state_at(now)) {
        return Err(error);
    }
    if ticket.phone.is_some()
        && crate::phone::signed_in(&ticket, headers, &state.settings).is_none()
    {
        return Err(AppError::new(ErrorCode::Forbidden).with_reason(ErrorReason::OtherPhone));
    }
    cancel_if_open(state, id, now).await
}
