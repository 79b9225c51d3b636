//! 支付宝子商户授权: a QR code for one sub-merchant, opened on the merchant's phone, where the
//! merchant authorizes the provider's Alipay application (the sandbox's Alipay pages) and
//! confirms; single use, short-lived, bound to the session that asked, and invisible to other
//! tenants.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use axum::http::{Method, StatusCode};
use common::{SignInWith, TestApp, TestResponse};

/// A sandbox Alipay account.
const ALIPAY_USER: &str = "2088000000000011";

async fn ask(app: &TestApp, cookie: &str, id: i64) -> TestResponse {
    app.request(
        Method::POST,
        &fill(paths::SUB_MERCHANT_ALIPAY_AUTHORIZATIONS, &[&id]),
        None,
        Some(cookie),
    )
    .await
}

async fn poll(app: &TestApp, cookie: &str, id: i64, ticket: &str) -> TestResponse {
    app.get(
        &fill(paths::SUB_MERCHANT_ALIPAY_AUTHORIZATION, &[&id, &ticket]),
        Some(cookie),
    )
    .await
}

async fn open_on_phone(app: &TestApp, ticket: &str) -> TestResponse {
    app.get(&fill(paths::PHONE_ALIPAY_AUTHORIZATION, &[&ticket]), None)
        .await
}

/// The merchant authorizes in Alipay as `user_id` on a phone (when the code still lets it) and
/// confirms there.
async fn confirm(app: &TestApp, ticket: &str, user_id: &str) -> TestResponse {
    let phone = app
        .signed_in_phone(SignInWith::Alipay, ticket, user_id)
        .await;
    confirm_on(app, ticket, phone.as_deref()).await
}

async fn confirm_on(app: &TestApp, ticket: &str, phone: Option<&str>) -> TestResponse {
    app.confirm_on_phone(SignInWith::Alipay, ticket, phone)
        .await
}

#[tokio::test]
async fn the_merchant_scans_authorizes_and_the_sub_merchant_shows_it() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let merchant = app.first_sub_merchant(&cookie).await;
    let id = merchant["id"].as_i64().unwrap();
    let ticket = app.alipay_authorization_ticket(&cookie, id).await;
    assert_eq!(
        poll(&app, &cookie, id, &ticket).await.json()["state"],
        "pending"
    );

    let phone = open_on_phone(&app, &ticket).await;
    assert_eq!(phone.status, StatusCode::OK, "{}", phone.text());
    let shown = phone.json();
    assert_eq!(
        shown["state"], "pending",
        "opening the page changes nothing"
    );
    assert_eq!(shown["sub_merchant_name"], merchant["name"]);
    assert_eq!(shown["merchant_id"], merchant["merchant_id"]);
    assert!(shown["signed_in_as"].is_null());

    // The merchant authorizes the provider's app in Alipay on the phone.
    let merchant_phone = app
        .signed_in_phone(SignInWith::Alipay, &ticket, ALIPAY_USER)
        .await
        .unwrap();
    assert_eq!(
        poll(&app, &cookie, id, &ticket).await.json()["state"],
        "scanned"
    );
    let shown = app
        .get(
            &fill(paths::PHONE_ALIPAY_AUTHORIZATION, &[&ticket]),
            Some(&merchant_phone),
        )
        .await
        .json();
    assert_eq!(shown["signed_in_as"]["id"], ALIPAY_USER);

    // What the phone claims is not read: the account is the one Alipay reported.
    app.clock.advance(5_000);
    let done = app
        .request(
            Method::POST,
            &fill(paths::PHONE_ALIPAY_AUTHORIZATION_CONFIRM, &[&ticket]),
            Some(serde_json::json!({"alipay_user_id": "2088000000000022"})),
            Some(&merchant_phone),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert_eq!(done.json()["state"], "completed");
    assert_eq!(done.json()["authorized"]["user_id"], ALIPAY_USER);

    let console = poll(&app, &cookie, id, &ticket).await.json();
    assert_eq!(console["state"], "completed");
    assert_eq!(console["authorized"]["user_id"], ALIPAY_USER);
    let detail = app
        .get(&fill(paths::SUB_MERCHANT, &[&id]), Some(&cookie))
        .await
        .json();
    assert_eq!(detail["alipay"]["user_id"], ALIPAY_USER);
    assert_eq!(
        detail["alipay"]["authorized_at"],
        console["authorized"]["authorized_at"]
    );
    assert_eq!(
        detail["history"][0]["action"],
        "sub_merchant.alipay.authorized"
    );
    assert_eq!(detail["history"][0]["actor"], ALIPAY_USER);
    // The app auth token is kept sealed for this sub-merchant, never shown.
    let sealed: Option<String> = app
        .db
        .value(
            "SELECT alipay_app_auth_token FROM sub_merchants WHERE id = ?",
            &[id.into()],
        )
        .await;
    let sealed = sealed.unwrap();
    let token = app
        .state
        .vault
        .open_sealed(&sealed, &format!("sub_merchant/{id}/alipay_app_auth_token"))
        .unwrap();
    assert!(token.starts_with("sandbox"));
    assert!(!detail.to_string().contains(&token));

    // Single use.
    let again = confirm(&app, &ticket, "2088000000000022").await;
    assert_eq!(again.error_code(), "TicketUsed");
    assert_eq!(
        open_on_phone(&app, &ticket).await.error_code(),
        "TicketUsed"
    );
}

