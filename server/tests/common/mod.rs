//! An in-process console for tests: a fresh database (a temporary SQLite file, or with
//! `TEST_DATABASE=postgres` a new PostgreSQL database on `TEST_POSTGRES_URL`), a manual clock,
//! the sandbox upstream and a tiny built SPA; requests go through the whole router with
//! `oneshot`.

#![allow(dead_code)]

use domain::paths::{self, api, fill};
use std::{path::PathBuf, sync::Arc};

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Method, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use serde_json::Value;
use server::{
    AppState, Settings,
    clock::ManualClock,
    seed,
    store::{PgStore, SqliteStore, Store},
    upstream::{Sandbox, SandboxConfig},
};
use tower::ServiceExt;

pub const HOST: &str = "console.test";
/// The sandbox's WeChat official account and Alipay application in tests.
pub const WECHAT_APP_ID: &str = "wxtest00000000000001";
pub const WECHAT_APP_SECRET: &str = "test-wechat-secret";
pub const ALIPAY_APP_ID: &str = "2021000000000042";

/// The console's Alipay application key in tests.
pub fn alipay_app_key() -> rsa::RsaPrivateKey {
    server::oauth::read_private_key(&alipay_app_key_file()).expect("fixture key")
}

/// The fixture key as a key file must be: readable by its owner only.
pub fn alipay_app_key_file() -> std::path::PathBuf {
    static FILE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        private_fixture(
            "alipay-app-private.pem",
            include_str!("../fixtures/alipay-app-private-2048.pem"),
        )
    })
    .clone()
}

/// The key the sandbox's Alipay gateway signs its answers with (Alipay's own, played), as a
/// key file (`SANDBOX_ALIPAY_PRIVATE_KEY_FILE`).
pub fn alipay_gateway_key_file() -> std::path::PathBuf {
    static FILE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        private_fixture(
            "alipay-gateway-private.pem",
            include_str!("../fixtures/alipay-gateway-private-2048.pem"),
        )
    })
    .clone()
}

/// Its public half, as the console is given it (`ALIPAY_PUBLIC_KEY_FILE`).
pub fn alipay_public_key_file() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/alipay-gateway-public-2048.pem")
}

/// The gateway's key.
pub fn alipay_gateway_key() -> rsa::RsaPrivateKey {
    server::oauth::read_private_key(&alipay_gateway_key_file()).expect("fixture key")
}

