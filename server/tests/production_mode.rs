//! Production mode: without `--sandbox` the console refuses to start until every setting it
//! needs is given, and once started nothing of the sandbox exists in it — no demo login, no
//! sandbox route or page, no sandbox code in an answer, no address its limits do not count —
//! while it talks to the upstream and the identity providers over HTTP.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use std::process::{Command, Stdio};

use common::{
    ALIPAY_APP_ID, SandboxProcess, UPSTREAM_APP_ID, UPSTREAM_SECRET, WECHAT_APP_ID,
    WECHAT_APP_SECRET,
};

const REQUIRED: [&str; 9] = [
    "CONSOLE_PUBLIC_ORIGIN",
    "UPSTREAM_URL",
    "UPSTREAM_APP_ID",
    "UPSTREAM_SECRET",
    "WECHAT_APP_ID",
    "WECHAT_APP_SECRET",
    "ALIPAY_APP_ID",
    "ALIPAY_APP_PRIVATE_KEY_FILE",
    "ALIPAY_PUBLIC_KEY_FILE",
];

fn key_file() -> String {
    common::alipay_app_key_file().display().to_string()
}

/// A full production environment, the upstream and the identity providers at `upstream`.
fn environment(upstream: &str, addr: &str, dir: &std::path::Path) -> Vec<(&'static str, String)> {
    // Production never makes its sealing key: `keys init` does, once.
    let key = dir.join("secret.key");
    if !key.exists() {
        server::vault::init_key_file(&key).unwrap();
    }
    vec![
        ("CONSOLE_PUBLIC_ORIGIN", format!("http://{addr}")),
        ("UPSTREAM_URL", upstream.to_owned()),
        ("UPSTREAM_APP_ID", UPSTREAM_APP_ID.to_owned()),
        ("UPSTREAM_SECRET", UPSTREAM_SECRET.to_owned()),
        ("WECHAT_APP_ID", WECHAT_APP_ID.to_owned()),
        ("WECHAT_APP_SECRET", WECHAT_APP_SECRET.to_owned()),
        ("ALIPAY_APP_ID", ALIPAY_APP_ID.to_owned()),
        ("ALIPAY_APP_PRIVATE_KEY_FILE", key_file()),
        (
            "ALIPAY_PUBLIC_KEY_FILE",
            common::alipay_public_key_file().display().to_string(),
        ),
        ("WECHAT_OAUTH_URL", upstream.to_owned()),
        ("WECHAT_API_URL", upstream.to_owned()),
        ("ALIPAY_OAUTH_URL", upstream.to_owned()),
        ("ALIPAY_GATEWAY_URL", format!("{upstream}/gateway.do")),
        ("CONSOLE_ADDR", addr.to_owned()),
        (
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("console.db").display()),
        ),
        (
            "CONSOLE_SECRET_KEY_FILE",
            dir.join("secret.key").display().to_string(),
        ),
        ("CONSOLE_DIST", dir.join("no-dist").display().to_string()),
        ("RUST_LOG", "warn".to_owned()),
    ]
}

fn console(env: &[(&'static str, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cloud-pay-console"));
    command
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[test]
fn each_missing_setting_is_named_and_the_start_refused() {
    let dir = tempfile::tempdir().unwrap();
    let full = environment("http://127.0.0.1:9", "127.0.0.1:0", dir.path());
    for missing in REQUIRED {
        let env: Vec<_> = full
            .iter()
            .filter(|(k, _)| *k != missing)
            .cloned()
            .collect();
        let out = console(&env).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "without {missing}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line: {stderr}");
        assert!(lines[0].contains(missing), "{missing}: {stderr}");
    }
    // A public origin over plain http to a host that is not this machine is refused too.
    let mut env = full.clone();
    env[0].1 = "http://console.example.com".to_owned();
    let out = console(&env).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CONSOLE_PUBLIC_ORIGIN"));
    // An unreadable key file is named as well, and so is one that others may read.
    let exposed = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("exposed-{}.pem", std::process::id()));
    std::fs::copy(common::alipay_app_key_file(), &exposed).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&exposed, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    for (file, why) in [
        ("/nonexistent.pem".to_owned(), "No such file"),
        (exposed.display().to_string(), "chmod 600"),
    ] {
        let mut env = full.clone();
        env.retain(|(k, _)| *k != "ALIPAY_APP_PRIVATE_KEY_FILE");
        env.push(("ALIPAY_APP_PRIVATE_KEY_FILE", file));
        let out = console(&env).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("ALIPAY_APP_PRIVATE_KEY_FILE"), "{stderr}");
        assert!(stderr.contains(why), "{stderr}");
    }
    let _ = std::fs::remove_file(exposed);
}

