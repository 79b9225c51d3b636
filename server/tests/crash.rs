//! The real server binary is killed (SIGKILL) in the middle of a sub-merchant sync, then
//! started again on the same database: the job resumes from its checkpoint and the final set
//! of sub-merchants is exactly the upstream's.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

/// 40,000 sub-merchants split 4:3:2:1; the demo account syncs the first two providers.
const EXPECTED: u64 = 16_000 + 12_000;

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db: &Path, addr: &str) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_cloud-pay-console"))
        .env("CONSOLE_ADDR", addr)
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("CONSOLE_DIST", db.with_file_name("no-dist"))
        .env("CONSOLE_SECRET_KEY_FILE", db.with_file_name("secret.key"))
        .env("SANDBOX_SUB_MERCHANTS", "40000")
        .env("SANDBOX_LATENCY_MS", "15")
        .env("JOB_LEASE_S", "2")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        addr: addr.to_owned(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while call(&server, "GET", "/api/v1/health", None, None).0 != 200 {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// A minimal HTTP/1.1 call: `(status, headers, body)`.
fn call(
    server: &Server,
    method: &str,
    path: &str,
    body: Option<Value>,
    cookie: Option<&str>,
) -> (u16, String, Value) {
    let Ok(mut stream) = TcpStream::connect(&server.addr) else {
        return (0, String::new(), Value::Null);
    };
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n{cookie}Content-Type: application/json\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{body}",
        addr = server.addr,
        len = body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (
        status,
        head.to_owned(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

fn login(server: &Server) -> String {
    let (status, head, _) = call(
        server,
        "POST",
        "/api/v1/session",
        Some(json!({"account_id": "100000000001", "password": "sandbox-demo"})),
        None,
    );
    assert_eq!(status, 200);
    head.lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned()
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_sync_killed_mid_job_resumes_after_a_restart_and_ends_exact() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("console.db");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");

    let mut server = start(&db, &addr);
    let cookie = login(&server);
    let (_, _, ticket) = call(
        &server,
        "POST",
        "/api/v1/provider-sync-tickets",
        None,
        Some(&cookie),
    );
    let ticket = ticket["id"].as_str().unwrap().to_owned();
    let (status, _, _) = call(
        &server,
        "POST",
        &format!("/api/v1/m/provider-sync-tickets/{ticket}/confirm"),
        Some(json!({"wechat_openid": "o_sandbox_admin_1"})),
        None,
    );
    assert_eq!(status, 200);
    let (status, _, job) = call(
        &server,
        "POST",
        "/api/v1/sub-merchant-syncs",
        None,
        Some(&cookie),
    );
    assert_eq!(status, 202);
    let job_path = format!("/api/v1/jobs/{}", job["id"].as_str().unwrap());

    // Kill it once a few pages are in, but well before the end.
    let mut processed = 0;
    wait_for("progress", Duration::from_secs(60), || {
        processed = call(&server, "GET", &job_path, None, Some(&cookie)).2["processed"]
            .as_u64()
            .unwrap_or(0);
        processed >= 3_000
    });
    server.child.kill().unwrap(); // SIGKILL: no graceful anything
    server.child.wait().unwrap();
    assert!(processed < EXPECTED, "killed mid-job");

    let server = start(&db, &addr);
    let cookie = login(&server);
    let mut job = Value::Null;
    wait_for("the resumed job", Duration::from_secs(120), || {
        job = call(&server, "GET", &job_path, None, Some(&cookie)).2;
        job["state"] == "succeeded"
    });
    assert_eq!(job["processed"], EXPECTED);
    assert_eq!(job["counts"]["new"], EXPECTED, "nothing counted twice");
    let (_, _, list) = call(
        &server,
        "GET",
        "/api/v1/sub-merchants?page_size=1",
        None,
        Some(&cookie),
    );
    assert_eq!(list["total"], EXPECTED, "nothing lost, nothing duplicated");
}
