//! The phone browser that scanned a QR code. It carries an HttpOnly cookie of its own (random,
//! stored only as a hash), so that a sign-in through WeChat or Alipay is bound to the browser
//! that started it, and only that browser can confirm the code afterwards.
//!
//! The cookie is `SameSite=Lax`, not `Strict`: it must come back on the top-level redirect
//! from WeChat's or Alipay's pages to the callback.

use axum::http::{HeaderMap, HeaderValue};

use crate::{
    AppError, Settings,
    auth::{new_token, sha256_hex},
    store::{PhoneSignIn, TicketRecord},
};

/// How long a phone browser keeps its cookie.
const COOKIE_MAX_AGE_S: u64 = 24 * 3600;

/// `__Host-` prefixed when cookies are secure.
pub fn cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies() {
        "__Host-console_phone"
    } else {
        "console_phone"
    }
}

fn token<'a>(headers: &'a HeaderMap, settings: &Settings) -> Option<&'a str> {
    crate::auth::cookie(headers, cookie_name(settings)).filter(|v| v.len() >= 32)
}

/// The hash of this request's phone browser, if it has the cookie.
pub fn browser_hash(headers: &HeaderMap, settings: &Settings) -> Option<String> {
    token(headers, settings).map(sha256_hex)
}

/// This browser's hash, or a new cookie (to set on the answer) and its hash.
pub fn browser_or_new(
    headers: &HeaderMap,
    settings: &Settings,
) -> Result<(String, Option<HeaderValue>), AppError> {
    if let Some(hash) = browser_hash(headers, settings) {
        return Ok((hash, None));
    }
    let (token, hash) = new_token()?;
    let cookie = crate::auth::cookie_header(
        settings,
        cookie_name(settings),
        &token,
        "Lax",
        COOKIE_MAX_AGE_S,
    );
    Ok((hash, Some(cookie)))
}

/// The sign-in recorded on the ticket, when this request comes from the browser that made it.
pub fn signed_in<'a>(
    ticket: &'a TicketRecord,
    headers: &HeaderMap,
    settings: &Settings,
) -> Option<&'a PhoneSignIn> {
    let hash = browser_hash(headers, settings)?;
    ticket.phone.as_ref().filter(|p| p.browser_hash == hash)
}

/// Where an Alipay app auth token is sealed while it waits on its ticket for the confirmation.
pub fn ticket_grant_context(ticket_id: &str) -> String {
    format!("qr_ticket/{ticket_id}/alipay_app_auth_token")
}

/// The phone page a ticket's QR code opens.
pub fn page_path(ticket: &TicketRecord) -> String {
    match ticket.kind {
        crate::store::TicketKind::ProviderSync => {
            domain::navigation::provider_sync_phone_path(&ticket.id)
        }
        crate::store::TicketKind::AlipayAuthorization => {
            domain::navigation::alipay_authorization_phone_path(&ticket.id)
        }
    }
}