#[tokio::test]
async fn an_alipay_answer_that_does_not_verify_with_alipays_key_signs_no_one_in() {
    let mut app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;
    // The gateway signs with its key; the console is told another one is Alipay's.
    app.trusting_alipay_key(common::alipay_app_key().to_public_key());
    let ticket = app.alipay_authorization_ticket(&cookie, id).await;
    let phone = app
        .phone_sign_in(SignInWith::Alipay, &ticket, ALIPAY_USER, None)
        .await;
    let back = phone.answer.header("location").unwrap_or_default();
    assert!(back.contains("sign_in_error"), "{back}");
    assert_eq!(
        poll(&app, &cookie, id, &ticket).await.json()["state"],
        "pending",
        "nobody signed in"
    );
    assert!(
        confirm_on(&app, &ticket, Some(&phone.cookie))
            .await
            .status
            .is_client_error()
    );

    // With Alipay's own key, the same merchant signs in.
    app.trusting_alipay_key(common::alipay_gateway_key().to_public_key());
    assert!(
        confirm(&app, &ticket, ALIPAY_USER)
            .await
            .status
            .is_success()
    );
}

#[tokio::test]
async fn an_expired_or_cancelled_code_cannot_be_confirmed() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;

    let expiring = app.alipay_authorization_ticket(&cookie, id).await;
    let ttl = app.state.settings.ticket_ttl.as_millis() as i64;
    app.clock.advance(ttl);
    assert_eq!(
        poll(&app, &cookie, id, &expiring).await.json()["state"],
        "expired"
    );
    let late = confirm(&app, &expiring, ALIPAY_USER).await;
    assert_eq!(late.status, StatusCode::GONE);
    assert_eq!(late.error_code(), "TicketExpired");

    // Closing the dialog cancels the code.
    let closed = app.alipay_authorization_ticket(&cookie, id).await;
    let cancelled = app
        .request(
            Method::DELETE,
            &fill(paths::SUB_MERCHANT_ALIPAY_AUTHORIZATION, &[&id, &closed]),
            None,
            Some(&cookie),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::NO_CONTENT);
    assert_eq!(
        confirm(&app, &closed, ALIPAY_USER).await.error_code(),
        "TicketExpired"
    );

    // Declining on the phone cancels it too, and the console sees it.
    let declined = app.alipay_authorization_ticket(&cookie, id).await;
    open_on_phone(&app, &declined).await;
    let answer = app
        .request(
            Method::POST,
            &fill(paths::PHONE_ALIPAY_AUTHORIZATION_CANCEL, &[&declined]),
            None,
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert_eq!(
        poll(&app, &cookie, id, &declined).await.json()["state"],
        "cancelled"
    );

    let detail = app
        .get(&fill(paths::SUB_MERCHANT, &[&id]), Some(&cookie))
        .await
        .json();
    assert!(detail["alipay"].is_null());
}

#[tokio::test]
async fn a_code_belongs_to_its_session_and_sub_merchant_and_kind() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;
    let ticket = app.alipay_authorization_ticket(&cookie, id).await;

    // Another session of the same account, another account, another sub-merchant: 404.
    let second = app.login_as("100000000001").await;
    assert_eq!(
        poll(&app, &second, id, &ticket).await.status,
        StatusCode::NOT_FOUND
    );
    let other = app.login_as("100000000004").await;
    assert_eq!(
        poll(&app, &other, id, &ticket).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(ask(&app, &other, id).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        poll(&app, &cookie, id + 1, &ticket).await.status,
        StatusCode::NOT_FOUND
    );
    // A provider-sync ticket is not an Alipay authorization, nor the other way round.
    assert_eq!(
        app.get(&fill(paths::PHONE_PROVIDER_SYNC_TICKET, &[&ticket]), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let provider_ticket = app
        .request(
            Method::POST,
            &api(paths::PROVIDER_SYNC_TICKETS),
            None,
            Some(&cookie),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        confirm(&app, &provider_ticket, ALIPAY_USER).await.status,
        StatusCode::NOT_FOUND
    );
    // A sub-provider cannot ask for one.
    let sub_provider = app.login_as("100000000002").await;
    assert_eq!(
        ask(&app, &sub_provider, id).await.status,
        StatusCode::FORBIDDEN
    );
}
