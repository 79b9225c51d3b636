//! The upstream over HTTP: [`MaidanUpstream`] against `UPSTREAM_URL`, speaking the signed
//! `/maidan/v1/` protocol ([`super::protocol`]). Connect and request timeouts; idempotent
//! calls are retried with jittered backoff on timeouts, refused connections and 5xx; every
//! failure is either transient (worth retrying later) or rejected (the upstream said no).

use std::time::Duration;

use async_trait::async_trait;
use serde::{Serialize, de::DeserializeOwned};

use super::{
    BindingError, CodeSent, MaidanUpstream, PageAnswer, SubMerchantPage, UpstreamCause,
    UpstreamError, UpstreamProvider, UpstreamTransaction, WechatUser,
    protocol::{
        self, BindingCodeBody, BindingCodeRequest, MerchantBody, PREFIX, ProvidersBody,
        SubMerchantPageBody, TransactionsBody, TransactionsQuery, WireError, WireErrorBody,
    },
};
use crate::{answers::AnswerError, clock::Clock, retry::RetryPolicy};

/// Where the upstream is and who the console is to it.
#[derive(Clone)]
pub struct HttpUpstreamConfig {
    pub base_url: String,
    pub app_id: String,
    pub secret: String,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// How an idempotent call is retried (a change is tried once).
    pub retry: RetryPolicy,
}

impl std::fmt::Debug for HttpUpstreamConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpUpstreamConfig")
            .field("base_url", &self.base_url)
            .field("app_id", &self.app_id)
            .field("secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl HttpUpstreamConfig {
    /// Production defaults: 3 s to connect, 15 s per request, 3 tries from 200 ms within 30 s.
    pub fn new(base_url: &str, app_id: &str, secret: &str) -> HttpUpstreamConfig {
        HttpUpstreamConfig {
            base_url: base_url.trim_end_matches('/').to_owned(),
            app_id: app_id.to_owned(),
            secret: secret.to_owned(),
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(15),
            retry: RetryPolicy {
                attempts: 3,
                backoff: Duration::from_millis(200),
                deadline: Some(Duration::from_secs(30)),
            },
        }
    }
}

/// The WeChat Maidan upstream over HTTP.
#[derive(Debug)]
pub struct HttpUpstream {
    config: HttpUpstreamConfig,
    http: reqwest::Client,
    clock: std::sync::Arc<dyn Clock>,
}

/// Why one call failed.
enum CallError {
    /// No answer, a timeout, or a 5xx: another try may succeed.
    Transient(UpstreamCause, String),
    /// The upstream answered with an error of the protocol.
    Answered(WireError),
    /// An answer that is no use, and would be none the next time either (too large, not the
    /// protocol's JSON, a 4xx without the protocol's error).
    Unusable(UpstreamCause, String),
}

impl CallError {
    /// A request that got no answer.
    fn unanswered(error: &reqwest::Error) -> CallError {
        let cause = if error.is_timeout() {
            UpstreamCause::Timeout
        } else {
            UpstreamCause::ConnectionFailed
        };
        CallError::Transient(cause, error.to_string())
    }
}

impl From<CallError> for UpstreamError {
    fn from(error: CallError) -> Self {
        match error {
            CallError::Transient(cause, why) => UpstreamError::unavailable(cause, why),
            CallError::Answered(WireError::Unavailable { message }) => {
                UpstreamError::unavailable(UpstreamCause::Unavailable, message)
            }
            CallError::Answered(WireError::Unauthorized { message }) => {
                UpstreamError::refused(UpstreamCause::Unauthorized, message)
            }
            CallError::Answered(WireError::NotFound { message }) => {
                UpstreamError::refused(UpstreamCause::NotFound, message)
            }
            CallError::Answered(other) => {
                UpstreamError::refused(UpstreamCause::Refused, format!("{other:?}"))
            }
            CallError::Unusable(cause, why) => UpstreamError::refused(cause, why),
        }
    }
}

