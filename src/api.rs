//! The typed API client: one async fn per endpoint. Every non-2xx answer is decoded into the
//! server's error envelope, so the UI can show its sentence and request id.
//!
//! Over 400 lines because it is one short function per endpoint (about forty), kept in one
//! file so that the client reads like the API's table of contents.

use domain::provider_config::{BasicInfo, ProviderDetail, UpdateAlipay, UpdateWechatPay};
use domain::{
    ErrorBody, ErrorCode, ErrorEnvelope, FieldError, Lang,
    api::{
        AlipayAuthorizationTicket, AuditEvent, ChannelChange, Health, Job, KeyReset,
        KeyResetIssued, ListQuery, LoginRequest, MaidanBinding, MaidanBound, MaidanSmsRequest,
        MaidanSmsSent, MobileAlipayAuthorization, MobileProviderSyncTicket, Page, ProviderSummary,
        ProviderSyncTicket, SessionInfo, SubMerchantDetail, SubMerchantProfile, SubMerchantQuery,
        SubMerchantSummary, SubProvider, SubProviderChange, TransactionPage, TransactionQuery,
        WechatChannel,
    },
};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;

use crate::i18n::request_lang;

/// Why a call did not succeed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The server answered with its error envelope.
    #[error("{}: {}", .0.code.as_str(), .0.message)]
    Api(ErrorBody),
    /// The server could not be reached, or answered something unreadable.
    #[error("network: {0}")]
    Network(String),
    /// The server (or a proxy before it) is busy and asked to come back after these seconds.
    #[error("busy: retry after {0} s")]
    Busy(u64),
}

impl ApiError {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Api(body) => Some(body.code),
            ApiError::Network(_) | ApiError::Busy(_) => None,
        }
    }

    /// The sentence to show, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            ApiError::Api(body) => body.describe(lang),
            ApiError::Busy(seconds) => {
                domain::error::describe(ErrorCode::RateLimited, None, Some(*seconds), lang)
            }
            ApiError::Network(_) => lang
                .pick(
                    "连接中断，请检查网络后重试。",
                    "Connection lost. Check your network and try again.",
                )
                .to_owned(),
        }
    }

    /// Seconds the server asked to wait (`RateLimited`, or a busy answer's `Retry-After`).
    pub fn retry_after_s(&self) -> Option<u64> {
        match self {
            ApiError::Api(body) => body.retry_after_s,
            ApiError::Busy(seconds) => Some(*seconds),
            ApiError::Network(_) => None,
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Api(body) => Some(&body.request_id),
            ApiError::Network(_) | ApiError::Busy(_) => None,
        }
    }

    /// The server's verdict on one field, if it named it.
    pub fn field(&self, name: &str) -> Option<&FieldError> {
        match self {
            ApiError::Api(body) => body.fields.get(name).map(|issue| &issue.rule),
            ApiError::Network(_) | ApiError::Busy(_) => None,
        }
    }
}

/// Where the API lives on the console's origin.
pub const BASE: &str = "/api/v1";

