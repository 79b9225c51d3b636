//! 修改服务商信息: WeChat Pay, Alipay and basic info, with write-only secrets sealed at rest.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use axum::http::{Method, StatusCode};
use common::{TestApp, TestResponse};
use serde_json::{Value, json};

const PROVIDER: &str = "100000000001";
const HANGZHOU: &str = "1900000101";
const API_KEY: &str = "Zq8vT3mN6pR1sW4yB7cE0fH2jK5lX9aD";
const PRIVATE_KEY: &str = include_str!("fixtures/alipay-app-private-2048.pem");
const PUBLIC_KEY: &str = include_str!("fixtures/alipay-public-2048.pem");
const SMALL_KEY: &str = include_str!("fixtures/rsa-1024-pkcs1.pem");

/// Signs in as the demo provider and syncs its providers; returns the cookie.
async fn provider_with_providers(app: &TestApp) -> String {
    let cookie = app.login_as(PROVIDER).await;
    let confirmed = app.scan_and_confirm(&cookie, "o_sandbox_admin_1").await;
    assert_eq!(confirmed.status, StatusCode::OK);
    cookie
}

async fn put(app: &TestApp, cookie: &str, section: &str, body: Value) -> TestResponse {
    app.request(
        Method::PUT,
        &format!("/api/v1/providers/{HANGZHOU}/{section}"),
        Some(body),
        Some(cookie),
    )
    .await
}

fn wechat(api_key: &str) -> Value {
    json!({
        "merchant_id": "1900000109",
        "app_id": "wxd678efh567hg6787",
        "api_key": api_key,
        "rebate_ratio": "12.5",
    })
}

#[tokio::test]
async fn wechat_pay_info_is_saved_and_the_key_is_shown_only_masked() {
    let app = TestApp::new().await;
    let cookie = provider_with_providers(&app).await;
    let before = app
        .get(&fill(paths::PROVIDER, &[&HANGZHOU]), Some(&cookie))
        .await;
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(before.json()["wechat_pay"]["api_key"]["set"], false);

    let saved = put(&app, &cookie, "wechat-pay", wechat(API_KEY)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    let pay = &saved.json()["wechat_pay"];
    assert_eq!(pay["merchant_id"], "1900000109");
    assert_eq!(pay["rebate_ratio"], "12.50");
    assert_eq!(pay["api_key"]["set"], true);
    assert_eq!(pay["api_key"]["hint"], "…X9aD");
    assert!(!saved.text().contains(API_KEY));

    let detail = app
        .get(&fill(paths::PROVIDER, &[&HANGZHOU]), Some(&cookie))
        .await;
    assert!(!detail.text().contains(API_KEY));
    let list = app.get(&api(paths::PROVIDERS), Some(&cookie)).await.json();
    let row = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["provider_id"] == HANGZHOU)
        .unwrap()
        .clone();
    assert_eq!(row["wechat_pay_configured"], true);
    assert_eq!(row["alipay_configured"], false);
}

#[tokio::test]
async fn a_blank_key_keeps_the_stored_one_but_the_first_save_needs_it() {
    let app = TestApp::new().await;
    let cookie = provider_with_providers(&app).await;
    let first = put(&app, &cookie, "wechat-pay", wechat("")).await;
    assert_eq!(first.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        first.field_kinds(),
        [("api_key".to_owned(), "required".to_owned())]
    );

    put(&app, &cookie, "wechat-pay", wechat(API_KEY)).await;
    let mut edit = wechat("");
    edit["rebate_ratio"] = json!("");
    let kept = put(&app, &cookie, "wechat-pay", edit).await;
    assert_eq!(kept.status, StatusCode::OK);
    assert_eq!(kept.json()["wechat_pay"]["api_key"]["hint"], "…X9aD");
    assert_eq!(kept.json()["wechat_pay"]["rebate_ratio"], "");
}

