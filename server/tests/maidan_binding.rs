//! 开通微信买单 from a phone (已有商户号？立即绑定): SMS code cooldown, lifetime, tries and hourly
//! limits (per merchant ID and mobile, so that strangers asking codes to their own mobiles leave
//! the owner's, and per address); a mismatch of the mobile, the card or the code is one answer, counted; success opens
//! Maidan upstream and in the console, after which the refused channel switch goes through.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use axum::http::{Method, StatusCode};
use common::{TestApp, TestResponse};
use serde_json::{Value, json};

/// A sandbox sub-merchant that has not opened WeChat Maidan.
const MERCHANT: &str = "1600000005";

async fn record(app: &TestApp, merchant_id: &str) -> Value {
    app.get(&fill(paths::SANDBOX_MERCHANT, &[&merchant_id]), None)
        .await
        .json()
}

async fn send(app: &TestApp, merchant_id: &str, mobile: &str) -> TestResponse {
    app.request(
        Method::POST,
        &api(paths::PHONE_MAIDAN_SMS_CODES),
        Some(json!({"merchant_id": merchant_id, "mobile": mobile})),
        None,
    )
    .await
}

/// Asks for a code from the client address `ip`.
async fn send_from(app: &TestApp, ip: &str, merchant_id: &str, mobile: &str) -> TestResponse {
    let mut request = axum::http::Request::post(api(paths::PHONE_MAIDAN_SMS_CODES))
        .header("host", common::HOST)
        .header("origin", common::ORIGIN)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({"merchant_id": merchant_id, "mobile": mobile}).to_string(),
        ))
        .unwrap();
    let peer: std::net::SocketAddr = format!("{ip}:40000").parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    app.send(request).await
}

/// The `n`-th of some valid mobiles none of which is `registered`.
fn stranger_mobile(registered: &str, n: u32) -> String {
    let mobile = format!("1370000{n:04}");
    if mobile == registered {
        format!("1360000{n:04}")
    } else {
        mobile
    }
}

async fn bind(app: &TestApp, body: Value) -> TestResponse {
    app.request(
        Method::POST,
        &api(paths::PHONE_MAIDAN_BINDINGS),
        Some(body),
        None,
    )
    .await
}

/// The mobile and bank card registered with [`MERCHANT`].
async fn registered(app: &TestApp) -> (String, String) {
    let merchant = record(app, MERCHANT).await;
    let field = |name: &str| merchant[name].as_str().unwrap().to_owned();
    (field("mobile"), field("bank_card"))
}

