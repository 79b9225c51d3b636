//! What the server's log keeps of a request: its route as written, never the raw path, which
//! can carry a QR ticket ID or a mobile number.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use std::{io::Read, process::Stdio};

use common::ConsoleProcess;

#[tokio::test]
async fn request_logs_name_the_route_not_the_ticket_or_the_mobile() {
    let dir = tempfile::tempdir().unwrap();
    let console = ConsoleProcess::start(dir.path(), &[("RUST_LOG", "info")], Stdio::piped()).await;
    let http = reqwest::Client::new();
    let ticket = "0123456789abcdef0123456789abcdef";
    let mobile = "13912345678";
    for path in [
        fill(paths::PHONE_PROVIDER_SYNC_TICKET, &[&ticket]),
        format!("/m/provider-sync/{ticket}"),
        fill(paths::SANDBOX_SMS_CODE, &[&mobile]),
        format!("/api/v1/no-such-route/{mobile}"),
    ] {
        http.get(format!("{}{path}", console.base))
            .send()
            .await
            .unwrap();
    }
    let log = stopped_output(console);
    assert!(
        log.contains("/api/v1/m/provider-sync-tickets/{id}"),
        "{log}"
    );
    assert!(log.contains("/api/v1/sandbox/sms-codes/{mobile}"), "{log}");
    assert!(log.contains("/m/provider-sync/{*rest}"), "{log}");
    assert!(log.contains("route=/api/{*rest}"), "{log}");
    assert!(!log.contains(ticket), "a ticket ID in the log");
    assert!(!log.contains(mobile), "a mobile in the log");
}

#[tokio::test]
async fn a_refused_json_body_leaves_no_value_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let console = ConsoleProcess::start(dir.path(), &[("RUST_LOG", "info")], Stdio::piped()).await;
    let http = reqwest::Client::new();
    for body in [
        // A value of the wrong kind: serde quotes it.
        r#"{"account_id": "100000000001", "password": 987654321987}"#,
        r#"{"account_id": "100000000001", "password": ["hunter2-secret"]}"#,
        // Not JSON at all.
        r#"{"account_id": "100000000001", "password": "hunter2-secret""#,
    ] {
        let refused = http
            .post(format!("{}/api/v1/session", console.base))
            .header("content-type", "application/json")
            .header("origin", &console.base)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status().as_u16(), 422, "{body}");
    }
    let log = stopped_output(console);
    assert!(log.contains("JSON body"), "{log}");
    assert!(log.contains("field password"), "{log}");
    assert!(!log.contains("987654321987"), "{log}");
    assert!(!log.contains("hunter2"), "{log}");
}

/// Reads what the console wrote to stdout until it was stopped.
fn stopped_output(mut console: ConsoleProcess) -> String {
    let _ = console.child.kill();
    let _ = console.child.wait();
    let mut log = String::new();
    console
        .child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    log
}

#[tokio::test]
async fn json_logs_carry_the_request_id_a_trusted_proxy_gave_and_no_other() {
    let http = reqwest::Client::new();
    let dir = tempfile::tempdir().unwrap();
    let console = ConsoleProcess::start(
        dir.path(),
        &[
            ("RUST_LOG", "info"),
            ("LOG_FORMAT", "json"),
            ("CONSOLE_TRUSTED_PROXIES", "127.0.0.1"),
        ],
        Stdio::piped(),
    )
    .await;
    let kept = http
        .get(format!("{}/api/v1/health", console.base))
        .header("x-request-id", "lb-7f3a:42")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "lb-7f3a:42");
    let odd = http
        .get(format!("{}/api/v1/health", console.base))
        .header("x-request-id", "not an id <script>")
        .send()
        .await
        .unwrap();
    assert!(
        odd.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .starts_with("req_")
    );
    let log = stopped_output(console);
    // The log lines are JSON objects (what else stdout holds is the start-up banner).
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let request = lines
        .iter()
        .find(|l| l["span"]["request_id"] == "lb-7f3a:42")
        .unwrap_or_else(|| panic!("{log}"));
    assert_eq!(request["fields"]["message"], "request");
    assert_eq!(request["span"]["method"], "GET");
    assert_eq!(request["span"]["route"], api(paths::HEALTH));
    assert_eq!(request["span"]["status"], 200);
    assert!(request["span"]["ms"].is_u64(), "{request}");
    assert!(!log.contains("not an id"));

    // From a peer that is not a trusted proxy, the header is not taken.
    let dir = tempfile::tempdir().unwrap();
    let console = ConsoleProcess::start(dir.path(), &[], Stdio::null()).await;
    let mine = http
        .get(format!("{}/api/v1/health", console.base))
        .header("x-request-id", "lb-7f3a:43")
        .send()
        .await
        .unwrap();
    assert!(
        mine.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .starts_with("req_")
    );
    drop(console);
}
