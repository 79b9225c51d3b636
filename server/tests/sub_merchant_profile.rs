//! 编辑基本信息, a sub-merchant's profile: 简称, 管理员姓名 and 邮箱, logo, 广告链接 and 图片, 备注.
//! Each field is checked by its rule from `domain` (the browser's own), images by their whole
//! content; a save is audited by the names of the fields it changed; a re-sync keeps what was
//! entered; another account's sub-merchant is 404. Its former address answers 308.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use axum::http::{Method, StatusCode};
use common::{TestApp, TestResponse};
use serde_json::{Value, json};

const PNG_1X1: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

async fn put(app: &TestApp, cookie: &str, id: i64, body: Value) -> TestResponse {
    app.request(
        Method::PUT,
        &fill(paths::SUB_MERCHANT_PROFILE, &[&id]),
        Some(body),
        Some(cookie),
    )
    .await
}

async fn detail(app: &TestApp, cookie: &str, id: i64) -> Value {
    let found = app
        .get(&fill(paths::SUB_MERCHANT, &[&id]), Some(cookie))
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text());
    found.json()
}

#[tokio::test]
async fn a_saved_profile_is_shown_trimmed_and_audited_by_the_fields_it_changed() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;
    assert_eq!(
        detail(&app, &cookie, id).await["basic"]["short_name"],
        "",
        "nothing entered yet"
    );

    let saved = put(
        &app,
        &cookie,
        id,
        json!({
            "short_name": " 老王面馆 ",
            "admin_name": "王磊",
            "admin_email": " wang@example.com",
            "logo": PNG_1X1,
            "ad_url": "https://example.com/menu",
            "remark": "周一店休",
        }),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    assert_eq!(saved.json()["short_name"], "老王面馆");
    assert_eq!(saved.json()["admin_email"], "wang@example.com");
    assert_eq!(saved.json()["ad_image"], "");

    let shown = detail(&app, &cookie, id).await;
    assert_eq!(shown["basic"], saved.json());
    let history = shown["history"].as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["action"], "sub_merchant.basic_info.updated");
    assert_eq!(
        history[0]["fields"],
        json!([
            "short_name",
            "admin_name",
            "admin_email",
            "logo",
            "ad_url",
            "remark"
        ])
    );
    // The record names fields, never their values.
    let audit = app
        .get(&api(paths::AUDIT_EVENTS), Some(&cookie))
        .await
        .text();
    assert!(audit.contains("sub_merchant.basic_info.updated"));
    assert!(!audit.contains("wang@example.com"));

    // The same values again change nothing and record nothing; one field changed is one name.
    let mut again = saved.json();
    put(&app, &cookie, id, again.clone()).await;
    assert_eq!(
        detail(&app, &cookie, id).await["history"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    again["logo"] = json!("");
    let cleared = put(&app, &cookie, id, again).await;
    assert_eq!(cleared.status, StatusCode::OK);
    let history = detail(&app, &cookie, id).await["history"].clone();
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(history[0]["fields"], json!(["logo"]));
}

#[tokio::test]
async fn each_bad_field_is_named_and_nothing_of_the_form_is_stored() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;
    put(&app, &cookie, id, json!({"short_name": "老王面馆"})).await;

    let refused = put(
        &app,
        &cookie,
        id,
        json!({
            "short_name": "面".repeat(33),
            "admin_email": "wang@example",
            "ad_url": "http://example.com",
            "logo": "data:image/gif;base64,R0lGODlhAQABAIAAAA==",
            "remark": "x".repeat(257),
        }),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.field_kinds(),
        [
            ("ad_url".to_owned(), "https_url".to_owned()),
            ("admin_email".to_owned(), "email".to_owned()),
            ("logo".to_owned(), "image".to_owned()),
            ("remark".to_owned(), "too_long".to_owned()),
            ("short_name".to_owned(), "too_long".to_owned()),
        ]
    );
    let message = refused.json()["error"]["fields"]["admin_email"]["message"].clone();
    assert!(message.as_str().unwrap().contains("admin@example.com"));
    assert!(refused.json()["error"]["request_id"].is_string());

    // An image whose first bytes say PNG but which is also a page is refused by its content.
    let mut polyglot = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        PNG_1X1.split_once(',').unwrap().1,
    )
    .unwrap();
    polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
    let polyglot = format!(
        "data:image/png;base64,{}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &polyglot)
    );
    let refused = put(&app, &cookie, id, json!({"ad_image": polyglot})).await;
    assert_eq!(
        refused.field_kinds(),
        [("ad_image".to_owned(), "image".to_owned())]
    );

    let kept = detail(&app, &cookie, id).await;
    assert_eq!(kept["basic"]["short_name"], "老王面馆");
    assert_eq!(kept["basic"]["ad_image"], "");
    assert_eq!(kept["history"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_resync_keeps_what_was_entered() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;
    let saved = put(&app, &cookie, id, json!({"admin_name": "王磊"})).await;
    assert_eq!(saved.status, StatusCode::OK);

    // Past the cooldown between two syncs.
    app.clock.advance(120_000);
    let started = app
        .request(
            Method::POST,
            &api(paths::SUB_MERCHANT_SYNCS),
            None,
            Some(&cookie),
        )
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text());
    while server::jobs::run_next(&app.state, None).await.unwrap() {}

    assert_eq!(
        detail(&app, &cookie, id).await["basic"]["admin_name"],
        "王磊"
    );
}

