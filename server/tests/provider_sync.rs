//! 同步买单服务商信息: the QR ticket from the console to the admin's phone and back.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use axum::http::{Method, StatusCode};
use common::{SignInWith, TestApp, TestResponse};
use serde_json::{Value, json};

const PROVIDER: &str = "100000000001";
const ADMIN_1: &str = "o_sandbox_admin_1";
const STAFF: &str = "o_sandbox_staff_1";

async fn poll(app: &TestApp, cookie: &str, id: &str) -> TestResponse {
    app.get(&fill(paths::PROVIDER_SYNC_TICKET, &[&id]), Some(cookie))
        .await
}

async fn scan(app: &TestApp, id: &str) -> TestResponse {
    app.get(&fill(paths::PHONE_PROVIDER_SYNC_TICKET, &[&id]), None)
        .await
}

/// A phone signs in with WeChat as `openid` (when the code still lets it) and confirms.
async fn confirm(app: &TestApp, id: &str, openid: &str) -> TestResponse {
    let phone = app.signed_in_phone(SignInWith::Wechat, id, openid).await;
    confirm_on(app, id, phone.as_deref()).await
}

async fn confirm_on(app: &TestApp, id: &str, phone: Option<&str>) -> TestResponse {
    app.confirm_on_phone(SignInWith::Wechat, id, phone).await
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["provider_id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_admin_scans_confirms_and_the_providers_land_in_the_account() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;

    let created = app
        .request(
            Method::POST,
            &api(paths::PROVIDER_SYNC_TICKETS),
            None,
            Some(&cookie),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let ticket = created.json();
    let id = ticket["id"].as_str().unwrap();
    assert_eq!(id.len(), 32, "128 random bits in hex");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        created.header("location"),
        Some(fill(paths::PROVIDER_SYNC_TICKET, &[&id]).as_str())
    );
    assert_eq!(ticket["state"], "pending");
    assert_eq!(ticket["account"]["id"], PROVIDER);
    assert_eq!(ticket["expires_in_s"], 120);

    // The phone opens the page: it names the target account and where the code came from.
    // Reading it changes nothing; nobody has signed in yet.
    let phone = scan(&app, id).await;
    assert_eq!(phone.status, StatusCode::OK);
    assert_eq!(phone.json()["account"]["id"], PROVIDER);
    assert_eq!(phone.json()["account"]["name"], "演示服务商");
    assert_eq!(phone.json()["requested_ip"], "unknown");
    assert!(phone.json()["signed_in_as"].is_null());
    assert_eq!(poll(&app, &cookie, id).await.json()["state"], "pending");

    // The admin signs in with WeChat on the phone: the code is 已扫码 and the phone (only
    // that one) shows who is confirming.
    let admin_phone = app
        .signed_in_phone(SignInWith::Wechat, id, ADMIN_1)
        .await
        .unwrap();
    assert_eq!(poll(&app, &cookie, id).await.json()["state"], "scanned");
    let seen = app
        .get(
            &fill(paths::PHONE_PROVIDER_SYNC_TICKET, &[&id]),
            Some(&admin_phone),
        )
        .await
        .json();
    assert_eq!(seen["signed_in_as"]["id"], ADMIN_1);
    assert_eq!(seen["signed_in_as"]["name"], "沙箱管理员·林");
    assert!(scan(&app, id).await.json()["signed_in_as"].is_null());

    let confirmed = confirm_on(&app, id, Some(&admin_phone)).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
    let result = &confirmed.json()["result"];
    assert_eq!(ids(&result["new"]), ["1900000101", "1900000102"]);
    assert_eq!(ids(&result["skipped"]), ["1900000103"]);
    assert_eq!(result["skipped"][0]["reason"], "bound_to_another_account");

    let done = poll(&app, &cookie, id).await.json();
    assert_eq!(done["state"], "completed");
    assert_eq!(done["confirmed_by"], "沙箱管理员·林");
    assert_eq!(done["result"], *result);

    let list = app.get(&api(paths::PROVIDERS), Some(&cookie)).await.json();
    assert_eq!(list["total"], 2);
    assert_eq!(ids(&list["items"]), ["1900000101", "1900000102"]);
    assert_eq!(list["items"][0]["wechat_pay_configured"], false);

    // 操作记录: who scanned, which providers, into which account.
    let audit = app
        .get(&api(paths::AUDIT_EVENTS), Some(&cookie))
        .await
        .json();
    let synced = &audit["items"][0];
    assert_eq!(synced["action"], "providers.synced");
    assert_eq!(synced["actor"], "沙箱管理员·林");
    assert_eq!(synced["target"], format!("account/{PROVIDER}"));
    assert_eq!(synced["fields"], json!(["1900000101", "1900000102"]));
}

#[tokio::test]
async fn a_provider_bound_to_another_account_is_never_moved() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    confirm(&app, &id, ADMIN_1).await;
    let other = app.login_as("100000000004").await;
    let list = app.get(&api(paths::PROVIDERS), Some(&other)).await.json();
    assert_eq!(ids(&list["items"]), ["1900000103"]);
}

