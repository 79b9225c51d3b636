//! One language at a time: what the server tells a person reads wholly in the language they
//! chose, never Chinese with English words of the upstream mixed in, nor the reverse.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use domain::{Lang, api::Job};

const PROVIDER: &str = "100000000001";

/// A CJK character or a CJK or full-width punctuation mark.
fn cjk(c: char) -> bool {
    ('\u{3000}'..='\u{303f}').contains(&c)
        || ('\u{ff00}'..='\u{ffef}').contains(&c)
        || ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// The longest run of ASCII letters (IDs and counts are digits).
fn latin_run(text: &str) -> usize {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn a_sync_that_wechat_maidan_fails_reads_in_english_or_in_chinese_never_both() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    app.scan_and_confirm(&cookie, "o_sandbox_admin_1").await;
    app.sandbox.set_down(true);
    let started = app
        .request(
            Method::POST,
            "/api/v1/sub-merchant-syncs",
            None,
            Some(&cookie),
        )
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text());
    let id = started.json()["id"].as_str().unwrap().to_owned();
    while server::jobs::run_next(&app.state, None).await.unwrap() {}

    let answer = app.get(&format!("/api/v1/jobs/{id}"), Some(&cookie)).await;
    assert_eq!(answer.json()["failure"]["cause"]["code"], "sandbox_down");
    let job: Job = serde_json::from_slice(&answer.body).unwrap();
    let english = job.error(Lang::En).unwrap();
    let chinese = job.error(Lang::Zh).unwrap();
    assert!(
        english.starts_with("WeChat Maidan stayed unreachable"),
        "{english}"
    );
    assert!(!english.chars().any(cjk), "{english}");
    assert!(chinese.starts_with("微信买单持续无法访问"), "{chinese}");
    assert!(latin_run(&chinese) < 3, "{chinese}");
    // The API's own sentence is the Chinese one.
    assert_eq!(job.error.as_deref(), Some(chinese.as_str()));
}