/// Asks for a code for [`MERCHANT`] to `mobile`; the code the sandbox texted.
async fn code_sent(app: &TestApp, mobile: &str) -> String {
    send(app, MERCHANT, mobile).await.json()["sandbox_code"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A valid mobile that is not `mobile`.
fn other_mobile(mobile: &str) -> &'static str {
    if mobile == "13800000000" {
        "13900000000"
    } else {
        "13800000000"
    }
}

fn rule(response: &TestResponse, field: &str) -> String {
    response.json()["error"]["fields"][field]["rule"]["kind"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_code_is_sent_once_a_minute_and_the_sandbox_shows_it() {
    let app = TestApp::new().await;
    let merchant = record(&app, MERCHANT).await;
    assert_eq!(merchant["maidan_opened"], false);
    let mobile = merchant["mobile"].as_str().unwrap();

    let bad = send(&app, "16x", "12345").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(rule(&bad, "merchant_id"), "digits");
    assert_eq!(rule(&bad, "mobile"), "mobile");
    let unknown = send(&app, "1699999999", mobile).await;
    assert_eq!(rule(&unknown, "merchant_id"), "unknown_merchant");

    let sent = send(&app, MERCHANT, mobile).await;
    assert_eq!(sent.status, StatusCode::CREATED);
    let code = sent.json()["sandbox_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    let read = app
        .get(&fill(paths::SANDBOX_SMS_CODE, &[&mobile]), None)
        .await
        .json();
    assert_eq!(read["code"], code.as_str());

    app.clock.advance(20_000);
    let again = send(&app, MERCHANT, mobile).await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(again.header("retry-after"), Some("40"));
    app.clock.advance(40_000);
    assert_eq!(
        send(&app, MERCHANT, mobile).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_wrong_mobile_card_or_code_is_one_answer_and_uses_up_a_try() {
    let app = TestApp::new().await;
    let (mobile, card) = registered(&app).await;
    let code = code_sent(&app, &mobile).await;
    let body = |mobile: &str, card: &str, code: &str| json!({"merchant_id": MERCHANT, "mobile": mobile, "bank_card": card, "code": code});

    let malformed = bind(&app, body("12", "4111111111111112", "12a")).await;
    assert_eq!(rule(&malformed, "mobile"), "mobile");
    assert_eq!(rule(&malformed, "bank_card"), "bank_card");
    assert_eq!(rule(&malformed, "code"), "sms_code");
    let not_registered = other_mobile(&mobile);
    // The error without its request id: what an outsider learns.
    let answer = |response: &TestResponse| {
        let mut error = response.json()["error"].clone();
        error["request_id"] = Value::Null;
        error
    };
    let wrong_mobile = bind(&app, body(not_registered, &card, &code)).await;
    assert_eq!(rule(&wrong_mobile, "code"), "binding_mismatch");
    assert_eq!(
        wrong_mobile.json()["error"]["fields"]["code"]["rule"]["left"],
        4
    );
    assert!(
        wrong_mobile.json()["error"]["fields"]["code"]["message"]
            .as_str()
            .unwrap()
            .starts_with("信息不匹配")
    );
    assert!(
        wrong_mobile.json()["error"]["fields"]
            .get("mobile")
            .is_none()
    );
    let wrong_card = bind(&app, body(&mobile, "4111111111111111", &code)).await;
    assert_eq!(
        wrong_card.json()["error"]["fields"]["code"]["rule"]["left"],
        3
    );
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let wrong_code = bind(&app, body(&mobile, &card, wrong)).await;
    assert_eq!(
        wrong_code.json()["error"]["fields"]["code"]["rule"]["left"],
        2
    );
    // The same answer whichever was wrong, but for the tries left.
    let same = |mut error: Value| {
        error["fields"]["code"]["rule"]["left"] = Value::Null;
        error["fields"]["code"]["message"] = Value::Null;
        error
    };
    assert_eq!(same(answer(&wrong_mobile)), same(answer(&wrong_card)));
    assert_eq!(same(answer(&wrong_card)), same(answer(&wrong_code)));
    assert_eq!(wrong_mobile.status, wrong_code.status);
    bind(&app, body(&mobile, &card, wrong)).await;
    let fifth = bind(&app, body(&mobile, &card, wrong)).await;
    assert_eq!(
        rule(&fifth, "code"),
        "code_expired",
        "five wrong tries use it up"
    );
    let right_too_late = bind(&app, body(&mobile, &card, &code)).await;
    assert_eq!(rule(&right_too_late, "code"), "code_expired");

    // A new code, left for more than five minutes, has expired.
    app.clock.advance(61_000);
    let fresh = send(&app, MERCHANT, &mobile).await.json()["sandbox_code"]
        .as_str()
        .unwrap()
        .to_owned();
    app.clock.advance(301_000);
    assert_eq!(
        rule(&bind(&app, body(&mobile, &card, &fresh)).await, "code"),
        "code_expired"
    );
    assert_eq!(record(&app, MERCHANT).await["maidan_opened"], false);
}

#[tokio::test]
async fn a_code_asked_for_the_same_merchant_id_by_someone_else_leaves_the_owners_code_working() {
    let app = TestApp::new().await;
    let (mobile, card) = registered(&app).await;
    let code = code_sent(&app, &mobile).await;
    // An outsider asks for a code for the same merchant ID, to a mobile of their own, and
    // tries it: it is their code that takes the wrong try.
    let theirs = other_mobile(&mobile);
    let their_code = code_sent(&app, theirs).await;
    let attempt = bind(
        &app,
        json!({"merchant_id": MERCHANT, "mobile": theirs, "bank_card": card, "code": their_code}),
    )
    .await;
    assert_eq!(rule(&attempt, "code"), "binding_mismatch");
    let owner = bind(
        &app,
        json!({"merchant_id": MERCHANT, "mobile": mobile, "bank_card": card, "code": code}),
    )
    .await;
    assert_eq!(owner.status, StatusCode::CREATED, "{}", owner.text());
    assert_eq!(record(&app, MERCHANT).await["maidan_opened"], true);
}

#[tokio::test]
async fn which_mobile_holds_a_code_is_never_told() {
    let app = TestApp::new().await;
    let (mobile, card) = registered(&app).await;
    // The owner has a code; an outsider asks one to a mobile of their own, then guesses.
    send(&app, MERCHANT, &mobile).await;
    let theirs = other_mobile(&mobile);
    send(&app, MERCHANT, theirs).await;
    let guess = |mobile: &str| json!({"merchant_id": MERCHANT, "mobile": mobile, "bank_card": card, "code": "000000"});
    let mut left = 5;
    for guessed in [theirs, &mobile, "13700000000", theirs] {
        left -= 1;
        let answer = bind(&app, guess(guessed)).await;
        assert_eq!(rule(&answer, "code"), "binding_mismatch", "{guessed}");
        assert_eq!(
            answer.json()["error"]["fields"]["code"]["rule"]["left"],
            left,
            "one count for the merchant ID, whichever mobile: {guessed}"
        );
    }
    // Used up: the same answer for every mobile, the registered one too.
    for guessed in [theirs, &mobile, "13700000000"] {
        let answer = bind(&app, guess(guessed)).await;
        assert_eq!(rule(&answer, "code"), "code_expired", "{guessed}");
    }
}

#[tokio::test]
async fn codes_are_limited_to_five_an_hour_per_merchant_id_and_mobile_and_per_address() {
    let app = TestApp::new().await;
    let mobile = record(&app, MERCHANT).await["mobile"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..5 {
        assert_eq!(
            send(&app, MERCHANT, &mobile).await.status,
            StatusCode::CREATED
        );
        app.clock.advance(61_000);
    }
    let sixth = send(&app, MERCHANT, &mobile).await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sixth.json()["error"]["reason"], "too_many_codes");
    let wait: i64 = sixth.header("retry-after").unwrap().parse().unwrap();
    assert_eq!(
        wait,
        3_600 - 5 * 61,
        "until the first of the five is an hour old"
    );
    // The address is limited too: another merchant ID from it is refused.
    let other = "1600000006";
    let their_mobile = record(&app, other).await["mobile"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        send(&app, other, &their_mobile).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance(wait * 1000);
    assert_eq!(
        send(&app, MERCHANT, &mobile).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_stranger_asking_codes_to_other_mobiles_from_one_address_leaves_the_owner_theirs() {
    let app = TestApp::new().await;
    let (mobile, _) = registered(&app).await;
    let stranger = "203.0.113.9";
    for n in 0..5 {
        let theirs = send_from(&app, stranger, MERCHANT, &stranger_mobile(&mobile, n)).await;
        assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.text());
    }
    // The stranger's address has had its five.
    let sixth = send_from(&app, stranger, MERCHANT, &stranger_mobile(&mobile, 5)).await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sixth.json()["error"]["reason"], "too_many_codes");
    // The merchant's own mobile has spent nothing: the owner gets a code.
    let owner = send_from(&app, "198.51.100.7", MERCHANT, &mobile).await;
    assert_eq!(owner.status, StatusCode::CREATED, "{}", owner.text());
    assert!(owner.json()["sandbox_code"].is_string());
}

#[tokio::test]
async fn strangers_asking_codes_to_other_mobiles_from_many_addresses_leave_the_owner_theirs() {
    let app = TestApp::new().await;
    let (mobile, _) = registered(&app).await;
    // Twenty requests from ten addresses, each to a mobile of the strangers'...
    let mut answers = Vec::new();
    for n in 0..20 {
        let from = format!("203.0.113.{}", n / 2);
        let theirs = send_from(&app, &from, MERCHANT, &stranger_mobile(&mobile, n)).await;
        answers.push(theirs.status);
    }
    // ...and five more to one such mobile, from five more addresses, a minute apart.
    let theirs = stranger_mobile(&mobile, 99);
    for n in 0..5 {
        let from = format!("198.51.100.{}", 100 + n);
        answers.push(send_from(&app, &from, MERCHANT, &theirs).await.status);
        app.clock.advance(61_000);
    }
    let sixth = send_from(&app, "198.51.100.200", MERCHANT, &theirs).await;
    // The owner's mobile has spent none of its allowance.
    let owner = send_from(&app, "198.51.100.7", MERCHANT, &mobile).await;
    assert_eq!(owner.status, StatusCode::CREATED, "{}", owner.text());
    // Each of the strangers' requests counted against its own (merchant ID, mobile) and its
    // address only: all went out, until that one mobile had had its five.
    assert!(
        answers.iter().all(|status| *status == StatusCode::CREATED),
        "{answers:?}"
    );
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sixth.json()["error"]["reason"], "too_many_codes");
}

#[tokio::test]
async fn a_bound_merchant_id_has_opened_maidan_and_its_switch_goes_through() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let row = app
        .get(
            &format!("{}?q={MERCHANT}", api(paths::SUB_MERCHANTS)),
            Some(&cookie),
        )
        .await
        .json()["items"][0]
        .clone();
    assert_eq!(row["maidan_opened"], false);
    let switch = fill(paths::SUB_MERCHANT_WECHAT_CHANNEL, &[&row["id"]]);
    let refused = app
        .request(
            Method::PUT,
            &switch,
            Some(json!({"channel": "wechat_maidan"})),
            Some(&cookie),
        )
        .await;
    assert_eq!(refused.error_code(), "MaidanNotOpened");

    let merchant = record(&app, MERCHANT).await;
    let mobile = merchant["mobile"].as_str().unwrap();
    let code = send(&app, MERCHANT, mobile).await.json()["sandbox_code"].clone();
    let bound = bind(
        &app,
        json!({"merchant_id": MERCHANT, "mobile": mobile, "bank_card": merchant["bank_card"], "code": code}),
    )
    .await;
    assert_eq!(bound.status, StatusCode::CREATED);
    assert_eq!(bound.json()["maidan_opened"], true);
    assert_eq!(record(&app, MERCHANT).await["maidan_opened"], true);
    let listed = app
        .get(
            &format!("{}?q={MERCHANT}", api(paths::SUB_MERCHANTS)),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(
        listed["items"][0]["maidan_opened"], true,
        "the list follows"
    );
    let switched = app
        .request(
            Method::PUT,
            &switch,
            Some(json!({"channel": "wechat_maidan"})),
            Some(&cookie),
        )
        .await;
    assert_eq!(switched.status, StatusCode::OK);
}

/// An upstream that is not the sandbox: the sandbox's controls are not there.
#[derive(Debug)]
struct Production;

#[async_trait::async_trait]
impl server::upstream::MaidanUpstream for Production {
    fn kind(&self) -> &'static str {
        "wechat"
    }
    async fn wechat_user(
        &self,
        _: &str,
    ) -> Result<Option<server::upstream::WechatUser>, server::upstream::UpstreamError> {
        Ok(None)
    }
    async fn providers_administered_by(
        &self,
        _: &str,
    ) -> Result<Vec<server::upstream::UpstreamProvider>, server::upstream::UpstreamError> {
        Ok(Vec::new())
    }
    async fn sub_merchants(
        &self,
        _: &str,
        _: u64,
        _: u32,
    ) -> Result<server::upstream::SubMerchantPage, server::upstream::UpstreamError> {
        Err(server::upstream::UpstreamError::refused(
            server::upstream::UpstreamCause::NotFound,
            "none",
        ))
    }
    async fn maidan_opened(
        &self,
        _: &str,
    ) -> Result<Option<bool>, server::upstream::UpstreamError> {
        Ok(None)
    }
    async fn send_binding_code(
        &self,
        _: &str,
        _: &str,
    ) -> Result<server::upstream::CodeSent, server::upstream::BindingError> {
        Err(server::upstream::UpstreamError::refused(
            server::upstream::UpstreamCause::NotFound,
            "none",
        )
        .into())
    }
    async fn bind_merchant(
        &self,
        _: &domain::api::MaidanBinding,
    ) -> Result<(), server::upstream::BindingError> {
        Err(server::upstream::UpstreamError::refused(
            server::upstream::UpstreamCause::NotFound,
            "none",
        )
        .into())
    }
    async fn transactions(
        &self,
        _: &str,
    ) -> Result<Vec<server::upstream::UpstreamTransaction>, server::upstream::UpstreamError> {
        Ok(Vec::new())
    }
}

#[tokio::test]
async fn the_sandbox_controls_are_absent_when_the_upstream_is_not_the_sandbox() {
    use tower::ServiceExt;
    let app = TestApp::new().await;
    let state = server::AppState {
        readiness: Default::default(),
        workers: Default::default(),
        upstream: std::sync::Arc::new(Production),
        ..app.state.clone()
    };
    let router = server::app(state);
    for path in [
        &fill(paths::SANDBOX_SMS_CODE, &[&"13800000000"]),
        &fill(paths::SANDBOX_MERCHANT, &[&"1600000005"]),
        &api(paths::SANDBOX_WECHAT_USERS),
    ] {
        let request = axum::http::Request::get(path)
            .header("host", common::HOST)
            .body(axum::body::Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
}
