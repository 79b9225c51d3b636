//! 重置认证密钥和签名公私钥: a sub-merchant's keys. The browser makes the RSASSA-PSS key pair
//! and sends only the public key; the server makes the authentication key, keeps it sealed,
//! and returns it once.

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::Response,
};
use domain::api::{AuditAction, AuthenticationType, KeyReset, KeyResetIssued, SignatureType};
use domain::paths;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit::AuditTarget;
use crate::{
    AppError, AppState,
    http::{ApiJson, ApiPath, ProviderSession, changeable_sub_merchant},
    keys,
    respond::created,
    store::{Change, NewAuditEvent, StoredKeys},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(reset_keys))
}

pub use crate::sealing::authentication_key_context;

/// Replaces the sub-merchant's authentication key and signing public key at once: devices using
/// the old keys stop working. The new authentication key is in this answer only.
#[utoipa::path(post, path = paths::SUB_MERCHANT_KEY_RESETS, tag = "sub-merchants",
    params(("id" = i64, Path, description = "the sub-merchant's console ID")),
    request_body = KeyReset,
    responses(
        (status = 201, body = KeyResetIssued, description = "sent once, `Cache-Control: no-store`"),
        (status = 404, body = domain::ErrorEnvelope),
        (status = 422, body = domain::ErrorEnvelope, description = "not an RSA 2048 SPKI public key"),
    ))]
async fn reset_keys(
    State(state): State<AppState>,
    session: ProviderSession,
    ApiPath(id): ApiPath<i64>,
    ApiJson(reset): ApiJson<KeyReset>,
) -> Result<Response, AppError> {
    changeable_sub_merchant(&state, &session, id).await?;
    let account = session.account.id.to_string();
    let (_, der) = keys::signing_public_key(&reset.signing_public_key)
        .map_err(|e| AppError::field("signing_public_key", e))?;
    let authentication_key = keys::authentication_key().map_err(AppError::internal)?;
    let now = state.clock.now_ms();
    let stored = StoredKeys {
        authentication_type: AuthenticationType::HmacSha256,
        signature_type: SignatureType::RsassaPss2048Sha256,
        authentication_key_sealed: state
            .vault
            .seal(&authentication_key, &authentication_key_context(id))
            .map_err(AppError::internal)?,
        authentication_key_last4: authentication_key[authentication_key.len() - 4..].to_owned(),
        signing_public_key: base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            &der,
        ),
        public_key_sha256: keys::sha256_hex(&der),
        reset_at_ms: now,
        reset_by: account.clone(),
    };
    let audit = NewAuditEvent::new(
        &account,
        AuditAction::SubMerchantKeysReset,
        AuditTarget::SubMerchant(id),
        now,
    );
    let reset = state
        .store
        .reset_sub_merchant_keys(&account, id, &stored, &audit)
        .await?;
    if reset == Change::NotFound {
        return Err(AppError::not_found());
    }
    let issued = KeyResetIssued {
        authentication_key: authentication_key.into(),
        keys: StoredKeys::view(&stored),
    };
    let mut response = created(&format!("/api/v1/sub-merchants/{id}"), issued)?;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
        .extensions_mut()
        .insert(crate::respond::Uncompressed);
    Ok(response)
}
