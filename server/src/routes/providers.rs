//! 服务商账户管理(新): the account's WeChat Maidan providers, and unbinding one synced by
//! mistake.

use axum::{extract::State, http::StatusCode};
use domain::{
    ErrorCode,
    api::{AuditAction, ListQuery, Page, ProviderSummary, UnbindProvider},
    paths,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppError, AppState,
    audit::AuditTarget,
    error::FieldErrors,
    http::{ApiJson, ApiPath, ApiQuery, ProviderSession},
    store::{Change, NewAuditEvent},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_providers))
        .routes(routes!(unbind_provider))
}

/// The account's providers, searchable by name or provider ID, a page at a time.
#[utoipa::path(get, path = paths::PROVIDERS, tag = "providers", params(ListQuery),
    responses((status = 200, body = Page<ProviderSummary>), (status = 401, body = domain::ErrorEnvelope)))]
async fn list_providers(
    State(state): State<AppState>,
    session: ProviderSession,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<ApiJson<Page<ProviderSummary>>, AppError> {
    FieldErrors::refuse(query.check())?;
    let (page, page_size) = query.paging();
    let found = state
        .store
        .list_providers(session.account.id.as_str(), query.search(), page, page_size)
        .await?;
    Ok(crate::respond::page(found, page, page_size))
}

/// 解绑: removes a provider synced by mistake, with its sub-merchants (their keys and
/// transactions), once its ID is typed as confirmation. Refused while a sync or a
/// re-attribution runs in the account. A later provider sync may bind it again.
#[utoipa::path(delete, path = paths::PROVIDER, tag = "providers",
    params(("id" = String, Path, description = "the provider ID")), request_body = UnbindProvider,
    responses(
        (status = 204),
        (status = 404, body = domain::ErrorEnvelope),
        (status = 409, body = domain::ErrorEnvelope),
        (status = 422, body = domain::ErrorEnvelope),
    ))]
async fn unbind_provider(
    State(state): State<AppState>,
    session: ProviderSession,
    ApiPath(provider_id): ApiPath<String>,
    ApiJson(request): ApiJson<UnbindProvider>,
) -> Result<StatusCode, AppError> {
    let account = session.account.id.as_str();
    // Another account's provider is not found, whatever was typed.
    if state.store.provider(account, &provider_id).await?.is_none() {
        return Err(AppError::not_found());
    }
    FieldErrors::refuse(request.check(&provider_id))?;
    if crate::jobs::any_active(state.store.as_ref(), account, None).await? {
        return Err(AppError::new(ErrorCode::JobRunning));
    }
    let audit = NewAuditEvent::new(
        account,
        AuditAction::ProviderUnbound,
        AuditTarget::Provider(&provider_id),
        state.clock.now_ms(),
    );
    match state.store.unbind_provider(&provider_id, &audit).await? {
        Change::Made => Ok(StatusCode::NO_CONTENT),
        Change::NotFound => Err(AppError::not_found()),
    }
}
