//! 同步买单服务商信息: provider sync by QR scan.
//!
//! The console asks for a ticket ([`super::phone_ticket`]) and draws its URL as a QR code; the
//! assistant admin's phone opens `/m/provider-sync/{id}`, reads the ticket, signs in with
//! WeChat and confirms; the providers it administers are synced into the account.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use domain::{
    ErrorCode,
    api::{
        Account, AuditAction, MobileProviderSyncTicket, ProviderSyncTicket, SyncedProvider,
        TicketState,
    },
    paths,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppError, AppState,
    audit::AuditTarget,
    clock::rfc3339,
    http::{ApiJson, ApiPath, ClientIp, CurrentSession, ProviderSession},
    respond::created,
    store::{NewAuditEvent, PhoneSignIn, TicketKind, TicketMove, TicketRecord},
};

use super::phone_ticket::{self, expires_in_s};

const KIND: TicketKind = TicketKind::ProviderSync;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_ticket))
        .routes(routes!(get_ticket, cancel_ticket))
        .routes(routes!(mobile_ticket))
        .routes(routes!(confirm_ticket))
        .routes(routes!(mobile_cancel_ticket))
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
        signed_in_as: phone_ticket::identity(signed_in),
    }
}

/// Asks for a QR code that syncs this account's providers (待扫码).
///
/// At most `tickets_per_minute` per session; more answer `RateLimited` with `Retry-After`.
#[utoipa::path(post, path = paths::PROVIDER_SYNC_TICKETS, tag = "provider sync",
    responses(
        (status = 201, body = ProviderSyncTicket),
        (status = 429, body = domain::ErrorEnvelope),
    ))]
async fn create_ticket(
    State(state): State<AppState>,
    session: ProviderSession,
    ClientIp(ip): ClientIp,
) -> Result<Response, AppError> {
    let ticket = phone_ticket::issue(&state, &session, ip, KIND, String::new()).await?;
    let location = format!("/api/v1/provider-sync-tickets/{}", ticket.id);
    let view = console_view(&ticket, session.0.account, ticket.created_at_ms);
    created(&location, view)
}

/// The ticket's progress for the console that created it: 待扫码 → 已扫码 → 同步中 → 完成.
///
/// Answers `304` when `If-None-Match` carries the current `ETag`.
#[utoipa::path(get, path = paths::PROVIDER_SYNC_TICKET, tag = "provider sync",
    params(("id" = String, Path)),
    responses((status = 200, body = ProviderSyncTicket), (status = 304), (status = 404, body = domain::ErrorEnvelope)))]
async fn get_ticket(
    State(state): State<AppState>,
    session: CurrentSession,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let ticket = phone_ticket::own(&state, &session, KIND, &id).await?;
    let now = state.clock.now_ms();
    phone_ticket::progress(&headers, &ticket, now, || {
        console_view(&ticket, session.account, now)
    })
}

/// Cancels the ticket (closing the QR dialog). Idempotent.
#[utoipa::path(delete, path = paths::PROVIDER_SYNC_TICKET, tag = "provider sync",
    params(("id" = String, Path)), responses((status = 204), (status = 404, body = domain::ErrorEnvelope)))]
async fn cancel_ticket(
    State(state): State<AppState>,
    session: CurrentSession,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    phone_ticket::own(&state, &session, KIND, &id).await?;
    phone_ticket::cancelled(&state, &id).await
}

async fn ticket_account(state: &AppState, ticket: &TicketRecord) -> Result<Account, AppError> {
    state
        .store
        .account_credentials(&ticket.account_id)
        .await?
        .map(|credentials| credentials.account)
        // A disabled account's codes are of no use to anyone.
        .ok_or_else(AppError::not_found)
}

/// What the scanning phone shows: the target account, when and from where the code was
/// requested, and who signed in with WeChat on this browser (nobody yet: the page then starts
/// WeChat OAuth). Reading changes nothing.
#[utoipa::path(get, path = paths::PHONE_PROVIDER_SYNC_TICKET, tag = "provider sync",
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
    let read = phone_ticket::read(&state, KIND, &id, &headers).await?;
    let account = ticket_account(&state, &read.ticket).await?;
    let signed_in = read.signed_in.as_ref();
    Ok(ApiJson(mobile_view(
        &read.ticket,
        account,
        read.now,
        signed_in,
    )))
}

/// The assistant admin confirms on the phone that signed in with WeChat for this code: the
/// providers they administer are synced into the ticket's account. The identity is the one
/// WeChat reported to the callback, never one the request names; another browser is refused.
/// Only an admin may confirm; of two racing confirmations, one wins.
#[utoipa::path(post, path = paths::PHONE_PROVIDER_SYNC_TICKET_CONFIRM, tag = "provider sync",
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
    let (ticket, sign_in, _) = phone_ticket::confirming(&state, KIND, &id, &headers).await?;
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
    if claimed == TicketMove::Refused {
        // Someone else confirmed (or it expired) between our read and our move.
        let used = || AppError::new(ErrorCode::TicketUsed);
        return Err(phone_ticket::lost(&state, KIND, &id, now, used).await);
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
        .sync_providers(
            &upstream,
            // Who scanned: the WeChat user, by the nickname WeChat gave for them.
            &NewAuditEvent::new(
                &ticket.account_id,
                AuditAction::ProvidersSynced,
                AuditTarget::Account(&ticket.account_id),
                now,
            )
            .by(&user.nickname),
        )
        .await;
    let finished = state.clock.now_ms();
    let result = match synced {
        Ok(result) => result,
        Err(error) => {
            // Only this confirmation moves the syncing ticket on.
            let _failed = state
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
    let _completed = state
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
    let ticket = phone_ticket::any(&state, KIND, &id).await?;
    let account = ticket_account(&state, &ticket).await?;
    Ok(ApiJson(mobile_view(
        &ticket,
        account,
        finished,
        Some(&sign_in),
    )))
}

/// The phone declines: the ticket is cancelled and the console says so.
#[utoipa::path(post, path = paths::PHONE_PROVIDER_SYNC_TICKET_CANCEL, tag = "provider sync",
    params(("id" = String, Path)), responses((status = 204), (status = 403, body = domain::ErrorEnvelope), (status = 404, body = domain::ErrorEnvelope), (status = 409, body = domain::ErrorEnvelope), (status = 410, body = domain::ErrorEnvelope)))]
async fn mobile_cancel_ticket(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    phone_ticket::declined(&state, KIND, &id, &headers).await
}
