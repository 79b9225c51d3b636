//! What an outsider tries first against the sign-in must fail: a parallel burst of guesses is
//! judged no more than the allowance, a stranger's failures lock only the stranger, the client
//! address comes from `X-Forwarded-For` only behind a trusted proxy, an account under attack
//! from everywhere slows everyone but locks out no address that has not failed on it, and each
//! address has a request limit.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api};

use std::net::SocketAddr;

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode},
};
use common::{TestApp, TestResponse};
use serde_json::json;
use server::{Settings, clock::Clock};

const OWNER: &str = "100000000001";
const PROXY: &str = "10.0.0.1";

/// A sign-in from `peer`, forwarded for `forwarded_for` when given.
async fn sign_in(
    app: &TestApp,
    password: &str,
    peer: &str,
    forwarded_for: Option<&str>,
) -> TestResponse {
    let mut request = Request::post(api(paths::SESSION))
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
        let wrong = sign_in(&app, &format!("guess-{n}"), PROXY, Some(&from)).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    // At the ceiling a guessing address is still judged, slowed, until it has had five
    // failures within the hour: they no longer age out with the minute.
    for n in 0..2 {
        let wrong = sign_in(&app, &format!("more-{n}"), PROXY, Some("203.0.113.0")).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        app.clock.advance(120_000);
    }
    let guesser = sign_in(&app, "sandbox-demo", PROXY, Some("203.0.113.0")).await;
    assert_eq!(guesser.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(guesser.json()["error"]["reason"], "too_many_login_attempts");
    let wait: u64 = guesser.header("retry-after").unwrap().parse().unwrap();
    assert!(
        (3_300..=3_360).contains(&wait),
        "until its first failure is an hour old: {wait} s"
    );
    // A new address is judged.
    let fresh = sign_in(&app, "guess-new", PROXY, Some("203.0.113.50")).await;
    assert_eq!(fresh.status, StatusCode::UNAUTHORIZED);
    // The owner, from an address of their own, signs in: slowed (the console waited on its
    // clock before checking the password), never refused.
    let before = app.clock.now_ms();
    let owner = sign_in(&app, "sandbox-demo", PROXY, Some("198.51.100.7")).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text());
    assert!(app.clock.now_ms() > before, "the sign-in was slowed");
    // An hour later the failures have aged out: no wait, and the guesser's address is clean.
    app.clock.advance(3_600_000);
    let before = app.clock.now_ms();
    let later = sign_in(&app, "sandbox-demo", PROXY, Some("203.0.113.0")).await;
    assert_eq!(later.status, StatusCode::OK);
    assert_eq!(app.clock.now_ms(), before, "not slowed");
}

#[tokio::test]
async fn strangers_failing_from_thirty_addresses_slow_the_owner_but_never_lock_them_out() {
    let app = TestApp::with_settings(behind_a_proxy()).await;
    // 150 wrong passwords, five from each of 30 addresses: each address locks itself (its
    // fifth answer is 429), and the account is 50 past its ceiling of 100.
    let mut answers = Vec::new();
    for address in 0..30 {
        let from = format!("203.0.113.{address}");
        for n in 0..5 {
            let wrong = sign_in(&app, &format!("guess-{address}-{n}"), PROXY, Some(&from)).await;
            answers.push(wrong.status);
        }
    }
    // The owner's password from a clean address: signed in, after a wait on the console's
    // clock (a manual one in tests, moved on by the wait instead of sleeping).
    let before = app.clock.now_ms();
    let owner = sign_in(&app, "sandbox-demo", PROXY, Some("198.51.100.7")).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text());
    let waited_ms = app.clock.now_ms() - before;
    assert!(
        (1..=3_000).contains(&waited_ms),
        "slowed, by a few seconds at most: {waited_ms} ms"
    );
    // Every guess was judged: four wrong answers and a lock per address.
    let per_address = [
        StatusCode::UNAUTHORIZED,
        StatusCode::UNAUTHORIZED,
        StatusCode::UNAUTHORIZED,
        StatusCode::UNAUTHORIZED,
        StatusCode::TOO_MANY_REQUESTS,
    ];
    assert_eq!(answers, per_address.repeat(30));
    assert_eq!(failures_recorded(&app).await, 150);
    let me = app
        .get(
            &api(paths::SESSION),
            Some(&owner.cookie().expect("a session cookie")),
        )
        .await;
    assert_eq!(me.json()["account"]["id"], OWNER);
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

#[tokio::test]
async fn the_sandboxs_unlimited_address_passes_every_per_address_limit_and_no_other_does() {
    let contract_run = "203.0.113.77";
    let app = TestApp::with_settings(Settings {
        login_requests_per_minute: 3,
        phone_requests_per_minute: 4,
        binding_codes_per_hour: 2,
        unlimited_addresses: vec![contract_run.parse::<std::net::IpAddr>().unwrap().into()],
        ..behind_a_proxy()
    })
    .await;
    // Wrong passwords past the lock and past the minute's requests: each judged, none refused,
    // none recorded against the account.
    for n in 0..7 {
        let wrong = sign_in(&app, &format!("guess-{n}"), PROXY, Some(contract_run)).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.text());
    }
    assert_eq!(failures_recorded(&app).await, 0);
    let owner = sign_in(&app, "sandbox-demo", PROXY, Some(contract_run)).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text());
    // Another address is limited as ever.
    let mut other = Vec::new();
    for n in 0..4 {
        other.push(
            sign_in(&app, &format!("guess-{n}"), PROXY, Some("203.0.113.78"))
                .await
                .status,
        );
    }
    assert_eq!(other[3], StatusCode::TOO_MANY_REQUESTS);

    let phone = |n: u32, from: &'static str| {
        let app = &app;
        async move {
            let mut request = Request::get(format!("/api/v1/m/provider-sync-tickets/{n:032x}"))
                .header("x-forwarded-for", from)
                .body(Body::empty())
                .unwrap();
            request.extensions_mut().insert(ConnectInfo(
                format!("{PROXY}:1").parse::<SocketAddr>().unwrap(),
            ));
            app.send(request).await.status
        }
    };
    for n in 0..6 {
        assert_eq!(phone(n, contract_run).await, StatusCode::NOT_FOUND);
    }
    for n in 0..4 {
        assert_eq!(phone(n, "203.0.113.79").await, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        phone(5, "203.0.113.79").await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // 获取验证码 to other mobiles, past the hour's allowance of an address.
    let code = |n: u32, from: &'static str| {
        let app = &app;
        async move {
            let body = json!({"merchant_id": format!("{}", 1_700_000_000 + n), "mobile": format!("1390000{n:04}")});
            let mut request = Request::post(api(paths::PHONE_MAIDAN_SMS_CODES))
                .header("host", common::HOST)
                .header("origin", common::ORIGIN)
                .header("content-type", "application/json")
                .header("x-forwarded-for", from)
                .body(Body::from(body.to_string()))
                .unwrap();
            request.extensions_mut().insert(ConnectInfo(
                format!("{PROXY}:1").parse::<SocketAddr>().unwrap(),
            ));
            app.send(request).await
        }
    };
    for n in 0..3 {
        let sent = code(n, contract_run).await;
        assert_ne!(
            sent.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            sent.text()
        );
    }
    for n in 0..2 {
        let sent = code(n, "203.0.113.80").await;
        assert_ne!(
            sent.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            sent.text()
        );
    }
    let limited = code(2, "203.0.113.80").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.json()["error"]["reason"], "too_many_codes");
}
