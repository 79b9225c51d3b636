//! Accounts as an operator manages them: `cloud-pay-console accounts add|set-password|disable|
//! enable|list` on the server's database, and 修改密码 in the console. A new password or a disabled
//! account ends the account's other sessions at once.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api};

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

use axum::http::{Method, StatusCode};
use common::{ConsoleProcess, TestApp};
use serde_json::json;

const ID: &str = "200000000001";

/// `cloud-pay-console accounts …` on `db`, with `stdin` as its standard input.
fn accounts(db: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cloud-pay-console"))
        .arg("accounts")
        .args(args)
        .env_clear()
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The console on the accounts' database, with a client.
struct Console {
    process: ConsoleProcess,
    http: reqwest::Client,
}

impl Console {
    async fn start(db: &std::path::Path) -> Console {
        let dir = db.parent().unwrap();
        Console {
            process: ConsoleProcess::start(dir, &[], Stdio::null()).await,
            http: reqwest::Client::new(),
        }
    }

    /// Signs in; the session cookie, or the status.
    async fn login(&self, password: &str) -> Result<String, u16> {
        let answer = self
            .http
            .post(format!("{}/api/v1/session", self.process.base))
            .header("origin", &self.process.base)
            .json(&json!({"account_id": ID, "password": password}))
            .send()
            .await
            .unwrap();
        if answer.status().is_success() {
            let cookie = answer.headers()["set-cookie"].to_str().unwrap();
            Ok(cookie.split(';').next().unwrap().to_owned())
        } else {
            Err(answer.status().as_u16())
        }
    }

    async fn who(&self, cookie: &str) -> u16 {
        self.http
            .get(format!("{}/api/v1/session", self.process.base))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

#[tokio::test]
async fn the_accounts_commands_round_trip_and_end_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("console.db");
    // Commands never make a database: the console's first start does.
    server::store::SqliteStore::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();

    // Bad input is named, with exit status 2; nothing is created.
    let short = accounts(
        &db,
        &["add", "--id", ID, "--name", "运营", "--role", "provider"],
        "short\n",
    );
    assert_eq!(short.status.code(), Some(2));
    assert!(
        text(&short.stderr).contains("password"),
        "{}",
        text(&short.stderr)
    );
    let bad_id = accounts(
        &db,
        &["add", "--id", "12ab", "--name", "x", "--role", "provider"],
        "",
    );
    assert_eq!(bad_id.status.code(), Some(2));
    assert!(text(&bad_id.stderr).contains("--id"));

    let added = accounts(
        &db,
        &[
            "add",
            "--id",
            ID,
            "--name",
            "运营测试服务商",
            "--role",
            "provider",
        ],
        "first-password-1\n",
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    let again = accounts(
        &db,
        &["add", "--id", ID, "--name", "x", "--role", "sub-provider"],
        "first-password-1\n",
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("exists"));

    let console = Console::start(&db).await;
    let first = console.login("first-password-1").await.unwrap();
    let second = console.login("first-password-1").await.unwrap();
    assert_eq!(console.who(&first).await, 200);

    let set = accounts(&db, &["set-password", "--id", ID], "second-password-2\n");
    assert!(set.status.success(), "{}", text(&set.stderr));
    assert!(
        text(&set.stdout).contains("2 session(s) ended"),
        "{}",
        text(&set.stdout)
    );
    assert_eq!(console.who(&first).await, 401);
    assert_eq!(console.who(&second).await, 401);
    assert_eq!(console.login("first-password-1").await, Err(401));
    let third = console.login("second-password-2").await.unwrap();
    assert_eq!(console.who(&third).await, 200);

    let disabled = accounts(&db, &["disable", "--id", ID], "");
    assert!(disabled.status.success());
    assert_eq!(console.who(&third).await, 401);
    assert_eq!(console.login("second-password-2").await, Err(401));

    let list = accounts(&db, &["list"], "");
    let listed = text(&list.stdout);
    let line = listed.lines().find(|l| l.starts_with(ID)).unwrap();
    assert!(
        line.contains("provider") && line.contains("运营测试服务商") && line.contains("disabled")
    );
    assert!(
        listed.contains("100000000001"),
        "the sandbox's demo accounts are listed too"
    );

    // Enabled again, it signs in with the password it had; its old sessions stay ended.
    let enabled = accounts(&db, &["enable", "--id", ID], "");
    assert!(enabled.status.success(), "{}", text(&enabled.stderr));
    assert_eq!(console.who(&third).await, 401);
    let fourth = console.login("second-password-2").await.unwrap();
    assert_eq!(console.who(&fourth).await, 200);
    let listed = text(&accounts(&db, &["list"], "").stdout);
    let line = listed.lines().find(|l| l.starts_with(ID)).unwrap();
    assert!(line.contains("active"), "{line}");
    let unknown = accounts(&db, &["enable", "--id", "999999999"], "");
    assert_eq!(unknown.status.code(), Some(1));

    let unknown = accounts(
        &db,
        &["set-password", "--id", "999999999"],
        "third-password-3\n",
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(text(&unknown.stderr).contains("no account"));
}

#[tokio::test]
async fn changing_the_password_in_the_console_keeps_this_session_and_ends_the_others() {
    let app = TestApp::new().await;
    let this = app.login_as("100000000001").await;
    let other = app.login_as("100000000001").await;
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});

    let wrong = app
        .request(
            Method::PUT,
            &api(paths::SESSION_PASSWORD),
            Some(change("not-the-password", "a-brand-new-password")),
            Some(&this),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        wrong.json()["error"]["fields"]["current_password"]["rule"]["kind"],
        "wrong_password"
    );
    let short = app
        .request(
            Method::PUT,
            &api(paths::SESSION_PASSWORD),
            Some(change("sandbox-demo", "too-short")),
            Some(&this),
        )
        .await;
    assert_eq!(
        short.json()["error"]["fields"]["new_password"]["rule"],
        json!({"kind": "too_short", "min": 12})
    );
    assert!(
        short.json()["error"]["fields"]["new_password"]["message"]
            .as_str()
            .unwrap()
            .contains("12")
    );

    let done = app
        .request(
            Method::PUT,
            &api(paths::SESSION_PASSWORD),
            Some(change("sandbox-demo", "a-brand-new-password")),
            Some(&this),
        )
        .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.text());
    assert_eq!(
        app.get(&api(paths::SESSION), Some(&this)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&api(paths::SESSION), Some(&other)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("100000000001", "sandbox-demo").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("100000000001", "a-brand-new-password")
            .await
            .status,
        StatusCode::OK
    );
    let audit = app.get(&api(paths::AUDIT_EVENTS), Some(&this)).await.json();
    assert_eq!(audit["items"][0]["action"], "account.password.changed");
    assert_eq!(audit["items"][0]["fields"], json!(["password"]));
    assert!(!audit.to_string().contains("a-brand-new-password"));

    // Without a session there is nothing to change.
    let anonymous = app
        .request(
            Method::PUT,
            &api(paths::SESSION_PASSWORD),
            Some(change("a-brand-new-password", "another-new-password")),
            None,
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn wrong_current_passwords_lock_like_wrong_logins() {
    let app = TestApp::new().await;
    let this = app.login_as("100000000001").await;
    for _ in 0..5 {
        app.request(
            Method::PUT,
            &api(paths::SESSION_PASSWORD),
            Some(json!({"current_password": "guess-guess-guess", "new_password": "a-brand-new-password"})),
            Some(&this),
        )
        .await;
    }
    let locked = app
        .request(
            Method::PUT,
            &api(paths::SESSION_PASSWORD),
            Some(
                json!({"current_password": "sandbox-demo", "new_password": "a-brand-new-password"}),
            ),
            Some(&this),
        )
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.header("retry-after").is_some());
}