fn with_lang(request: RequestBuilder) -> RequestBuilder {
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

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
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
fn with_body<B: serde::Serialize>(
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

async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    decode(response).await.map_err(ApiError::Network)
}

/// `POST /session`: signs in.
pub async fn login(request: &LoginRequest) -> Result<SessionInfo, ApiError> {
    let response = send(with_body(
        with_lang(Request::post(&format!("{BASE}/session"))),
        request,
    ))
    .await?;
    json(response).await
}

/// `GET /session`: who is signed in; `None` when nobody is.
pub async fn current_session() -> Result<Option<SessionInfo>, ApiError> {
    match send(with_lang(Request::get(&format!("{BASE}/session"))).build()).await {
        Ok(response) => json(response).await.map(Some),
        Err(e) if e.code() == Some(ErrorCode::Unauthenticated) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `DELETE /session`: signs out.
pub async fn logout() -> Result<(), ApiError> {
    send(with_lang(Request::delete(&format!("{BASE}/session"))).build()).await?;
    Ok(())
}

/// `DELETE /sessions`: 退出所有设备 — every session of the account ends, this one too.
pub async fn sign_out_everywhere() -> Result<(), ApiError> {
    send(with_lang(Request::delete(&format!("{BASE}/sessions"))).build()).await?;
    Ok(())
}

/// `GET /health`: liveness and which upstream the server talks to.
pub async fn health() -> Result<Health, ApiError> {
    let response = send(with_lang(Request::get(&format!("{BASE}/health"))).build()).await?;
    json(response).await
}

/// The query string of a list request.
fn list_query(query: &ListQuery) -> String {
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

/// `GET /providers`: the account's providers, a page at a time.
pub async fn list_providers(query: &ListQuery) -> Result<Page<ProviderSummary>, ApiError> {
    let url = format!("{BASE}/providers?{}", list_query(query));
    json(send(with_lang(Request::get(&url)).build()).await?).await
}

/// `POST /provider-sync-tickets`: a new QR code for provider sync.
pub async fn create_provider_sync_ticket() -> Result<ProviderSyncTicket, ApiError> {
    let url = format!("{BASE}/provider-sync-tickets");
    json(send(with_lang(Request::post(&url)).build()).await?).await
}

/// What a conditional poll found.
#[derive(Debug, Clone, PartialEq)]
pub enum Polled<T> {
    /// A new version, with its `ETag`.
    Changed(T, Option<String>),
    /// `304 Not Modified`.
    Unchanged,
}

/// `GET /provider-sync-tickets/{id}` with `If-None-Match`.
pub async fn poll_provider_sync_ticket(
    id: &str,
    etag: Option<&str>,
) -> Result<Polled<ProviderSyncTicket>, ApiError> {
    poll(&format!("{BASE}/provider-sync-tickets/{id}"), etag).await
}

/// `GET /jobs/{id}` with `If-None-Match`.
pub async fn poll_job(id: &str, etag: Option<&str>) -> Result<Polled<Job>, ApiError> {
    poll(&format!("{BASE}/jobs/{id}"), etag).await
}

/// A conditional GET of a resource that changes over time.
async fn poll<T: DeserializeOwned>(url: &str, etag: Option<&str>) -> Result<Polled<T>, ApiError> {
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

/// `DELETE /provider-sync-tickets/{id}`: cancels the QR code.
pub async fn cancel_provider_sync_ticket(id: &str) -> Result<(), ApiError> {
    let url = format!("{BASE}/provider-sync-tickets/{id}");
    send(with_lang(Request::delete(&url)).build()).await?;
    Ok(())
}

/// `PUT /session/password`: 修改密码; the account's other sessions end.
pub async fn change_password(current: &str, new: &str) -> Result<(), ApiError> {
    let body = domain::api::PasswordChange {
        current_password: current.into(),
        new_password: new.into(),
    };
    send(with_body(
        with_lang(Request::put(&format!("{BASE}/session/password"))),
        &body,
    ))
    .await?;
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

/// `GET /audit-events`: the account's activity log.
pub async fn audit_events(query: &ListQuery) -> Result<Page<AuditEvent>, ApiError> {
    let url = format!("{BASE}/audit-events?{}", list_query(query));
    json(send(with_lang(Request::get(&url)).build()).await?).await
}

/// `POST /sub-merchant-syncs`: starts (or joins) the sub-merchant sync.
pub async fn start_sub_merchant_sync() -> Result<Job, ApiError> {
    json(send(with_lang(Request::post(&format!("{BASE}/sub-merchant-syncs"))).build()).await?).await
}

/// `GET /jobs?kind=sub_merchant_sync`: the account's recent syncs, newest first.
pub async fn sub_merchant_syncs() -> Result<Vec<Job>, ApiError> {
    let url = format!("{BASE}/jobs?kind=sub_merchant_sync");
    json(send(with_lang(Request::get(&url)).build()).await?).await
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

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn number<N: ToString>(value: Option<N>) -> String {
    value.map(|n| n.to_string()).unwrap_or_default()
}

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

/// `DELETE /providers/{id}`: 解绑, confirmed by the provider's ID typed again.
pub async fn unbind_provider(id: &str, confirm: &str) -> Result<(), ApiError> {
    let url = format!("{BASE}/providers/{id}");
    let body = domain::api::UnbindProvider {
        confirm: confirm.to_owned(),
    };
    send(with_body(with_lang(Request::delete(&url)), &body)).await?;
    Ok(())
}

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

/// `POST /m/maidan/sms-codes`: 获取验证码.
pub async fn send_maidan_code(body: &MaidanSmsRequest) -> Result<MaidanSmsSent, ApiError> {
    let url = format!("{BASE}/m/maidan/sms-codes");
    json(send(with_body(with_lang(Request::post(&url)), body)).await?).await
}

/// `POST /m/maidan/bindings`: 已有商户号？立即绑定.
pub async fn bind_maidan(body: &MaidanBinding) -> Result<MaidanBound, ApiError> {
    let url = format!("{BASE}/m/maidan/bindings");
    json(send(with_body(with_lang(Request::post(&url)), body)).await?).await
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
