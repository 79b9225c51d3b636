//! The authorize pages a phone is sent to: WeChat's (who is scanning) and Alipay's (which
//! merchant account lets the provider's app act for it). They list the sandbox users with a
//! button each; `&sandbox_user=ID` picks one directly, for scripts. The phone goes back only to
//! the console's callback, with a single-use code.

use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::SandboxOAuth;
use crate::upstream::sandbox::IdentityProvider;

const STYLESHEET: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f3f5f8;color:#1d2129}\
main{max-width:28rem;margin:0 auto;padding:1.5rem 1rem}\
h1{font-size:1.25rem;margin:0 0 .25rem}.badge{display:inline-block;background:#fff3e0;color:#b25e00;border-radius:4px;padding:0 .4rem;font-size:.8rem;margin-right:.4rem}\
p{color:#4e5969}ul{list-style:none;padding:0}li{margin:.6rem 0}\
a.user{display:block;background:#fff;border:1px solid #dfe3ea;border-radius:8px;padding:.8rem 1rem;color:inherit;text-decoration:none}\
a.user strong{display:block}a.user code{color:#86909c;font-size:.85rem}\
.wechat a.user:hover{border-color:#07c160}.alipay a.user:hover{border-color:#1677ff}";

pub(super) async fn stylesheet() -> Response {
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
    page: &AuthorizePage,
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
        stylesheet = page.stylesheet,
        class = page.class,
        title = escape(page.title),
        hint = escape(page.hint),
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct WechatAuthorize {
    appid: String,
    redirect_uri: String,
    response_type: String,
    scope: String,
    #[serde(default)]
    state: String,
    sandbox_user: Option<String>,
}

/// What tells the two authorize pages apart.
struct AuthorizePage {
    provider: IdentityProvider,
    /// The console's callback the phone may be sent back to.
    callback: &'static str,
    bad_redirect: &'static str,
    no_such_user: &'static str,
    /// The page's own path and the stylesheet's, relative to it (for the picker's links).
    path: &'static str,
    stylesheet: &'static str,
    class: &'static str,
    title: &'static str,
    hint: &'static str,
    /// What the app ID is called in the request, and the code on the way back.
    app_id_param: &'static str,
    code_param: &'static str,
}

const WECHAT_PAGE: AuthorizePage = AuthorizePage {
    provider: IdentityProvider::Wechat,
    callback: WECHAT_CALLBACK,
    bad_redirect: "redirect_uri 无效（10003 redirect_uri 域名与后台配置不一致）",
    no_such_user: "没有这个沙箱微信用户",
    path: "authorize",
    stylesheet: "../../sandbox.css",
    class: "wechat",
    title: "微信授权登录 · WeChat sign-in",
    hint: "沙箱：请选择正在扫码的微信用户（真实环境中为手机上登录的微信）。Sandbox: pick the WeChat user who is scanning.",
    app_id_param: "appid",
    code_param: "code",
};

const ALIPAY_PAGE: AuthorizePage = AuthorizePage {
    provider: IdentityProvider::Alipay,
    callback: ALIPAY_CALLBACK,
    bad_redirect: "redirect_uri 无效（与应用配置的授权回调地址不一致）",
    no_such_user: "没有这个沙箱支付宝账号",
    path: "appToAppAuth.htm",
    stylesheet: "../sandbox.css",
    class: "alipay",
    title: "支付宝授权 · Alipay authorization",
    hint: "沙箱：请选择授权的支付宝账号（真实环境中在支付宝里登录并确认）。Sandbox: pick the Alipay account that authorizes.",
    app_id_param: "app_id",
    code_param: "app_auth_code",
};

/// An authorize request whose app is known: the phone goes back to the console's callback
/// with a code for the user picked (`sandbox_user`), or is shown the picker. `query` is the
/// request's own parameters but `sandbox_user`, in order; `echoed` goes back before the code.
fn authorize(
    oauth: &SandboxOAuth,
    headers: &HeaderMap,
    page: &AuthorizePage,
    query: &[(&str, &str)],
    echoed: &[(&str, &str)],
    sandbox_user: Option<&str>,
) -> Response {
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| *k == name)
            .map_or("", |(_, v)| *v)
    };
    let (app_id, redirect_uri, state) = (
        param(page.app_id_param),
        param("redirect_uri"),
        param("state"),
    );
    if !redirect_uri_ok(redirect_uri, page.callback, headers, &oauth.redirect_hosts) {
        return refused(page.bad_redirect);
    }
    let users: Vec<(String, String)> = match page.provider {
        IdentityProvider::Wechat => oauth
            .sandbox
            .wechat_users()
            .into_iter()
            .map(|u| (u.openid, u.nickname))
            .collect(),
        IdentityProvider::Alipay => oauth
            .sandbox
            .alipay_users()
            .into_iter()
            .map(|u| (u.user_id, u.name))
            .collect(),
    };
    match sandbox_user {
        Some(user) if users.iter().any(|(id, _)| id == user) => {
            let Some(code) = oauth
                .sandbox
                .issue_sign_in_code(page.provider, app_id, user)
            else {
                return refused("沙箱暂时不可用");
            };
            let mut back = echoed.to_vec();
            back.extend([(page.code_param, code.as_str()), ("state", state)]);
            Redirect::to(&with_query(redirect_uri, &back)).into_response()
        }
        Some(_) => refused(page.no_such_user),
        None => picker_page(page, &users, |user| {
            let mut picked = query.to_vec();
            picked.push(("sandbox_user", user));
            with_query(page.path, &picked)
        }),
    }
}

/// WeChat's authorize page: who is signing in (snsapi_base: no consent screen in WeChat; the
/// sandbox asks which of its users this phone is).
pub(super) async fn wechat(
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
    let query = [
        ("appid", q.appid.as_str()),
        ("redirect_uri", &q.redirect_uri),
        ("response_type", &q.response_type),
        ("scope", &q.scope),
        ("state", &q.state),
    ];
    authorize(
        &oauth,
        &headers,
        &WECHAT_PAGE,
        &query,
        &[],
        q.sandbox_user.as_deref(),
    )
}

#[derive(Debug, Deserialize)]
pub(super) struct AlipayAuthorize {
    app_id: String,
    redirect_uri: String,
    #[serde(default)]
    state: String,
    sandbox_user: Option<String>,
}

/// Alipay's app authorization page: the merchant signs in and lets the provider's app act
/// for it.
pub(super) async fn alipay(
    State(oauth): State<SandboxOAuth>,
    headers: HeaderMap,
    Query(q): Query<AlipayAuthorize>,
) -> Response {
    if q.app_id != oauth.alipay_app_id {
        return refused("app_id 无效（isv.invalid-app-id）");
    }
    let query = [
        ("app_id", q.app_id.as_str()),
        ("redirect_uri", &q.redirect_uri),
        ("state", &q.state),
    ];
    authorize(
        &oauth,
        &headers,
        &ALIPAY_PAGE,
        &query,
        &[("app_id", &q.app_id)],
        q.sandbox_user.as_deref(),
    )
}
