//! The sandbox as a service of its own (`cloud-pay-console sandbox-upstream`): the signed
//! `/maidan/v1/` protocol (an unsigned, stale or replayed request answers 401), WeChat's and
//! Alipay's sign-in endpoints ([`super::sandbox_oauth`]), and its `/sandbox/...` controls.

use std::sync::Arc;

use axum::{
    Json, Router,
    body::{Body, Bytes},
    extract::{Path, Query, Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use domain::api::{MaidanBinding, NewSandboxProvider, SandboxLatency};

use super::{
    BindingError, MaidanUpstream, UpstreamCause, UpstreamError,
    protocol::{
        self, BindingCodeBody, BindingCodeRequest, MerchantBody, ProvidersBody,
        SubMerchantPageBody, TransactionsBody, TransactionsQuery, WireError, WireErrorBody,
    },
    sandbox::Sandbox,
    sandbox_oauth::{self, SandboxOAuth},
};
use crate::clock::Clock;

/// What the sandbox service needs: its world, the secret requests are signed with, and who
/// the console is to its sign-in pages.
#[derive(Clone)]
pub struct SandboxServer {
    pub sandbox: Arc<Sandbox>,
    /// The console's app ID with the upstream when it is set (`UPSTREAM_APP_ID`); requests
    /// naming another are refused.
    pub app_id: Option<String>,
    pub secret: String,
    pub oauth: SandboxOAuth,
    pub clock: Arc<dyn Clock>,
    pub nonces: Arc<protocol::NonceCache>,
}

impl IntoResponse for WireError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(WireErrorBody { error: self })).into_response()
    }
}

impl From<UpstreamError> for WireError {
    fn from(error: UpstreamError) -> Self {
        match error {
            UpstreamError::Transient { detail, .. } => WireError::Unavailable { message: detail },
            UpstreamError::Rejected {
                cause: UpstreamCause::Unauthorized,
                detail,
            } => WireError::Unauthorized { message: detail },
            UpstreamError::Rejected {
                cause: UpstreamCause::NotFound,
                detail,
            } => WireError::NotFound { message: detail },
            UpstreamError::Rejected { detail, .. } => WireError::BadRequest { message: detail },
        }
    }
}

impl From<BindingError> for WireError {
    fn from(error: BindingError) -> Self {
        match error {
            BindingError::Refused(refusal) => WireError::BindingRefused(refusal),
            BindingError::Cooldown(retry_after_s) => WireError::Cooldown { retry_after_s },
            BindingError::Upstream(error) => error.into(),
        }
    }
}

/// The whole service.
pub fn router(server: SandboxServer) -> Router {
    let maidan = Router::new()
        .route("/wechat-users/{openid}", get(wechat_user))
        .route("/wechat-users/{openid}/providers", get(providers))
        .route("/providers/{provider_id}/sub-merchants", get(sub_merchants))
        .route("/merchants/{merchant_id}", get(merchant))
        .route("/merchants/{merchant_id}/binding-codes", post(binding_code))
        .route("/merchants/{merchant_id}/bindings", post(bind))
        .route("/transactions/query", post(transactions))
        .layer(axum::middleware::from_fn_with_state(
            server.clone(),
            signed_only,
        ));
    let controls = Router::new()
        .route("/wechat-users", get(control_wechat_users))
        .route("/providers", post(control_add_provider))
        .route("/latency", put(control_latency))
        .route("/sms-codes/{mobile}", get(control_sms_code));
    Router::new()
        .nest(protocol::PREFIX, maidan)
        .nest("/sandbox", controls)
        .with_state(server.clone())
        .merge(sandbox_oauth::router(server.oauth))
}

fn unauthorized(message: &str) -> Response {
    WireError::Unauthorized {
        message: message.to_owned(),
    }
    .into_response()
}

/// Refuses a request that is not signed by the console with the shared secret, is more than
/// five minutes off the clock, or reuses a nonce.
async fn signed_only(
    State(server): State<SandboxServer>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (app_id, timestamp, nonce, signature) = (
        header(protocol::APP_ID),
        header(protocol::TIMESTAMP),
        header(protocol::NONCE),
        header(protocol::SIGNATURE),
    );
    if signature.is_empty() || nonce.is_empty() || timestamp.is_empty() {
        return unauthorized("the request is not signed");
    }
    if server
        .app_id
        .as_ref()
        .is_some_and(|expected| *expected != app_id)
    {
        return unauthorized("unknown app ID");
    }
    let Ok(body) = axum::body::to_bytes(body, 1 << 20).await else {
        return WireError::BadRequest {
            message: "body too large".to_owned(),
        }
        .into_response();
    };
    // The path as the client signed it: the full path under the nest, with the query.
    let path = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| parts.uri.clone(), |o| o.0.clone());
    let path_and_query = path.path_and_query().map_or("/", |p| p.as_str());
    let text = protocol::string_to_sign(
        parts.method.as_str(),
        path_and_query,
        &timestamp,
        &nonce,
        &body,
    );
    if !protocol::verify(&server.secret, &text, &signature) {
        return unauthorized("wrong signature");
    }
    let now_s = server.clock.now_ms() / 1000;
    let Ok(at) = timestamp.parse::<i64>() else {
        return unauthorized("bad timestamp");
    };
    if now_s.abs_diff(at) > protocol::MAX_SKEW_S.unsigned_abs() {
        return unauthorized("timestamp more than 5 minutes off");
    }
    if !server.nonces.first_use(&nonce, now_s) {
        return unauthorized("nonce seen before");
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
}

