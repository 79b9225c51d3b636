//! Signing in and out of the console.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::json;

const PROVIDER: &str = "100000000001";

#[tokio::test]
async fn the_demo_provider_signs_in_and_sees_its_account() {
    let app = TestApp::new().await;
    let response = app.login(PROVIDER, "sandbox-demo").await;
    assert_eq!(response.status, StatusCode::OK);
    let body = response.json();
    assert_eq!(body["account"]["id"], PROVIDER);
    assert_eq!(body["account"]["name"], "演示服务商");
    assert_eq!(body["account"]["role"], "provider");
    assert_eq!(body["sandbox"], true);

    let set_cookie = response.header("set-cookie").unwrap();
    assert!(set_cookie.starts_with("console_session="));
    assert!(set_cookie.contains("HttpOnly"));
    assert!(set_cookie.contains("SameSite=Strict"));
    assert!(set_cookie.contains("Path=/"));

    let cookie = response.cookie().unwrap();
    let me = app.get(&api(paths::SESSION), Some(&cookie)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["account"]["id"], PROVIDER);
    assert_eq!(me.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn the_session_token_is_stored_only_as_a_hash() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let token = cookie.split_once('=').unwrap().1;
    let stored: Vec<String> = app.db.values("SELECT token_hash FROM sessions", &[]).await;
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert_eq!(stored[0], server::auth::sha256_hex(token));
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_a_clear_message() {
    let app = TestApp::new().await;
    let response = app.login(PROVIDER, "wrong-password").await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    let error = &response.json()["error"];
    assert_eq!(error["code"], "Unauthenticated");
    assert_eq!(error["reason"], "wrong_credentials");
    assert_eq!(error["message"], "账号 ID 或密码错误，请检查后重新输入。");
    assert!(response.header("set-cookie").is_none());
}

#[tokio::test]
async fn an_unknown_account_gets_the_same_answer_as_a_wrong_password() {
    let app = TestApp::new().await;
    let unknown = app.login("199999999999", "sandbox-demo").await;
    let wrong = app.login(PROVIDER, "nope").await;
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(
        unknown.json()["error"]["message"],
        wrong.json()["error"]["message"]
    );
}

#[tokio::test]
async fn a_malformed_account_id_is_a_field_error_in_the_requested_language() {
    let app = TestApp::new().await;
    let request = axum::http::Request::post(api(paths::SESSION))
        .header("host", common::HOST)
        .header("content-type", "application/json")
        .header("accept-language", "en-US,en;q=0.9")
        .body(axum::body::Body::from(
            json!({"account_id": "12ab", "password": ""}).to_string(),
        ))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = &response.json()["error"];
    assert_eq!(error["code"], "Validation");
    assert_eq!(error["fields"]["account_id"]["rule"]["kind"], "digits");
    assert_eq!(
        error["fields"]["account_id"]["message"],
        "Use digits only, 5 to 20 of them."
    );
    assert_eq!(error["fields"]["password"]["rule"]["kind"], "required");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_with_a_request_id() {
    let app = TestApp::new().await;
    let request = axum::http::Request::post(api(paths::SESSION))
        .header("host", common::HOST)
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{not json"))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.json()["error"]["reason"], "malformed_request");
    assert_eq!(
        response.json()["error"]["request_id"].as_str(),
        response.header("x-request-id")
    );
}

#[tokio::test]
async fn five_wrong_passwords_in_a_minute_lock_the_account_and_say_how_long() {
    let app = TestApp::new().await;
    for attempt in 1..=4 {
        let response = app.login(PROVIDER, "wrong").await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
        app.clock.advance(1_000);
    }
    let fifth = app.login(PROVIDER, "wrong").await;
    assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(fifth.json()["error"]["reason"], "too_many_login_attempts");
    // The first failure was 4 s ago, so the lock lifts in 56 s.
    assert_eq!(fifth.header("retry-after"), Some("56"));
    assert_eq!(fifth.json()["error"]["retry_after_s"], 56);
    assert!(
        fifth.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("请在 56 秒后重试")
    );

    // Even the right password waits.
    app.clock.advance(30_000);
    let locked = app.login(PROVIDER, "sandbox-demo").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.header("retry-after"), Some("26"));

    // Other accounts are not affected.
    assert_eq!(
        app.login("100000000004", "sandbox-demo").await.status,
        StatusCode::OK
    );

    app.clock.advance(26_000);
    assert_eq!(
        app.login(PROVIDER, "sandbox-demo").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let out = app
        .request(Method::DELETE, &api(paths::SESSION), None, Some(&cookie))
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    let me = app.get(&api(paths::SESSION), Some(&cookie)).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(me.error_code(), "Unauthenticated");
    // Signing out twice is harmless.
    let again = app
        .request(Method::DELETE, &api(paths::SESSION), None, Some(&cookie))
        .await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_session_in_use_ends_eight_hours_after_signing_in() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    // In use every 20 minutes, it lives until its eighth hour…
    for _ in 0..23 {
        app.clock.advance(20 * 60 * 1000);
        assert_eq!(
            app.get(&api(paths::SESSION), Some(&cookie)).await.status,
            StatusCode::OK
        );
    }
    app.clock.advance(20 * 60 * 1000 - 1);
    assert_eq!(
        app.get(&api(paths::SESSION), Some(&cookie)).await.status,
        StatusCode::OK
    );
    // …and not a moment longer.
    app.clock.advance(1);
    let expired = app.get(&api(paths::SESSION), Some(&cookie)).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_session_left_idle_for_thirty_minutes_ends() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    app.clock.advance(29 * 60 * 1000);
    assert_eq!(
        app.get(&api(paths::SESSION), Some(&cookie)).await.status,
        StatusCode::OK
    );
    // The idle time counts from the last request, not from signing in.
    app.clock.advance(29 * 60 * 1000);
    assert_eq!(
        app.get(&api(paths::SESSION), Some(&cookie)).await.status,
        StatusCode::OK
    );
    app.clock.advance(30 * 60 * 1000);
    assert_eq!(
        app.get(&api(paths::SESSION), Some(&cookie)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// Phone sign-ins started for the ticket and not spent yet.
async fn open_sign_ins(app: &TestApp, ticket: &str) -> i64 {
    app.db
        .value(
            "SELECT COUNT(*) FROM oauth_states WHERE ticket_id = ? AND used_at IS NULL",
            &[ticket.into()],
        )
        .await
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_account() {
    let app = TestApp::new().await;
    let here = app.login_as(PROVIDER).await;
    let elsewhere = app.login_as(PROVIDER).await;
    let someone_else = app.login_as("100000000004").await;
    // A QR code left open on another device, and one a phone is signing in for.
    let open = app.provider_sync_ticket(&elsewhere).await;
    let signing_in = app.provider_sync_ticket(&here).await;
    let (phone, callback) = app
        .phone_sign_in_callback(
            common::SignInWith::Wechat,
            &signing_in,
            "o_sandbox_admin_1",
            None,
        )
        .await;
    let theirs = app.provider_sync_ticket(&someone_else).await;
    assert_eq!(open_sign_ins(&app, &signing_in).await, 1);
    let answer = app
        .request(
            axum::http::Method::DELETE,
            &api(paths::SESSIONS),
            None,
            Some(&here),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert!(answer.header("set-cookie").unwrap().contains("Max-Age=0"));
    for cookie in [&here, &elsewhere] {
        assert_eq!(
            app.get(&api(paths::SESSION), Some(cookie)).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.get(&api(paths::SESSION), Some(&someone_else))
            .await
            .status,
        StatusCode::OK
    );
    // The codes they opened are cancelled, and a sign-in under way on a phone is spent.
    for id in [&open, &signing_in] {
        let ticket = app
            .get(&fill(paths::PHONE_PROVIDER_SYNC_TICKET, &[&id]), None)
            .await;
        assert_eq!(ticket.status, StatusCode::GONE, "{}", ticket.text());
    }
    assert_eq!(
        open_sign_ins(&app, &signing_in).await,
        0,
        "the phone's sign-in state is spent"
    );
    let late = app.get(&callback, Some(&phone)).await;
    assert!(
        late.header("location")
            .is_none_or(|l| l.contains("sign_in_error")),
        "{:?}",
        late.header("location")
    );
    let other = app
        .get(&fill(paths::PHONE_PROVIDER_SYNC_TICKET, &[&theirs]), None)
        .await;
    assert_eq!(
        other.status,
        StatusCode::OK,
        "another account's code stays open"
    );
}

#[tokio::test]
async fn a_forged_cookie_opens_nothing() {
    let app = TestApp::new().await;
    let me = app
        .get(&api(paths::SESSION), Some("console_session=forged"))
        .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let none = app.get(&api(paths::SESSION), None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data").join("console.db");
    let store = server::store::SqliteStore::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    drop(store);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(db.parent().unwrap()), 0o700, "data/");
    assert_eq!(mode(&db), 0o600);
    for suffix in ["-wal", "-shm"] {
        let side = db.with_file_name(format!("console.db{suffix}"));
        if side.exists() {
            assert_eq!(mode(&side), 0o600, "{suffix}");
        }
    }
}
