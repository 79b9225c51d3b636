//! The sandbox playing WeChat's and Alipay's sign-in services, over HTTP, with the paths and
//! parameters of the real ones (see [`crate::oauth`]): the console's OAuth code cannot tell
//! them apart. Its authorize pages list the sandbox users with a button each;
//! `&sandbox_user=ID` picks one directly, for scripts.
//!
//! Over 400 lines because both providers' authorize pages, code exchanges and signed answers
//! are one fake of the real services, read beside each other.

use std::{collections::HashMap, sync::Arc};

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64::Engine;
use rsa::{
    RsaPrivateKey, RsaPublicKey,
    pkcs1v15::{Signature, VerifyingKey},
    signature::Verifier,
};
use serde::Deserialize;
use sha2::Sha256;

use super::sandbox::{IdentityProvider, Sandbox};
use crate::oauth::alipay_signing_text;

/// Where the console mounts these pages when it runs with the in-process sandbox.
pub const MOUNT: &str = "/sandbox-upstream";

/// Who the sandbox's sign-in services expect the console to be.
#[derive(Clone)]
pub struct SandboxOAuth {
    pub sandbox: Arc<Sandbox>,
    pub wechat_app_id: String,
    pub wechat_app_secret: String,
    pub alipay_app_id: String,
    /// The public half of the console's Alipay application key: gateway calls are checked
    /// against it.
    pub alipay_public_key: RsaPublicKey,
    /// What the sandbox's Alipay gateway signs its answers with (Alipay's own key, played):
    /// the console checks them with the public half.
    pub gateway_key: Arc<RsaPrivateKey>,
    /// The hosts the apps are registered with (WeChat's 网页授权域名, Alipay's 授权回调地址)
    /// besides the one these pages are served from.
    pub redirect_hosts: Vec<String>,
}

/// `/connect/oauth2/authorize`, `/sns/oauth2/access_token`, `/oauth2/appToAppAuth.htm`,
/// `/gateway.do` and the pages' stylesheet.
pub fn router(oauth: SandboxOAuth) -> Router {
    Router::new()
        .route("/connect/oauth2/authorize", get(wechat_authorize))
        .route("/sns/oauth2/access_token", get(wechat_access_token))
        .route("/oauth2/appToAppAuth.htm", get(alipay_authorize))
        .route("/gateway.do", post(alipay_gateway))
        .route("/sandbox.css", get(stylesheet))
        .with_state(oauth)
}

const STYLESHEET: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f3f5f8;color:#1d2129}\
main{max-width:28rem;margin:0 auto;padding:1.5rem 1rem}\
h1{font-size:1.25rem;margin:0 0 .25rem}.badge{display:inline-block;background:#fff3e0;color:#b25e00;border-radius:4px;padding:0 .4rem;font-size:.8rem;margin-right:.4rem}\
p{color:#4e5969}ul{list-style:none;padding:0}li{margin:.6rem 0}\
a.user{display:block;background:#fff;border:1px solid #dfe3ea;border-radius:8px;padding:.8rem 1rem;color:inherit;text-decoration:none}\
a.user strong{display:block}a.user code{color:#86909c;font-size:.85rem}\
.wechat a.user:hover{border-color:#07c160}.alipay a.user:hover{border-color:#1677ff}";

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLESHEET,
    )
        .into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Appends query pairs to a redirect URI.
fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        query.append_pair(k, v);
    }
    let joiner = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{joiner}{}", query.finish())
}

fn refused(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            "<!doctype html><meta charset=utf-8><title>沙箱</title><p>{}</p>",
            escape(message)
        )),
    )
        .into_response()
}

/// The console's callback for each sign-in service.
const WECHAT_CALLBACK: &str = "/api/v1/m/wechat-oauth/callback";
const ALIPAY_CALLBACK: &str = "/api/v1/m/alipay-oauth/callback";

/// As WeChat checks a redirect against the app's registered domain (网页授权域名), the sandbox
/// sends a phone back only to the console's callback, on a registered host or the host it is
/// itself served from (the console's, when it mounts the sandbox): it redirects nowhere else.
fn redirect_uri_ok(uri: &str, callback: &str, headers: &HeaderMap, registered: &[String]) -> bool {
    let served_from = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(|host| url::Url::parse(&format!("http://{host}")).ok())
        .and_then(|u| u.host_str().map(str::to_owned));
    url::Url::parse(uri).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.username().is_empty()
            && u.password().is_none()
            && u.path() == callback
            && u.host_str().is_some_and(|host| {
                served_from.as_deref() == Some(host) || registered.iter().any(|r| r == host)
            })
    })
}