#[tokio::test]
async fn every_wrong_field_of_each_section_is_named() {
    let app = TestApp::new().await;
    let cookie = provider_with_providers(&app).await;
    let wrong = put(
        &app,
        &cookie,
        "wechat-pay",
        json!({"merchant_id": "19x", "app_id": "wx1", "api_key": "short", "rebate_ratio": "100.5"}),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        wrong.field_kinds(),
        [
            ("api_key".to_owned(), "alphanumeric".to_owned()),
            ("app_id".to_owned(), "wechat_app_id".to_owned()),
            ("merchant_id".to_owned(), "digits".to_owned()),
            ("rebate_ratio".to_owned(), "ratio".to_owned()),
        ]
    );

    let alipay = put(
        &app,
        &cookie,
        "alipay",
        json!({"app_id": "123", "pid": "2089000000000000", "app_private_key": SMALL_KEY, "alipay_public_key": "nope"}),
    )
    .await;
    assert_eq!(
        alipay.field_kinds(),
        [
            ("alipay_public_key".to_owned(), "rsa_key".to_owned()),
            ("app_id".to_owned(), "digits".to_owned()),
            ("app_private_key".to_owned(), "rsa_key".to_owned()),
            ("pid".to_owned(), "alipay_pid".to_owned()),
        ]
    );

    let basic = put(&app, &cookie, "basic-info", json!({"name": "", "short_name": "", "callback_url": "http://pay.example.com/notify", "ad_url": "", "company_remark": "", "provider_remark": ""})).await;
    assert_eq!(
        basic.field_kinds(),
        [("callback_url".to_owned(), "https_url".to_owned())]
    );
}

