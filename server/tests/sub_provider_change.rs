//! 修改子商户所属的子服务商: sub-providers are registered by the provider; moving a sub-merchant
//! to one re-attributes its past transactions in a durable job; sub-provider accounts see
//! only what is theirs, read-only.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use axum::http::{Method, StatusCode};
use common::{TestApp, TestResponse};
use serde_json::{Value, json};
use server::jobs;

const PROVIDER: &str = "100000000001";
const SUB_A: &str = "100000000002";
const SUB_B: &str = "100000000003";

async fn synced(app: &TestApp) -> String {
    app.synced_demo_provider().await
}

async fn run_all(app: &TestApp) {
    while jobs::run_next(&app.state, None).await.unwrap() {}
}

async fn move_to(app: &TestApp, cookie: &str, id: i64, account: &str) -> TestResponse {
    app.request(
        Method::PUT,
        &fill(paths::SUB_MERCHANT_SUB_PROVIDER, &[&id]),
        Some(json!({ "account_id": account })),
        Some(cookie),
    )
    .await
}

/// Percent-encodes a query value (names are Chinese).
fn urlencoding(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn totals(app: &TestApp, cookie: &str, query: &str) -> (u64, i64) {
    let page = app
        .get(
            &format!("{}?{query}", api(paths::TRANSACTIONS)),
            Some(cookie),
        )
        .await
        .json();
    (
        page["total"].as_u64().unwrap(),
        page["amount_fen"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn sub_providers_are_registered_checked_and_edited_by_the_provider_only() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let list = app
        .get(&api(paths::SUB_PROVIDERS), Some(&cookie))
        .await
        .json();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["account_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [SUB_A, SUB_B], "the demo sub-providers are registered");

    let sub_providers = api(paths::SUB_PROVIDERS);
    let add = |body: Value| app.request(Method::POST, &sub_providers, Some(body), Some(&cookie));
    let bad = add(json!({"account_id": "12ab", "name": " ", "rebate_ratio": "101"})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = bad.json()["error"]["fields"].clone();
    for field in ["account_id", "name", "rebate_ratio"] {
        assert!(fields.get(field).is_some(), "{field}: {fields}");
    }
    let new = json!({"account_id": "100000000009", "name": "新子服务商", "rebate_ratio": "12.5", "remark": ""});
    assert_eq!(add(new.clone()).await.status, StatusCode::CREATED);
    let again = add(new).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        again.json()["error"]["fields"]["account_id"]["rule"]["kind"],
        "already_exists"
    );
    let edited = app
        .request(
            Method::PUT,
            &fill(paths::SUB_PROVIDER, &[&"100000000009"]),
            Some(json!({"account_id": "100000000010", "name": "改名子服务商", "rebate_ratio": "", "remark": "备注"})),
            Some(&cookie),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK);
    assert_eq!(edited.json()["account_id"], "100000000009");

    // Another provider account has its own (empty) list and cannot edit these.
    let other = app.login_as("100000000004").await;
    assert_eq!(
        app.get(&api(paths::SUB_PROVIDERS), Some(&other))
            .await
            .json(),
        json!([])
    );
    let foreign = app
        .request(
            Method::PUT,
            &fill(paths::SUB_PROVIDER, &[&"100000000009"]),
            Some(json!({"account_id": "100000000009", "name": "x", "rebate_ratio": "", "remark": ""})),
            Some(&other),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    // A sub-provider account writes nothing.
    let sub = app.login_as(SUB_A).await;
    assert_eq!(
        app.get(&api(paths::SUB_PROVIDERS), Some(&sub)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn moving_a_sub_merchant_re_attributes_its_history_exactly() {
    let app = TestApp::new().await;
    let cookie = synced(&app).await;
    let id = app.first_sub_merchant_id(&cookie).await;
    let all = totals(&app, &cookie, "").await;
    let mine = totals(&app, &cookie, &format!("sub_merchant_id={id}")).await;
    assert_eq!(mine.0, 5, "the sandbox's history of one sub-merchant");
    // 交易查询 finds the same by its 微信支付商户号, or by its whole name.
    let row = app.first_sub_merchant(&cookie).await;
    let merchant_id = row["merchant_id"].as_str().unwrap();
    assert_eq!(
        totals(&app, &cookie, &format!("q={merchant_id}")).await,
        mine
    );
    let name = row["name"].as_str().unwrap();
    let by_name = app
        .get(
            &format!(
                "{}?q={}&page_size=100",
                api(paths::TRANSACTIONS),
                urlencoding(name)
            ),
            Some(&cookie),
        )
        .await
        .json();
    assert!(by_name["total"].as_u64().unwrap() >= 5);
    assert!(
        by_name["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["sub_merchant_name"].as_str().unwrap().contains(name))
    );
    // A part of a merchant ID is not a merchant ID: nothing, rather than someone else's.
    assert_eq!(
        totals(&app, &cookie, &format!("q={}", &merchant_id[..6])).await,
        (0, 0)
    );
    assert_eq!(
        totals(&app, &cookie, &format!("sub_provider_account_id={SUB_A}")).await,
        (0, 0)
    );

    let unknown = move_to(&app, &cookie, id, "100000000009").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.error_code(), "SubProviderNotFound");
    assert_eq!(
        unknown.json()["error"]["fields"]["account_id"]["rule"]["kind"],
        "not_registered"
    );
    let malformed = move_to(&app, &cookie, id, "12ab").await;
    assert_eq!(malformed.error_code(), "Validation");

    let moved = move_to(&app, &cookie, id, SUB_A).await;
    assert_eq!(moved.status, StatusCode::ACCEPTED);
    assert_eq!(moved.json()["kind"], "reattribution");
    let detail = app
        .get(&fill(paths::SUB_MERCHANT, &[&id]), Some(&cookie))
        .await
        .json();
    assert_eq!(detail["sub_merchant"]["sub_provider_account_id"], SUB_A);
    assert_eq!(detail["reattribution"]["state"], "queued");
    // While it waits, the totals of that sub-merchant are marked as changing.
    let changing = app
        .get(
            &format!("{}?sub_merchant_id={id}", api(paths::TRANSACTIONS)),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(changing["changing"], true);

    run_all(&app).await;
    assert_eq!(
        totals(&app, &cookie, &format!("sub_provider_account_id={SUB_A}")).await,
        mine,
        "every transaction of the sub-merchant, and nothing else"
    );
    assert_eq!(
        totals(&app, &cookie, "").await,
        all,
        "nothing lost or added"
    );
    let done = app
        .get(&fill(paths::SUB_MERCHANT, &[&id]), Some(&cookie))
        .await
        .json();
    assert_eq!(done["reattribution"], Value::Null);
    assert_eq!(
        done["history"][0]["action"],
        "sub_merchant.sub_provider.updated"
    );
    // Choosing the same sub-provider again starts nothing.
    assert_eq!(
        move_to(&app, &cookie, id, SUB_A).await.status,
        StatusCode::OK
    );
}

/// Clearing the sub-provider gives the sub-merchant back to the provider itself: its past
/// transactions follow in the same job, the change is audited, and another account's
/// sub-merchant is not found.
#[tokio::test]
async fn clearing_the_sub_provider_gives_the_history_back_to_the_provider() {
    let app = TestApp::new().await;
    let cookie = synced(&app).await;
    let id = app.first_sub_merchant_id(&cookie).await;
    let all = totals(&app, &cookie, "").await;
    let clear = |cookie: String| {
        let app = &app;
        async move {
            app.request(
                Method::DELETE,
                &fill(paths::SUB_MERCHANT_SUB_PROVIDER, &[&id]),
                None,
                Some(&cookie),
            )
            .await
        }
    };
    // Nothing to clear yet: nothing starts.
    assert_eq!(clear(cookie.clone()).await.status, StatusCode::OK);

    assert_eq!(
        move_to(&app, &cookie, id, SUB_A).await.status,
        StatusCode::ACCEPTED
    );
    run_all(&app).await;
    let moved = totals(&app, &cookie, &format!("sub_provider_account_id={SUB_A}")).await;
    assert_eq!(moved.0, 5);

    let stranger = app.login_as("100000000004").await;
    assert_eq!(clear(stranger).await.status, StatusCode::NOT_FOUND);
    let cleared = clear(cookie.clone()).await;
    assert_eq!(cleared.status, StatusCode::ACCEPTED, "{}", cleared.text());
    assert_eq!(cleared.json()["kind"], "reattribution");
    run_all(&app).await;
    let detail = app
        .get(&fill(paths::SUB_MERCHANT, &[&id]), Some(&cookie))
        .await
        .json();
    assert_eq!(
        detail["sub_merchant"]["sub_provider_account_id"],
        Value::Null
    );
    assert_eq!(
        detail["history"][0]["action"],
        "sub_merchant.sub_provider.updated"
    );
    assert_eq!(
        totals(&app, &cookie, &format!("sub_provider_account_id={SUB_A}")).await,
        (0, 0),
        "the sub-provider keeps none of them"
    );
    assert_eq!(
        totals(&app, &cookie, "").await,
        all,
        "nothing lost or added"
    );
    // The sub-provider no longer sees the sub-merchant.
    let sub = app.login_as(SUB_A).await;
    let seen = app
        .get(&fill(paths::SUB_MERCHANT, &[&id]), Some(&sub))
        .await;
    assert_eq!(seen.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn two_changes_in_a_row_end_with_the_last_one_chosen() {
    let app = TestApp::new().await;
    let cookie = synced(&app).await;
    let id = app.first_sub_merchant_id(&cookie).await;
    let mine = totals(&app, &cookie, &format!("sub_merchant_id={id}")).await;

    // Two changes before any worker ran: the second joins the waiting job.
    let first = move_to(&app, &cookie, id, SUB_A).await.json();
    let second = move_to(&app, &cookie, id, SUB_B).await.json();
    assert_eq!(first["id"], second["id"]);
    run_all(&app).await;
    assert_eq!(
        totals(&app, &cookie, &format!("sub_provider_account_id={SUB_B}")).await,
        mine
    );
    assert_eq!(
        totals(&app, &cookie, &format!("sub_provider_account_id={SUB_A}")).await,
        (0, 0)
    );

    // A change while one is running is queued behind it; the running one's worker dies after
    // a batch; both end, and the owner is the last one chosen.
    move_to(&app, &cookie, id, SUB_A).await;
    assert!(jobs::run_next(&app.state, Some(1)).await.unwrap());
    let queued = move_to(&app, &cookie, id, SUB_B).await;
    assert_eq!(queued.status, StatusCode::ACCEPTED);
    assert_eq!(queued.json()["state"], "queued");
    // The queued one waits while the running one holds its lease.
    assert!(!jobs::run_next(&app.state, None).await.unwrap());
    app.clock.advance(jobs::LEASE_MS + 1);
    run_all(&app).await;
    assert_eq!(
        totals(&app, &cookie, &format!("sub_provider_account_id={SUB_B}")).await,
        mine
    );
    assert_eq!(
        totals(&app, &cookie, &format!("sub_provider_account_id={SUB_A}")).await,
        (0, 0)
    );
}

#[tokio::test]
async fn sub_providers_see_only_what_is_theirs_and_change_nothing() {
    let app = TestApp::new().await;
    let cookie = synced(&app).await;
    let id = app.first_sub_merchant_id(&cookie).await;
    let detail = fill(paths::SUB_MERCHANT, &[&id]);
    let sub = app.login_as(SUB_A).await;
    let other_sub = app.login_as(SUB_B).await;
    let other_provider = app.login_as("100000000004").await;

    // Before the move: nothing is SUB_A's.
    assert_eq!(
        app.get(&detail, Some(&sub)).await.status,
        StatusCode::NOT_FOUND
    );
    let list = app.get(&api(paths::SUB_MERCHANTS), Some(&sub)).await.json();
    assert_eq!(list["total"], 0);

    move_to(&app, &cookie, id, SUB_A).await;
    run_all(&app).await;

    assert_eq!(app.get(&detail, Some(&sub)).await.status, StatusCode::OK);
    let list = app.get(&api(paths::SUB_MERCHANTS), Some(&sub)).await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], id);
    let (count, _) = totals(&app, &sub, "").await;
    assert_eq!(count, 5, "only the transactions attributed to it");
    // Its dates narrow its own list, newest first.
    assert_eq!(
        totals(&app, &sub, "from=2000-01-01&to=2100-01-01").await.0,
        5
    );
    assert_eq!(
        totals(&app, &sub, "from=1900-01-01&to=1969-12-31").await,
        (0, 0)
    );
    let page = app.get(&api(paths::TRANSACTIONS), Some(&sub)).await.json();
    let paid: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["paid_at"].as_str().unwrap())
        .collect();
    assert!(paid.windows(2).all(|w| w[0] >= w[1]), "{paid:?}");

    // The other sub-provider and the other provider account see nothing of it.
    for who in [&other_sub, &other_provider] {
        assert_eq!(
            app.get(&detail, Some(who)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            totals(&app, who, &format!("sub_merchant_id={id}")).await,
            (0, 0)
        );
    }
    assert_eq!(
        move_to(&app, &other_provider, id, SUB_A).await.status,
        StatusCode::NOT_FOUND
    );
    // Read-only: every write is refused.
    let writes = [
        (
            Method::PUT,
            format!("{detail}/wechat-channel"),
            json!({"channel": "wechat_maidan"}),
        ),
        (
            Method::PUT,
            format!("{detail}/sub-provider"),
            json!({"account_id": SUB_B}),
        ),
        (
            Method::POST,
            api(paths::SUB_PROVIDERS),
            json!({"account_id": "100000000009", "name": "x"}),
        ),
        (Method::POST, api(paths::SUB_MERCHANT_SYNCS), json!({})),
    ];
    for (method, path, body) in writes {
        let answer = app.request(method, &path, Some(body), Some(&sub)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
    }
}
