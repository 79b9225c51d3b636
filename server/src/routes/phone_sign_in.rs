//! Who is on the phone: WeChat OAuth for provider sync, Alipay app authorization for Alipay
//! sub-merchant authorization. The phone page sends the browser to `…/start?ticket=`, which
//! answers `302` to the identity provider with a random, single-use `state` bound to the
//! ticket and to this browser's cookie; the provider sends it back to `…/callback`, which
//! exchanges the code, records who signed in on the ticket (已扫码), and returns the phone to
//! the ticket's page. A failure also returns there, with the reason and the request id in the
//! query, so the page can say what went wrong; a callback that names no ticket gets a small
//! page of its own, in the language the phone page was in (`lang` on the start, kept with the
//! state: WeChat's and Alipay's redirects carry nothing of ours back).
//!
//! Over 400 lines because both providers' start and callback live here, side by side: they
//! must stay the same flow; what differs (the code exchange) is in `crate::oauth`.

use axum::{
    Extension,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use domain::{ErrorCode, Lang, error::ErrorReason, paths};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppError, AppState,
    auth::{hex, sha256_hex},
    http::{ApiQuery, RequestId},
    phone,
    store::{OAuthState, PhoneSignIn, PhoneSignInOutcome, TicketKind, TicketRecord},
};

use super::phone_ticket::{self, unusable};

/// How long a sign-in may take between `start` and `callback`.
const STATE_TTL_MS: i64 = 10 * 60 * 1000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(wechat_start))
        .routes(routes!(wechat_callback))
        .routes(routes!(alipay_start))
        .routes(routes!(alipay_callback))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Start {
    /// The QR ticket the phone opened.
    ticket: String,
    /// The language the phone page is in (`zh-CN` or `en`; `Accept-Language` when absent):
    /// the pages of the round trip speak it.
    lang: Option<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct WechatCallback {
    code: Option<String>,
    state: Option<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AlipayCallback {
    app_auth_code: Option<String>,
    state: Option<String>,
}

/// Starts WeChat OAuth (`snsapi_base`) for a provider-sync QR code.
#[utoipa::path(get, path = paths::PHONE_WECHAT_OAUTH_START, tag = "provider sync", params(Start),
    responses(
        (status = 302, description = "to WeChat's authorize page; sets the phone browser's cookie"),
        (status = 303, description = "back to the phone page when the code can no longer be used"),
        (status = 404, body = domain::ErrorEnvelope),
    ))]
async fn wechat_start(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<Start>,
    headers: HeaderMap,
    Extension(request_id): Extension<RequestId>,
    Extension(lang): Extension<Lang>,
) -> Result<Response, AppError> {
    start(
        &state,
        &headers,
        &request_id,
        TicketKind::ProviderSync,
        &query,
        lang,
    )
    .await
}

/// Starts Alipay's app authorization for an Alipay sub-merchant authorization QR code.
#[utoipa::path(get, path = paths::PHONE_ALIPAY_OAUTH_START, tag = "sub-merchants", params(Start),
    responses(
        (status = 302, description = "to Alipay's authorization page; sets the phone browser's cookie"),
        (status = 303, description = "back to the phone page when the code can no longer be used"),
        (status = 404, body = domain::ErrorEnvelope),
    ))]
async fn alipay_start(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<Start>,
    headers: HeaderMap,
    Extension(request_id): Extension<RequestId>,
    Extension(lang): Extension<Lang>,
) -> Result<Response, AppError> {
    start(
        &state,
        &headers,
        &request_id,
        TicketKind::AlipayAuthorization,
        &query,
        lang,
    )
    .await
}

/// The console's own origin, as the identity provider must send the phone back to it.
fn origin(state: &AppState, headers: &HeaderMap) -> String {
    match &state.settings.public_origin {
        Some(origin) => origin.trim_end_matches('/').to_owned(),
        // Only without a configured origin (the sandbox on a developer's machine).
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}")
        }
    }
}

