//! Providers (服务商): the list, a provider's configuration, 解绑, and the provider-sync QR
//! tickets, from the console and from the phone that scans them.

use domain::{
    api::{ListQuery, MobileProviderSyncTicket, Page, ProviderSummary, ProviderSyncTicket},
    provider_config::{BasicInfo, ProviderDetail, UpdateAlipay, UpdateWechatPay},
};
use gloo_net::http::Request;

use super::{
    ApiError, BASE,
    transport::{Polled, json, list_query, poll, send, with_body, with_lang},
};

/// `GET /providers`: the account's providers, a page at a time.
pub async fn list_providers(query: &ListQuery) -> Result<Page<ProviderSummary>, ApiError> {
    let url = format!("{BASE}/providers?{}", list_query(query));
    json(send(with_lang(Request::get(&url)).build()).await?).await
}

/// `GET /providers/{id}`: a provider with its configuration.
pub async fn provider_detail(id: &str) -> Result<ProviderDetail, ApiError> {
    let url = format!(
        "{BASE}/providers/{}",
        String::from(js_sys::encode_uri_component(id))
    );
    json(send(with_lang(Request::get(&url)).build()).await?).await
}

async fn put_section<T: serde::Serialize>(
    id: &str,
    section: &str,
    body: &T,
) -> Result<ProviderDetail, ApiError> {
    let url = format!(
        "{BASE}/providers/{}/{section}",
        String::from(js_sys::encode_uri_component(id))
    );
    json(send(with_body(with_lang(Request::put(&url)), body)).await?).await
}

/// `PUT /providers/{id}/basic-info`.
pub async fn update_basic_info(id: &str, body: &BasicInfo) -> Result<ProviderDetail, ApiError> {
    put_section(id, "basic-info", body).await
}

/// `PUT /providers/{id}/wechat-pay`.
pub async fn update_wechat_pay(
    id: &str,
    body: &UpdateWechatPay,
) -> Result<ProviderDetail, ApiError> {
    put_section(id, "wechat-pay", body).await
}

/// `PUT /providers/{id}/alipay`.
pub async fn update_alipay(id: &str, body: &UpdateAlipay) -> Result<ProviderDetail, ApiError> {
    put_section(id, "alipay", body).await
}

/// `DELETE /providers/{id}`: 解绑, confirmed by the provider's ID typed again.
pub async fn unbind_provider(id: &str, confirm: &str) -> Result<(), ApiError> {
    let url = format!("{BASE}/providers/{id}");
    let body = domain::api::UnbindProvider {
        confirm: confirm.to_owned(),
    };
    send(with_body(with_lang(Request::delete(&url)), &body)).await?;
    Ok(())
}

/// `POST /provider-sync-tickets`: a new QR code for provider sync.
pub async fn create_provider_sync_ticket() -> Result<ProviderSyncTicket, ApiError> {
    let url = format!("{BASE}/provider-sync-tickets");
    json(send(with_lang(Request::post(&url)).build()).await?).await
}

/// `GET /provider-sync-tickets/{id}` with `If-None-Match`.
pub async fn poll_provider_sync_ticket(
    id: &str,
    etag: Option<&str>,
) -> Result<Polled<ProviderSyncTicket>, ApiError> {
    poll(&format!("{BASE}/provider-sync-tickets/{id}"), etag).await
}

/// `DELETE /provider-sync-tickets/{id}`: cancels the QR code.
pub async fn cancel_provider_sync_ticket(id: &str) -> Result<(), ApiError> {
    let url = format!("{BASE}/provider-sync-tickets/{id}");
    send(with_lang(Request::delete(&url)).build()).await?;
    Ok(())
}

/// `GET /m/provider-sync-tickets/{id}`: the phone's view of a scanned code.
pub async fn mobile_provider_sync_ticket(id: &str) -> Result<MobileProviderSyncTicket, ApiError> {
    let url = format!("{BASE}/m/provider-sync-tickets/{id}");
    json(send(with_lang(Request::get(&url)).build()).await?).await
}

/// `POST /m/provider-sync-tickets/{id}/confirm`: the admin confirms on the phone.
/// The identity is the one WeChat reported for this phone browser, never sent by the page.
pub async fn confirm_provider_sync(id: &str) -> Result<MobileProviderSyncTicket, ApiError> {
    let url = format!("{BASE}/m/provider-sync-tickets/{id}/confirm");
    json(send(with_lang(Request::post(&url)).build()).await?).await
}

/// `POST /m/provider-sync-tickets/{id}/cancel`: the phone declines.
pub async fn decline_provider_sync(id: &str) -> Result<(), ApiError> {
    let url = format!("{BASE}/m/provider-sync-tickets/{id}/cancel");
    send(with_lang(Request::post(&url)).build()).await?;
    Ok(())
}
