//! Passwords, session tokens and the session cookie.
//!
//! A session token is 256 random bits, given to the browser once in an HttpOnly,
//! SameSite=Strict cookie; only its SHA-256 is stored, so a copy of the database opens no
//! session.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, HeaderValue, header, request::Parts},
};
use base64::Engine;
use domain::{ErrorCode, api::Account};
use sha2::{Digest, Sha256};

use crate::{AppError, AppState, Settings};

/// Lower-case hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// SHA-256 of a string, as hex.
pub fn sha256_hex(value: &str) -> String {
    hex(&Sha256::digest(value.as_bytes()))
}

/// An argon2id hash in PHC format. CPU-heavy: call from `spawn_blocking`.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

/// Checks a password against a stored hash. CPU-heavy: call from `spawn_blocking`.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A fresh random token (URL-safe base64 of 32 bytes) and the hash to store for it.
pub fn new_token() -> Result<(String, String), AppError> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(AppError::internal)?;
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = sha256_hex(&token);
    Ok((token, hash))
}

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
    let name = cookie_name(settings);
    let secure = if settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let value = match token {
        Some(token) => format!(
            "{name}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            settings.session_ttl.as_secs()
        ),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session token the request carries, if any.
pub fn session_token<'a>(headers: &'a HeaderMap, settings: &Settings) -> Option<&'a str> {
    let name = cookie_name(settings);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// The signed-in account of a request; rejects with `Unauthenticated` when there is none.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub account: Account,
    pub token_hash: String,
    pub expires_at_ms: i64,
}

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = session_token(&parts.headers, &state.settings)
            .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
        let token_hash = sha256_hex(token);
        let (account, expires_at_ms) = state
            .store
            .session(&token_hash, state.clock.now_ms())
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
        Ok(CurrentSession {
            account,
            token_hash,
            expires_at_ms,
        })
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for CurrentSession {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let hash = hash_password("sandbox-demo").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("sandbox-demo", &hash));
        assert!(!verify_password("sandbox-dem0", &hash));
        assert!(!verify_password("sandbox-demo", "not a hash"));
    }

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, hash_a) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "256 bits in URL-safe base64");
        assert_eq!(hash_a, sha256_hex(&a));
        assert_ne!(hash_a, a);
    }

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