async fn start(
    state: &AppState,
    headers: &HeaderMap,
    request_id: &RequestId,
    kind: TicketKind,
    query: &Start,
    asked: Lang,
) -> Result<Response, AppError> {
    let lang = query.lang.as_deref().map_or(asked, Lang::from_tag);
    let ticket = phone_ticket::any(state, kind, &query.ticket).await?;
    let now = state.clock.now_ms();
    if let Some(error) = unusable(ticket.state_at(now)) {
        return back_to_page(&ticket, &error, request_id);
    }
    let (browser_hash, cookie) = phone::browser_or_new(headers, &state.settings)?;
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(AppError::internal)?;
    let sign_in_state = hex(&bytes);
    state
        .store
        .create_oauth_state(&OAuthState {
            state_hash: sha256_hex(&sign_in_state),
            ticket_id: ticket.id.clone(),
            browser_hash,
            created_at_ms: now,
            expires_at_ms: now + STATE_TTL_MS.min(ticket.expires_at_ms - now).max(0),
            lang,
        })
        .await?;
    let identity = &state.identity;
    let location = match kind {
        TicketKind::ProviderSync => identity.wechat_authorize_url(
            &format!("{}/api/v1/m/wechat-oauth/callback", origin(state, headers)),
            &sign_in_state,
        ),
        TicketKind::AlipayAuthorization => identity.alipay_authorize_url(
            &format!("{}/api/v1/m/alipay-oauth/callback", origin(state, headers)),
            &sign_in_state,
        ),
    };
    let mut response = redirect(StatusCode::FOUND, &location)?;
    if let Some(cookie) = cookie {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// `303` to the ticket's phone page, with why it failed and the request id in the query.
fn back_to_page(
    ticket: &TicketRecord,
    error: &AppError,
    request_id: &RequestId,
) -> Result<Response, AppError> {
    tracing::info!(request_id = %request_id.0, code = ?error.code, reason = ?error.reason,
        detail = ?error.detail, "phone sign-in refused");
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("sign_in_error", error.code.as_str());
    if let Some(reason) = error.reason.and_then(|r| {
        serde_json::to_value(r)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    }) {
        query.append_pair("reason", &reason);
    }
    query.append_pair("request_id", &request_id.0);
    let location = format!("{}?{}", phone::page_path(ticket), query.finish());
    redirect(StatusCode::SEE_OTHER, &location)
}

/// `status` with `Location: location`.
fn redirect(status: StatusCode, location: &str) -> Result<Response, AppError> {
    let location = HeaderValue::from_str(location).map_err(AppError::internal)?;
    Ok((status, [(header::LOCATION, location)]).into_response())
}

/// A callback that names no usable sign-in: a page that says so (there is no ticket to go
/// back to).
fn refusal_page(error: &AppError, lang: Lang, request_id: &RequestId) -> Response {
    tracing::info!(request_id = %request_id.0, reason = ?error.reason, "phone sign-in refused");
    let body = error.body(lang, &request_id.0);
    let (title, id_label) = match lang {
        Lang::Zh => ("授权未完成", "请求 ID"),
        Lang::En => ("Sign-in not completed", "Request ID"),
    };
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    (
        error.status(),
        Html(format!(
            "<!doctype html><html lang=\"{}\"><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
<body><main><h1>{title}</h1><p role=\"alert\">{}</p><p>{id_label}: <code>{}</code></p></main></body></html>",
            match lang {
                Lang::Zh => "zh-CN",
                Lang::En => "en",
            },
            escape(&body.message),
            escape(&request_id.0),
        )),
    )
        .into_response()
}

fn invalid() -> AppError {
    AppError::new(ErrorCode::Forbidden).with_reason(ErrorReason::PhoneSignInInvalid)
}

/// Why a callback stops, and where the phone goes then.
enum Stop {
    /// Back to the ticket's page, with the error.
    Page(Box<TicketRecord>, AppError),
    /// No ticket to go back to.
    Bare(AppError),
}

impl From<AppError> for Stop {
    fn from(error: AppError) -> Self {
        Stop::Bare(error)
    }
}

/// Spends the callback's state and finds its ticket, checking that this is the browser that
/// started the sign-in and that the ticket is still open.
async fn ticket_of_state(
    state: &AppState,
    headers: &HeaderMap,
    kind: TicketKind,
    sign_in_state: Option<&str>,
) -> Result<(TicketRecord, String), Stop> {
    let now = state.clock.now_ms();
    let sign_in_state = sign_in_state
        .filter(|s| !s.is_empty())
        .ok_or_else(invalid)?;
    let taken = state
        .store
        .take_oauth_state(&sha256_hex(sign_in_state), now)
        .await
        .map_err(AppError::from)?
        .ok_or_else(invalid)?;
    let ticket = state
        .store
        .ticket(kind, &taken.ticket_id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(invalid)?;
    let browser = phone::browser_hash(headers, &state.settings);
    if browser.as_deref() != Some(taken.browser_hash.as_str()) {
        return Err(Stop::Page(Box::new(ticket), invalid()));
    }
    if let Some(error) = unusable(ticket.state_at(now)) {
        return Err(Stop::Page(Box::new(ticket), error));
    }
    Ok((ticket, taken.browser_hash))
}

/// Records the sign-in on the ticket and sends the phone back to its page.
async fn record(
    state: &AppState,
    ticket: TicketRecord,
    sign_in: PhoneSignIn,
) -> Result<Response, Stop> {
    let now = state.clock.now_ms();
    let outcome = state
        .store
        .record_phone_sign_in(&ticket.id, &sign_in, now)
        .await
        .map_err(AppError::from)?;
    match outcome {
        PhoneSignInOutcome::Recorded => {
            Ok(redirect(StatusCode::SEE_OTHER, &phone::page_path(&ticket))?)
        }
        PhoneSignInOutcome::OtherPhone => Err(Stop::Page(
            Box::new(ticket),
            AppError::new(ErrorCode::Forbidden).with_reason(ErrorReason::OtherPhone),
        )),
        PhoneSignInOutcome::Closed => {
            let current = phone_ticket::any(state, ticket.kind, &ticket.id).await?;
            let error = unusable(current.state_at(now))
                .unwrap_or_else(|| AppError::new(ErrorCode::TicketUsed));
            Err(Stop::Page(Box::new(ticket), error))
        }
    }
}

/// The language of the phone page that started the sign-in (kept with its state, spent or
/// expired as it may be), else the callback request's own.
async fn round_trip_lang(state: &AppState, sign_in_state: Option<&str>, asked: Lang) -> Lang {
    let Some(sign_in_state) = sign_in_state.filter(|s| !s.is_empty()) else {
        return asked;
    };
    match state
        .store
        .oauth_state_lang(&sha256_hex(sign_in_state))
        .await
    {
        Ok(lang) => lang.unwrap_or(asked),
        Err(error) => {
            tracing::warn!(%error, "could not read the sign-in's language");
            asked
        }
    }
}

fn answer(
    result: Result<Response, Stop>,
    lang: Lang,
    request_id: &RequestId,
) -> Result<Response, AppError> {
    match result {
        Ok(response) => Ok(response),
        Err(Stop::Page(ticket, error)) => back_to_page(&ticket, &error, request_id),
        Err(Stop::Bare(error)) if error.code == ErrorCode::Internal => Err(error),
        Err(Stop::Bare(error)) => Ok(refusal_page(&error, lang, request_id)),
    }
}

fn refused_by_provider(ticket: &TicketRecord, detail: impl std::fmt::Display) -> Stop {
    Stop::Page(
        Box::new(ticket.clone()),
        AppError::new(ErrorCode::Forbidden)
            .with_reason(ErrorReason::PhoneSignInRefused)
            .with_detail(detail),
    )
}

/// WeChat sends the phone back here: the code becomes the openid, recorded on the ticket.
#[utoipa::path(get, path = paths::PHONE_WECHAT_OAUTH_CALLBACK, tag = "provider sync", params(WechatCallback),
    responses(
        (status = 303, description = "back to the phone page: signed in, or with `sign_in_error`, `reason` and `request_id` in the query"),
        (status = 403, description = "a page saying the sign-in is unknown, spent or expired"),
    ))]
async fn wechat_callback(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<WechatCallback>,
    headers: HeaderMap,
    Extension(request_id): Extension<RequestId>,
    Extension(asked): Extension<Lang>,
) -> Result<Response, AppError> {
    let returned = Returned {
        kind: TicketKind::ProviderSync,
        sign_in_state: query.state.as_deref(),
        request_id: &request_id,
        asked,
    };
    let code = query.code.as_deref().filter(|c| !c.is_empty());
    callback(&state, &headers, returned, async |ticket, browser_hash| {
        let Some(code) = code else {
            return Err(refused_by_provider(ticket, "no code (the user declined)"));
        };
        let openid = (state.identity.wechat_openid(code).await)
            .map_err(|e| refused_by_provider(ticket, e))?;
        let user = (state.upstream.wechat_user(&openid).await)
            .map_err(|e| refused_by_provider(ticket, e))?;
        Ok(PhoneSignIn {
            browser_hash,
            identity: openid,
            name: user.map(|u| u.nickname).unwrap_or_default(),
            sealed_grant: None,
        })
    })
    .await
}

/// Alipay sends the phone back here: the `app_auth_code` is exchanged at the gateway for the
/// user ID and the app auth token (sealed), recorded on the ticket.
#[utoipa::path(get, path = paths::PHONE_ALIPAY_OAUTH_CALLBACK, tag = "sub-merchants", params(AlipayCallback),
    responses(
        (status = 303, description = "back to the phone page: signed in, or with `sign_in_error`, `reason` and `request_id` in the query"),
        (status = 403, description = "a page saying the sign-in is unknown, spent or expired"),
    ))]
