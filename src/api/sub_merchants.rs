//! Sub-merchants (子商户): the list and its download, one sub-merchant's channel, profile,
//! sub-provider and keys, and the 支付宝授权 QR tickets, from the console and from the phone.

use domain::api::{
    AlipayAuthorizationTicket, ChannelChange, Job, KeyReset, KeyResetIssued,
    MobileAlipayAuthorization, Page, SubMerchantDetail, SubMerchantProfile, SubMerchantQuery,
    SubMerchantSummary, SubProviderChange, WechatChannel,
};
use gloo_net::http::Request;

use super::{
    ApiError, BASE,
    transport::{Polled, json, number, poll, query_string, send, text, with_body, with_lang},
};

fn sub_merchant_query(query: &SubMerchantQuery) -> String {
    query_string(&[
        ("provider_id", text(&query.provider_id)),
        ("channel", text(&query.channel)),
        ("q", text(&query.q)),
        ("page", number(query.page)),
        ("page_size", number(query.page_size)),
    ])
}

/// `GET /sub-merchants?…`.
pub async fn list_sub_merchants(
    query: &SubMerchantQuery,
) -> Result<Page<SubMerchantSummary>, ApiError> {
    let url = format!("{BASE}/sub-merchants?{}", sub_merchant_query(query));
    json(send(with_lang(Request::get(&url)).build()).await?).await
}

/// `GET /sub-merchants.csv?…`: the download of the same filter.
pub fn sub_merchants_csv_url(query: &SubMerchantQuery, lang: domain::Lang) -> String {
    // A download carries the browser's Accept-Language: the page's language is named instead.
    let query = sub_merchant_query(query);
    let lang = lang.tag();
    if query.is_empty() {
        format!("{BASE}/sub-merchants.csv?lang={lang}")
    } else {
        format!("{BASE}/sub-merchants.csv?{query}&lang={lang}")
    }
}

/// `GET /sub-merchants/{id}`.
pub async fn sub_merchant(id: i64) -> Result<SubMerchantDetail, ApiError> {
    let url = format!("{BASE}/sub-merchants/{id}");
    json(send(with_lang(Request::get(&url)).build()).await?).await
}

/// `PUT /sub-merchants/{id}/wechat-channel`: 切换渠道.
pub async fn switch_channel(
    id: i64,
    channel: WechatChannel,
) -> Result<SubMerchantDetail, ApiError> {
    let url = format!("{BASE}/sub-merchants/{id}/wechat-channel");
    let body = ChannelChange { channel };
    json(send(with_body(with_lang(Request::put(&url)), &body)).await?).await
}

/// `PUT /sub-merchants/{id}/profile` (子商户资料): what the server stored.
pub async fn update_sub_merchant_profile(
    id: i64,
    body: &SubMerchantProfile,
) -> Result<SubMerchantProfile, ApiError> {
    let url = format!("{BASE}{}", SubMerchantProfile::path(id));
    json(send(with_body(with_lang(Request::put(&url)), body)).await?).await
}

/// `PUT /sub-merchants/{id}/sub-provider`: the re-attribution job it started, or `None` when
/// the sub-provider was already this one.
pub async fn change_sub_provider(id: i64, account_id: &str) -> Result<Option<Job>, ApiError> {
    let url = format!("{BASE}/sub-merchants/{id}/sub-provider");
    let body = SubProviderChange {
        account_id: account_id.to_owned(),
    };
    let response = send(with_body(with_lang(Request::put(&url)), &body)).await?;
    if response.status() == 202 {
        json(response).await.map(Some)
    } else {
        Ok(None)
    }
}

/// `DELETE /sub-merchants/{id}/sub-provider`: back to the provider itself; the
/// re-attribution job it started, or `None` when it had no sub-provider.
pub async fn clear_sub_provider(id: i64) -> Result<Option<Job>, ApiError> {
    let url = format!("{BASE}/sub-merchants/{id}/sub-provider");
    let response = send(with_lang(Request::delete(&url)).build()).await?;
    if response.status() == 202 {
        json(response).await.map(Some)
    } else {
        Ok(None)
    }
}

/// `POST /sub-merchants/{id}/key-resets`: sends the public key made in this browser; the
/// answer holds the new authentication key, this once.
pub async fn reset_keys(id: i64, signing_public_key: String) -> Result<KeyResetIssued, ApiError> {
    let url = format!("{BASE}/sub-merchants/{id}/key-resets");
    let body = KeyReset { signing_public_key };
    json(send(with_body(with_lang(Request::post(&url)), &body)).await?).await
}

fn alipay_authorization_url(sub_merchant_id: i64, ticket: &str) -> String {
    format!("{BASE}/sub-merchants/{sub_merchant_id}/alipay-authorizations/{ticket}")
}

/// `POST /sub-merchants/{id}/alipay-authorizations`: a new 支付宝授权 QR code.
pub async fn create_alipay_authorization(
    sub_merchant_id: i64,
) -> Result<AlipayAuthorizationTicket, ApiError> {
    let url = format!("{BASE}/sub-merchants/{sub_merchant_id}/alipay-authorizations");
    json(send(with_lang(Request::post(&url)).build()).await?).await
}

/// `GET /sub-merchants/{id}/alipay-authorizations/{ticket}` with `If-None-Match`.
pub async fn poll_alipay_authorization(
    sub_merchant_id: i64,
    ticket: &str,
    etag: Option<&str>,
) -> Result<Polled<AlipayAuthorizationTicket>, ApiError> {
    poll(&alipay_authorization_url(sub_merchant_id, ticket), etag).await
}

/// `DELETE /sub-merchants/{id}/alipay-authorizations/{ticket}`: the dialog closed.
pub async fn cancel_alipay_authorization(
    sub_merchant_id: i64,
    ticket: &str,
) -> Result<(), ApiError> {
    let url = alipay_authorization_url(sub_merchant_id, ticket);
    send(with_lang(Request::delete(&url)).build()).await?;
    Ok(())
}

/// `GET /m/alipay-authorizations/{id}`: the phone's view.
pub async fn mobile_alipay_authorization(id: &str) -> Result<MobileAlipayAuthorization, ApiError> {
    let url = format!("{BASE}/m/alipay-authorizations/{id}");
    json(send(with_lang(Request::get(&url)).build()).await?).await
}

/// `POST /m/alipay-authorizations/{id}/confirm`: 确认授权.
/// The Alipay account is the one Alipay reported for this phone browser.
pub async fn confirm_alipay_authorization(id: &str) -> Result<MobileAlipayAuthorization, ApiError> {
    let url = format!("{BASE}/m/alipay-authorizations/{id}/confirm");
    json(send(with_lang(Request::post(&url)).build()).await?).await
}

/// `POST /m/alipay-authorizations/{id}/cancel`: the merchant declines.
pub async fn decline_alipay_authorization(id: &str) -> Result<(), ApiError> {
    let url = format!("{BASE}/m/alipay-authorizations/{id}/cancel");
    send(with_lang(Request::post(&url)).build()).await?;
    Ok(())
}
