//! Sub-providers (子服务商): the list, adding one and editing one.

use domain::api::SubProvider;
use gloo_net::http::Request;

use super::{
    ApiError, BASE,
    transport::{json, send, with_body, with_lang},
};

/// `GET /sub-providers`.
pub async fn sub_providers() -> Result<Vec<SubProvider>, ApiError> {
    json(send(with_lang(Request::get(&format!("{BASE}/sub-providers"))).build()).await?).await
}

/// `POST /sub-providers` (`create`) or `PUT /sub-providers/{account_id}`.
pub async fn save_sub_provider(body: &SubProvider, create: bool) -> Result<SubProvider, ApiError> {
    let request = if create {
        Request::post(&format!("{BASE}/sub-providers"))
    } else {
        Request::put(&format!(
            "{BASE}/sub-providers/{}",
            String::from(js_sys::encode_uri_component(&body.account_id))
        ))
    };
    json(send(with_body(with_lang(request), body)).await?).await
}
