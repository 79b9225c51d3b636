//! 支付宝子商户授权 (optional): the console shows a QR code for a sub-merchant; the merchant's
//! phone opens `/m/alipay-authorizations/{id}`, authorizes the provider's app in Alipay
//! ([`crate::routes::phone_sign_in`]) and confirms; the sub-merchant then records that Alipay
//! user ID and the app auth token, sealed. Tickets
//! are QR tickets like the provider-sync ones: random, short-lived, single use, readable and
//! cancellable only by the session that asked.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use domain::api::{
    AlipayAuthorizationTicket, AlipayAuthorized, AuditAction, MobileAlipayAuthorization,
    TicketState,
};
use domain::paths;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit::AuditTarget;
use crate::{
    AppError, AppState,
    clock::rfc3339,
    http::{ApiJson, ApiPath, ClientIp, CurrentSession, ProviderSession, changeable_sub_merchant},
    respond::created,
    store::{NewAuditEvent, PhoneSignIn, TicketKind, TicketMove, TicketRecord, Viewer},
};

use super::phone_ticket::{self, expires_in_s};

const KIND: TicketKind = TicketKind::AlipayAuthorization;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_authorization))
        .routes(routes!(get_authorization, cancel_authorization))
        .routes(routes!(mobile_authorization))
        .routes(routes!(confirm_authorization))
        .routes(routes!(mobile_cancel_authorization))
}

fn authorized(ticket: &TicketRecord) -> Option<AlipayAuthorized> {
    (ticket.state == TicketState::Completed)
        .then(|| ticket.confirmed_by.clone())
        .flatten()
        .map(|user_id| AlipayAuthorized {
            user_id,
            authorized_at: rfc3339(ticket.updated_at_ms),
        })
}

fn console_view(
    ticket: &TicketRecord,
    sub_merchant_id: i64,
    now_ms: i64,
) -> AlipayAuthorizationTicket {
    AlipayAuthorizationTicket {
        id: ticket.id.clone(),
        state: ticket.state_at(now_ms),
        sub_merchant_id,
        expires_at: rfc3339(ticket.expires_at_ms),
        expires_in_s: expires_in_s(ticket, now_ms),
        authorized: authorized(ticket),
    }
}

/// The session's ticket for this sub-merchant, or 404.
async fn own(
    state: &AppState,
    session: &CurrentSession,
    sub_merchant_id: i64,
    id: &str,
) -> Result<TicketRecord, AppError> {
    let ticket = phone_ticket::own(state, session, KIND, id).await?;
    if ticket.subject == sub_merchant_id.to_string() {
        Ok(ticket)
    } else {
        Err(AppError::not_found())
    }
}

/// The sub-merchant a ticket is about.
fn subject(ticket: &TicketRecord) -> Result<i64, AppError> {
    ticket
        .subject
        .parse()
        .map_err(|_| AppError::internal("Alipay authorization ticket without a sub-merchant"))
}

/// Asks for a QR code with which the sub-merchant authorizes Alipay collection (待扫码).
#[utoipa::path(post, path = paths::SUB_MERCHANT_ALIPAY_AUTHORIZATIONS, tag = "sub-merchants",
    params(("id" = i64, Path, description = "the sub-merchant's console ID")),
    responses(
        (status = 201, body = AlipayAuthorizationTicket),
        (status = 404, body = domain::ErrorEnvelope),
        (status = 429, body = domain::ErrorEnvelope),
    ))]
async fn create_authorization(
    State(state): State<AppState>,
    session: ProviderSession,
    ApiPath(id): ApiPath<i64>,
    ClientIp(ip): ClientIp,
) -> Result<Response, AppError> {
    changeable_sub_merchant(&state, &session, id).await?;
    let ticket = phone_ticket::issue(&state, &session, ip, KIND, id.to_string()).await?;
    let location = format!(
        "/api/v1/sub-merchants/{id}/alipay-authorizations/{}",
        ticket.id
    );
    created(&location, console_view(&ticket, id, ticket.created_at_ms))
}

/// The authorization's progress for the console that asked: 待扫码 → 已扫码 → 已授权.
/// Answers `304` when `If-None-Match` carries the current `ETag`.
#[utoipa::path(get, path = paths::SUB_MERCHANT_ALIPAY_AUTHORIZATION, tag = "sub-merchants",
    params(("id" = i64, Path), ("ticket" = String, Path)),
    responses((status = 200, body = AlipayAuthorizationTicket), (status = 304), (status = 404, body = domain::ErrorEnvelope)))]
async fn get_authorization(
    State(state): State<AppState>,
    session: CurrentSession,
    ApiPath((id, ticket)): ApiPath<(i64, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let ticket = own(&state, &session, id, &ticket).await?;
    let now = state.clock.now_ms();
    phone_ticket::progress(&headers, &ticket, now, || console_view(&ticket, id, now))
}

/// Cancels the code (closing the dialog). Idempotent.
#[utoipa::path(delete, path = paths::SUB_MERCHANT_ALIPAY_AUTHORIZATION, tag = "sub-merchants",
    params(("id" = i64, Path), ("ticket" = String, Path)),
    responses((status = 204), (status = 404, body = domain::ErrorEnvelope)))]