async fn wechat_user(
    State(server): State<SandboxServer>,
    Path(openid): Path<String>,
) -> Result<Response, WireError> {
    match server.sandbox.wechat_user(&openid).await? {
        Some(user) => Ok(Json(user).into_response()),
        None => Err(WireError::NotFound {
            message: format!("no WeChat user {openid}"),
        }),
    }
}

async fn providers(
    State(server): State<SandboxServer>,
    Path(openid): Path<String>,
) -> Result<Json<ProvidersBody>, WireError> {
    Ok(Json(ProvidersBody {
        items: server.sandbox.providers_administered_by(&openid).await?,
    }))
}

#[derive(Debug, serde::Deserialize)]
struct PageQuery {
    #[serde(default)]
    cursor: u64,
    #[serde(default = "default_limit")]
    limit: u32,
}

fn default_limit() -> u32 {
    100
}

async fn sub_merchants(
    State(server): State<SandboxServer>,
    Path(provider_id): Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<SubMerchantPageBody>, WireError> {
    let page = server
        .sandbox
        .sub_merchants(&provider_id, page.cursor, page.limit.min(5_000))
        .await?;
    Ok(Json(SubMerchantPageBody {
        items: page.items,
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

async fn merchant(
    State(server): State<SandboxServer>,
    Path(merchant_id): Path<String>,
) -> Result<Json<MerchantBody>, WireError> {
    match server.sandbox.maidan_opened(&merchant_id).await? {
        Some(maidan_opened) => Ok(Json(MerchantBody {
            merchant_id,
            maidan_opened,
        })),
        None => Err(WireError::NotFound {
            message: format!("no merchant {merchant_id}"),
        }),
    }
}

fn read<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, WireError> {
    serde_json::from_slice(body).map_err(|e| WireError::BadRequest {
        message: e.to_string(),
    })
}

async fn binding_code(
    State(server): State<SandboxServer>,
    Path(merchant_id): Path<String>,
    body: Bytes,
) -> Result<Json<BindingCodeBody>, WireError> {
    let request: BindingCodeRequest = read(&body)?;
    let sent = server
        .sandbox
        .send_binding_code(&merchant_id, &request.mobile)
        .await?;
    Ok(Json(BindingCodeBody {
        cooldown_s: sent.cooldown_s,
        expires_in_s: sent.expires_in_s,
    }))
}

async fn bind(
    State(server): State<SandboxServer>,
    Path(merchant_id): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, WireError> {
    let mut binding: MaidanBinding = read(&body)?;
    binding.merchant_id = merchant_id;
    server.sandbox.bind_merchant(&binding).await?;
    Ok(Json(serde_json::json!({"opened": true})))
}

async fn transactions(
    State(server): State<SandboxServer>,
    body: Bytes,
) -> Result<Json<TransactionsBody>, WireError> {
    let query: TransactionsQuery = read(&body)?;
    Ok(Json(TransactionsBody {
        items: server.sandbox.transactions_of(&query.merchant_ids).await?,
    }))
}

async fn control_wechat_users(State(server): State<SandboxServer>) -> Response {
    Json(server.sandbox.wechat_users()).into_response()
}

async fn control_add_provider(
    State(server): State<SandboxServer>,
    Json(request): Json<NewSandboxProvider>,
) -> Result<Response, WireError> {
    let known = server
        .sandbox
        .wechat_users()
        .iter()
        .any(|u| u.openid == request.admin_openid);
    if request.name.trim().is_empty() || !known {
        return Err(WireError::BadRequest {
            message: "a name and a sandbox WeChat user are needed".to_owned(),
        });
    }
    let provider = server
        .sandbox
        .add_provider(request.name.trim(), &request.admin_openid)
        .ok_or_else(|| WireError::Unavailable {
            message: "sandbox lock poisoned".to_owned(),
        })?;
    Ok((StatusCode::CREATED, Json(provider)).into_response())
}

async fn control_latency(
    State(server): State<SandboxServer>,
    Json(request): Json<SandboxLatency>,
) -> StatusCode {
    server
        .sandbox
        .set_latency(std::time::Duration::from_millis(u64::from(
            request.latency_ms.min(10_000),
        )));
    StatusCode::NO_CONTENT
}

async fn control_sms_code(
    State(server): State<SandboxServer>,
    Path(mobile): Path<String>,
) -> Result<Response, WireError> {
    let code = server
        .sandbox
        .latest_code(&mobile)
        .ok_or_else(|| WireError::NotFound {
            message: format!("no code for {mobile}"),
        })?;
    Ok(Json(serde_json::json!({"mobile": mobile, "code": code})).into_response())
}