impl From<CallError> for BindingError {
    fn from(error: CallError) -> Self {
        match error {
            CallError::Answered(WireError::BindingRefused(refusal)) => {
                BindingError::Refused(refusal)
            }
            CallError::Answered(WireError::Cooldown { retry_after_s }) => {
                BindingError::Cooldown(retry_after_s)
            }
            other => BindingError::Upstream(other.into()),
        }
    }
}

/// A path segment, percent-encoded.
fn segment(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

impl HttpUpstream {
    pub fn new(
        config: HttpUpstreamConfig,
        clock: std::sync::Arc<dyn Clock>,
    ) -> Result<HttpUpstream, UpstreamError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| UpstreamError::unavailable(UpstreamCause::Internal, e))?;
        Ok(HttpUpstream {
            config,
            http,
            clock,
        })
    }

    /// One signed request; the answer's JSON, or why not.
    async fn once<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: &[u8],
    ) -> Result<T, CallError> {
        let timestamp = (self.clock.now_ms() / 1000).to_string();
        let mut nonce = [0_u8; 16];
        getrandom::fill(&mut nonce)
            .map_err(|e| CallError::Transient(UpstreamCause::Internal, e.to_string()))?;
        let nonce = crate::auth::hex(&nonce);
        let text =
            protocol::string_to_sign(method.as_str(), path_and_query, &timestamp, &nonce, body);
        let response = self
            .http
            .request(method, format!("{}{path_and_query}", self.config.base_url))
            .header(protocol::APP_ID, &self.config.app_id)
            .header(protocol::TIMESTAMP, &timestamp)
            .header(protocol::NONCE, &nonce)
            .header(
                protocol::SIGNATURE,
                protocol::sign(&self.config.secret, &text),
            )
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| CallError::unanswered(&e.without_url()))?;
        let status = response.status();
        let bytes = crate::answers::read_limited(response)
            .await
            .map_err(|e| match e {
                // Asking again would only bring the same oversized answer.
                AnswerError::TooLarge => {
                    CallError::Unusable(UpstreamCause::AnswerTooLarge, e.to_string())
                }
                AnswerError::Read(error) => CallError::unanswered(&error),
            })?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| {
                CallError::Unusable(
                    UpstreamCause::UnreadableAnswer,
                    format!("unreadable answer: {e}"),
                )
            });
        }
        let http_status = UpstreamCause::HttpStatus {
            status: status.as_u16(),
        };
        match serde_json::from_slice::<WireErrorBody>(&bytes) {
            Ok(body) if !status.is_server_error() => Err(CallError::Answered(body.error)),
            _ if status.is_server_error() => {
                Err(CallError::Transient(http_status, format!("HTTP {status}")))
            }
            _ => Err(CallError::Unusable(http_status, format!("HTTP {status}"))),
        }
    }

    /// A call, retried with jittered exponential backoff when it is idempotent and the failure
    /// transient; `name` (the trait method's) names it in the log and the retry metric.
    async fn call<T: DeserializeOwned>(
        &self,
        name: &'static str,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<&impl Serialize>,
        idempotent: bool,
    ) -> Result<T, CallError> {
        let body = match body {
            Some(body) => serde_json::to_vec(body)
                .map_err(|e| CallError::Transient(UpstreamCause::Internal, e.to_string()))?,
            None => Vec::new(),
        };
        let policy = if idempotent {
            self.config.retry
        } else {
            RetryPolicy::ONCE
        };
        policy
            .run(
                name,
                || self.once(method.clone(), path_and_query, &body),
                |error| match error {
                    CallError::Transient(_, why) => Some(why.as_str()),
                    CallError::Answered(_) | CallError::Unusable(..) => None,
                },
            )
            .await
    }

    async fn get<T: DeserializeOwned>(
        &self,
        name: &'static str,
        path_and_query: &str,
    ) -> Result<T, CallError> {
        self.call(
            name,
            reqwest::Method::GET,
            path_and_query,
            None::<&()>,
            true,
        )
        .await
    }
}

