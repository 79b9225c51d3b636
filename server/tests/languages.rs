//! One language at a time: what the server tells a person reads wholly in the language they
//! chose, never Chinese with English words of the upstream mixed in, nor the reverse.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
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
            &api(paths::SUB_MERCHANT_SYNCS),
            None,
            Some(&cookie),
        )
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text());
    let id = started.json()["id"].as_str().unwrap().to_owned();
    while server::jobs::run_next(&app.state, None).await.unwrap() {}

    let answer = app.get(&fill(paths::JOB, &[&id]), Some(&cookie)).await;
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

/// A phone's GET whose browser says it prefers Chinese.
async fn get_in_chinese_browser(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
) -> common::TestResponse {
    let mut request = Request::get(path)
        .header(header::HOST, common::HOST)
        .header(header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn the_sign_in_refusal_speaks_the_language_the_phone_page_was_in() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let ticket = app.provider_sync_ticket(&cookie).await;
    // The page was switched to English in a browser that prefers Chinese.
    let start = get_in_chinese_browser(
        &app,
        &format!(
            "{}?ticket={ticket}&lang=en",
            api(paths::PHONE_WECHAT_OAUTH_START)
        ),
        None,
    )
    .await;
    assert_eq!(start.status, StatusCode::FOUND, "{}", start.text());
    let phone = start.cookie().unwrap();
    // WeChat's address ends in a fragment, which a browser does not send.
    let authorize = start.header("location").unwrap().split('#').next().unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let back = http
        .get(format!("{authorize}&sandbox_user=o_sandbox_admin_1"))
        .send()
        .await
        .unwrap();
    let callback = back.headers()["location"]
        .to_str()
        .unwrap()
        .strip_prefix(common::ORIGIN)
        .unwrap()
        .to_owned();
    // WeChat's redirect carries no language of ours: the sign-in kept it.
    assert!(!callback.contains("lang="), "{callback}");
    let signed_in = get_in_chinese_browser(&app, &callback, Some(&phone)).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);

    // The callback visited again (a reload, a shared link) is refused on a page of its own.
    let refused = get_in_chinese_browser(&app, &callback, Some(&phone)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let page = refused.text();
    assert!(page.contains("<html lang=\"en\">"), "{page}");
    assert!(
        page.contains("<title>Sign-in not completed</title>"),
        "{page}"
    );
    assert!(
        page.contains("This sign-in has expired or was already used."),
        "{page}"
    );
    assert!(!page.chars().any(cjk), "{page}");

    // A language that is none is the browser's (and no failure).
    let odd = get_in_chinese_browser(
        &app,
        &format!(
            "{}?ticket={ticket}&lang=%F1%B2%BA%AA",
            api(paths::PHONE_WECHAT_OAUTH_START)
        ),
        None,
    )
    .await;
    assert_ne!(odd.status, StatusCode::INTERNAL_SERVER_ERROR);

    // A sign-in started without a language follows the browser, as before.
    let ticket = app.provider_sync_ticket(&cookie).await;
    let (phone, callback) = app
        .phone_sign_in_callback(
            common::SignInWith::Wechat,
            &ticket,
            "o_sandbox_admin_1",
            None,
        )
        .await;
    get_in_chinese_browser(&app, &callback, Some(&phone)).await;
    let refused = get_in_chinese_browser(&app, &callback, Some(&phone)).await;
    assert!(refused.text().contains("授权未完成"), "{}", refused.text());
}