#[tokio::test]
async fn an_expired_code_cannot_be_scanned_or_confirmed() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    app.clock.advance(119_000);
    assert_eq!(poll(&app, &cookie, &id).await.json()["expires_in_s"], 1);
    app.clock.advance(1_000);
    let ticket = poll(&app, &cookie, &id).await.json();
    assert_eq!(ticket["state"], "expired");
    assert_eq!(ticket["expires_in_s"], 0);
    assert_eq!(scan(&app, &id).await.error_code(), "TicketExpired");
    let late = confirm(&app, &id, ADMIN_1).await;
    assert_eq!(late.status, StatusCode::GONE);
    assert_eq!(late.error_code(), "TicketExpired");
    assert_eq!(
        app.get(&api(paths::PROVIDERS), Some(&cookie)).await.json()["total"],
        0
    );
}

#[tokio::test]
async fn a_used_code_cannot_be_replayed() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    assert_eq!(confirm(&app, &id, ADMIN_1).await.status, StatusCode::OK);
    let replay = confirm(&app, &id, "o_sandbox_admin_2").await;
    assert_eq!(replay.status, StatusCode::CONFLICT);
    assert_eq!(replay.error_code(), "TicketUsed");
    assert_eq!(scan(&app, &id).await.error_code(), "TicketUsed");
    // The second admin's provider did not land here.
    assert_eq!(
        app.get(&api(paths::PROVIDERS), Some(&cookie)).await.json()["total"],
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_racing_confirmations_exactly_one_wins() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    let phone = app
        .signed_in_phone(SignInWith::Wechat, &id, ADMIN_1)
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        confirm_on(&app, &id, Some(&phone)),
        confirm_on(&app, &id, Some(&phone))
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let loser = if a.status == StatusCode::CONFLICT {
        a
    } else {
        b
    };
    assert_eq!(loser.error_code(), "TicketUsed");
}