#[async_trait]
impl MaidanUpstream for HttpUpstream {
    fn kind(&self) -> &'static str {
        "http"
    }

    async fn wechat_user(&self, openid: &str) -> Result<Option<WechatUser>, UpstreamError> {
        match self
            .get::<WechatUser>(
                "wechat_user",
                &format!("{PREFIX}/wechat-users/{}", segment(openid)),
            )
            .await
        {
            Ok(user) => Ok(Some(user)),
            Err(CallError::Answered(WireError::NotFound { .. })) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }

    async fn providers_administered_by(
        &self,
        openid: &str,
    ) -> Result<Vec<UpstreamProvider>, UpstreamError> {
        match self
            .get::<ProvidersBody>(
                "providers_administered_by",
                &format!("{PREFIX}/wechat-users/{}/providers", segment(openid)),
            )
            .await
        {
            Ok(body) => Ok(body.items),
            Err(CallError::Answered(WireError::NotFound { .. })) => Ok(Vec::new()),
            Err(other) => Err(other.into()),
        }
    }

    async fn sub_merchants(&self, provider_id: &str, cursor: u64, limit: u32) -> PageAnswer {
        let body: SubMerchantPageBody = self
            .get(
                "sub_merchants",
                &format!(
                    "{PREFIX}/providers/{}/sub-merchants?cursor={cursor}&limit={limit}",
                    segment(provider_id)
                ),
            )
            .await?;
        Ok(SubMerchantPage {
            items: body.items,
            next_cursor: body.next_cursor,
            total: body.total,
        })
    }

    async fn maidan_opened(&self, merchant_id: &str) -> Result<Option<bool>, UpstreamError> {
        match self
            .get::<MerchantBody>(
                "maidan_opened",
                &format!("{PREFIX}/merchants/{}", segment(merchant_id)),
            )
            .await
        {
            Ok(body) => Ok(Some(body.maidan_opened)),
            Err(CallError::Answered(WireError::NotFound { .. })) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }

    async fn send_binding_code(
        &self,
        merchant_id: &str,
        mobile: &str,
    ) -> Result<CodeSent, BindingError> {
        // Not retried: a second try could text a second code.
        let body: BindingCodeBody = self
            .call(
                "send_binding_code",
                reqwest::Method::POST,
                &format!("{PREFIX}/merchants/{}/binding-codes", segment(merchant_id)),
                Some(&BindingCodeRequest {
                    mobile: mobile.to_owned(),
                }),
                false,
            )
            .await?;
        Ok(CodeSent {
            cooldown_s: body.cooldown_s,
            expires_in_s: body.expires_in_s,
            sandbox_code: None,
        })
    }

    async fn bind_merchant(
        &self,
        binding: &domain::api::MaidanBinding,
    ) -> Result<(), BindingError> {
        let _: serde_json::Value = self
            .call(
                "bind_merchant",
                reqwest::Method::POST,
                &format!(
                    "{PREFIX}/merchants/{}/bindings",
                    segment(binding.merchant_id.trim())
                ),
                Some(binding),
                false,
            )
            .await?;
        Ok(())
    }

    async fn transactions(
        &self,
        merchant_id: &str,
    ) -> Result<Vec<UpstreamTransaction>, UpstreamError> {
        self.transactions_of(&[merchant_id.to_owned()]).await
    }

    async fn transactions_of(
        &self,
        merchant_ids: &[String],
    ) -> Result<Vec<UpstreamTransaction>, UpstreamError> {
        // A query, not a change: safe to retry.
        let body: TransactionsBody = self
            .call(
                "transactions_of",
                reqwest::Method::POST,
                &format!("{PREFIX}/transactions/query"),
                Some(&TransactionsQuery {
                    merchant_ids: merchant_ids.to_vec(),
                }),
                true,
            )
            .await?;
        Ok(body.items)
    }
}
