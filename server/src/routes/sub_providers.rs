//! 子服务商: the partners a provider account registers; a sub-merchant can only be moved to
//! one of them. Every change is audited.

use axum::{extract::State, http::StatusCode};
use domain::{
    FieldError,
    api::{AuditAction, SubProvider},
    paths,
    rules::AccountId,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit::AuditTarget;
use crate::store::{SubProviderSaved, SubProviderWrite};
use crate::{
    AppError, AppState,
    error::FieldErrors,
    http::{ApiJson, ApiPath, CurrentSession, ProviderSession},
    store::NewAuditEvent,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sub_providers, add_sub_provider))
        .routes(routes!(update_sub_provider))
}

fn checked(sub_provider: &SubProvider) -> Result<SubProvider, AppError> {
    let mut errors = FieldErrors::default();
    for (field, error) in sub_provider.check() {
        errors.check::<()>(field, Err(error));
    }
    errors.finish()?;
    Ok(SubProvider {
        account_id: sub_provider.account_id.trim().to_owned(),
        name: sub_provider.name.trim().to_owned(),
        rebate_ratio: sub_provider.rebate_ratio.trim().to_owned(),
        remark: sub_provider.remark.trim().to_owned(),
    })
}

/// Registers or changes a sub-provider with its audit event.
async fn save(
    state: &AppState,
    session: &CurrentSession,
    sub_provider: &SubProvider,
    write: SubProviderWrite,
) -> Result<SubProviderSaved, AppError> {
    let account = session.account.id.to_string();
    let action = match write {
        SubProviderWrite::Register => AuditAction::SubProviderCreated,
        SubProviderWrite::Change => AuditAction::SubProviderUpdated,
    };
    let event = NewAuditEvent::new(
        &account,
        action,
        AuditTarget::SubProvider(&sub_provider.account_id),
        state.clock.now_ms(),
    );
    Ok(state
        .store
        .save_sub_provider(&account, sub_provider, write, event.at_ms, Some(&event))
        .await?)
}

/// The account's sub-providers.
#[utoipa::path(get, path = paths::SUB_PROVIDERS, tag = "sub-providers",
    responses((status = 200, body = Vec<SubProvider>)))]
async fn list_sub_providers(
    State(state): State<AppState>,
    session: ProviderSession,
) -> Result<ApiJson<Vec<SubProvider>>, AppError> {
    Ok(ApiJson(
        state
            .store
            .sub_providers(session.account.id.as_str())
            .await?,
    ))
}

/// Registers a sub-provider by its Tencent Cloud account ID.
#[utoipa::path(post, path = paths::SUB_PROVIDERS, tag = "sub-providers", request_body = SubProvider,
    responses((status = 201, body = SubProvider), (status = 422, body = domain::ErrorEnvelope)))]
async fn add_sub_provider(
    State(state): State<AppState>,
    session: ProviderSession,
    ApiJson(request): ApiJson<SubProvider>,
) -> Result<(StatusCode, ApiJson<SubProvider>), AppError> {
    let sub_provider = checked(&request)?;
    match save(&state, &session, &sub_provider, SubProviderWrite::Register).await? {
        SubProviderSaved::Saved => Ok((StatusCode::CREATED, ApiJson(sub_provider))),
        SubProviderSaved::AlreadyRegistered | SubProviderSaved::NotRegistered => {
            Err(AppError::field("account_id", FieldError::AlreadyExists))
        }
    }
}

/// Changes a sub-provider's name, rebate ratio or remark (its account ID is its identity: the
/// body's must be well-formed, and the path's is the one kept).
#[utoipa::path(put, path = paths::SUB_PROVIDER, tag = "sub-providers",
    params(("account_id" = String, Path, description = "the sub-provider's Tencent Cloud account ID")),
    request_body = SubProvider,
    responses((status = 200, body = SubProvider), (status = 404, body = domain::ErrorEnvelope)))]
async fn update_sub_provider(
    State(state): State<AppState>,
    session: ProviderSession,
    ApiPath(account_id): ApiPath<String>,
    ApiJson(request): ApiJson<SubProvider>,
) -> Result<ApiJson<SubProvider>, AppError> {
    // The path names the sub-provider; the body's account ID obeys its rule but changes nothing
    // (an account ID is a sub-provider's identity).
    let account_id = AccountId::parse(&account_id).map_err(|_| AppError::not_found())?;
    let mut sub_provider = checked(&request)?;
    sub_provider.account_id = account_id.to_string();
    match save(&state, &session, &sub_provider, SubProviderWrite::Change).await? {
        SubProviderSaved::Saved => Ok(ApiJson(sub_provider)),
        SubProviderSaved::AlreadyRegistered | SubProviderSaved::NotRegistered => {
            Err(AppError::not_found())
        }
    }
}
