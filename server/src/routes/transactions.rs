//! 交易查询: a sub-merchant's payments as Cloud Pay recorded them, filtered by sub-merchant
//! (its 微信支付商户号 or name), sub-provider and dates, with the totals of the whole filter. While a re-attribution that
//! touches the filter runs, the answer says the totals are changing.

use axum::extract::State;
use domain::{
    api::{JobKind, ListQuery, TransactionPage, TransactionQuery},
    paths, rules,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppError, AppState,
    error::FieldErrors,
    http::{ApiJson, ApiQuery, CurrentSession},
    store::{TransactionFilter, Viewer},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_transactions))
}

/// Dates are days of China Standard Time (UTC+8).
const DAY_MS: i64 = 86_400_000;
const CST_OFFSET_MS: i64 = 8 * 3_600_000;

/// Transactions the signed-in account may see, a page at a time, with count and amount.
#[utoipa::path(get, path = paths::TRANSACTIONS, tag = "transactions", params(TransactionQuery),
    responses((status = 200, body = TransactionPage), (status = 422, body = domain::ErrorEnvelope)))]
async fn list_transactions(
    State(state): State<AppState>,
    session: CurrentSession,
    ApiQuery(query): ApiQuery<TransactionQuery>,
) -> Result<ApiJson<TransactionPage>, AppError> {
    let mut errors = FieldErrors::default();
    errors.check_all(domain::api::check_paging(
        query.page,
        query.page_size,
        query.q.as_deref(),
    ));
    let merchant = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    // A filter that is present must be valid (the console leaves unset filters out).
    let from = query
        .from
        .as_deref()
        .and_then(|v| errors.check("from", rules::date(v)));
    let to = query
        .to
        .as_deref()
        .and_then(|v| errors.check("to", rules::date(v)));
    let sub_provider = query
        .sub_provider_account_id
        .as_deref()
        .and_then(|v| errors.check("sub_provider_account_id", rules::AccountId::parse(v)))
        .map(|id| id.to_string());
    errors.finish()?;
    let (page, page_size) = ListQuery {
        q: None,
        page: query.page,
        page_size: query.page_size,
    }
    .paging();
    let filter = TransactionFilter {
        sub_merchant_id: query.sub_merchant_id,
        merchant,
        sub_provider_account_id: sub_provider.as_deref(),
        from_ms: from.map(|d| d * DAY_MS - CST_OFFSET_MS),
        to_ms: to.map(|d| (d + 1) * DAY_MS - CST_OFFSET_MS),
    };
    let who = session.viewer();
    let crate::store::TransactionPage {
        items,
        total,
        amount_fen,
    } = state
        .store
        .list_transactions(who, &filter, page, page_size)
        .await?;
    // A running re-attribution moves transactions between sub-providers: the totals of a
    // filter on its sub-merchant, on a sub-provider, or on everything are changing.
    let changing = match who {
        Viewer::Provider(account) => match query.sub_merchant_id {
            Some(id) => state
                .store
                .active_job(account, JobKind::Reattribution, &id.to_string())
                .await?
                .is_some(),
            None => {
                crate::jobs::any_active(state.store.as_ref(), account, Some(JobKind::Reattribution))
                    .await?
            }
        },
        Viewer::SubProvider(_) => false,
    };
    Ok(ApiJson(TransactionPage {
        items,
        total,
        amount_fen,
        page,
        page_size,
        changing,
    }))
}
