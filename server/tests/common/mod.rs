//! An in-process console for tests: a temporary SQLite file, a manual clock, the sandbox
//! upstream and a tiny built SPA; requests go through the whole router with `oneshot`.

#![allow(dead_code)]

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
    store::{SqliteStore, Store},
    upstream::{Sandbox, SandboxConfig},
};
use tower::ServiceExt;

pub const HOST: &str = "console.test";
pub const ORIGIN: &str = "http://console.test";

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub sandbox: Arc<Sandbox>,
    pub clock: Arc<ManualClock>,
    pub store: Arc<SqliteStore>,
    pub db_path: PathBuf,
    _dir: tempfile::TempDir,
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
    pub async fn new() -> TestApp {
        TestApp::with_settings(Settings::default()).await
    }

    pub async fn with_settings(settings: Settings) -> TestApp {
        TestApp::with(settings, SandboxConfig::default()).await
    }

    pub async fn with(settings: Settings, sandbox: SandboxConfig) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let db_path = dir.path().join("console.db");
        let store = Arc::new(
            SqliteStore::open(&format!("sqlite://{}", db_path.display()))
                .await
                .expect("open store"),
        );
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
        for (entry, title) in [("login", "sign in"), ("phone", "phone")] {
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
        let state = AppState {
            store: store.clone() as Arc<dyn Store>,
            upstream: sandbox.clone(),
            clock: clock.clone(),
            vault: Arc::new(server::vault::Vault::random().expect("vault")),
            settings: Arc::new(Settings {
                dist: Some(dist),
                ..settings
            }),
        };
        TestApp {
            router: server::app(state.clone()),
            state,
            sandbox,
            clock,
            store,
            db_path,
            _dir: dir,
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
        self.request(Method::POST, "/api/v1/session", Some(body), None)
            .await
    }

    /// Asks for a provider sync QR code as `cookie`'s session and confirms it on the "phone"
    /// as `openid`; returns the confirmation's answer.
    pub async fn scan_and_confirm(&self, cookie: &str, openid: &str) -> TestResponse {
        let ticket = self
            .request(
                Method::POST,
                "/api/v1/provider-sync-tickets",
                None,
                Some(cookie),
            )
            .await
            .json();
        let id = ticket["id"].as_str().unwrap_or_default();
        let body = serde_json::json!({ "wechat_openid": openid });
        let path = format!("/api/v1/m/provider-sync-tickets/{id}/confirm");
        self.request(Method::POST, &path, Some(body), None).await
    }

    /// Signs in as 演示服务商 (`100000000001`), syncs its providers and all their
    /// sub-merchants (the job run to its end), and returns the session cookie.
    pub async fn synced_demo_provider(&self) -> String {
        let cookie = self.login_as("100000000001").await;
        self.scan_and_confirm(&cookie, "o_sandbox_admin_1").await;
        self.request(
            Method::POST,
            "/api/v1/sub-merchant-syncs",
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
        self.get("/api/v1/sub-merchants?page_size=1", Some(cookie))
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

    /// Signs in as a demo account and returns the session cookie.
    pub async fn login_as(&self, account_id: &str) -> String {
        let response = self.login(account_id, seed::DEMO_PASSWORD).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        response.cookie().expect("session cookie")
    }
}