#[tokio::test]
async fn another_account_neither_reads_nor_edits_it() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;

    let other = app.login_as("100000000004").await;
    let edit = put(&app, &other, id, json!({"admin_name": "冒名"})).await;
    assert_eq!(edit.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&fill(paths::SUB_MERCHANT, &[&id]), Some(&other))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A sub-provider account reads what is assigned to it but changes nothing.
    let sub_provider = app.login_as("100000000002").await;
    assert_eq!(
        put(&app, &sub_provider, id, json!({"admin_name": "冒名"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        detail(&app, &cookie, id).await["basic"]["admin_name"],
        "",
        "nothing stored"
    );
}

#[tokio::test]
async fn the_former_address_sends_the_same_save_to_the_profile_for_good() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;
    let body = json!({"admin_name": "王磊"});

    let moved = app
        .request(
            Method::PUT,
            &format!(
                "{}?source=cashier&v=2",
                fill(paths::SUB_MERCHANT_BASIC_INFO, &[&id])
            ),
            Some(body.clone()),
            Some(&cookie),
        )
        .await;
    assert_eq!(moved.status, StatusCode::PERMANENT_REDIRECT);
    let location = moved.header("location").unwrap().to_owned();
    assert_eq!(
        location,
        format!(
            "{}?source=cashier&v=2",
            fill(paths::SUB_MERCHANT_PROFILE, &[&id])
        )
    );
    // The redirect itself stores nothing; the same PUT at its Location does.
    assert_eq!(detail(&app, &cookie, id).await["basic"]["admin_name"], "");
    let saved = app
        .request(Method::PUT, &location, Some(body), Some(&cookie))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    assert_eq!(
        detail(&app, &cookie, id).await["basic"]["admin_name"],
        "王磊"
    );

    // Without a query, none is made up; an ID that is not one is the JSON 404.
    let plain = app
        .request(
            Method::PUT,
            &fill(paths::SUB_MERCHANT_BASIC_INFO, &[&id]),
            Some(json!({})),
            Some(&cookie),
        )
        .await;
    assert_eq!(
        plain.header("location"),
        Some(&*fill(paths::SUB_MERCHANT_PROFILE, &[&id]))
    );
    let nonsense = app
        .request(
            Method::PUT,
            "/api/v1/sub-merchants/x%0d%0aSet-Cookie:a=b/basic-info",
            Some(json!({})),
            Some(&cookie),
        )
        .await;
    assert_eq!(nonsense.status, StatusCode::NOT_FOUND);
    assert_eq!(nonsense.error_code(), "NotFound");
}

#[tokio::test]
async fn another_account_following_the_former_address_still_finds_nothing() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;
    let other = app.login_as("100000000004").await;
    let moved = app
        .request(
            Method::PUT,
            &fill(paths::SUB_MERCHANT_BASIC_INFO, &[&id]),
            Some(json!({"admin_name": "冒名"})),
            Some(&other),
        )
        .await;
    assert_eq!(moved.status, StatusCode::PERMANENT_REDIRECT);
    let followed = app
        .request(
            Method::PUT,
            moved.header("location").unwrap(),
            Some(json!({"admin_name": "冒名"})),
            Some(&other),
        )
        .await;
    assert_eq!(followed.status, StatusCode::NOT_FOUND);
    assert_eq!(detail(&app, &cookie, id).await["basic"]["admin_name"], "");
}

#[tokio::test]
async fn the_api_document_names_the_profile_and_its_former_address_as_deprecated() {
    let app = TestApp::new().await;
    let document = app.get("/api/openapi.json", None).await.json();
    let paths = &document["paths"];
    let profile = &paths["/api/v1/sub-merchants/{id}/profile"]["put"];
    assert!(profile["requestBody"].is_object(), "{profile}");
    assert!(profile["responses"]["200"].is_object());
    assert!(profile.get("deprecated").is_none_or(|d| d == false));
    let former = &paths["/api/v1/sub-merchants/{id}/basic-info"]["put"];
    assert_eq!(former["deprecated"], true, "{former}");
    assert!(former["responses"]["308"]["headers"]["location"].is_object());
    assert!(former.get("requestBody").is_none(), "nothing is read there");
    assert!(
        document["components"]["schemas"]["SubMerchantProfile"].is_object(),
        "the profile's schema under its own name"
    );
}