async fn cancel_authorization(
    State(state): State<AppState>,
    session: CurrentSession,
    ApiPath((id, ticket)): ApiPath<(i64, String)>,
) -> Result<StatusCode, AppError> {
    own(&state, &session, id, &ticket).await?;
    phone_ticket::cancelled(&state, &ticket).await
}

async fn mobile_view(
    state: &AppState,
    ticket: &TicketRecord,
    now: i64,
    signed_in: Option<&PhoneSignIn>,
) -> Result<MobileAlipayAuthorization, AppError> {
    let sub_merchant = state
        .store
        .sub_merchant(Viewer::Provider(&ticket.account_id), subject(ticket)?)
        .await?
        .ok_or_else(AppError::not_found)?
        .summary;
    Ok(MobileAlipayAuthorization {
        id: ticket.id.clone(),
        state: ticket.state_at(now),
        sub_merchant_name: sub_merchant.name,
        merchant_id: sub_merchant.merchant_id,
        provider_name: sub_merchant.provider_name,
        expires_in_s: expires_in_s(ticket, now),
        authorized: authorized(ticket),
        signed_in_as: phone_ticket::identity(signed_in),
    })
}

/// What the phone shows: which sub-merchant authorizes, for which provider, and which Alipay
/// account authorized on this browser (none yet: the page then starts Alipay's app
/// authorization). Reading changes nothing.
#[utoipa::path(get, path = paths::PHONE_ALIPAY_AUTHORIZATION, tag = "sub-merchants",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = MobileAlipayAuthorization),
        (status = 404, body = domain::ErrorEnvelope),
        (status = 409, body = domain::ErrorEnvelope),
        (status = 410, body = domain::ErrorEnvelope),
    ))]
async fn mobile_authorization(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<ApiJson<MobileAlipayAuthorization>, AppError> {
    let read = phone_ticket::read(&state, KIND, &id, &headers).await?;
    let signed_in = read.signed_in.as_ref();
    Ok(ApiJson(
        mobile_view(&state, &read.ticket, read.now, signed_in).await?,
    ))
}

/// The merchant confirms on the phone that authorized the provider's app in Alipay: the
/// sub-merchant records that Alipay user ID and the app auth token (sealed). The account is the
/// one Alipay's gateway reported, never one the request names; another browser is refused.
/// Single use: of two racing confirmations, one wins; an expired or cancelled code answers 410.
#[utoipa::path(post, path = paths::PHONE_ALIPAY_AUTHORIZATION_CONFIRM, tag = "sub-merchants",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = MobileAlipayAuthorization),
        (status = 403, body = domain::ErrorEnvelope),
        (status = 404, body = domain::ErrorEnvelope),
        (status = 409, body = domain::ErrorEnvelope),
        (status = 410, body = domain::ErrorEnvelope),
    ))]
async fn confirm_authorization(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<ApiJson<MobileAlipayAuthorization>, AppError> {
    let (ticket, sign_in, now) = phone_ticket::confirming(&state, KIND, &id, &headers).await?;
    let user_id = sign_in.identity.clone();
    let sub_merchant_id = subject(&ticket)?;
    let token = sign_in
        .sealed_grant
        .as_deref()
        .ok_or_else(|| AppError::internal("Alipay sign-in without a grant"))
        .and_then(|sealed| {
            state
                .vault
                .open_sealed(sealed, &crate::phone::ticket_grant_context(&ticket.id))
                .map_err(AppError::internal)
        })?;
    let sealed_token = state
        .vault
        .seal(
            &token,
            &crate::sealing::alipay_app_auth_token_context(sub_merchant_id),
        )
        .map_err(AppError::internal)?;
    let audit = NewAuditEvent::new(
        &ticket.account_id,
        AuditAction::SubMerchantAlipayAuthorized,
        AuditTarget::SubMerchant(sub_merchant_id),
        now,
    )
    .by(&user_id);
    let moved = state
        .store
        .complete_alipay_authorization(
            &ticket,
            sub_merchant_id,
            &user_id,
            &sealed_token,
            now,
            &audit,
        )
        .await?;
    if moved == TicketMove::Refused {
        // Another confirmation won (the code is used or expired now), or the sub-merchant has
        // left the account (the code is still open, but for nothing).
        return Err(phone_ticket::lost(&state, KIND, &id, now, AppError::not_found).await);
    }
    let current = phone_ticket::any(&state, KIND, &id).await?;
    Ok(ApiJson(
        mobile_view(&state, &current, now, Some(&sign_in)).await?,
    ))
}

/// The merchant declines on the phone: the code is cancelled and the console says so.
#[utoipa::path(post, path = paths::PHONE_ALIPAY_AUTHORIZATION_CANCEL, tag = "sub-merchants",
    params(("id" = String, Path)), responses((status = 204), (status = 403, body = domain::ErrorEnvelope), (status = 404, body = domain::ErrorEnvelope), (status = 409, body = domain::ErrorEnvelope), (status = 410, body = domain::ErrorEnvelope)))]
async fn mobile_cancel_authorization(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    phone_ticket::declined(&state, KIND, &id, &headers).await
}
