//! What the server's log keeps of a request: its route as written, never the raw path, which
//! can carry a QR ticket ID or a mobile number.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

use std::{
    io::Read,
    process::{Command, Stdio},
};

#[tokio::test]
async fn request_logs_name_the_route_not_the_ticket_or_the_mobile() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_cloud-pay-console"))
        .env_clear()
        .env("CONSOLE_SANDBOX", "1")
        .env("CONSOLE_ADDR", format!("127.0.0.1:{port}"))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("c.db").display()),
        )
        .env("CONSOLE_DIST", dir.path().join("no-dist"))
        .env("CONSOLE_SECRET_KEY_FILE", dir.path().join("secret.key"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    for _ in 0..300 {
        if http
            .get(format!("{base}/api/v1/health"))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let ticket = "0123456789abcdef0123456789abcdef";
    let mobile = "13912345678";
    for path in [
        format!("/api/v1/m/provider-sync-tickets/{ticket}"),
        format!("/m/provider-sync/{ticket}"),
        format!("/api/v1/sandbox/sms-codes/{mobile}"),
        format!("/api/v1/no-such-route/{mobile}"),
    ] {
        http.get(format!("{base}{path}")).send().await.unwrap();
    }
    let _ = server.kill();
    let _ = server.wait();
    let mut log = String::new();
    server
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
