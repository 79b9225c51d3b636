//! Who is on the phone comes from WeChat or Alipay, never from the phone: the sign-in is bound
//! to its QR code and to the phone browser that started it, used once, and short-lived.
//! Everything an outsider would try is refused with a reason the phone page can show.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use axum::http::{Method, StatusCode};
use common::{SignInWith, TestApp, TestResponse};
use serde_json::json;

const PROVIDER: &str = "100000000001";
const ADMIN_1: &str = "o_sandbox_admin_1";
const ADMIN_2: &str = "o_sandbox_admin_2";
const STAFF: &str = "o_sandbox_staff_1";

async fn confirm(
    app: &TestApp,
    id: &str,
    body: Option<serde_json::Value>,
    phone: Option<&str>,
) -> TestResponse {
    app.request(
        Method::POST,
        &fill(paths::PHONE_PROVIDER_SYNC_TICKET_CONFIRM, &[&id]),
        body,
        phone,
    )
    .await
}

async fn console_state(app: &TestApp, cookie: &str, id: &str) -> String {
    app.get(&fill(paths::PROVIDER_SYNC_TICKET, &[&id]), Some(cookie))
        .await
        .json()["state"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn providers(app: &TestApp, cookie: &str) -> u64 {
    app.get(&api(paths::PROVIDERS), Some(cookie)).await.json()["total"]
        .as_u64()
        .unwrap()
}

/// The query of a `303` back to the phone page, parsed.
fn sent_back(answer: &TestResponse) -> (String, std::collections::HashMap<String, String>) {
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
    let location = answer.header("location").unwrap();
    let (path, query) = location.split_once('?').unwrap_or((location, ""));
    (
        path.to_owned(),
        url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect(),
    )
}

#[tokio::test]
async fn an_identity_named_in_the_body_is_never_believed() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;

    // What the issue's outsider did: name another company's admin with curl.
    let claimed = confirm(&app, &id, Some(json!({"wechat_openid": ADMIN_2})), None).await;
    assert_eq!(claimed.status, StatusCode::FORBIDDEN);
    assert_eq!(claimed.json()["error"]["reason"], "phone_sign_in_required");
    assert!(
        claimed.json()["error"]["request_id"]
            .as_str()
            .unwrap()
            .starts_with("req_")
    );

    // Signed in as themselves (not an admin), the claim in the body changes nothing.
    let own_phone = app
        .signed_in_phone(SignInWith::Wechat, &id, STAFF)
        .await
        .unwrap();
    let claimed = confirm(
        &app,
        &id,
        Some(json!({"wechat_openid": ADMIN_2})),
        Some(&own_phone),
    )
    .await;
    assert_eq!(claimed.error_code(), "NotMaidanAdmin");
    assert_eq!(providers(&app, &cookie).await, 0);
}

#[tokio::test]
async fn opening_the_page_is_not_scanning_the_code() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    for _ in 0..3 {
        let preview = app
            .get(&fill(paths::PHONE_PROVIDER_SYNC_TICKET, &[&id]), None)
            .await;
        assert_eq!(preview.status, StatusCode::OK);
    }
    assert_eq!(console_state(&app, &cookie, &id).await, "pending");
}

