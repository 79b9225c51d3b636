//! The console session of a request: its cookie, and the extractors that find who signed in
//! ([`CurrentSession`], [`ProviderSession`], [`SessionCookie`]).

use axum::{
    extract::{FromRequestParts, OptionalFromRequestParts},
    http::{HeaderMap, HeaderValue, request::Parts},
};
use domain::ErrorCode;

use super::{AppState, Settings};
use crate::{
    AppError,
    auth::{CurrentSession, ProviderSession, SessionCookie, cookie, cookie_header, sha256_hex},
    store::{LiveSession, SessionCheck},
};

/// The session cookie's name: `__Host-` prefixed when cookies are secure.
pub fn cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies() {
        "__Host-console_session"
    } else {
        "console_session"
    }
}

/// `Set-Cookie` for a new session, or (with `None`) one that clears it.
pub fn session_cookie(settings: &Settings, token: Option<&str>) -> HeaderValue {
    let max_age_s = token.map_or(0, |_| settings.session_ttl.as_secs());
    cookie_header(
        settings,
        cookie_name(settings),
        token.unwrap_or_default(),
        "Strict",
        max_age_s,
    )
}

/// The session token the request carries, if any.
pub fn session_token<'a>(headers: &'a HeaderMap, settings: &Settings) -> Option<&'a str> {
    cookie(headers, cookie_name(settings))
}

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = session_token(&parts.headers, &state.settings)
            .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
        let token_hash = sha256_hex(token);
        let LiveSession {
            account,
            expires_at_ms,
        } = state
            .store
            .session(
                &token_hash,
                state.clock.now_ms(),
                crate::clock::millis(state.settings.session_idle),
            )
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
        Ok(CurrentSession {
            account,
            token_hash,
            expires_at_ms,
        })
    }
}

impl OptionalFromRequestParts<AppState> for CurrentSession {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, AppError> {
        match <CurrentSession as FromRequestParts<AppState>>::from_request_parts(parts, state).await
        {
            Ok(session) => Ok(Some(session)),
            Err(e) if e.code == ErrorCode::Unauthenticated => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl SessionCookie {
    /// The session to check as of now.
    pub fn check<'a>(&'a self, state: &AppState) -> SessionCheck<'a> {
        SessionCheck {
            token_hash: &self.token_hash,
            now_ms: state.clock.now_ms(),
            idle_ms: crate::clock::millis(state.settings.session_idle),
        }
    }
}

impl FromRequestParts<AppState> for SessionCookie {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = session_token(&parts.headers, &state.settings)
            .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
        Ok(SessionCookie {
            token_hash: sha256_hex(token),
        })
    }
}

impl FromRequestParts<AppState> for ProviderSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let session =
            <CurrentSession as FromRequestParts<AppState>>::from_request_parts(parts, state)
                .await?;
        if session.account.role == domain::api::AccountRole::Provider {
            Ok(ProviderSession(session))
        } else {
            Err(AppError::new(ErrorCode::Forbidden))
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::header;

    use super::*;

    #[test]
    fn the_cookie_is_found_among_others() {
        let settings = Settings::default();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; console_session=tok; b=2"),
        );
        assert_eq!(session_token(&headers, &settings), Some("tok"));
    }

    #[test]
    fn cookies_are_secure_and_host_prefixed_over_https() {
        let settings = Settings {
            public_origin: Some("https://console.example.com".into()),
            ..Settings::default()
        };
        let cookie = session_cookie(&settings, Some("t"));
        let cookie = cookie.to_str().unwrap();
        assert!(cookie.starts_with("__Host-console_session=t;"));
        assert!(cookie.contains("Secure"));
        assert!(cookie.contains("HttpOnly"));
        assert!(cookie.contains("SameSite=Strict"));
    }
}
