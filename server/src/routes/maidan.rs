//! 开通微信买单 from a phone: 已有商户号？立即绑定. The phone page asks WeChat for an SMS code,
//! then binds the merchant ID with its registered mobile and settlement card. Every field is
//! checked by the rule the phone applied; then a mobile, card or code that does not match is one
//! answer (信息不匹配, counted against the code's five tries), so that none is confirmed alone.

use axum::{extract::State, http::StatusCode};
use domain::{
    ErrorCode, FieldError,
    api::{MaidanBinding, MaidanBound, MaidanSmsRequest, MaidanSmsSent},
    error::ErrorReason,
    paths, rules,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppError, AppState,
    error::FieldErrors,
    http::{ApiJson, ClientIp, rate_limit},
    store::BindingCodeRequest,
    upstream::{BindingError, BindingRefusal},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send_code))
        .routes(routes!(bind))
}

fn refused(error: BindingError) -> AppError {
    match error {
        BindingError::Refused(BindingRefusal::UnknownMerchant) => {
            AppError::field("merchant_id", FieldError::UnknownMerchant)
        }
        BindingError::Refused(BindingRefusal::CodeExpired) => {
            AppError::field("code", FieldError::CodeExpired)
        }
        BindingError::Refused(BindingRefusal::DetailsMismatch { tries_left }) => {
            AppError::field("code", FieldError::BindingMismatch { left: tries_left })
        }
        BindingError::Cooldown(seconds) => {
            AppError::new(ErrorCode::RateLimited).with_retry_after(seconds)
        }
        BindingError::Upstream(e) => AppError::internal(format!("binding upstream: {e}")),
    }
}

/// 获取验证码: WeChat texts a code to the mobile (one a minute per mobile; five an hour per
/// merchant ID and mobile, and per client address: requests to other mobiles, a stranger's,
/// do not spend the allowance of the merchant's registered one).
#[utoipa::path(post, path = paths::PHONE_MAIDAN_SMS_CODES, tag = "maidan", request_body = MaidanSmsRequest,
    responses(
        (status = 201, body = MaidanSmsSent),
        (status = 422, body = domain::ErrorEnvelope),
        (status = 429, body = domain::ErrorEnvelope),
    ))]
async fn send_code(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(request): ApiJson<MaidanSmsRequest>,
) -> Result<(StatusCode, ApiJson<MaidanSmsSent>), AppError> {
    let mut errors = FieldErrors::default();
    let merchant_id = errors.check("merchant_id", rules::merchant_id(&request.merchant_id));
    let mobile = errors.check("mobile", rules::mobile(&request.mobile));
    errors.finish()?;
    let (Some(merchant_id), Some(mobile)) = (merchant_id, mobile) else {
        return Err(AppError::new(ErrorCode::Validation));
    };
    let now = state.clock.now_ms();
    let code_request = BindingCodeRequest {
        merchant_id,
        mobile,
        ip: &rate_limit::bucket(&ip),
        at_ms: now,
    };
    // The sandbox's unlimited addresses (SANDBOX_UNLIMITED_ADDRESSES) are not counted.
    let limited = if state.settings.unlimited(&ip) {
        None
    } else {
        state
            .store
            .admit_binding_code(
                &code_request,
                now - 3_600_000,
                state.settings.binding_codes_per_hour,
            )
            .await?
    };
    if let Some(wait_ms) = limited {
        return Err(AppError::new(ErrorCode::RateLimited)
            .with_reason(ErrorReason::TooManyCodes)
            .with_retry_after(crate::clock::seconds_until(wait_ms, 0)));
    }
    let sent = state
        .upstream
        .send_binding_code(merchant_id, mobile)
        .await
        .map_err(refused)?;
    Ok((
        StatusCode::CREATED,
        ApiJson(MaidanSmsSent {
            cooldown_s: sent.cooldown_s,
            expires_in_s: sent.expires_in_s,
            sandbox_code: sent.sandbox_code,
        }),
    ))
}

/// 已有商户号？立即绑定: opens WeChat Maidan for the merchant ID.
#[utoipa::path(post, path = paths::PHONE_MAIDAN_BINDINGS, tag = "maidan", request_body = MaidanBinding,
    responses((status = 201, body = MaidanBound), (status = 422, body = domain::ErrorEnvelope)))]
async fn bind(
    State(state): State<AppState>,
    ApiJson(binding): ApiJson<MaidanBinding>,
) -> Result<(StatusCode, ApiJson<MaidanBound>), AppError> {
    let mut errors = FieldErrors::default();
    for (field, error) in binding.check() {
        errors.check::<()>(field, Err(error));
    }
    errors.finish()?;
    state
        .upstream
        .bind_merchant(&binding)
        .await
        .map_err(refused)?;
    let merchant_id = binding.merchant_id.trim().to_owned();
    state.store.mark_maidan_opened(&merchant_id).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(MaidanBound {
            merchant_id,
            maidan_opened: true,
        }),
    ))
}
