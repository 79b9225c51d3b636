//! Jobs: the sub-merchant sync, started and listed, and any job followed by polling.

use domain::api::Job;
use gloo_net::http::Request;

use super::{
    ApiError, BASE,
    transport::{Polled, json, poll, send, with_lang},
};

/// `POST /sub-merchant-syncs`: starts (or joins) the sub-merchant sync.
pub async fn start_sub_merchant_sync() -> Result<Job, ApiError> {
    json(send(with_lang(Request::post(&format!("{BASE}/sub-merchant-syncs"))).build()).await?).await
}

/// `GET /jobs?kind=sub_merchant_sync`: the account's recent syncs, newest first.
pub async fn sub_merchant_syncs() -> Result<Vec<Job>, ApiError> {
    let url = format!("{BASE}/jobs?kind=sub_merchant_sync");
    json(send(with_lang(Request::get(&url)).build()).await?).await
}

/// `GET /jobs/{id}` with `If-None-Match`.
pub async fn poll_job(id: &str, etag: Option<&str>) -> Result<Polled<Job>, ApiError> {
    poll(&format!("{BASE}/jobs/{id}"), etag).await
}
