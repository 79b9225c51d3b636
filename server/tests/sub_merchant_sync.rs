//! 同步买单子商户: one durable job per account, harmless repeated clicks, resumable, exact.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::json;
use server::{Settings, jobs, upstream::SandboxConfig};

const PROVIDER: &str = "100000000001";
/// The sandbox splits 3000 sub-merchants 4:3:2:1; this account syncs the first two providers.
const EXPECTED: u64 = 1_200 + 900;

async fn synced_provider(app: &TestApp) -> String {
    let cookie = app.login_as(PROVIDER).await;
    app.scan_and_confirm(&cookie, "o_sandbox_admin_1").await;
    cookie
}

async fn start(app: &TestApp, cookie: &str) -> common::TestResponse {
    app.request(
        Method::POST,
        &api(paths::SUB_MERCHANT_SYNCS),
        None,
        Some(cookie),
    )
    .await
}

async fn run_all(app: &TestApp) {
    while jobs::run_next(&app.state, None).await.unwrap() {}
}

async fn job(app: &TestApp, cookie: &str, id: &str) -> serde_json::Value {
    app.get(&fill(paths::JOB, &[&id]), Some(cookie))
        .await
        .json()
}

#[tokio::test]
async fn without_synced_providers_the_sync_says_to_sync_providers_first() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    let refused = start(&app, &cookie).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.error_code(), "ProvidersNotSynced");
    assert!(
        refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("请先同步服务商")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clicks_at_once_start_exactly_one_job() {
    use tower::ServiceExt;
    let app = TestApp::new().await;
    let cookie = synced_provider(&app).await;
    let clicks: Vec<_> = (0..50)
        .map(|_| {
            let router = app.router.clone();
            let request = axum::http::Request::post(api(paths::SUB_MERCHANT_SYNCS))
                .header("host", common::HOST)
                .header("origin", common::ORIGIN)
                .header("cookie", &cookie)
                .body(axum::body::Body::empty())
                .unwrap();
            tokio::spawn(async move { router.oneshot(request).await.unwrap() })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for click in clicks {
        let response = click.await.unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        let job: serde_json::Value = serde_json::from_slice(&body).unwrap();
        ids.insert(job["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1, "one job for fifty clicks");
    let jobs = app
        .get(
            &format!("{}?kind=sub_merchant_sync", api(paths::JOBS)),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(jobs.as_array().unwrap().len(), 1);
    let audit = app
        .get(&api(paths::AUDIT_EVENTS), Some(&cookie))
        .await
        .json();
    let started: Vec<_> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "sub_merchants.sync.started")
        .collect();
    assert_eq!(started.len(), 1, "one 操作记录 entry for fifty clicks");
    assert_eq!(
        started[0]["target"],
        format!("job/{}", ids.first().unwrap())
    );
}

#[tokio::test]
async fn the_job_syncs_every_sub_merchant_exactly_once_and_reports_counts() {
    let app = TestApp::new().await;
    let cookie = synced_provider(&app).await;
    let id = start(&app, &cookie).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(job(&app, &cookie, &id).await["state"], "queued");
    run_all(&app).await;
    let done = job(&app, &cookie, &id).await;
    assert_eq!(done["state"], "succeeded");
    assert_eq!(done["processed"], EXPECTED);
    assert_eq!(done["total"], EXPECTED);
    assert_eq!(
        done["counts"],
        json!({"new": EXPECTED, "updated": 0, "unchanged": 0, "failed": 0})
    );
    let list = app
        .get(
            &format!("{}?page_size=5", api(paths::SUB_MERCHANTS)),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(list["total"], EXPECTED);
    assert_eq!(list["items"][0]["merchant_id"], "1600000000");
    assert_eq!(list["items"][0]["provider_name"], "杭州西湖买单服务商");
    assert_eq!(list["items"][0]["channel"], "official_direct");
    let by_provider = app
        .get(
            &format!(
                "{}?provider_id=1900000102&page_size=1",
                api(paths::SUB_MERCHANTS)
            ),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(by_provider["total"], 900);
    let by_id = app
        .get(
            &format!("{}?q=1601000042", api(paths::SUB_MERCHANTS)),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(by_id["total"], 1);
}

/// A finished sync brings the search's statistics up to date at once (PostgreSQL: `ANALYZE`
/// and the trigram indexes' pending entries merged), instead of leaving the first searches to
/// scan unsorted index entries until the background maintenance comes round.
#[tokio::test]
async fn a_finished_sync_refreshes_the_statistics() {
    let app = TestApp::new().await;
    let cookie = synced_provider(&app).await;
    start(&app, &cookie).await;
    run_all(&app).await;
    // Asked again, the refresh succeeds on either database (the job only logs a failure).
    app.state.store.refresh_statistics().await.unwrap();
    if common::on_postgres() {
        // `reltuples` is -1 until the table is analyzed; a small table is read whole.
        let counted: Vec<i64> = app
            .db
            .values(
                "SELECT reltuples::BIGINT FROM pg_class WHERE relname = 'sub_merchants'",
                &[],
            )
            .await;
        assert_eq!(counted, [EXPECTED as i64]);
    }
    let found = app
        .get(
            &format!("{}?q=1601000042", api(paths::SUB_MERCHANTS)),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(found["total"], 1);
}

#[tokio::test]
async fn after_a_sync_the_next_waits_for_the_cooldown_and_then_changes_nothing() {
    let app = TestApp::new().await;
    let cookie = synced_provider(&app).await;
    start(&app, &cookie).await;
    run_all(&app).await;
    app.clock.advance(20_000);
    let early = start(&app, &cookie).await;
    assert_eq!(early.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(early.header("retry-after"), Some("40"));
    assert_eq!(early.json()["error"]["reason"], "sync_cooldown");
    app.clock.advance(40_000);
    let again = start(&app, &cookie).await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    let id = again.json()["id"].as_str().unwrap().to_owned();
    run_all(&app).await;
    let second = job(&app, &cookie, &id).await;
    assert_eq!(
        second["counts"],
        json!({"new": 0, "updated": 0, "unchanged": EXPECTED, "failed": 0})
    );
}

#[tokio::test]
async fn a_worker_that_dies_mid_job_is_replaced_and_the_result_is_exact() {
    let app = TestApp::new().await;
    let cookie = synced_provider(&app).await;
    let id = start(&app, &cookie).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The first worker commits two pages, then dies without a word.
    assert!(jobs::run_next(&app.state, Some(2)).await.unwrap());
    let halfway = job(&app, &cookie, &id).await;
    assert_eq!(halfway["state"], "running");
    assert_eq!(
        halfway["processed"], 1_200,
        "two pages: 1,000 and the provider's last 200"
    );
    assert!(halfway["eta_s"].is_u64());
    // Its lease still holds: nobody else takes the job.
    assert!(!jobs::run_next(&app.state, None).await.unwrap());
    // Once the lease runs out, another worker resumes from the checkpoint.
    app.clock.advance(jobs::LEASE_MS + 1);
    run_all(&app).await;
    let done = job(&app, &cookie, &id).await;
    assert_eq!(done["state"], "succeeded");
    assert_eq!(done["processed"], EXPECTED);
    assert_eq!(done["counts"]["new"], EXPECTED);
    let list = app
        .get(
            &format!("{}?page_size=1", api(paths::SUB_MERCHANTS)),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(list["total"], EXPECTED, "nothing lost, nothing duplicated");
}

#[tokio::test]
async fn transient_upstream_faults_are_survived() {
    let app = TestApp::with(
        Settings::default(),
        SandboxConfig {
            fault_rate: 0.3,
            ..SandboxConfig::default()
        },
    )
    .await;
    let cookie = synced_provider_with_retries(&app).await;
    let id = start(&app, &cookie).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    run_all(&app).await;
    let done = job(&app, &cookie, &id).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["counts"]["new"], EXPECTED);
}

/// With injected faults the provider sync itself may need a second try.
async fn synced_provider_with_retries(app: &TestApp) -> String {
    let cookie = app.login_as(PROVIDER).await;
    for _ in 0..10 {
        let confirmed = app.scan_and_confirm(&cookie, "o_sandbox_admin_1").await;
        if confirmed.status == StatusCode::OK {
            return cookie;
        }
    }
    panic!("the provider sync never got through the injected faults");
}

#[tokio::test]
async fn a_page_that_keeps_failing_fails_the_job_readably_and_keeps_what_was_synced() {
    let app = TestApp::with(
        Settings::default(),
        SandboxConfig {
            fault_rate: 1.0,
            ..SandboxConfig::default()
        },
    )
    .await;
    // Providers synced straight into the store: the upstream is down for everything.
    app.state
        .store
        .sync_providers(
            &[domain::api::SyncedProvider {
                provider_id: "1900000101".into(),
                name: "杭州".into(),
            }],
            &server::store::NewAuditEvent::new(
                PROVIDER,
                domain::api::AuditAction::ProvidersSynced,
                server::audit::AuditTarget::Account(PROVIDER),
                0,
            ),
        )
        .await
        .unwrap();
    let cookie = app.login_as(PROVIDER).await;
    let id = start(&app, &cookie).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    run_all(&app).await;
    let failed = job(&app, &cookie, &id).await;
    assert_eq!(failed["state"], "failed");
    // As data for the console to word in either language, and in Chinese for others.
    assert_eq!(failed["failure"]["kind"], "upstream_unavailable");
    assert_eq!(failed["failure"]["provider_id"], "1900000101");
    assert_eq!(failed["failure"]["cause"]["code"], "sandbox_fault");
    // Clients from before `cause` still find a `detail`.
    assert_eq!(
        failed["failure"]["detail"],
        "a fault injected by the sandbox"
    );
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .starts_with("微信买单持续无法访问（服务商 1900000101")
    );
}

#[tokio::test]
async fn another_account_cannot_read_or_join_the_job() {
    let app = TestApp::new().await;
    let cookie = synced_provider(&app).await;
    let id = start(&app, &cookie).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = app.login_as("100000000004").await;
    let read = app.get(&fill(paths::JOB, &[&id]), Some(&other)).await;
    assert_eq!(read.status, StatusCode::NOT_FOUND);
    let theirs = start(&app, &other).await;
    assert_ne!(theirs.json()["id"], id);
}

#[tokio::test]
async fn the_filtered_list_exports_as_csv_with_a_bom() {
    let app = TestApp::new().await;
    let cookie = synced_provider(&app).await;
    start(&app, &cookie).await;
    run_all(&app).await;
    let csv = app
        .get(
            &format!("{}?provider_id=1900000102", api(paths::SUB_MERCHANTS_CSV)),
            Some(&cookie),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        csv.header("content-disposition")
            .unwrap()
            .contains("sub-merchants.csv")
    );
    assert!(csv.body.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
    let text = csv.text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("子商户名称"));
    assert_eq!(lines.len(), 1 + 900, "header and every row across pages");
    assert!(
        lines[1].contains(",1601000000,苏州园区买单服务商,1900000102,官方直连,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(",否") || lines[1].ends_with(",是"));
    // In English: the header and the words, no Chinese but the names.
    let request = axum::http::Request::get(format!(
        "{}?provider_id=1900000102",
        api(paths::SUB_MERCHANTS_CSV)
    ))
    .header("cookie", &cookie)
    .header("accept-language", "en-US,en;q=0.9")
    .body(axum::body::Body::empty())
    .unwrap();
    let english = app.send(request).await.text();
    let lines: Vec<&str> = english.lines().collect();
    assert!(lines[0].starts_with("\u{feff}Sub-merchant,WeChat Pay merchant ID,"));
    assert!(lines[1].contains(",Official direct,"), "{}", lines[1]);
    assert!(lines[1].ends_with(",no") || lines[1].ends_with(",yes"));
    // The console's link names the page's language: it wins over the browser's.
    let request = axum::http::Request::get(format!(
        "{}?provider_id=1900000102&lang=en",
        api(paths::SUB_MERCHANTS_CSV)
    ))
    .header("cookie", &cookie)
    .header("accept-language", "zh-CN,zh;q=0.9")
    .body(axum::body::Body::empty())
    .unwrap();
    let linked = app.send(request).await.text();
    assert_eq!(linked, english);
    let other = app.login_as("100000000004").await;
    let theirs = app.get(&api(paths::SUB_MERCHANTS_CSV), Some(&other)).await;
    assert_eq!(
        theirs.text().lines().count(),
        1,
        "another account sees none of them"
    );
}

#[tokio::test]
async fn list_totals_follow_every_sync_that_changes_the_account() {
    let app = TestApp::new().await;
    let cookie = synced_provider(&app).await;
    start(&app, &cookie).await;
    run_all(&app).await;
    let total = |q: &'static str| {
        let (app, cookie) = (&app, &cookie);
        async move {
            app.get(&format!("{}?{q}", api(paths::SUB_MERCHANTS)), Some(cookie))
                .await
                .json()["total"]
                .as_u64()
                .unwrap()
        }
    };
    assert_eq!(total("page_size=1").await, EXPECTED);
    let by_name = total("q=%E8%8B%8F%E5%B7%9E").await; // 苏州
    assert!(by_name > 0 && by_name < EXPECTED, "{by_name}");
    assert_eq!(total("q=%E8%8B%8F%E5%B7%9E&page=2").await, by_name);

    // A provider is added upstream, synced, and its sub-merchants follow.
    let added = app
        .sandbox
        .add_provider("苏州新增买单服务商", "o_sandbox_admin_1")
        .unwrap();
    app.scan_and_confirm(&cookie, "o_sandbox_admin_1").await;
    app.clock.advance(61_000);
    start(&app, &cookie).await;
    run_all(&app).await;
    assert_eq!(total("page_size=1").await, EXPECTED + 50);
    let by_provider = app
        .get(
            &format!(
                "{}?provider_id={}",
                api(paths::SUB_MERCHANTS),
                added.provider_id
            ),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(by_provider["total"], 50);
}

/// A page past the last, a search that finds nothing and a search by a part of a name or of a
/// merchant ID: the rows and the total agree, whatever the page holds.
#[tokio::test]
async fn empty_pages_and_searches_answer_with_their_totals() {
    let app = TestApp::new().await;
    let cookie = synced_provider(&app).await;
    start(&app, &cookie).await;
    run_all(&app).await;
    let list = |q: &'static str| {
        let (app, cookie) = (&app, &cookie);
        async move {
            let page = app
                .get(&format!("{}?{q}", api(paths::SUB_MERCHANTS)), Some(cookie))
                .await
                .json();
            let names: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| format!("{} {}", item["merchant_id"], item["name"]))
                .collect();
            (names, page["total"].as_u64().unwrap())
        }
    };
    let (rows, total) = list("page=1000&page_size=20").await;
    assert_eq!((rows.len(), total), (0, EXPECTED), "past the last page");
    let (rows, total) = list("q=nothing-like-this").await;
    assert_eq!((rows.len(), total), (0, 0), "a search that finds nothing");
    let (rows, total) = list("q=0042&page_size=100").await;
    assert!(
        total > 0 && rows.len() as u64 == total.min(100),
        "{total} {rows:?}"
    );
    assert!(rows.iter().all(|row| row.contains("0042")), "{rows:?}");
    // The same search on the next page again carries the same total.
    let (_, again) = list("q=0042&page=2&page_size=100").await;
    assert_eq!(again, total);
}

/// A job keeps the id of the request that queued it: its log lines (a `job` span) name it.
#[tokio::test]
async fn a_job_keeps_the_id_of_the_request_that_queued_it() {
    let app = TestApp::new().await;
    let cookie = app.login_as("100000000001").await;
    app.scan_and_confirm(&cookie, "o_sandbox_admin_1").await;
    let started = app
        .request(
            Method::POST,
            &api(paths::SUB_MERCHANT_SYNCS),
            None,
            Some(&cookie),
        )
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED);
    let request_id = started.header("x-request-id").unwrap().to_owned();
    let job_id = started.json()["id"].as_str().unwrap().to_owned();
    let job = app
        .state
        .store
        .job("100000000001", &job_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.request_id.as_deref(), Some(request_id.as_str()));
    assert!(request_id.starts_with("req_"));
}