/// What a start that must be refused printed; a console that starts instead fails the test
/// (after 20 s) rather than hanging it.
fn refused(env: &[(&'static str, String)]) -> std::process::Output {
    let mut child = console(env).spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the console started instead of refusing");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn production_refuses_plain_http_to_any_host_but_this_one() {
    let dir = tempfile::tempdir().unwrap();
    let full = environment("http://127.0.0.1:9", "127.0.0.1:0", dir.path());
    // Names under .invalid never resolve: nothing is sent anywhere.
    for (name, value) in [
        ("UPSTREAM_URL", "http://upstream.invalid:8090"),
        ("WECHAT_OAUTH_URL", "http://wechat.invalid"),
        ("WECHAT_API_URL", "http://wechat.invalid"),
        ("ALIPAY_OAUTH_URL", "http://alipay.invalid"),
        ("ALIPAY_GATEWAY_URL", "http://alipay.invalid/gateway.do"),
    ] {
        let mut env = full.clone();
        env.retain(|(k, _)| *k != name);
        env.push((name, value.to_owned()));
        let out = refused(&env);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(name) && stderr.contains("https://"),
            "{stderr}"
        );
    }
}

#[test]
fn production_without_its_sealing_key_file_refuses_and_makes_none() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = environment("http://127.0.0.1:9", "127.0.0.1:0", dir.path());
    let missing = dir.path().join("no/secret.key");
    env.retain(|(k, _)| *k != "CONSOLE_SECRET_KEY_FILE");
    env.push(("CONSOLE_SECRET_KEY_FILE", missing.display().to_string()));
    let out = refused(&env);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("CONSOLE_SECRET_KEY_FILE") && stderr.contains("keys init"),
        "{stderr}"
    );
    assert!(!missing.exists());
}

struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn in_production_nothing_of_the_sandbox_exists() {
    let upstream = SandboxProcess::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut env = environment(&upstream.base, &addr, dir.path());
    // The sandbox's addresses that no limit counts are not the production console's.
    env.push(("SANDBOX_UNLIMITED_ADDRESSES", "127.0.0.1".to_owned()));
    let mut command = console(&env);
    command.stdout(Stdio::null()).stderr(Stdio::null());
    let _console = Running(command.spawn().unwrap());
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut health = None;
    for _ in 0..300 {
        if let Ok(answer) = http.get(format!("{base}/api/v1/health")).send().await {
            health = Some(answer.json::<serde_json::Value>().await.unwrap());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let health = health.expect("the console started");
    assert_eq!(health["upstream"], "http");

    // No demo login.
    let login = http
        .post(format!("{base}/api/v1/session"))
        .header("origin", &base)
        .json(&serde_json::json!({"account_id": "100000000001", "password": "sandbox-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status().as_u16(), 401);

    // No sandbox route or page.
    for path in [
        &api(paths::SANDBOX_WECHAT_USERS),
        &fill(paths::SANDBOX_SMS_CODE, &[&"13800000000"]),
        &fill(paths::SANDBOX_MERCHANT, &[&"1600000005"]),
    ] {
        let answer = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(answer.status().as_u16(), 404, "{path}");
    }
    // The sandbox's WeChat page is not served: the path is just a console page, behind sign-in.
    let page = http
        .get(format!(
            "{base}/sandbox-upstream/connect/oauth2/authorize?appid=x"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 303);
    assert!(
        page.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    let openapi = http
        .get(format!("{base}/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!openapi.contains("/sandbox/"));

    // A binding code goes out through the upstream, and its answer carries no code.
    let sent = http
        .post(format!("{base}/api/v1/m/maidan/sms-codes"))
        .header("origin", &base)
        .json(&serde_json::json!({"merchant_id": "1600000005", "mobile": "13800000000"}))
        .send()
        .await
        .unwrap();
    let status = sent.status().as_u16();
    let body: serde_json::Value = sent.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    assert!(
        body.get("sandbox_code")
            .is_none_or(serde_json::Value::is_null),
        "{body}"
    );
    // Five codes an hour from an address, whatever SANDBOX_UNLIMITED_ADDRESSES says.
    let mut statuses = Vec::new();
    for n in 1..=5 {
        statuses.push(send_code(&http, &base, n, None).await);
    }
    assert!(!statuses[..4].contains(&429), "{statuses:?}");
    assert_eq!(statuses[4], 429);

    // The phone's WeChat sign-in starts at the configured WeChat, with the public origin.
    let start = http
        .get(format!(
            "{base}/api/v1/m/wechat-oauth/start?ticket=00000000000000000000000000000000"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status().as_u16(), 404, "an unknown code");
}

/// 获取验证码 for the `n`th of some merchant IDs and mobiles, forwarded for `forwarded_for`
/// when given; its status.
async fn send_code(http: &reqwest::Client, base: &str, n: u32, forwarded_for: Option<&str>) -> u16 {
    let mut request = http
        .post(format!("{base}/api/v1/m/maidan/sms-codes"))
        .header("origin", base)
        .json(&serde_json::json!({
            "merchant_id": format!("{}", 1_700_000_000 + n),
            "mobile": format!("1390000{n:04}"),
        }));
    if let Some(forwarded) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn the_sandbox_counts_no_request_of_its_unlimited_addresses_and_every_other() {
    let dir = tempfile::tempdir().unwrap();
    let console = common::ConsoleProcess::start(
        dir.path(),
        &[
            ("SANDBOX_UNLIMITED_ADDRESSES", "127.0.0.1"),
            // So that a request forwarded for another address comes from that address.
            ("CONSOLE_TRUSTED_PROXIES", "127.0.0.1"),
        ],
        Stdio::null(),
    )
    .await;
    let http = reqwest::Client::new();
    for n in 0..7 {
        let status = send_code(&http, &console.base, n, None).await;
        assert_ne!(status, 429, "code {n} from the unlimited address");
    }
    let mut statuses = Vec::new();
    for n in 0..6 {
        statuses.push(send_code(&http, &console.base, n, Some("192.0.2.7")).await);
    }
    assert!(!statuses[..5].contains(&429), "{statuses:?}");
    assert_eq!(statuses[5], 429);
}
