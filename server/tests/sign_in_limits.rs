//! What an outsider tries first against the sign-in must fail: a parallel burst of guesses is
//! judged no more than the allowance, a stranger's failures lock only the stranger, the client
//! address comes from `X-Forwarded-For` only behind a trusted proxy, an account under attack
//! from everywhere slows everyone, and each address has a request limit.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use std::net::SocketAddr;

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode},
};
use common::{TestApp, TestResponse};
use serde_json::json;
use server::Settings;

const OWNER: &str = "100000000001";
const PROXY: &str = "10.0.0.1";

/// A sign-in from `peer`, forwarded for `forwarded_for` when given.
async fn sign_in(
    app: &TestApp,
    password: &str,
    peer: &str,
    forwarded_for: Option<&str>,
) -> TestResponse {
    let mut request = Request::post("/api/v1/session")
        .header("host", common::HOST)
        .header("origin", common::ORIGIN)
        .header("content-type", "application/json");
    if let Some(forwarded) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded);
    }
    let mut request = request
        .body(Body::from(
            json!({"account_id": OWNER, "password": password}).to_string(),
        ))
        .unwrap();
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    app.send(request).await
}

fn behind_a_proxy() -> Settings {
    Settings {
        trusted_proxies: vec![PROXY.parse::<std::net::IpAddr>().unwrap().into()],
        login_requests_per_minute: 1_000,
        ..Settings::default()
    }
}