async fn alipay_callback(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<AlipayCallback>,
    headers: HeaderMap,
    Extension(request_id): Extension<RequestId>,
    Extension(asked): Extension<Lang>,
) -> Result<Response, AppError> {
    let returned = Returned {
        kind: TicketKind::AlipayAuthorization,
        sign_in_state: query.state.as_deref(),
        request_id: &request_id,
        asked,
    };
    let code = query.app_auth_code.as_deref().filter(|c| !c.is_empty());
    callback(&state, &headers, returned, async |ticket, browser_hash| {
        let Some(code) = code else {
            return Err(refused_by_provider(ticket, "no app_auth_code (declined)"));
        };
        let grant = (state
            .identity
            .alipay_grant(code, state.clock.now_ms())
            .await)
            .map_err(|e| refused_by_provider(ticket, e))?;
        let sealed = state
            .vault
            .seal(
                grant.app_auth_token.expose(),
                &phone::ticket_grant_context(&ticket.id),
            )
            .map_err(AppError::internal)?;
        Ok(PhoneSignIn {
            browser_hash,
            identity: grant.user_id,
            // Alipay's answer names the user by ID only.
            name: String::new(),
            sealed_grant: Some(sealed),
        })
    })
    .await
}

/// What came back from the identity provider, besides its code.
struct Returned<'a> {
    kind: TicketKind,
    sign_in_state: Option<&'a str>,
    request_id: &'a RequestId,
    /// The callback request's own language.
    asked: Lang,
}

/// Both callbacks around the provider's own exchange: the state's ticket (this browser's,
/// still open), the sign-in `exchange` makes of the provider's code recorded on it, and the
/// phone sent back to its page, or shown why not, in the language of the round trip.
async fn callback(
    state: &AppState,
    headers: &HeaderMap,
    returned: Returned<'_>,
    exchange: impl AsyncFnOnce(&TicketRecord, String) -> Result<PhoneSignIn, Stop>,
) -> Result<Response, AppError> {
    let sign_in_state = returned.sign_in_state;
    let lang = round_trip_lang(state, sign_in_state, returned.asked).await;
    let result = async {
        let (ticket, browser_hash) =
            ticket_of_state(state, headers, returned.kind, sign_in_state).await?;
        let sign_in = exchange(&ticket, browser_hash).await?;
        record(state, ticket, sign_in).await
    }
    .await;
    answer(result, lang, returned.request_id)
}