/// The store's move out of an open state, raced for real: eight calls released together on
/// worker threads, each on a connection of its own. Exactly one moves the ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_eight_confirmations_racing_in_the_store_exactly_one_moves_the_ticket() {
    use domain::api::TicketState;
    use server::store::TicketMove;
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    let now = server::clock::Clock::now_ms(app.clock.as_ref());
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(8));
    let racers: Vec<_> = (0..8)
        .map(|n| {
            let (store, id, start) = (app.state.store.clone(), id.clone(), start.clone());
            tokio::spawn(async move {
                let open = [TicketState::Pending, TicketState::Scanned];
                start.wait().await;
                store
                    .transition_ticket(
                        &id,
                        &open,
                        TicketState::Syncing,
                        now,
                        Some(&format!("o_{n}")),
                        None,
                    )
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut moved = 0;
    for racer in racers {
        moved += usize::from(racer.await.unwrap() == TicketMove::Moved);
    }
    assert_eq!(moved, 1);
    assert_eq!(poll(&app, &cookie, &id).await.json()["state"], "syncing");
}

#[tokio::test]
async fn only_the_session_that_asked_for_the_code_can_read_or_cancel_it() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    let same_account_other_session = app.login_as(PROVIDER).await;
    let other_account = app.login_as("100000000004").await;
    for other in [&same_account_other_session, &other_account] {
        let read = poll(&app, other, &id).await;
        assert_eq!(read.status, StatusCode::NOT_FOUND);
        assert_eq!(read.error_code(), "NotFound");
        let cancel = app
            .request(
                Method::DELETE,
                &fill(paths::PROVIDER_SYNC_TICKET, &[&id]),
                None,
                Some(other),
            )
            .await;
        assert_eq!(cancel.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(poll(&app, &cookie, &id).await.json()["state"], "pending");
    assert_eq!(poll(&app, "", &id).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_non_admin_is_told_to_ask_an_admin_and_the_code_stays_usable() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    // A WeChat user who administers nothing signs in on their phone and confirms.
    let staff_phone = app
        .signed_in_phone(SignInWith::Wechat, &id, STAFF)
        .await
        .unwrap();
    let refused = confirm_on(&app, &id, Some(&staff_phone)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.error_code(), "NotMaidanAdmin");
    assert!(
        refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("必须使用微信买单服务商助手管理员的微信扫码")
    );
    assert_eq!(poll(&app, &cookie, &id).await.json()["state"], "scanned");
    // The admin then signs in on that phone and confirms.
    let again = app
        .phone_sign_in(SignInWith::Wechat, &id, ADMIN_1, Some(&staff_phone))
        .await;
    assert_eq!(again.answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        confirm_on(&app, &id, Some(&staff_phone)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn more_than_ten_codes_a_minute_are_refused_with_the_wait() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    for _ in 0..10 {
        app.provider_sync_ticket(&cookie).await;
        app.clock.advance(1_000);
    }
    let refused = app
        .request(
            Method::POST,
            &api(paths::PROVIDER_SYNC_TICKETS),
            None,
            Some(&cookie),
        )
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.header("retry-after"), Some("50"));
    app.clock.advance(50_000);
    app.provider_sync_ticket(&cookie).await;
}

#[tokio::test]
async fn a_rescan_after_a_provider_is_added_upstream_adds_just_that_one() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let first = app.provider_sync_ticket(&cookie).await;
    confirm(&app, &first, ADMIN_1).await;

    let added = app
        .request(
            Method::POST,
            &api(paths::SANDBOX_PROVIDERS),
            Some(json!({"name": "南京新街口买单服务商", "admin_openid": ADMIN_1})),
            None,
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    let new_id = added.json()["provider_id"].as_str().unwrap().to_owned();

    let second = app.provider_sync_ticket(&cookie).await;
    let result = confirm(&app, &second, ADMIN_1).await.json()["result"].clone();
    assert_eq!(ids(&result["new"]), [new_id.as_str()]);
    assert_eq!(ids(&result["unchanged"]), ["1900000101", "1900000102"]);
    assert_eq!(ids(&result["updated"]), Vec::<&str>::new());
    assert_eq!(ids(&result["skipped"]), ["1900000103"]);
    assert_eq!(
        app.get(&api(paths::PROVIDERS), Some(&cookie)).await.json()["total"],
        3
    );
}

#[tokio::test]
async fn polling_an_unchanged_ticket_answers_304() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    let first = poll(&app, &cookie, &id).await;
    let etag = first.header("etag").unwrap().to_owned();
    let request = axum::http::Request::get(fill(paths::PROVIDER_SYNC_TICKET, &[&id]))
        .header("cookie", &cookie)
        .header("if-none-match", &etag)
        .body(axum::body::Body::empty())
        .unwrap();
    let again = app.send(request).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    app.signed_in_phone(SignInWith::Wechat, &id, ADMIN_1).await;
    let request = axum::http::Request::get(fill(paths::PROVIDER_SYNC_TICKET, &[&id]))
        .header("cookie", &cookie)
        .header("if-none-match", &etag)
        .body(axum::body::Body::empty())
        .unwrap();
    let changed = app.send(request).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.json()["state"], "scanned");
}

#[tokio::test]
async fn closing_the_dialog_cancels_the_code_and_the_phone_says_so() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    let cancelled = app
        .request(
            Method::DELETE,
            &fill(paths::PROVIDER_SYNC_TICKET, &[&id]),
            None,
            Some(&cookie),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::NO_CONTENT);
    let phone = scan(&app, &id).await;
    assert_eq!(phone.status, StatusCode::GONE);
    assert_eq!(phone.json()["error"]["reason"], "ticket_cancelled");
    assert_eq!(confirm(&app, &id, ADMIN_1).await.status, StatusCode::GONE);
}

#[tokio::test]
async fn the_phone_can_decline_and_the_console_sees_it() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    let declined = app
        .request(
            Method::POST,
            &fill(paths::PHONE_PROVIDER_SYNC_TICKET_CANCEL, &[&id]),
            None,
            None,
        )
        .await;
    assert_eq!(declined.status, StatusCode::NO_CONTENT);
    assert_eq!(poll(&app, &cookie, &id).await.json()["state"], "cancelled");
}

#[tokio::test]
async fn sub_providers_have_no_providers_to_sync() {
    let app = TestApp::new().await;
    let cookie = app.login_as("100000000002").await;
    let refused = app
        .request(
            Method::POST,
            &api(paths::PROVIDER_SYNC_TICKETS),
            None,
            Some(&cookie),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&api(paths::PROVIDERS), Some(&cookie)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_provider_list_searches_and_pages() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let id = app.provider_sync_ticket(&cookie).await;
    confirm(&app, &id, ADMIN_1).await;
    let found = app
        .get(
            &format!("{}?q=%E8%8B%8F%E5%B7%9E", api(paths::PROVIDERS)),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(ids(&found["items"]), ["1900000102"]);
    let by_id = app
        .get(&format!("{}?q=0101", api(paths::PROVIDERS)), Some(&cookie))
        .await
        .json();
    assert_eq!(ids(&by_id["items"]), ["1900000101"]);
    let wildcard = app
        .get(&format!("{}?q=%25", api(paths::PROVIDERS)), Some(&cookie))
        .await
        .json();
    assert_eq!(wildcard["total"], 0, "% is searched for literally");
    let page2 = app
        .get(
            &format!("{}?page=2&page_size=1", api(paths::PROVIDERS)),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(page2["total"], 2);
    assert_eq!(page2["page"], 2);
    assert_eq!(ids(&page2["items"]), ["1900000102"]);
}

#[tokio::test]
async fn unknown_tickets_are_not_found() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let missing = "00000000000000000000000000000000";
    assert_eq!(
        poll(&app, &cookie, missing).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(scan(&app, missing).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        confirm(&app, missing, ADMIN_1).await.status,
        StatusCode::NOT_FOUND
    );
}
