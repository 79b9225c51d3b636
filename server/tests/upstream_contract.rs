//! The upstream over HTTP: `HttpUpstream` against `cloud-pay-console sandbox-upstream` as its own
//! process answers exactly what the in-process sandbox answers, the console's flows run through
//! it end to end, and both sides refuse what an impostor or a replay would send.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use axum::http::{Method, StatusCode};
use common::{SandboxProcess, SignInWith, TestApp, UPSTREAM_APP_ID, UPSTREAM_SECRET};
use server::{
    clock::{Clock, ManualClock, SystemClock},
    upstream::{
        BindingError, BindingRefusal, MaidanUpstream, Sandbox, SandboxConfig, UpstreamCause,
        UpstreamError,
        http::{HttpUpstream, HttpUpstreamConfig},
        protocol,
    },
};

fn client(base: &str, secret: &str, clock: Arc<dyn Clock>) -> HttpUpstream {
    HttpUpstream::new(
        HttpUpstreamConfig::new(base, UPSTREAM_APP_ID, secret),
        clock,
    )
    .unwrap()
}

#[tokio::test]
async fn over_http_the_upstream_answers_what_the_sandbox_answers() {
    let process = SandboxProcess::start(&[]).await;
    let remote = process.upstream();
    let local = Sandbox::new(SandboxConfig::default());
    assert_eq!(remote.kind(), "http");
    assert!(remote.sandbox().is_none());

    for openid in ["o_sandbox_admin_1", "o_sandbox_staff_1", "o_nobody"] {
        assert_eq!(
            remote.wechat_user(openid).await.unwrap(),
            local.wechat_user(openid).await.unwrap()
        );
        assert_eq!(
            remote.providers_administered_by(openid).await.unwrap(),
            local.providers_administered_by(openid).await.unwrap()
        );
    }
    for cursor in [0, 1_150] {
        let (a, b) = (
            remote
                .sub_merchants("1900000101", cursor, 100)
                .await
                .unwrap(),
            local
                .sub_merchants("1900000101", cursor, 100)
                .await
                .unwrap(),
        );
        assert_eq!(a, b);
    }
    assert!(matches!(
        remote.sub_merchants("1999999999", 0, 10).await,
        Err(UpstreamError::Rejected {
            cause: UpstreamCause::NotFound,
            ..
        })
    ));
    for merchant in ["1600000005", "1699999999"] {
        assert_eq!(
            remote.maidan_opened(merchant).await.unwrap(),
            local.maidan_opened(merchant).await.unwrap()
        );
    }
    let ids = vec!["1600000001".to_owned(), "1601000002".to_owned()];
    assert_eq!(
        remote.transactions_of(&ids).await.unwrap(),
        local.transactions_of(&ids).await.unwrap()
    );
}

