//! The account's sub-merchants, filtered by provider, channel and text: a page at a time, or
//! all of them as CSV.

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use domain::{
    ErrorCode,
    api::{AccountRole, ListQuery, Page, SubMerchantQuery, SubMerchantSummary, WechatChannel},
    paths,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppError, AppState,
    http::{ApiJson, ApiQuery, CurrentSession, SessionCookie},
    store::SubMerchantFilter,
};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sub_merchants))
        .routes(routes!(export_sub_merchants))
}

fn sub_merchant_filter(
    query: &SubMerchantQuery,
) -> Result<(Option<WechatChannel>, ListQuery), AppError> {
    let channel = match query.channel.as_deref() {
        None => None,
        Some(c) => Some(
            domain::rules::choice(c, &WechatChannel::ALL, WechatChannel::as_str)
                .map_err(|e| AppError::field("channel", e))?,
        ),
    };
    let paging = ListQuery {
        q: query.q.clone(),
        page: query.page,
        page_size: query.page_size,
    };
    crate::error::FieldErrors::refuse(paging.check())?;
    Ok((channel, paging))
}

/// One CSV cell: quoted when needed, and never read as a formula by a spreadsheet (a cell that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`).
fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The filtered sub-merchant list as CSV, streamed page by page (UTF-8 with BOM, so that
/// spreadsheet programs read the Chinese correctly).
#[utoipa::path(get, path = paths::SUB_MERCHANTS_CSV, tag = "sub-merchants", params(SubMerchantQuery),
    responses((status = 200, content_type = "text/csv")))]
async fn export_sub_merchants(
    State(state): State<AppState>,
    session: CurrentSession,
    ApiQuery(query): ApiQuery<SubMerchantQuery>,
    axum::Extension(lang): axum::Extension<domain::Lang>,
) -> Result<Response, AppError> {
    let (channel, paging) = sub_merchant_filter(&query)?;
    let account = session.account.id.to_string();
    let assigned = (session.account.role == AccountRole::SubProvider).then(|| account.clone());
    let provider = query.provider_id.clone().filter(|p| !p.is_empty());
    let search = paging.search().map(str::to_owned);
    // The header and the words in the requester's language (Accept-Language).
    let header = lang.pick(
        "\u{feff}子商户名称,微信支付商户号,服务商,服务商ID,微信支付渠道,已开通微信买单,子服务商账号,密钥已设置\n",
        "\u{feff}Sub-merchant,WeChat Pay merchant ID,Provider,Provider ID,WeChat Pay channel,WeChat Maidan opened,Sub-provider account,Keys set\n",
    );
    let yes_no = move |value: bool| {
        if value {
            lang.pick("是", "yes")
        } else {
            lang.pick("否", "no")
        }
    };
    let pages = futures_util::stream::unfold(Some(1_u32), move |next| {
        let (state, account, provider, search, assigned) = (
            state.clone(),
            account.clone(),
            provider.clone(),
            search.clone(),
            assigned.clone(),
        );
        async move {
            let page = next?;
            let filter = SubMerchantFilter {
                assigned_to: assigned.as_deref(),
                provider_id: provider.as_deref(),
                channel,
                search: search.as_deref(),
            };
            const ROWS: u32 = 1_000;
            let result = state
                .store
                .list_sub_merchants(&account, &filter, page, ROWS)
                .await;
            let crate::store::Page { items, total } = match result {
                Ok(found) => found,
                Err(e) => return Some((Err(std::io::Error::other(e.to_string())), None)),
            };
            let mut chunk = String::new();
            for m in &items {
                let row = [
                    csv_cell(&m.name),
                    csv_cell(&m.merchant_id),
                    csv_cell(&m.provider_name),
                    csv_cell(&m.provider_id),
                    m.channel.label(lang).to_owned(),
                    yes_no(m.maidan_opened).to_owned(),
                    csv_cell(m.sub_provider_account_id.as_deref().unwrap_or_default()),
                    yes_no(m.keys_set).to_owned(),
                ];
                chunk.push_str(&row.join(","));
                chunk.push('\n');
            }
            let more = u64::from(page) * u64::from(ROWS) < total;
            Some((Ok(axum::body::Bytes::from(chunk)), more.then_some(page + 1)))
        }
    });
    // Fused: a compressing body may look once more after the end.
    let body = futures_util::StreamExt::fuse(futures_util::StreamExt::chain(
        futures_util::stream::once(
            async move { Ok(axum::body::Bytes::from_static(header.as_bytes())) },
        ),
        pages,
    ));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"sub-merchants.csv\""),
            ),
        ],
        axum::body::Body::from_stream(body),
    )
        .into_response())
}

/// The account's sub-merchants, filtered by provider, channel and text, a page at a time.
#[utoipa::path(get, path = paths::SUB_MERCHANTS, tag = "sub-merchants", params(SubMerchantQuery),
    responses((status = 200, body = Page<SubMerchantSummary>)))]
async fn list_sub_merchants(
    State(state): State<AppState>,
    session: SessionCookie,
    ApiQuery(query): ApiQuery<SubMerchantQuery>,
) -> Result<ApiJson<Page<SubMerchantSummary>>, AppError> {
    let (channel, paging) = sub_merchant_filter(&query)?;
    let (page, page_size) = paging.paging();
    // Narrowed to what the session's account may see by the store, which checks the session
    // in the same read.
    let filter = SubMerchantFilter {
        assigned_to: None,
        provider_id: query.provider_id.as_deref().filter(|p| !p.is_empty()),
        channel,
        search: paging.search(),
    };
    let read = state
        .store
        .list_sub_merchants_in_session(session.check(&state), &filter, page, page_size)
        .await?;
    let crate::store::InSession::Read(found) = read else {
        return Err(AppError::new(ErrorCode::Unauthenticated));
    };
    Ok(crate::respond::page(found, page, page_size))
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised_and_quoted_cells_escaped() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(
                csv_cell(formula).trim_start_matches('"').starts_with('\''),
                "{formula:?}"
            );
        }
        assert_eq!(csv_cell("杭州·小林面馆"), "杭州·小林面馆");
        assert_eq!(csv_cell("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(csv_cell("=x,y"), "\"'=x,y\"");
    }
}