#[tokio::test]
async fn the_start_sends_the_phone_to_wechat_with_a_fresh_state_and_an_httponly_cookie() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    let start = app
        .get(
            &format!("{}?ticket={id}", api(paths::PHONE_WECHAT_OAUTH_START)),
            None,
        )
        .await;
    assert_eq!(start.status, StatusCode::FOUND);
    let set_cookie = start.header("set-cookie").unwrap();
    assert!(set_cookie.starts_with("console_phone="));
    assert!(set_cookie.contains("HttpOnly"));
    assert!(
        set_cookie.contains("SameSite=Lax"),
        "it must come back on WeChat's redirect"
    );
    let location = start.header("location").unwrap();
    let (base, rest) = location.split_once('?').unwrap();
    assert_eq!(
        base,
        format!("{}/connect/oauth2/authorize", app.sign_in_base)
    );
    let (query, fragment) = rest.split_once('#').unwrap();
    assert_eq!(fragment, "wechat_redirect");
    let query: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(query["appid"], common::WECHAT_APP_ID);
    assert_eq!(
        query["redirect_uri"],
        "http://console.test/api/v1/m/wechat-oauth/callback"
    );
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["scope"], "snsapi_base");
    assert_eq!(query["state"].len(), 64, "256 random bits");

    // A second start gets another state; the phone keeps its cookie.
    let phone = start.cookie().unwrap();
    let again = app
        .get(
            &format!("{}?ticket={id}", api(paths::PHONE_WECHAT_OAUTH_START)),
            Some(&phone),
        )
        .await;
    assert!(again.header("set-cookie").is_none());
    assert_ne!(again.header("location"), start.header("location"));

    // An unknown ticket is not found.
    let missing = app
        .get(
            &format!(
                "{}?ticket=00000000000000000000000000000000",
                api(paths::PHONE_WECHAT_OAUTH_START)
            ),
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_replayed_callback_is_refused() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    let phone = app
        .phone_sign_in(SignInWith::Wechat, &id, ADMIN_1, None)
        .await;
    let (page, query) = sent_back(&phone.answer);
    assert_eq!(page, format!("/m/provider-sync/{id}"));
    assert!(query.is_empty());

    let replay = app.get(&phone.callback, Some(&phone.cookie)).await;
    assert_eq!(replay.status, StatusCode::FORBIDDEN);
    assert!(
        replay
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(replay.text().contains("授权登录已失效或已使用过"));
    assert!(replay.text().contains("req_"));
}

#[tokio::test]
async fn a_callback_in_another_browser_is_refused() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    // The outsider starts the sign-in on their own phone and sends the callback link to the
    // admin's phone (which has a cookie of its own, or none).
    let (_, callback) = app
        .phone_sign_in_callback(SignInWith::Wechat, &id, ADMIN_2, None)
        .await;
    let victim = app
        .get(
            &format!("{}?ticket={id}", api(paths::PHONE_WECHAT_OAUTH_START)),
            None,
        )
        .await
        .cookie()
        .unwrap();
    let refused = app.get(&callback, Some(&victim)).await;
    let (page, query) = sent_back(&refused);
    assert_eq!(page, format!("/m/provider-sync/{id}"));
    assert_eq!(query["sign_in_error"], "Forbidden");
    assert_eq!(query["reason"], "phone_sign_in_invalid");
    assert!(query["request_id"].starts_with("req_"));
    assert_eq!(console_state(&app, &cookie, &id).await, "pending");
}

#[tokio::test]
async fn a_sign_in_for_one_code_does_not_confirm_another() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let first = app.provider_sync_ticket(&cookie).await;
    let second = app.provider_sync_ticket(&cookie).await;
    let phone = app
        .signed_in_phone(SignInWith::Wechat, &first, ADMIN_1)
        .await
        .unwrap();
    let refused = confirm(&app, &second, None, Some(&phone)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["error"]["reason"], "phone_sign_in_required");
    assert_eq!(console_state(&app, &cookie, &second).await, "pending");
}

#[tokio::test]
async fn only_the_phone_that_signed_in_can_confirm_and_no_other_phone_can_take_over() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    let admin = app
        .signed_in_phone(SignInWith::Wechat, &id, ADMIN_1)
        .await
        .unwrap();

    // Another browser that has a phone cookie of its own.
    let other = app
        .phone_sign_in(SignInWith::Wechat, &id, ADMIN_2, None)
        .await;
    let (_, query) = sent_back(&other.answer);
    assert_eq!(query["reason"], "other_phone");
    let refused = confirm(&app, &id, None, Some(&other.cookie)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["error"]["reason"], "phone_sign_in_required");
    let seen = app
        .get(
            &fill(paths::PHONE_PROVIDER_SYNC_TICKET, &[&id]),
            Some(&other.cookie),
        )
        .await
        .json();
    assert!(seen["signed_in_as"].is_null());

    let confirmed = confirm(&app, &id, None, Some(&admin)).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
    assert_eq!(providers(&app, &cookie).await, 2);
}

