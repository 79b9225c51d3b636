//! 服务商账户管理(新): the account's WeChat Maidan providers.

use axum::extract::State;
use domain::api::{ListQuery, Page, ProviderSummary};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::ApiQuery;
use crate::{AppError, AppState, auth::ProviderSession, error::ApiJson};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_providers))
}

/// The account's providers, searchable by name or provider ID, a page at a time.
#[utoipa::path(get, path = "/providers", tag = "providers", params(ListQuery),
    responses((status = 200, body = Page<ProviderSummary>), (status = 401, body = domain::ErrorEnvelope)))]
async fn list_providers(
    State(state): State<AppState>,
    session: ProviderSession,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<ApiJson<Page<ProviderSummary>>, AppError> {
    crate::error::FieldErrors::refuse(query.check())?;
    let (page, page_size) = query.paging();
    let crate::store::Page { items, total } = state
        .store
        .list_providers(session.account.id.as_str(), query.search(), page, page_size)
        .await?;
    Ok(ApiJson(Page {
        items,
        total,
        page,
        page_size,
    }))
}