#[tokio::test]
async fn the_binding_flow_keeps_its_field_errors_and_cooldown_over_http() {
    let process = SandboxProcess::start(&[]).await;
    let remote = process.upstream();
    let local = Sandbox::new(SandboxConfig::default());
    let merchant = "1600000005";
    let (mobile, card) = local.merchant_contact(merchant).unwrap();

    let sent = remote.send_binding_code(merchant, &mobile).await.unwrap();
    assert_eq!(sent.cooldown_s, 60);
    assert_eq!(
        sent.sandbox_code, None,
        "a code never travels in the answer"
    );
    assert!(matches!(
        remote.send_binding_code(merchant, &mobile).await,
        Err(BindingError::Cooldown(s)) if s > 0 && s <= 60
    ));
    assert!(matches!(
        remote.send_binding_code("1699999999", "13800000000").await,
        Err(BindingError::Refused(BindingRefusal::UnknownMerchant))
    ));
    let code: serde_json::Value =
        reqwest::get(format!("{}/sandbox/sms-codes/{mobile}", process.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let binding = domain::api::MaidanBinding {
        merchant_id: merchant.to_owned(),
        mobile: "13000000000".to_owned(),
        bank_card: card.clone(),
        code: code["code"].as_str().unwrap().to_owned(),
    };
    assert!(matches!(
        remote.bind_merchant(&binding).await,
        Err(BindingError::Refused(BindingRefusal::DetailsMismatch {
            tries_left: 4
        }))
    ));
    let binding = domain::api::MaidanBinding { mobile, ..binding };
    remote.bind_merchant(&binding).await.unwrap();
    assert_eq!(remote.maidan_opened(merchant).await.unwrap(), Some(true));
}

/// Sends one request as the console would, with the given signing inputs.
async fn raw(
    base: &str,
    secret: &str,
    timestamp: i64,
    nonce: &str,
    path: &str,
) -> reqwest::Response {
    let text = protocol::string_to_sign("GET", path, &timestamp.to_string(), nonce, b"");
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header(protocol::APP_ID, UPSTREAM_APP_ID)
        .header(protocol::TIMESTAMP, timestamp.to_string())
        .header(protocol::NONCE, nonce)
        .header(protocol::SIGNATURE, protocol::sign(secret, &text))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_upstream_refuses_unsigned_wrongly_signed_stale_and_replayed_requests() {
    let process = SandboxProcess::start(&[]).await;
    let base = &process.base;
    let path = "/maidan/v1/wechat-users/o_sandbox_admin_1";
    let now = SystemClock.now_ms() / 1000;

    let unsigned = reqwest::get(format!("{base}{path}")).await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    let body: serde_json::Value = unsigned.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");

    assert_eq!(
        raw(base, "not-the-secret", now, "n-wrong", path)
            .await
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        raw(base, UPSTREAM_SECRET, now - 301, "n-stale", path)
            .await
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        raw(base, UPSTREAM_SECRET, now + 301, "n-ahead", path)
            .await
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        raw(base, UPSTREAM_SECRET, now, "n-once", path)
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        raw(base, UPSTREAM_SECRET, now, "n-once", path)
            .await
            .status()
            .as_u16(),
        401,
        "a nonce is good once"
    );
    // A signature over another path does not open this one.
    let text = protocol::string_to_sign(
        "GET",
        "/maidan/v1/wechat-users/o_x",
        &now.to_string(),
        "n-path",
        b"",
    );
    let moved = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header(protocol::APP_ID, UPSTREAM_APP_ID)
        .header(protocol::TIMESTAMP, now.to_string())
        .header(protocol::NONCE, "n-path")
        .header(protocol::SIGNATURE, protocol::sign(UPSTREAM_SECRET, &text))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status().as_u16(), 401);

    // The client side: a wrong secret or a clock ten minutes off is a rejection, not a retry.
    let wrong = client(base, "not-the-secret", Arc::new(SystemClock));
    assert!(matches!(
        wrong.wechat_user("o_sandbox_admin_1").await,
        Err(UpstreamError::Rejected {
            cause: UpstreamCause::Unauthorized,
            ..
        })
    ));
    let skewed = ManualClock::new(SystemClock.now_ms() - 600_000);
    let late = client(base, UPSTREAM_SECRET, Arc::new(skewed));
    assert!(matches!(
        late.wechat_user("o_sandbox_admin_1").await,
        Err(UpstreamError::Rejected {
            cause: UpstreamCause::Unauthorized,
            ..
        })
    ));
}

/// A peer of the test's own on a loopback port: its base URL.
async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

/// An upstream that answers 503 to the first `failures` calls, counting them all.
async fn flaky(failures: u32) -> (String, Arc<AtomicU32>) {
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let handler = move || {
        let counter = counter.clone();
        async move {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            if n < failures {
                (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response()
            } else {
                axum::Json(serde_json::json!({"merchant_id": "1600000005", "maidan_opened": true}))
                    .into_response()
            }
        }
    };
    use axum::response::IntoResponse;
    let app = axum::Router::new()
        .route(
            "/maidan/v1/merchants/{id}",
            axum::routing::get(handler.clone()),
        )
        .route(
            "/maidan/v1/merchants/{id}/binding-codes",
            axum::routing::post(handler),
        );
    (serve(app).await, calls)
}

#[tokio::test]
async fn idempotent_calls_are_retried_on_5xx_and_changes_are_not() {
    let (base, calls) = flaky(2).await;
    let mut config = HttpUpstreamConfig::new(&base, UPSTREAM_APP_ID, UPSTREAM_SECRET);
    config.retry.backoff = Duration::from_millis(5);
    let upstream = HttpUpstream::new(config.clone(), Arc::new(SystemClock)).unwrap();
    assert_eq!(
        upstream.maidan_opened("1600000005").await.unwrap(),
        Some(true)
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3, "two 503s, then the answer");

    let (base, calls) = flaky(5).await;
    config.base_url = base;
    let upstream = HttpUpstream::new(config.clone(), Arc::new(SystemClock)).unwrap();
    assert!(matches!(
        upstream.maidan_opened("1600000005").await,
        Err(UpstreamError::Transient {
            cause: UpstreamCause::HttpStatus { status: 503 },
            ..
        })
    ));
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "three tries, then transient"
    );

    // Texting a code is not idempotent: one try only.
    let (base, calls) = flaky(5).await;
    config.base_url = base;
    let upstream = HttpUpstream::new(config.clone(), Arc::new(SystemClock)).unwrap();
    assert!(matches!(
        upstream
            .send_binding_code("1600000005", "13800000000")
            .await,
        Err(BindingError::Upstream(UpstreamError::Transient { .. }))
    ));
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // Nobody listening: transient, after the tries.
    config.base_url = "http://127.0.0.1:9".to_owned();
    let upstream = HttpUpstream::new(config, Arc::new(SystemClock)).unwrap();
    assert!(matches!(
        upstream.maidan_opened("1600000005").await,
        Err(UpstreamError::Transient {
            cause: UpstreamCause::ConnectionFailed,
            ..
        })
    ));
}

/// A peer whose every answer is 2 MiB of JSON: with its length announced, or streamed in
/// chunks without one; counts the calls.
async fn oversized(announced: bool) -> (String, Arc<AtomicU32>) {
    use axum::response::IntoResponse;
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let handler = move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            let filler = format!("{{\"openid\":\"{}\"}}", "x".repeat(2 << 20));
            if announced {
                filler.into_response()
            } else {
                let chunks: Vec<Result<String, std::io::Error>> = filler
                    .as_bytes()
                    .chunks(64 << 10)
                    .map(|c| Ok(String::from_utf8_lossy(c).into_owned()))
                    .collect();
                axum::body::Body::from_stream(futures_util::stream::iter(chunks)).into_response()
            }
        }
    };
    let app = axum::Router::new()
        .route(
            "/maidan/v1/merchants/{id}",
            axum::routing::get(handler.clone()),
        )
        .route("/sns/oauth2/access_token", axum::routing::get(handler));
    (serve(app).await, calls)
}

