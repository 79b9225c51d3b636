//! 切换渠道: 官方直连 <-> 微信买单, refused with `MaidanNotOpened` until the merchant ID has
//! opened WeChat Maidan; recorded in the sub-merchant's history; other tenants see nothing.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use axum::http::{Method, StatusCode};
use common::{TestApp, TestResponse};
use serde_json::{Value, json};

const PROVIDER: &str = "100000000001";

/// Account 100000000001 with its providers and their 2,100 sub-merchants synced.
async fn synced(app: &TestApp) -> String {
    app.synced_demo_provider().await
}

async fn first_page(app: &TestApp, cookie: &str) -> Vec<Value> {
    app.get(
        &format!("{}?page_size=50", api(paths::SUB_MERCHANTS)),
        Some(cookie),
    )
    .await
    .json()["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn pick(items: &[Value], opened: bool) -> (i64, String) {
    let m = items.iter().find(|m| m["maidan_opened"] == opened).unwrap();
    (
        m["id"].as_i64().unwrap(),
        m["merchant_id"].as_str().unwrap().to_owned(),
    )
}

async fn switch(app: &TestApp, cookie: &str, id: i64, channel: &str) -> TestResponse {
    app.request(
        Method::PUT,
        &fill(paths::SUB_MERCHANT_WECHAT_CHANNEL, &[&id]),
        Some(json!({ "channel": channel })),
        Some(cookie),
    )
    .await
}

#[tokio::test]
async fn an_opened_merchant_switches_to_maidan_and_back_and_each_switch_is_recorded() {
    let app = TestApp::new().await;
    let cookie = synced(&app).await;
    let (id, _) = pick(&first_page(&app, &cookie).await, true);

    let to_maidan = switch(&app, &cookie, id, "wechat_maidan").await;
    assert_eq!(to_maidan.status, StatusCode::OK);
    let detail = to_maidan.json();
    assert_eq!(detail["sub_merchant"]["channel"], "wechat_maidan");
    assert_eq!(detail["history"].as_array().unwrap().len(), 1);
    assert_eq!(detail["history"][0]["fields"], json!(["wechat_channel"]));
    assert_eq!(detail["history"][0]["actor"], PROVIDER);

    let maidan = app
        .get(
            &format!("{}?channel=wechat_maidan", api(paths::SUB_MERCHANTS)),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(maidan["total"], 1);
    assert_eq!(maidan["items"][0]["id"], id);

    // The channel already set: nothing changes, nothing is recorded.
    let again = switch(&app, &cookie, id, "wechat_maidan").await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["history"].as_array().unwrap().len(), 1);

    let back = switch(&app, &cookie, id, "official_direct").await;
    assert_eq!(back.status, StatusCode::OK);
    assert_eq!(back.json()["sub_merchant"]["channel"], "official_direct");
    let detail = app
        .get(&fill(paths::SUB_MERCHANT, &[&id]), Some(&cookie))
        .await
        .json();
    assert_eq!(detail["history"].as_array().unwrap().len(), 2);
    assert_eq!(
        detail["history"][0]["action"],
        "sub_merchant.wechat_channel.official_direct"
    );
}

#[tokio::test]
async fn a_merchant_without_maidan_is_refused_until_it_opens_maidan() {
    let app = TestApp::new().await;
    let cookie = synced(&app).await;
    let (id, merchant_id) = pick(&first_page(&app, &cookie).await, false);

    let refused = switch(&app, &cookie, id, "wechat_maidan").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.error_code(), "MaidanNotOpened");
    assert!(
        refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("还没有开通微信买单，需要先开通才能切换")
    );
    let unchanged = app
        .get(&fill(paths::SUB_MERCHANT, &[&id]), Some(&cookie))
        .await
        .json();
    assert_eq!(unchanged["sub_merchant"]["channel"], "official_direct");
    assert_eq!(unchanged["history"], json!([]));

    // The merchant opens WeChat Maidan (the phone binding); now the switch goes through and
    // the list's Maidan column follows.
    assert!(app.sandbox.open_maidan(&merchant_id));
    let switched = switch(&app, &cookie, id, "wechat_maidan").await;
    assert_eq!(switched.status, StatusCode::OK);
    assert_eq!(switched.json()["sub_merchant"]["maidan_opened"], true);
}

#[tokio::test]
async fn several_rows_switched_in_one_go_each_get_their_own_answer() {
    let app = TestApp::new().await;
    let cookie = synced(&app).await;
    let items = first_page(&app, &cookie).await;
    let rows = &items[..10];
    for row in rows {
        let id = row["id"].as_i64().unwrap();
        let answer = switch(&app, &cookie, id, "wechat_maidan").await;
        let expected = if row["maidan_opened"] == true {
            StatusCode::OK
        } else {
            StatusCode::CONFLICT
        };
        assert_eq!(answer.status, expected, "{row}");
    }
    let opened = rows.iter().filter(|r| r["maidan_opened"] == true).count();
    assert!(opened > 0 && opened < rows.len(), "a mixed selection");
    let maidan = app
        .get(
            &format!("{}?channel=wechat_maidan", api(paths::SUB_MERCHANTS)),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(maidan["total"], opened);
}

#[tokio::test]
async fn other_accounts_cannot_see_or_switch_a_sub_merchant() {
    let app = TestApp::new().await;
    let cookie = synced(&app).await;
    let (id, _) = pick(&first_page(&app, &cookie).await, true);
    let detail = fill(paths::SUB_MERCHANT, &[&id]);

    let other = app.login_as("100000000004").await;
    assert_eq!(
        app.get(&detail, Some(&other)).await.status,
        StatusCode::NOT_FOUND
    );
    let refused = switch(&app, &other, id, "wechat_maidan").await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&fill(paths::SUB_MERCHANT, &[&"999999999"]), Some(&cookie))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let sub_provider = app.login_as("100000000002").await;
    let write = switch(&app, &sub_provider, id, "wechat_maidan").await;
    assert_eq!(write.status, StatusCode::FORBIDDEN);

    let after = app.get(&detail, Some(&cookie)).await.json();
    assert_eq!(after["sub_merchant"]["channel"], "official_direct");
}
