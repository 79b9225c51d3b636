//! `/metrics` on `METRICS_ADDR`: the console binary, after a few requests, a wrong password and
//! a sub-merchant sync over a flaky sandbox, serves every series a dashboard needs in
//! Prometheus's text format — on its own address only.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use std::process::Stdio;

use common::{ConsoleProcess, free_port};
use serde_json::{Value, json};

/// The value of the one series `name{…}` whose labels include all of `labels`.
fn series(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .find(|(key, _)| {
            let (metric, rest) = key.split_once('{').unwrap_or((key, ""));
            metric == name
                && labels
                    .iter()
                    .all(|(label, value)| rest.contains(&format!("{label}=\"{value}\"")))
        })
        .map(|(_, value)| value.parse().unwrap())
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        cookie: &str,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .header("origin", &self.base)
            .header("cookie", cookie);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    async fn sign_in(&self, password: &str) -> reqwest::Response {
        let body = json!({ "account_id": "100000000004", "password": password });
        self.call("POST", &api(paths::SESSION), Some(body), "")
            .await
    }
}

#[tokio::test]
async fn requests_sign_ins_jobs_upstream_calls_and_the_pool_are_scraped_on_their_own_address() {
    let dir = tempfile::tempdir().unwrap();
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let console = ConsoleProcess::start(
        dir.path(),
        &[
            ("METRICS_ADDR", &metrics_addr),
            ("SANDBOX_SUB_MERCHANTS", "200"),
            ("SUB_MERCHANT_SYNC_PAGE_SIZE", "5"),
            // Some upstream calls fail once and are tried again.
            ("SANDBOX_FAULT_RATE", "0.2"),
        ],
        Stdio::null(),
    )
    .await;
    let client = Client {
        http: reqwest::Client::new(),
        base: console.base.clone(),
    };

    assert_eq!(
        client
            .call("GET", &api(paths::HEALTH), None, "")
            .await
            .status(),
        200
    );
    assert_eq!(client.sign_in("not-the-password").await.status(), 401);
    let signed_in = client.sign_in("sandbox-demo").await;
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    // 另一服务商 already owns a provider: its sub-merchants sync page by page.
    let queued = client
        .call("POST", &api(paths::SUB_MERCHANT_SYNCS), None, &cookie)
        .await;
    assert_eq!(queued.status(), 202);
    let job_id = queued.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut job = Value::Null;
    for _ in 0..300 {
        job = client
            .call("GET", &fill(paths::JOB, &[&job_id]), None, &cookie)
            .await
            .json()
            .await
            .unwrap();
        if job["state"] != "queued" && job["state"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(job["state"], "succeeded", "{job}");

    let scraped = reqwest::get(format!("http://{metrics_addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(scraped.status(), 200);
    assert!(
        scraped.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = scraped.text().await.unwrap();

    let requests = "console_http_request_duration_seconds_count";
    let health = [
        ("method", "GET"),
        ("route", &api(paths::HEALTH)),
        ("status", "200"),
    ];
    assert!(series(&text, requests, &health) >= Some(1.0), "{text}");
    let wrong = [
        ("method", "POST"),
        ("route", &api(paths::SESSION)),
        ("status", "401"),
    ];
    assert_eq!(series(&text, requests, &wrong), Some(1.0));
    let poll = [("route", "/api/v1/jobs/{id}"), ("status", "200")];
    assert!(series(&text, requests, &poll) >= Some(1.0));
    assert!(text.contains("# TYPE console_http_request_duration_seconds histogram"));
    let health = api(paths::HEALTH);
    let fast = [("route", health.as_str()), ("le", "10")];
    assert!(series(&text, "console_http_request_duration_seconds_bucket", &fast) >= Some(1.0));

    assert_eq!(
        series(&text, "console_login_failures_total", &[]),
        Some(1.0)
    );
    let sync = [("kind", "sub_merchant_sync")];
    let done = [("kind", "sub_merchant_sync"), ("state", "succeeded")];
    assert_eq!(
        series(&text, "console_jobs_finished_total", &done),
        Some(1.0)
    );
    assert!(series(&text, "console_job_pages_total", &sync) >= Some(2.0));

    let calls = "console_upstream_call_duration_seconds_count";
    let pages_ok = [("call", "sub_merchants"), ("outcome", "ok")];
    assert!(series(&text, calls, &pages_ok) >= Some(2.0), "{text}");
    let faults: f64 = ["sub_merchants", "transactions_of"]
        .iter()
        .filter_map(|call| series(&text, calls, &[("call", call), ("outcome", "unavailable")]))
        .sum();
    let retries: f64 = ["sub_merchants", "transactions_of"]
        .iter()
        .filter_map(|call| series(&text, "console_upstream_retries_total", &[("call", call)]))
        .sum();
    assert!(faults >= 1.0, "the sandbox failed no call: {text}");
    assert_eq!(retries, faults, "each failed page call is tried again");

    let max = series(&text, "console_db_pool_connections", &[("state", "max")]);
    assert!(max >= Some(1.0), "{text}");
    assert!(series(&text, "console_db_pool_connections", &[("state", "idle")]).is_some());

    // The console's own address does not serve them.
    let public = client
        .call("GET", "/metrics", None, "")
        .await
        .text()
        .await
        .unwrap();
    assert!(!public.contains("console_http_request_duration_seconds"));
}
