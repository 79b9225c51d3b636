//! How every call travels: in the page's language, with a JSON body written and read by the
//! browser; a refusal decoded into the server's error envelope; a poll conditional on the
//! `ETag` last seen.

use domain::{ErrorEnvelope, api::ListQuery};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;

use super::ApiError;
use crate::i18n::request_lang;

pub(super) fn with_lang(request: RequestBuilder) -> RequestBuilder {
    request
        .header("Accept-Language", request_lang().tag())
        .header("Accept", "application/json")
}

/// The wait a busy server asked for: `retry_after_s` of its envelope, else the seconds of a
/// 429's or a 503's `Retry-After` (a proxy's 503 carries no envelope).
async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    let retry_after = matches!(status, 429 | 503)
        .then(|| response.headers().get("retry-after"))
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    match decode::<ErrorEnvelope>(response).await {
        Ok(mut envelope) => {
            envelope.error.retry_after_s = envelope.error.retry_after_s.or(retry_after);
            ApiError::Api(envelope.error)
        }
        Err(_) => match retry_after {
            Some(seconds) => ApiError::Busy(seconds),
            None => ApiError::Network(format!("HTTP {status}")),
        },
    }
}

pub(super) async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
    let request = request.map_err(|e| ApiError::Network(e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if response.ok() {
        Ok(response)
    } else {
        Err(error_of(response).await)
    }
}

/// A request with a JSON body, written by the browser (`JSON.stringify`).
pub(super) fn with_body<B: serde::Serialize>(
    request: RequestBuilder,
    body: &B,
) -> Result<Request, gloo_net::Error> {
    let value = body
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| gloo_net::Error::GlooError(e.to_string()))?;
    let text = js_sys::JSON::stringify(&value)
        .map_err(|_| gloo_net::Error::GlooError("unserialisable body".to_owned()))?;
    request
        .header("Content-Type", "application/json")
        .body(String::from(text))
}

/// A response's JSON body, parsed by the browser and read into `T`.
async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, String> {
    let text = response.text().await.map_err(|e| e.to_string())?;
    let value = js_sys::JSON::parse(&text).map_err(|_| "invalid JSON".to_owned())?;
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

pub(super) async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    decode(response).await.map_err(ApiError::Network)
}

/// What a conditional poll found.
#[derive(Debug, Clone, PartialEq)]
pub enum Polled<T> {
    /// A new version, with its `ETag`.
    Changed(T, Option<String>),
    /// `304 Not Modified`.
    Unchanged,
}

/// A conditional GET of a resource that changes over time.
pub(super) async fn poll<T: DeserializeOwned>(
    url: &str,
    etag: Option<&str>,
) -> Result<Polled<T>, ApiError> {
    let mut request = with_lang(Request::get(url));
    if let Some(etag) = etag {
        request = request.header("If-None-Match", etag);
    }
    let request = request
        .build()
        .map_err(|e| ApiError::Network(e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    match response.status() {
        304 => Ok(Polled::Unchanged),
        _ if response.ok() => {
            let etag = response.headers().get("etag");
            Ok(Polled::Changed(json(response).await?, etag))
        }
        _ => Err(error_of(response).await),
    }
}

/// The query string of a list request.
pub(super) fn list_query(query: &ListQuery) -> String {
    let mut parts = Vec::new();
    if let Some(q) = query.search() {
        parts.push(format!(
            "q={}",
            String::from(js_sys::encode_uri_component(q))
        ));
    }
    let (page, page_size) = query.paging();
    parts.push(format!("page={page}&page_size={page_size}"));
    parts.join("&")
}

/// A query string of the pairs that have a value (also the console's own list addresses).
pub fn query_string(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", String::from(js_sys::encode_uri_component(v))))
        .collect::<Vec<_>>()
        .join("&")
}

pub(super) fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

pub(super) fn number<N: ToString>(value: Option<N>) -> String {
    value.map(|n| n.to_string()).unwrap_or_default()
}