#[tokio::test]
async fn alipay_keys_are_parsed_and_the_private_key_is_shown_by_fingerprint() {
    let app = TestApp::new().await;
    let cookie = provider_with_providers(&app).await;
    let saved = put(
        &app,
        &cookie,
        "alipay",
        json!({
            "app_id": "2021000122671234",
            "pid": "2088102146225135",
            "app_private_key": PRIVATE_KEY,
            "alipay_public_key": PUBLIC_KEY,
            "rebate_ratio": "0.3",
        }),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    let alipay = &saved.json()["alipay"];
    assert_eq!(alipay["app_private_key"]["set"], true);
    assert!(
        alipay["app_private_key"]["hint"]
            .as_str()
            .unwrap()
            .starts_with("SHA-256 ")
    );
    assert_eq!(alipay["rebate_ratio"], "0.30");
    let body_of_key: String = PRIVATE_KEY.lines().nth(1).unwrap().to_owned();
    assert!(!saved.text().contains(&body_of_key));
}

#[tokio::test]
async fn secrets_are_ciphertext_at_rest() {
    let app = TestApp::new().await;
    let cookie = provider_with_providers(&app).await;
    put(&app, &cookie, "wechat-pay", wechat(API_KEY)).await;
    put(
        &app,
        &cookie,
        "alipay",
        json!({"app_id": "2021000122671234", "pid": "2088102146225135", "app_private_key": PRIVATE_KEY, "alipay_public_key": PUBLIC_KEY}),
    )
    .await;
    let stored: String = app
        .db
        .value(
            "SELECT wechat_pay FROM providers WHERE provider_id = ?",
            &[HANGZHOU.into()],
        )
        .await;
    assert!(
        stored.contains("\"sealed\":\"v2:"),
        "sealed under a named key"
    );
    let private_line = PRIVATE_KEY.lines().nth(1).unwrap();
    let mut bytes = Vec::new();
    if let Some(path) = &app.db_path {
        bytes = std::fs::read(path).unwrap();
        bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains(API_KEY),
        "the API key is in the database file"
    );
    assert!(
        !text.contains(private_line),
        "the private key is in the database file"
    );
}

#[tokio::test]
async fn another_accounts_provider_does_not_exist() {
    let app = TestApp::new().await;
    provider_with_providers(&app).await;
    let other = app.login_as("100000000004").await;
    let read = app
        .get(&fill(paths::PROVIDER, &[&HANGZHOU]), Some(&other))
        .await;
    assert_eq!(read.status, StatusCode::NOT_FOUND);
    assert_eq!(
        put(&app, &other, "wechat-pay", wechat(API_KEY))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        put(&app, &other, "basic-info", json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    let sub_provider = app.login_as("100000000002").await;
    assert_eq!(
        app.get(&fill(paths::PROVIDER, &[&HANGZHOU]), Some(&sub_provider))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn every_change_is_audited_by_field_name_without_values() {
    let app = TestApp::new().await;
    let cookie = provider_with_providers(&app).await;
    put(&app, &cookie, "wechat-pay", wechat(API_KEY)).await;
    let mut edit = wechat("");
    edit["app_id"] = json!("wx1234567890abcdef");
    put(&app, &cookie, "wechat-pay", edit).await;
    put(&app, &cookie, "basic-info", json!({"name": "西湖服务商", "short_name": "西湖", "callback_url": "https://pay.example.com/notify", "ad_url": "", "company_remark": "", "provider_remark": ""})).await;

    let events = app.get(&api(paths::AUDIT_EVENTS), Some(&cookie)).await;
    assert_eq!(events.status, StatusCode::OK);
    let list = events.json();
    // The provider sync that brought them in, then the three saves.
    assert_eq!(list["total"], 4);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items[3]["action"], "providers.synced");
    assert_eq!(items[0]["action"], "provider.basic_info.updated");
    assert_eq!(
        items[0]["fields"],
        json!(["name", "short_name", "callback_url"])
    );
    assert_eq!(items[1]["action"], "provider.wechat_pay.updated");
    assert_eq!(items[1]["fields"], json!(["app_id"]));
    assert_eq!(
        items[2]["fields"],
        json!(["merchant_id", "app_id", "api_key", "rebate_ratio"])
    );
    assert_eq!(items[2]["actor"], PROVIDER);
    assert_eq!(items[2]["target"], format!("provider/{HANGZHOU}"));
    assert!(!events.text().contains(API_KEY));
    assert!(!events.text().contains("1900000109"));

    // The other account's record holds only the sandbox binding its own provider.
    let other = app.login_as("100000000004").await;
    let theirs = app
        .get(&api(paths::AUDIT_EVENTS), Some(&other))
        .await
        .json();
    assert_eq!(theirs["total"], 1);
    assert_eq!(theirs["items"][0]["actor"], "sandbox");
    assert_eq!(theirs["items"][0]["fields"], json!(["1900000103"]));
}

fn p12(name: &str) -> String {
    let bytes = std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
}

#[tokio::test]
async fn the_api_certificate_is_read_with_the_merchant_id_as_default_password() {
    let app = TestApp::new().await;
    let cookie = provider_with_providers(&app).await;
    let mut form = wechat(API_KEY);
    form["certificate_p12"] = json!(p12("apiclient_cert.p12"));
    let saved = put(&app, &cookie, "wechat-pay", form).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    let cert = &saved.json()["wechat_pay"]["certificate"];
    assert_eq!(cert["set"], true);
    assert_eq!(cert["hint"], "5A3C9E01");
    assert!(
        cert["expires_at"]
            .as_str()
            .unwrap()
            .starts_with("2027-11-2")
    );
    assert_eq!(cert["expiring_soon"], false);
    assert!(!saved.text().contains(&p12("apiclient_cert.p12")[..40]));

    // Kept when the next save sends no file.
    let kept = put(&app, &cookie, "wechat-pay", wechat("")).await;
    assert_eq!(kept.json()["wechat_pay"]["certificate"]["hint"], "5A3C9E01");
}

#[tokio::test]
async fn a_certificate_with_another_password_needs_it_and_is_flagged_near_expiry() {
    let app = TestApp::new().await;
    let cookie = provider_with_providers(&app).await;
    let mut form = wechat(API_KEY);
    form["certificate_p12"] = json!(p12("expiring-custom-password.p12"));
    let refused = put(&app, &cookie, "wechat-pay", form.clone()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.field_kinds(),
        [("certificate_p12".to_owned(), "certificate".to_owned())]
    );

    form["certificate_password"] = json!("custom-pass");
    let saved = put(&app, &cookie, "wechat-pay", form).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    let cert = &saved.json()["wechat_pay"]["certificate"];
    assert_eq!(cert["hint"], "77");
    // The test clock starts months before this certificate ends; move to a week before.
    let not_after = cert["expires_at"].as_str().unwrap().to_owned();
    let end_ms =
        time::OffsetDateTime::parse(&not_after, &time::format_description::well_known::Rfc3339)
            .unwrap()
            .unix_timestamp()
            * 1000;
    let now = server::clock::Clock::now_ms(app.clock.as_ref());
    assert_eq!(cert["expiring_soon"], end_ms - now < 30 * 86_400_000);
    app.clock.advance(end_ms - now - 7 * 86_400_000);
    // Months later the old session has long expired.
    let cookie = app.login_as(PROVIDER).await;
    let later = app
        .get(&fill(paths::PROVIDER, &[&HANGZHOU]), Some(&cookie))
        .await;
    assert_eq!(
        later.json()["wechat_pay"]["certificate"]["expiring_soon"],
        true
    );

    let garbage = put(&app, &cookie, "wechat-pay", json!({"merchant_id": "1900000109", "app_id": "wxd678efh567hg6787", "api_key": "", "certificate_p12": "bm90IGEgcDEy"})).await;
    assert_eq!(
        garbage.field_kinds(),
        [("certificate_p12".to_owned(), "certificate".to_owned())]
    );
}

const PNG_1X1: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

#[tokio::test]
async fn logo_and_ad_image_are_checked_by_content_and_shown_back() {
    let app = TestApp::new().await;
    let cookie = provider_with_providers(&app).await;
    let saved = put(&app, &cookie, "basic-info", json!({"logo": PNG_1X1})).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    assert_eq!(saved.json()["basic"]["logo"], PNG_1X1);

    let gif = put(
        &app,
        &cookie,
        "basic-info",
        json!({"ad_image": "data:image/gif;base64,R0lGODlhAQABAIAAAA=="}),
    )
    .await;
    assert_eq!(
        gif.field_kinds(),
        [("ad_image".to_owned(), "image".to_owned())]
    );
    // An image bomb (a few hundred bytes that declare more pixels than allowed) and a polyglot
    // (a whole PNG with a page appended) are refused; the limit itself is accepted.
    let data_url = |bytes: &[u8]| {
        format!(
            "data:image/png;base64,{}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
        )
    };
    let png = |width: u32, height: u32| {
        let mut out = std::io::Cursor::new(Vec::new());
        image::GrayImage::new(width, height)
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        out.into_inner()
    };
    let bomb = put(
        &app,
        &cookie,
        "basic-info",
        json!({"logo": data_url(&png(4097, 4097))}),
    )
    .await;
    assert_eq!(
        bomb.field_kinds(),
        [("logo".to_owned(), "image".to_owned())]
    );
    let mut polyglot = png(8, 8);
    polyglot.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    let refused = put(
        &app,
        &cookie,
        "basic-info",
        json!({"logo": data_url(&polyglot)}),
    )
    .await;
    assert_eq!(
        refused.field_kinds(),
        [("logo".to_owned(), "image".to_owned())]
    );
    let largest = put(
        &app,
        &cookie,
        "basic-info",
        json!({"ad_image": data_url(&png(4096, 64))}),
    )
    .await;
    assert_eq!(largest.status, StatusCode::OK, "{}", largest.text());

    // Right signature, broken body: the server decodes the whole file.
    let broken = put(
        &app,
        &cookie,
        "basic-info",
        json!({"ad_image": "data:image/png;base64,iVBORw0KGgo!!!!"}),
    )
    .await;
    assert_eq!(
        broken.field_kinds(),
        [("ad_image".to_owned(), "image".to_owned())]
    );
}