#[tokio::test]
async fn a_sign_in_left_too_long_expires_with_its_code() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    let (phone, callback) = app
        .phone_sign_in_callback(SignInWith::Wechat, &id, ADMIN_1, None)
        .await;
    app.clock
        .advance(app.state.settings.ticket_ttl.as_millis() as i64);
    let late = app.get(&callback, Some(&phone)).await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    assert!(late.text().contains("授权登录已失效"));

    // A start on an expired code goes back to the page, which says why.
    let start = app
        .get(
            &format!("{}?ticket={id}", api(paths::PHONE_WECHAT_OAUTH_START)),
            None,
        )
        .await;
    let (_, query) = sent_back(&start);
    assert_eq!(query["sign_in_error"], "TicketExpired");
}

#[tokio::test]
async fn a_forged_or_missing_code_is_refused_by_wechat() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    let (phone, callback) = app
        .phone_sign_in_callback(SignInWith::Wechat, &id, ADMIN_1, None)
        .await;
    let forged = callback.replace("code=", "code=forged");
    let refused = app.get(&forged, Some(&phone)).await;
    let (_, query) = sent_back(&refused);
    assert_eq!(query["reason"], "phone_sign_in_refused");
    assert_eq!(console_state(&app, &cookie, &id).await, "pending");

    let no_state = app
        .get(
            &format!("{}?code=abc", api(paths::PHONE_WECHAT_OAUTH_CALLBACK)),
            Some(&phone),
        )
        .await;
    assert_eq!(no_state.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_wechat_state_does_not_open_an_alipay_code() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let sub_merchant = app.first_sub_merchant_id(&cookie).await;
    let alipay = app.alipay_authorization_ticket(&cookie, sub_merchant).await;
    // A WeChat sign-in cannot be started for an Alipay code…
    let start = app
        .get(
            &format!("{}?ticket={alipay}", api(paths::PHONE_WECHAT_OAUTH_START)),
            None,
        )
        .await;
    assert_eq!(start.status, StatusCode::NOT_FOUND);
    // …and an Alipay callback's state is not accepted by WeChat's callback.
    let (phone, callback) = app
        .phone_sign_in_callback(SignInWith::Alipay, &alipay, "2088000000000011", None)
        .await;
    let crossed = callback
        .replace("/alipay-oauth/", "/wechat-oauth/")
        .replace("app_auth_code=", "code=");
    let refused = app.get(&crossed, Some(&phone)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_sandbox_services_check_the_app_like_the_real_ones() {
    let app = TestApp::new().await;
    let http = reqwest::Client::new();
    let base = &app.sign_in_base;

    // WeChat: a wrong secret, and a code used twice.
    let code = app
        .sandbox
        .issue_sign_in_code(
            server::upstream::sandbox::IdentityProvider::Wechat,
            common::WECHAT_APP_ID,
            ADMIN_1,
        )
        .unwrap();
    let exchange = |secret: &str| {
        format!(
            "{base}/sns/oauth2/access_token?appid={}&secret={secret}&code={code}&grant_type=authorization_code",
            common::WECHAT_APP_ID
        )
    };
    let wrong: serde_json::Value = http
        .get(exchange("not-the-secret"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(wrong["errcode"], 40125);
    assert_eq!(
        app.state.identity.wechat_openid(&code).await.unwrap(),
        ADMIN_1
    );
    assert!(matches!(
        app.state.identity.wechat_openid(&code).await,
        Err(server::oauth::OAuthError::Refused(_))
    ));

    // Alipay: a gateway call signed with another key is refused; the right key is accepted.
    let issue = || {
        app.sandbox
            .issue_sign_in_code(
                server::upstream::sandbox::IdentityProvider::Alipay,
                common::ALIPAY_APP_ID,
                "2088000000000022",
            )
            .unwrap()
    };
    let other_key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
    let mut config = app.state.identity.config().clone();
    config.alipay_private_key = std::sync::Arc::new(other_key);
    let impostor = server::oauth::IdentityProviders::new(config).unwrap();
    let refused = impostor.alipay_grant(&issue(), 0).await;
    assert!(
        matches!(&refused, Err(server::oauth::OAuthError::Refused(why)) if why.contains("isv.invalid-signature")),
        "{refused:?}"
    );
    let grant = app.state.identity.alipay_grant(&issue(), 0).await.unwrap();
    assert_eq!(grant.user_id, "2088000000000022");
    assert!(!format!("{grant:?}").contains(grant.app_auth_token.expose()));
}

#[tokio::test]
async fn once_a_phone_has_signed_in_only_it_may_decline() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    let admin = app
        .signed_in_phone(SignInWith::Wechat, &id, ADMIN_1)
        .await
        .unwrap();
    let path = fill(paths::PHONE_PROVIDER_SYNC_TICKET_CANCEL, &[&id]);
    let stranger = app.request(Method::POST, &path, None, None).await;
    assert_eq!(stranger.status, StatusCode::FORBIDDEN);
    assert_eq!(stranger.json()["error"]["reason"], "other_phone");
    assert_eq!(console_state(&app, &cookie, &id).await, "scanned");
    let declined = app.request(Method::POST, &path, None, Some(&admin)).await;
    assert_eq!(declined.status, StatusCode::NO_CONTENT);
    assert_eq!(console_state(&app, &cookie, &id).await, "cancelled");
}

#[tokio::test]
async fn a_disabled_accounts_code_syncs_nothing() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    let phone = app
        .signed_in_phone(SignInWith::Wechat, &id, ADMIN_1)
        .await
        .unwrap();
    app.state.store.disable_account(PROVIDER, 0).await.unwrap();
    let confirmed = confirm(&app, &id, None, Some(&phone)).await;
    assert_eq!(
        confirmed.status,
        StatusCode::NOT_FOUND,
        "{}",
        confirmed.text()
    );
    let shown = app
        .get(
            &fill(paths::PHONE_PROVIDER_SYNC_TICKET, &[&id]),
            Some(&phone),
        )
        .await;
    assert_eq!(shown.status, StatusCode::NOT_FOUND);
    let synced: i64 = app
        .db
        .value(
            "SELECT COUNT(*) FROM providers WHERE account_id = ?",
            &[PROVIDER.into()],
        )
        .await;
    assert_eq!(synced, 0);
}

#[tokio::test]
async fn the_sandbox_sends_a_phone_back_to_the_registered_console_callback_only() {
    let app = TestApp::new().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = &app.sign_in_base;
    let wechat = |redirect: &str| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("appid", common::WECHAT_APP_ID)
            .append_pair("redirect_uri", redirect)
            .append_pair("response_type", "code")
            .append_pair("scope", "snsapi_base")
            .append_pair("state", "s")
            .append_pair("sandbox_user", ADMIN_1)
            .finish();
        format!("{base}/connect/oauth2/authorize?{query}")
    };
    let alipay = |redirect: &str| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("app_id", common::ALIPAY_APP_ID)
            .append_pair("redirect_uri", redirect)
            .append_pair("state", "s")
            .append_pair("sandbox_user", "2088000000000011")
            .finish();
        format!("{base}/oauth2/appToAppAuth.htm?{query}")
    };
    for (url, callback) in [
        (
            &wechat as &dyn Fn(&str) -> String,
            &api(paths::PHONE_WECHAT_OAUTH_CALLBACK),
        ),
        (&alipay, &api(paths::PHONE_ALIPAY_OAUTH_CALLBACK)),
    ] {
        let ok = http
            .get(url(&format!("http://console.test{callback}")))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status().as_u16(), 303, "{callback}");
        for elsewhere in [
            format!("https://evil.example{callback}"),
            format!("http://console.test.evil.example{callback}"),
            format!("http://user@evil.example{callback}"),
            "http://console.test/login".to_owned(),
            "javascript:alert(1)".to_owned(),
        ] {
            let refused = http.get(url(&elsewhere)).send().await.unwrap();
            assert_eq!(refused.status().as_u16(), 400, "{elsewhere}");
            assert!(refused.headers().get("location").is_none(), "{elsewhere}");
        }
    }
}