/// A fixture key as a key file must be: readable by its owner only. Git keeps no such mode,
/// so the tests keep a copy in cargo's scratch directory, written whole under a name of its own
/// and renamed into place, so that test processes running at once never see half a file.
fn private_fixture(name: &str, text: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(name);
    let part = dir.join(format!("{name}.{}", std::process::id()));
    std::fs::write(&part, text).expect("write the key file");
    std::fs::set_permissions(&part, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
    std::fs::rename(&part, &path).expect("move the key file into place");
    path
}

/// The console's app ID and secret with the upstream, when it is reached over HTTP.
pub const UPSTREAM_APP_ID: &str = "console-test";
pub const UPSTREAM_SECRET: &str = "test-upstream-secret-0123456789";

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// The console binary with the in-process sandbox on a free port, its database and key in
/// `dir`; stopped on drop.
pub struct ConsoleProcess {
    pub child: std::process::Child,
    pub base: String,
}

impl Drop for ConsoleProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ConsoleProcess {
    /// Starts it (`RUST_LOG=warn` unless `env` says otherwise) and waits until it answers.
    pub async fn start(
        dir: &std::path::Path,
        env: &[(&str, &str)],
        stdout: std::process::Stdio,
    ) -> ConsoleProcess {
        let port = free_port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_cloud-pay-console"))
            .env_clear()
            .env("CONSOLE_SANDBOX", "1")
            .env("CONSOLE_ADDR", format!("127.0.0.1:{port}"))
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", dir.join("console.db").display()),
            )
            .env("CONSOLE_DIST", dir.join("no-dist"))
            .env("CONSOLE_SECRET_KEY_FILE", dir.join("secret.key"))
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(stdout)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the console");
        let console = ConsoleProcess {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if http
                .get(format!("{}/api/v1/health", console.base))
                .send()
                .await
                .is_ok()
            {
                return console;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the console did not start");
    }
}

/// `cloud-pay-console sandbox-upstream` as its own process on a free port, stopped on drop.
pub struct SandboxProcess {
    child: std::process::Child,
    pub base: String,
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SandboxProcess {
    /// Starts it with the tests' secret, apps and key, and waits until it answers.
    pub async fn start(extra_env: &[(&str, &str)]) -> SandboxProcess {
        let port = free_port();
        let key = alipay_app_key_file();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_cloud-pay-console"))
            .args(["sandbox-upstream", "--addr", &format!("127.0.0.1:{port}")])
            .env_clear()
            .env("UPSTREAM_APP_ID", UPSTREAM_APP_ID)
            .env("UPSTREAM_SECRET", UPSTREAM_SECRET)
            .env("WECHAT_APP_ID", WECHAT_APP_ID)
            .env("WECHAT_APP_SECRET", WECHAT_APP_SECRET)
            .env("ALIPAY_APP_ID", ALIPAY_APP_ID)
            .env("ALIPAY_APP_PRIVATE_KEY_FILE", key)
            .env("SANDBOX_ALIPAY_PRIVATE_KEY_FILE", alipay_gateway_key_file())
            // The console the apps are registered for (where phones are sent back to).
            .env("CONSOLE_PUBLIC_ORIGIN", ORIGIN)
            .env("RUST_LOG", "warn")
            .envs(extra_env.iter().copied())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start sandbox-upstream");
        let process = SandboxProcess {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if http
                .get(format!("{}/sandbox/wechat-users", process.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return process;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("sandbox-upstream did not start");
    }

    /// The console's client for its `/maidan/v1/` protocol.
    pub fn upstream(&self) -> server::upstream::http::HttpUpstream {
        server::upstream::http::HttpUpstream::new(
            server::upstream::http::HttpUpstreamConfig::new(
                &self.base,
                UPSTREAM_APP_ID,
                UPSTREAM_SECRET,
            ),
            Arc::new(server::clock::SystemClock),
        )
        .expect("client")
    }
}

fn identity_at(base: &str) -> server::oauth::IdentityProviders {
    server::oauth::IdentityProviders::new(server::oauth::OAuthConfig {
        wechat_app_id: WECHAT_APP_ID.to_owned(),
        wechat_app_secret: WECHAT_APP_SECRET.to_owned(),
        wechat_oauth_url: base.to_owned(),
        wechat_api_url: base.to_owned(),
        alipay_app_id: ALIPAY_APP_ID.to_owned(),
        alipay_private_key: Arc::new(alipay_app_key()),
        alipay_public_key: Arc::new(alipay_gateway_key().to_public_key()),
        alipay_oauth_url: base.to_owned(),
        alipay_gateway_url: format!("{base}/gateway.do"),
    })
    .expect("client")
}

/// The sandbox's sign-in services on a real socket, and the console's client for them.
async fn sandbox_identity(sandbox: &Arc<Sandbox>) -> (server::oauth::IdentityProviders, String) {
    let key = alipay_app_key();
    let oauth = server::upstream::sandbox_oauth::SandboxOAuth {
        sandbox: sandbox.clone(),
        wechat_app_id: WECHAT_APP_ID.to_owned(),
        wechat_app_secret: WECHAT_APP_SECRET.to_owned(),
        alipay_app_id: ALIPAY_APP_ID.to_owned(),
        alipay_public_key: key.to_public_key(),
        gateway_key: Arc::new(alipay_gateway_key()),
        redirect_hosts: vec!["console.test".to_owned()],
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, server::upstream::sandbox_oauth::router(oauth)).await;
    });
    (identity_at(&base), base)
}

/// The identity providers a phone signs in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInWith {
    Wechat,
    Alipay,
}

impl SignInWith {
    fn slug(self) -> &'static str {
        match self {
            SignInWith::Wechat => "wechat",
            SignInWith::Alipay => "alipay",
        }
    }
}

/// What a phone's sign-in went through: the start, the provider's page, the callback.
pub struct PhoneSignIn {
    /// The phone browser's cookie (`name=value`).
    pub cookie: String,
    /// The callback path and query the provider sent the phone to.
    pub callback: String,
    /// The console's answer to the callback.
    pub answer: TestResponse,
}
pub const ORIGIN: &str = "http://console.test";

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub sandbox: Arc<Sandbox>,
    /// Where the sandbox's WeChat and Alipay sign-in services listen (a real socket: the
    /// console exchanges codes with them over HTTP).
    pub sign_in_base: String,
    pub clock: Arc<ManualClock>,
    pub db: Database,
    /// The SQLite file, when the store is SQLite.
    pub db_path: Option<PathBuf>,
    _dir: tempfile::TempDir,
}

/// The test's database, for the few tests that look at what is stored.
pub enum Database {
    Sqlite(sqlx::SqlitePool),
    Postgres {
        pool: sqlx::PgPool,
        name: String,
        /// The replica that made the database drops it.
        owned: bool,
    },
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // A PostgreSQL test database goes with its test.
        if let Database::Postgres {
            name, owned: true, ..
        } = &self.db
        {
            drop_postgres_database(name.clone());
        }
    }
}

