//! What happened on the account: its transactions and its audit log.

use domain::api::{AuditEvent, ListQuery, Page, TransactionPage, TransactionQuery};
use gloo_net::http::Request;

use super::{
    ApiError, BASE,
    transport::{json, list_query, number, query_string, send, text, with_lang},
};

/// `GET /transactions?…`.
pub async fn transactions(query: &TransactionQuery) -> Result<TransactionPage, ApiError> {
    let query = query_string(&[
        ("sub_merchant_id", number(query.sub_merchant_id)),
        ("q", text(&query.q)),
        (
            "sub_provider_account_id",
            text(&query.sub_provider_account_id),
        ),
        ("from", text(&query.from)),
        ("to", text(&query.to)),
        ("page", number(query.page)),
        ("page_size", number(query.page_size)),
    ]);
    let url = format!("{BASE}/transactions?{query}");
    json(send(with_lang(Request::get(&url)).build()).await?).await
}

/// `GET /audit-events`: the account's activity log.
pub async fn audit_events(query: &ListQuery) -> Result<Page<AuditEvent>, ApiError> {
    let url = format!("{BASE}/audit-events?{}", list_query(query));
    json(send(with_lang(Request::get(&url)).build()).await?).await
}
