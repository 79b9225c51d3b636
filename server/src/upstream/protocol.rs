//! The console's HTTP protocol with the WeChat Maidan upstream (`/maidan/v1/`, documented in
//! `docs/upstream-protocol.md`): the request signature both sides compute, and the JSON the
//! routes carry. [`super::http::HttpUpstream`] speaks it; the sandbox serves it
//! ([`super::sandbox_server`]).

use std::{collections::HashMap, sync::Mutex};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{UpstreamProvider, UpstreamSubMerchant, UpstreamTransaction};

/// Every route of the protocol lives under this prefix.
pub const PREFIX: &str = "/maidan/v1";

/// Who is calling (the console's app ID with the upstream).
pub const APP_ID: &str = "x-maidan-app-id";
/// Unix seconds when the request was signed.
pub const TIMESTAMP: &str = "x-maidan-timestamp";
/// 128 random bits in hex, never used twice.
pub const NONCE: &str = "x-maidan-nonce";
/// Lower-case hex HMAC-SHA256 of [`string_to_sign`] with the shared secret.
pub const SIGNATURE: &str = "x-maidan-signature";

/// How far a request's timestamp may be from the receiver's clock.
pub const MAX_SKEW_S: i64 = 300;

/// What is signed: method, path with query, timestamp, nonce and the body's SHA-256, one per
/// line.
pub fn string_to_sign(
    method: &str,
    path_and_query: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> String {
    format!(
        "{}\n{path_and_query}\n{timestamp}\n{nonce}\n{}",
        method.to_ascii_uppercase(),
        crate::auth::hex(&Sha256::digest(body))
    )
}

fn mac(secret: &str) -> Hmac<Sha256> {
    // HMAC accepts a key of any length.
    <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
}

/// The signature of a request.
pub fn sign(secret: &str, text: &str) -> String {
    let mut mac = mac(secret);
    mac.update(text.as_bytes());
    crate::auth::hex(&mac.finalize().into_bytes())
}

/// Whether `signature` (hex) is the signature of `text`, compared in constant time.
pub fn verify(secret: &str, text: &str, signature: &str) -> bool {
    let Some(bytes) = from_hex(signature) else {
        return false;
    };
    let mut mac = mac(secret);
    mac.update(text.as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Nonces seen within the skew window, so that a replayed request is refused.
#[derive(Debug, Default)]
pub struct NonceCache {
    seen: Mutex<HashMap<String, i64>>,
}

impl NonceCache {
    /// True the first time a nonce is offered within the window; false for a replay.
    pub fn first_use(&self, nonce: &str, now_s: i64) -> bool {
        let Ok(mut seen) = self.seen.lock() else {
            return false;
        };
        if seen.len() > 4_096 {
            seen.retain(|_, at| now_s - *at <= 2 * MAX_SKEW_S);
        }
        if seen.contains_key(nonce) {
            return false;
        }
        seen.insert(nonce.to_owned(), now_s);
        true
    }
}

/// An error answer of the protocol (`{"error": …}`), with the HTTP status that carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum WireError {
    /// 401: a missing or wrong signature, a stale timestamp, a replayed nonce.
    Unauthorized { message: String },
    /// 404: no such provider, merchant or user.
    NotFound { message: String },
    /// 422: WeChat refuses to send a binding code or to bind (the binding flow).
    BindingRefused(super::BindingRefusal),
    /// 429: a binding code was sent a moment ago.
    Cooldown { retry_after_s: u64 },
    /// 400: the request is malformed.
    BadRequest { message: String },
    /// 503: the upstream cannot answer now; worth retrying.
    Unavailable { message: String },
}

impl WireError {
    pub fn status(&self) -> u16 {
        match self {
            WireError::Unauthorized { .. } => 401,
            WireError::NotFound { .. } => 404,
            WireError::BindingRefused(_) => 422,
            WireError::Cooldown { .. } => 429,
            WireError::BadRequest { .. } => 400,
            WireError::Unavailable { .. } => 503,
        }
    }
}

/// `{"error": WireError}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireErrorBody {
    pub error: WireError,
}

/// `GET /maidan/v1/providers/{provider_id}/sub-merchants?cursor=&limit=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubMerchantPageBody {
    pub items: Vec<UpstreamSubMerchant>,
    pub next_cursor: Option<u64>,
    pub total: u64,
}

/// `GET /maidan/v1/wechat-users/{openid}/providers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvidersBody {
    pub items: Vec<UpstreamProvider>,
}

/// `GET /maidan/v1/merchants/{merchant_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantBody {
    pub merchant_id: String,
    pub maidan_opened: bool,
}

/// `POST /maidan/v1/merchants/{merchant_id}/binding-codes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingCodeRequest {
    pub mobile: String,
}

/// Its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingCodeBody {
    pub cooldown_s: u64,
    pub expires_in_s: u64,
}

/// `POST /maidan/v1/transactions/query`: the histories of several sub-merchants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionsQuery {
    pub merchant_ids: Vec<String>,
}

/// Its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionsBody {
    pub items: Vec<UpstreamTransaction>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_the_same_request_and_secret() {
        let text = string_to_sign("get", "/maidan/v1/x?a=1", "1700000000", "ab", b"");
        assert!(text.starts_with("GET\n/maidan/v1/x?a=1\n1700000000\nab\n"));
        assert!(text.ends_with("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        let signature = sign("secret", &text);
        assert_eq!(signature.len(), 64);
        assert!(verify("secret", &text, &signature));
        assert!(!verify("other", &text, &signature));
        let changed = string_to_sign("get", "/maidan/v1/x?a=2", "1700000000", "ab", b"");
        assert!(!verify("secret", &changed, &signature));
        assert!(!verify("secret", &text, "zz"));
    }

    #[test]
    fn a_nonce_is_accepted_once() {
        let cache = NonceCache::default();
        assert!(cache.first_use("n1", 100));
        assert!(!cache.first_use("n1", 101));
        assert!(cache.first_use("n2", 101));
    }
}