/// Whether the suite runs against PostgreSQL (`TEST_DATABASE=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

fn postgres_url(database: &str) -> String {
    let url = std::env::var("TEST_POSTGRES_URL")
        .expect("TEST_DATABASE=postgres needs TEST_POSTGRES_URL (cargo xtask test sets both)");
    let (base, _) = url.rsplit_once('/').expect("a database URL");
    format!("{base}/{database}")
}

/// A migrated template for this test process, copied for each test (copying is far quicker
/// than migrating).
static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn admin() -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(&postgres_url("console"))
        .await
        .expect("PostgreSQL")
}

/// A new, migrated, empty PostgreSQL database: its name and its store.
async fn postgres_database() -> (String, PgStore) {
    let template = TEMPLATE
        .get_or_init(|| async {
            let name = format!("template_{}", std::process::id());
            let mut admin = admin().await;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut admin)
                .await
                .expect("drop template");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .expect("create template");
            let store = PgStore::open(&postgres_url(&name)).await.expect("migrate");
            store.pool().close().await;
            name
        })
        .await;
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let name = format!("test_{}_{n}", std::process::id());
    let mut admin = admin().await;
    sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    let store = PgStore::open(&postgres_url(&name)).await.expect("open");
    (name, store)
}

fn drop_postgres_database(name: String) {
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async {
            let mut admin = admin().await;
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await;
        });
    });
}

/// A value sqlx reads on both backends.
pub trait BothBackends:
    for<'r> sqlx::Decode<'r, sqlx::Sqlite>
    + sqlx::Type<sqlx::Sqlite>
    + for<'r> sqlx::Decode<'r, sqlx::Postgres>
    + sqlx::Type<sqlx::Postgres>
    + Send
    + Unpin
{
}

impl<T> BothBackends for T where
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>
        + for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + Send
        + Unpin
{
}

/// An argument of a [`Database`] query.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Int(i64),
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Text(value.to_owned())
    }
}

impl From<i64> for Arg {
    fn from(value: i64) -> Self {
        Arg::Int(value)
    }
}

impl Database {
    /// The values of a query (`?` for its arguments, written for SQLite) on either backend.
    pub async fn values<T: BothBackends>(&self, sql: &str, args: &[Arg]) -> Vec<T> {
        match self {
            Database::Sqlite(pool) => {
                let mut query = sqlx::query_scalar(sql);
                for arg in args {
                    query = match arg.clone() {
                        Arg::Text(text) => query.bind(text),
                        Arg::Int(int) => query.bind(int),
                    };
                }
                query.fetch_all(pool).await.expect("query")
            }
            Database::Postgres { pool, .. } => {
                let mut n = 0;
                let sql: String = sql
                    .split('?')
                    .enumerate()
                    .map(|(i, part)| {
                        if i == 0 {
                            part.to_owned()
                        } else {
                            n += 1;
                            format!("${n}{part}")
                        }
                    })
                    .collect();
                let mut query = sqlx::query_scalar(&sql);
                for arg in args {
                    query = match arg.clone() {
                        Arg::Text(text) => query.bind(text),
                        Arg::Int(int) => query.bind(int),
                    };
                }
                query.fetch_all(pool).await.expect("query")
            }
        }
    }