#[tokio::test]
async fn an_answer_over_a_mebibyte_is_refused_and_not_asked_again() {
    for announced in [true, false] {
        let (base, calls) = oversized(announced).await;
        let mut config = HttpUpstreamConfig::new(&base, UPSTREAM_APP_ID, UPSTREAM_SECRET);
        config.retry.backoff = Duration::from_millis(5);
        let upstream = HttpUpstream::new(config, Arc::new(SystemClock)).unwrap();
        let refused = upstream.maidan_opened("1600000005").await.unwrap_err();
        assert!(
            refused.to_string().contains("larger than 1048576 bytes"),
            "{refused}"
        );
        assert_eq!(refused.cause(), UpstreamCause::AnswerTooLarge);
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "the same answer again is no help"
        );

        // WeChat's code exchange reads within the same limit.
        let mut app = TestApp::new().await;
        let mut config = app.state.identity.config().clone();
        config.wechat_api_url = base.clone();
        app.state.identity = Arc::new(server::oauth::IdentityProviders::new(config).unwrap());
        let refused = app.state.identity.wechat_openid("code").await.unwrap_err();
        assert!(refused.to_string().contains("larger than"), "{refused}");
    }
}

#[tokio::test]
async fn provider_and_sub_merchant_syncs_run_end_to_end_against_the_sandbox_process() {
    let process = SandboxProcess::start(&[("SANDBOX_SUB_MERCHANTS", "2000")]).await;
    let app = TestApp::over_http(&process).await;
    let cookie = app.login_as("100000000001").await;
    // The phone signs in at the process's WeChat pages; the console exchanges the code there.
    let confirmed = app.scan_and_confirm(&cookie, "o_sandbox_admin_1").await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
    assert_eq!(
        confirmed.json()["result"]["new"].as_array().unwrap().len(),
        2
    );

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
    let list = app
        .get(
            &format!("{}?page_size=1", api(paths::SUB_MERCHANTS)),
            Some(&cookie),
        )
        .await
        .json();
    // 2,000 split 4:3:2:1; the account holds the first two providers.
    assert_eq!(list["total"], 800 + 600);

    // The sandbox's controls are the process's, not the console's.
    assert_eq!(
        app.get(&api(paths::SANDBOX_WECHAT_USERS), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn alipay_authorization_exchanges_the_code_at_the_process_gateway() {
    let process = SandboxProcess::start(&[]).await;
    let app = TestApp::over_http(&process).await;
    // Providers and sub-merchants first, through the process.
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;

    let code = app.alipay_authorization_ticket(&cookie, id).await;
    let merchant_phone = app
        .signed_in_phone(SignInWith::Alipay, &code, "2088000000000022")
        .await
        .unwrap();
    let done = app
        .request(
            Method::POST,
            &fill(paths::PHONE_ALIPAY_AUTHORIZATION_CONFIRM, &[&code]),
            None,
            Some(&merchant_phone),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert_eq!(done.json()["authorized"]["user_id"], "2088000000000022");
}
