//! What the server's log keeps of a request: its route as written, never the raw path, which
//! can carry a QR ticket ID or a mobile number.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use std::{io::Read, process::Stdio};

use common::ConsoleProcess;

#[tokio::test]
async fn request_logs_name_the_route_not_the_ticket_or_the_mobile() {
    let dir = tempfile::tempdir().unwrap();
    let mut console =
        ConsoleProcess::start(dir.path(), &[("RUST_LOG", "info")], Stdio::piped()).await;
    let http = reqwest::Client::new();
    let ticket = "0123456789abcdef0123456789abcdef";
    let mobile = "13912345678";
    for path in [
        format!("/api/v1/m/provider-sync-tickets/{ticket}"),
        format!("/m/provider-sync/{ticket}"),
        format!("/api/v1/sandbox/sms-codes/{mobile}"),
        format!("/api/v1/no-such-route/{mobile}"),
    ] {
        http.get(format!("{}{path}", console.base))
            .send()
            .await
            .unwrap();
    }
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
    assert!(
        log.contains("/api/v1/m/provider-sync-tickets/{id}"),
        "{log}"
    );
    assert!(log.contains("/api/v1/sandbox/sms-codes/{mobile}"), "{log}");
    assert!(log.contains("/m/{*rest}"), "{log}");
    assert!(log.contains("route=/api/{*rest}"), "{log}");
    assert!(!log.contains(ticket), "a ticket ID in the log");
    assert!(!log.contains(mobile), "a mobile in the log");
}