    /// The one value of a query (see [`Database::values`]).
    pub async fn value<T: BothBackends>(&self, sql: &str, args: &[Arg]) -> T {
        let mut values = self.values(sql, args).await;
        assert_eq!(values.len(), 1, "one row of {sql}");
        values.remove(0)
    }
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The fields a refusal names, each with its rule's kind, in name order.
    pub fn field_kinds(&self) -> Vec<(String, String)> {
        self.json()["error"]["fields"]
            .as_object()
            .map(|fields| {
                fields
                    .iter()
                    .map(|(name, issue)| {
                        let kind = issue["rule"]["kind"].as_str().unwrap_or_default();
                        (name.clone(), kind.to_owned())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `name=value` of a `Set-Cookie` header, without attributes.
    pub fn cookie(&self) -> Option<String> {
        self.header("set-cookie")
            .and_then(|c| c.split(';').next())
            .map(str::to_owned)
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl TestApp {
    /// The console against `sandbox-upstream` as its own process: the upstream over the signed
    /// HTTP protocol, the phones signing in at its WeChat and Alipay pages.
    pub async fn over_http(process: &SandboxProcess) -> TestApp {
        let mut app = TestApp::new().await;
        app.state.upstream = Arc::new(process.upstream());
        app.state.identity = Arc::new(identity_at(&process.base));
        app.sign_in_base = process.base.clone();
        app.router = server::app(app.state.clone());
        app
    }

    pub async fn new() -> TestApp {
        TestApp::with_settings(Settings::default()).await
    }

    pub async fn with_settings(settings: Settings) -> TestApp {
        TestApp::with(settings, SandboxConfig::default()).await
    }

    pub async fn with(settings: Settings, sandbox: SandboxConfig) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, db, db_path): (Arc<dyn Store>, Database, Option<PathBuf>) = if on_postgres() {
            let (name, store) = postgres_database().await;
            let pool = store.pool().clone();
            let db = Database::Postgres {
                pool,
                name,
                owned: true,
            };
            (Arc::new(store), db, None)
        } else {
            let db_path = dir.path().join("console.db");
            let store = SqliteStore::open(&format!("sqlite://{}", db_path.display()))
                .await
                .expect("open store");
            let pool = store.pool().clone();
            (Arc::new(store), Database::Sqlite(pool), Some(db_path))
        };
        seed::demo_accounts(store.as_ref()).await.expect("seed");
        let clock = Arc::new(ManualClock::new(1_790_000_000_000));
        let sandbox = Arc::new(Sandbox::new(sandbox).with_clock(clock.clone()));
        seed::demo_bindings(store.as_ref(), &sandbox, 1_790_000_000_000)
            .await
            .expect("seed bindings");
        let dist = dir.path().join("dist");
        std::fs::create_dir_all(&dist).expect("dist");
        std::fs::write(
            dist.join("index.html"),
            "<!doctype html><title>Cloud Pay Console</title>",
        )
        .expect("index");
        for (entry, title) in [
            ("login", "sign in"),
            ("phone/maidan", "open WeChat Maidan"),
            ("phone/provider-sync", "provider sync"),
            ("phone/alipay-authorizations", "Alipay authorization"),
        ] {
            std::fs::create_dir_all(dist.join(entry)).expect("entry folder");
            std::fs::write(
                dist.join(entry).join("index.html"),
                format!("<!doctype html><title>Cloud Pay Console · {title}</title>"),
            )
            .expect("entry page");
        }
        std::fs::write(dist.join("console-0123456789abcdef.js"), "export {}").expect("js");
        std::fs::write(
            dist.join("console-0123456789abcdef.js.br"),
            [0x0b, 0x04, 0x80],
        )
        .expect("br");
        let (identity, sign_in_base) = sandbox_identity(&sandbox).await;
        let state = AppState {
            readiness: Default::default(),
            workers: Default::default(),
            store,
            upstream: sandbox.clone(),
            clock: clock.clone(),
            vault: Arc::new(server::vault::Vault::random().expect("vault")),
            identity: Arc::new(identity),
            sandbox_oauth: None,
            settings: Arc::new(Settings {
                dist: Some(dist),
                ..settings
            }),
        };
        TestApp {
            router: server::app(state.clone()),
            state,
            sandbox,
            sign_in_base,
            clock,
            db,
            db_path,
            _dir: dir,
        }
    }

    /// Another API replica on this one's database: its own store connections, workers and
    /// router; the same clock, sandbox and secret key (replicas share their settings).
    pub async fn replica(&self) -> TestApp {
        let (store, db): (Arc<dyn Store>, Database) = match &self.db {
            Database::Sqlite(_) => {
                let path = self.db_path.as_ref().expect("the SQLite file");
                let store = SqliteStore::open(&format!("sqlite://{}", path.display()))
                    .await
                    .expect("open store");
                let pool = store.pool().clone();
                (Arc::new(store), Database::Sqlite(pool))
            }
            Database::Postgres { name, .. } => {
                let store = PgStore::open(&postgres_url(name)).await.expect("open");
                let pool = store.pool().clone();
                let db = Database::Postgres {
                    pool,
                    name: name.clone(),
                    owned: false,
                };
                (Arc::new(store), db)
            }
        };
        let state = AppState {
            readiness: Default::default(),
            store,
            workers: Default::default(),
            ..self.state.clone()
        };
        TestApp {
            router: server::app(state.clone()),
            state,
            sandbox: self.sandbox.clone(),
            sign_in_base: self.sign_in_base.clone(),
            clock: self.clock.clone(),
            db,
            db_path: self.db_path.clone(),
            _dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// Sends a request as the console page would (same-origin, with a cookie if given).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        cookie: Option<&str>,
    ) -> TestResponse {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, HOST)
            .header(header::ORIGIN, ORIGIN);
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        let request = match body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => builder.body(Body::empty()),
        }
        .expect("request");
        self.send(request).await
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> TestResponse {
        self.request(Method::GET, path, None, cookie).await
    }

    pub async fn login(&self, account_id: &str, password: &str) -> TestResponse {
        let body = serde_json::json!({"account_id": account_id, "password": password});
        self.request(Method::POST, &api(paths::SESSION), Some(body), None)
            .await
    }

    /// A new provider-sync QR code of `cookie`'s session: its ticket ID.
    pub async fn provider_sync_ticket(&self, cookie: &str) -> String {
        let created = self
            .request(
                Method::POST,
                &api(paths::PROVIDER_SYNC_TICKETS),
                None,
                Some(cookie),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        created.json()["id"].as_str().expect("ticket id").to_owned()
    }

    /// A new Alipay authorization QR code of `cookie`'s session for sub-merchant `id`: its
    /// ticket ID (the answer's `Location` names it).
    pub async fn alipay_authorization_ticket(&self, cookie: &str, id: i64) -> String {
        let path = fill(paths::SUB_MERCHANT_ALIPAY_AUTHORIZATIONS, &[&id]);
        let created = self.request(Method::POST, &path, None, Some(cookie)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let ticket = created.json()["id"].as_str().expect("ticket id").to_owned();
        assert_eq!(
            created.header("location"),
            Some(&*format!("{path}/{ticket}"))
        );
        ticket
    }

    /// 【确认】 on the phone page of a QR code (a provider sync for WeChat, an Alipay
    /// authorization for Alipay), with the phone's cookie if it has one.
    pub async fn confirm_on_phone(
        &self,
        with: SignInWith,
        ticket: &str,
        phone: Option<&str>,
    ) -> TestResponse {
        let kind = match with {
            SignInWith::Wechat => "provider-sync-tickets",
            SignInWith::Alipay => "alipay-authorizations",
        };
        let path = format!("/api/v1/m/{kind}/{ticket}/confirm");
        self.request(Method::POST, &path, None, phone).await
    }

    /// Asks for a provider sync QR code as `cookie`'s session and confirms it on the "phone"
    /// as `openid`; returns the confirmation's answer.
    pub async fn scan_and_confirm(&self, cookie: &str, openid: &str) -> TestResponse {
        let ticket = self.provider_sync_ticket(cookie).await;
        let phone = self
            .phone_sign_in(SignInWith::Wechat, &ticket, openid, None)
            .await;
        self.confirm_on_phone(SignInWith::Wechat, &ticket, Some(&phone.cookie))
            .await
    }

    /// The phone side of a sign-in, as a browser would go through it: `…/start?ticket=` on the
    /// console (with the phone's cookie, if it has one), the sandbox's authorize page with
    /// `sandbox_user` picked, then the callback on the console.
    pub async fn phone_sign_in(
        &self,
        with: SignInWith,
        ticket: &str,
        user: &str,
        phone_cookie: Option<&str>,
    ) -> PhoneSignIn {
        let callback = self
            .phone_sign_in_callback(with, ticket, user, phone_cookie)
            .await;
        let cookie = callback.0;
        let answer = self.get(&callback.1, Some(&cookie)).await;
        PhoneSignIn {
            cookie,
            callback: callback.1,
            answer,
        }
    }

    /// A phone that signed in as `user` for the ticket, when the ticket still lets a phone
    /// sign in (its cookie); `None` when the start sends the phone back to the page instead.
    pub async fn signed_in_phone(
        &self,
        with: SignInWith,
        ticket: &str,
        user: &str,
    ) -> Option<String> {
        let start = self
            .get(
                &format!("/api/v1/m/{}-oauth/start?ticket={ticket}", with.slug()),
                None,
            )
            .await;
        if start.status != StatusCode::FOUND {
            return None;
        }
        let phone = self.phone_sign_in(with, ticket, user, None).await;
        assert_eq!(phone.answer.status, StatusCode::SEE_OTHER);
        let back = phone.answer.header("location").unwrap_or_default();
        assert!(!back.contains("sign_in_error"), "{back}");
        Some(phone.cookie)
    }

    /// The start and the provider's page only: the phone cookie and the callback to visit.
    pub async fn phone_sign_in_callback(
        &self,
        with: SignInWith,
        ticket: &str,
        user: &str,
        phone_cookie: Option<&str>,
    ) -> (String, String) {
        let start = self
            .get(
                &format!("/api/v1/m/{}-oauth/start?ticket={ticket}", with.slug()),
                phone_cookie,
            )
            .await;
        assert_eq!(start.status, StatusCode::FOUND, "{}", start.text());
        let cookie = match phone_cookie {
            Some(cookie) => cookie.to_owned(),
            None => start.cookie().expect("phone cookie"),
        };
        let authorize = start.header("location").expect("location");
        let authorize = authorize.split('#').next().unwrap_or_default();
        assert!(authorize.starts_with(&self.sign_in_base), "{authorize}");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let back = http
            .get(format!("{authorize}&sandbox_user={user}"))
            .send()
            .await
            .expect("sandbox sign-in page");
        assert_eq!(
            back.status().as_u16(),
            303,
            "the sandbox sends the phone back"
        );
        let location = back
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("redirect")
            .to_owned();
        let callback = location
            .strip_prefix(ORIGIN)
            .unwrap_or_else(|| panic!("back to the console: {location}"))
            .to_owned();
        (cookie, callback)
    }

    /// Signs in as 演示服务商 (`100000000001`), syncs its providers and all their
    /// sub-merchants (the job run to its end), and returns the session cookie.
    pub async fn synced_demo_provider(&self) -> String {
        let cookie = self.login_as("100000000001").await;
        self.scan_and_confirm(&cookie, "o_sandbox_admin_1").await;
        self.request(
            Method::POST,
            &api(paths::SUB_MERCHANT_SYNCS),
            None,
            Some(&cookie),
        )
        .await;
        while server::jobs::run_next(&self.state, None)
            .await
            .expect("job")
        {}
        cookie
    }

    /// The first sub-merchant of the list `cookie`'s session sees, as the list shows it.
    pub async fn first_sub_merchant(&self, cookie: &str) -> Value {
        self.get(
            &format!("{}?page_size=1", api(paths::SUB_MERCHANTS)),
            Some(cookie),
        )
        .await
        .json()["items"][0]
            .clone()
    }

    /// The console ID of [`Self::first_sub_merchant`].
    pub async fn first_sub_merchant_id(&self, cookie: &str) -> i64 {
        self.first_sub_merchant(cookie).await["id"]
            .as_i64()
            .expect("a sub-merchant")
    }

    /// The console trusting another key for Alipay's gateway answers (as if
    /// `ALIPAY_PUBLIC_KEY_FILE` named the wrong one).
    pub fn trusting_alipay_key(&mut self, key: rsa::RsaPublicKey) {
        let mut config = self.state.identity.config().clone();
        config.alipay_public_key = Arc::new(key);
        self.state.identity =
            Arc::new(server::oauth::IdentityProviders::new(config).expect("client"));
        self.router = server::app(self.state.clone());
    }

    /// Signs in as a demo account and returns the session cookie.
    pub async fn login_as(&self, account_id: &str) -> String {
        let response = self.login(account_id, seed::DEMO_PASSWORD).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        response.cookie().expect("session cookie")
    }
}