/// A page with one button per sandbox user; `href` is the same request with the user picked.
fn picker_page(
    class: &str,
    stylesheet: &str,
    title: &str,
    hint: &str,
    users: &[(String, String)],
    pick: impl Fn(&str) -> String,
) -> Response {
    let items: String = users
        .iter()
        .map(|(id, name)| {
            format!(
                "<li><a class=\"user\" data-user=\"{id}\" href=\"{href}\"><strong>{name}</strong><code>{id}</code></a></li>",
                id = escape(id),
                name = escape(name),
                href = escape(&pick(id)),
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<link rel=\"stylesheet\" href=\"{stylesheet}\"><title>{title}</title>\
<body class=\"{class}\"><main><h1><span class=\"badge\">沙箱 Sandbox</span>{title}</h1>\
<p>{hint}</p><ul>{items}</ul></main></body></html>",
        title = escape(title),
        hint = escape(hint),
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
struct WechatAuthorize {
    appid: String,
    redirect_uri: String,
    response_type: String,
    scope: String,
    #[serde(default)]
    state: String,
    sandbox_user: Option<String>,
}

/// WeChat's authorize page: who is signing in (snsapi_base: no consent screen in WeChat; the
/// sandbox asks which of its users this phone is).
async fn wechat_authorize(
    State(oauth): State<SandboxOAuth>,
    headers: HeaderMap,
    Query(q): Query<WechatAuthorize>,
) -> Response {
    if q.appid != oauth.wechat_app_id {
        return refused("appid 无效（40013 invalid appid）");
    }
    if q.response_type != "code" || !matches!(q.scope.as_str(), "snsapi_base" | "snsapi_userinfo") {
        return refused("scope 或 response_type 无效");
    }
    if !redirect_uri_ok(
        &q.redirect_uri,
        WECHAT_CALLBACK,
        &headers,
        &oauth.redirect_hosts,
    ) {
        return refused("redirect_uri 无效（10003 redirect_uri 域名与后台配置不一致）");
    }
    let users: Vec<(String, String)> = oauth
        .sandbox
        .wechat_users()
        .into_iter()
        .map(|u| (u.openid, u.nickname))
        .collect();
    match q.sandbox_user {
        Some(user) if users.iter().any(|(id, _)| *id == user) => {
            let Some(code) =
                oauth
                    .sandbox
                    .issue_sign_in_code(IdentityProvider::Wechat, &q.appid, &user)
            else {
                return refused("沙箱暂时不可用");
            };
            Redirect::to(&with_query(
                &q.redirect_uri,
                &[("code", &code), ("state", &q.state)],
            ))
            .into_response()
        }
        Some(_) => refused("没有这个沙箱微信用户"),
        None => picker_page(
            "wechat",
            "../../sandbox.css",
            "微信授权登录 · WeChat sign-in",
            "沙箱：请选择正在扫码的微信用户（真实环境中为手机上登录的微信）。Sandbox: pick the WeChat user who is scanning.",
            &users,
            |user| {
                format!(
                    "authorize?{}",
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("appid", &q.appid)
                        .append_pair("redirect_uri", &q.redirect_uri)
                        .append_pair("response_type", &q.response_type)
                        .append_pair("scope", &q.scope)
                        .append_pair("state", &q.state)
                        .append_pair("sandbox_user", user)
                        .finish()
                )
            },
        ),
    }
}

#[derive(Debug, Deserialize)]
struct WechatAccessToken {
    appid: String,
    secret: String,
    code: String,
    grant_type: String,
}

fn wechat_error(errcode: i64, errmsg: &str) -> Response {
    Json(serde_json::json!({"errcode": errcode, "errmsg": errmsg})).into_response()
}

/// `sns/oauth2/access_token`: the code becomes the openid (and a token the console ignores).
async fn wechat_access_token(
    State(oauth): State<SandboxOAuth>,
    Query(q): Query<WechatAccessToken>,
) -> Response {
    if q.appid != oauth.wechat_app_id || q.secret != oauth.wechat_app_secret {
        return wechat_error(40125, "invalid appsecret");
    }
    if q.grant_type != "authorization_code" {
        return wechat_error(40002, "invalid grant_type");
    }
    let Some(openid) = oauth
        .sandbox
        .take_sign_in_code(IdentityProvider::Wechat, &q.appid, &q.code)
    else {
        return wechat_error(40029, "invalid code");
    };
    let mut token = [0_u8; 16];
    let _ = getrandom::fill(&mut token);
    Json(serde_json::json!({
        "access_token": crate::auth::hex(&token),
        "expires_in": 7200,
        "refresh_token": "",
        "openid": openid,
        "scope": "snsapi_base",
    }))
    .into_response()
}

#[derive(Debug, Deserialize)]
struct AlipayAuthorize {
    app_id: String,
    redirect_uri: String,
    #[serde(default)]
    state: String,
    sandbox_user: Option<String>,
}

/// Alipay's app authorization page: the merchant signs in and lets the provider's app act
/// for it.
async fn alipay_authorize(
    State(oauth): State<SandboxOAuth>,
    headers: HeaderMap,
    Query(q): Query<AlipayAuthorize>,
) -> Response {
    if q.app_id != oauth.alipay_app_id {
        return refused("app_id 无效（isv.invalid-app-id）");
    }
    if !redirect_uri_ok(
        &q.redirect_uri,
        ALIPAY_CALLBACK,
        &headers,
        &oauth.redirect_hosts,
    ) {
        return refused("redirect_uri 无效（与应用配置的授权回调地址不一致）");
    }
    let users: Vec<(String, String)> = oauth
        .sandbox
        .alipay_users()
        .into_iter()
        .map(|u| (u.user_id, u.name))
        .collect();
    match q.sandbox_user {
        Some(user) if users.iter().any(|(id, _)| *id == user) => {
            let Some(code) =
                oauth
                    .sandbox
                    .issue_sign_in_code(IdentityProvider::Alipay, &q.app_id, &user)
            else {
                return refused("沙箱暂时不可用");
            };
            Redirect::to(&with_query(
                &q.redirect_uri,
                &[
                    ("app_id", &q.app_id),
                    ("app_auth_code", &code),
                    ("state", &q.state),
                ],
            ))
            .into_response()
        }
        Some(_) => refused("没有这个沙箱支付宝账号"),
        None => picker_page(
            "alipay",
            "../sandbox.css",
            "支付宝授权 · Alipay authorization",
            "沙箱：请选择授权的支付宝账号（真实环境中在支付宝里登录并确认）。Sandbox: pick the Alipay account that authorizes.",
            &users,
            |user| {
                format!(
                    "appToAppAuth.htm?{}",
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("app_id", &q.app_id)
                        .append_pair("redirect_uri", &q.redirect_uri)
                        .append_pair("state", &q.state)
                        .append_pair("sandbox_user", user)
                        .finish()
                )
            },
        ),
    }
}

/// An answer as Alipay's gateway gives it: the response node, and its signature.
fn gateway_answer(oauth: &SandboxOAuth, body: &serde_json::Value) -> Response {
    let node = body.to_string();
    let sign = crate::oauth::rsa2_sign(&oauth.gateway_key, node.as_bytes());
    let text = format!(
        "{{\"alipay_open_auth_token_app_response\":{node},\"sign\":{}}}",
        serde_json::Value::String(sign)
    );
    (
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        text,
    )
        .into_response()
}

fn gateway_refusal(
    oauth: &SandboxOAuth,
    code: &str,
    msg: &str,
    sub_code: &str,
    sub_msg: &str,
) -> Response {
    gateway_answer(
        oauth,
        &serde_json::json!({
            "code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg,
        }),
    )
}

/// The gateway, for `alipay.open.auth.token.app`: the signature must verify with the app's
/// public key, then the `app_auth_code` becomes the user ID and an app auth token.
async fn alipay_gateway(
    State(oauth): State<SandboxOAuth>,
    Form(params): Form<Vec<(String, String)>>,
) -> Response {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if get("app_id") != Some(oauth.alipay_app_id.as_str()) {
        return gateway_refusal(
            &oauth,
            "40002",
            "Invalid Arguments",
            "isv.invalid-app-id",
            "无效的AppID参数",
        );
    }
    if get("sign_type") != Some("RSA2") {
        return gateway_refusal(
            &oauth,
            "40002",
            "Invalid Arguments",
            "isv.invalid-signature-type",
            "无效的签名类型",
        );
    }
    let verified = get("sign")
        .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
        .and_then(|bytes| Signature::try_from(bytes.as_slice()).ok())
        .is_some_and(|signature| {
            VerifyingKey::<Sha256>::new(oauth.alipay_public_key.clone())
                .verify(alipay_signing_text(&params).as_bytes(), &signature)
                .is_ok()
        });
    if !verified {
        return gateway_refusal(
            &oauth,
            "40002",
            "Invalid Arguments",
            "isv.invalid-signature",
            "验签出错",
        );
    }
    if get("method") != Some("alipay.open.auth.token.app") {
        return gateway_refusal(
            &oauth,
            "40004",
            "Business Failed",
            "isv.invalid-method",
            "不存在的方法名",
        );
    }
    let biz: HashMap<String, String> = get("biz_content")
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default();
    if biz.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return gateway_refusal(
            &oauth,
            "40002",
            "Invalid Arguments",
            "isv.grant-type-invalid",
            "grant_type无效",
        );
    }
    let Some(user_id) = biz.get("code").and_then(|code| {
        oauth
            .sandbox
            .take_sign_in_code(IdentityProvider::Alipay, &oauth.alipay_app_id, code)
    }) else {
        return gateway_refusal(
            &oauth,
            "40002",
            "Invalid Arguments",
            "isv.code-invalid",
            "授权码code无效",
        );
    };
    let mut token = [0_u8; 20];
    let _ = getrandom::fill(&mut token);
    let app_auth_token = format!("sandbox{}", crate::auth::hex(&token));
    gateway_answer(
        &oauth,
        &serde_json::json!({
            "code": "10000",
            "msg": "Success",
            "tokens": [{
                "app_auth_token": app_auth_token,
                "app_refresh_token": "",
                "auth_app_id": oauth.alipay_app_id,
                "expires_in": 31_536_000,
                "re_expires_in": 32_140_800,
                "user_id": user_id,
            }],
        }),
    )
}