async fn failures_recorded(app: &TestApp) -> i64 {
    app.db
        .value(
            "SELECT COUNT(*) FROM login_failures WHERE account_id = ?",
            &[OWNER.into()],
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_parallel_burst_of_guesses_is_judged_at_most_five_times() {
    let app = TestApp::with_settings(Settings {
        login_requests_per_minute: 1_000,
        ..Settings::default()
    })
    .await;
    let guesses = (0..60).map(|n| {
        let app = &app;
        async move { sign_in(app, &format!("guess-{n}"), "203.0.113.9", None).await }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let judged = answers
        .iter()
        .filter(|a| a.status == StatusCode::UNAUTHORIZED)
        .count();
    let locked = answers
        .iter()
        .filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(judged + locked, 60);
    assert!(judged <= 5, "{judged} guesses were judged");
    assert_eq!(
        failures_recorded(&app).await,
        5,
        "five attempts were recorded, no more"
    );
}

#[tokio::test]
async fn a_strangers_failures_lock_the_stranger_not_the_owner() {
    let app = TestApp::with_settings(behind_a_proxy()).await;
    for n in 0..5 {
        let wrong = sign_in(&app, &format!("guess-{n}"), PROXY, Some("203.0.113.9")).await;
        assert!(wrong.status.is_client_error());
    }
    let stranger = sign_in(&app, "sandbox-demo", PROXY, Some("203.0.113.9")).await;
    assert_eq!(stranger.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        stranger.json()["error"]["reason"],
        "too_many_login_attempts"
    );
    // The owner, elsewhere behind the same proxy, signs in.
    let owner = sign_in(&app, "sandbox-demo", PROXY, Some("198.51.100.7")).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text());
}

#[tokio::test]
async fn x_forwarded_for_is_believed_only_from_a_trusted_proxy() {
    let app = TestApp::with_settings(behind_a_proxy()).await;
    // An untrusted peer cannot dodge its lock by naming other addresses.
    for n in 0..5 {
        let forged = format!("192.0.2.{n}");
        sign_in(&app, &format!("guess-{n}"), "203.0.113.50", Some(&forged)).await;
    }
    let still = sign_in(&app, "sandbox-demo", "203.0.113.50", Some("192.0.2.99")).await;
    assert_eq!(still.status, StatusCode::TOO_MANY_REQUESTS);
    // Behind the proxy, the right-most address that is not a trusted proxy is the client:
    // the left-most entries are whatever the client wrote.
    for n in 0..5 {
        let chain = format!("192.0.2.{n}, 198.51.100.20");
        sign_in(&app, &format!("guess-{n}"), PROXY, Some(&chain)).await;
    }
    let chained = sign_in(
        &app,
        "sandbox-demo",
        PROXY,
        Some("192.0.2.200, 198.51.100.20"),
    )
    .await;
    assert_eq!(chained.status, StatusCode::TOO_MANY_REQUESTS);
    let other = sign_in(&app, "sandbox-demo", PROXY, Some("198.51.100.21")).await;
    assert_eq!(other.status, StatusCode::OK);
    // An entry that is not an address does not hide what the proxy appended after it.
    for n in 0..5 {
        let forged = format!("192.0.2.{n},, 198.51.100.30");
        sign_in(&app, &format!("guess-{n}"), PROXY, Some(&forged)).await;
    }
    let same = sign_in(&app, "sandbox-demo", PROXY, Some("9.9.9.9,, 198.51.100.30")).await;
    assert_eq!(same.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_account_failing_from_everywhere_slows_every_sign_in_to_it() {
    let app = TestApp::with_settings(Settings {
        login_account_ceiling: 12,
        ..behind_a_proxy()
    })
    .await;
    for n in 0..12 {
        let from = format!("203.0.113.{}", n / 3);
        sign_in(&app, &format!("guess-{n}"), PROXY, Some(&from)).await;
    }
    let owner = sign_in(&app, "sandbox-demo", PROXY, Some("198.51.100.7")).await;
    assert_eq!(owner.status, StatusCode::TOO_MANY_REQUESTS);
    // The wait is until the oldest of the twelve failures is an hour old.
    assert_eq!(owner.header("retry-after"), Some("3600"));
    // An hour later the failures have aged out.
    app.clock.advance(3_600_000);
    let later = sign_in(&app, "sandbox-demo", PROXY, Some("198.51.100.7")).await;
    assert_eq!(later.status, StatusCode::OK);
}

#[tokio::test]
async fn each_address_has_a_request_limit_on_signing_in_and_the_phone_routes() {
    let app = TestApp::with_settings(Settings {
        login_requests_per_minute: 3,
        phone_requests_per_minute: 4,
        ..behind_a_proxy()
    })
    .await;
    for _ in 0..3 {
        let answer = sign_in(&app, "not-it-at-all", PROXY, Some("203.0.113.1")).await;
        assert_ne!(answer.json()["error"]["reason"], "too_many_requests");
    }
    let limited = sign_in(&app, "sandbox-demo", PROXY, Some("203.0.113.1")).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.json()["error"]["reason"], "too_many_requests");
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    // Another address is not limited.
    let other = sign_in(&app, "sandbox-demo", PROXY, Some("203.0.113.2")).await;
    assert_eq!(other.status, StatusCode::OK);

    let phone = |n: u32| {
        let app = &app;
        async move {
            let mut request = Request::get(format!("/api/v1/m/provider-sync-tickets/{n:032x}"))
                .body(Body::empty())
                .unwrap();
            request
                .extensions_mut()
                .insert(ConnectInfo("203.0.113.3:1".parse::<SocketAddr>().unwrap()));
            app.send(request).await.status
        }
    };
    for n in 0..4 {
        assert_eq!(phone(n).await, StatusCode::NOT_FOUND);
    }
    assert_eq!(phone(5).await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_request_limit_counts_on_every_replica_and_forgets_past_minutes() {
    let one = TestApp::with_settings(Settings {
        login_requests_per_minute: 3,
        ..behind_a_proxy()
    })
    .await;
    let other = one.replica().await;
    for app in [&one, &other, &one] {
        let answer = sign_in(app, "not-it-at-all", PROXY, Some("203.0.113.9")).await;
        assert_ne!(answer.json()["error"]["reason"], "too_many_requests");
    }
    // The fourth of the minute is refused whichever replica it reaches.
    let limited = sign_in(&other, "sandbox-demo", PROXY, Some("203.0.113.9")).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.json()["error"]["reason"], "too_many_requests");
    // The next minute starts afresh, and the past minute's windows are forgotten.
    one.clock.advance(60_000);
    let next = sign_in(&one, "sandbox-demo", PROXY, Some("198.51.100.9")).await;
    assert_eq!(next.status, StatusCode::OK);
    let kept: Vec<String> = one
        .db
        .values("SELECT bucket FROM request_windows", &[])
        .await;
    assert_eq!(kept, ["198.51.100.9"]);
}
