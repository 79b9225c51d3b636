//! What every response carries: security headers, CSRF protection, the error envelope,
//! the SPA's static files and the OpenAPI document.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use common::TestApp;
use serde_json::json;

const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn assert_security_headers(response: &common::TestResponse, what: &str) {
    assert_eq!(
        response.header("content-security-policy"),
        Some(CSP),
        "{what}"
    );
    assert_eq!(
        response.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        response.header("referrer-policy"),
        Some("same-origin"),
        "{what}"
    );
    assert_eq!(response.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        response.header("cross-origin-opener-policy"),
        Some("same-origin"),
        "{what}"
    );
    assert!(response.header("x-request-id").is_some(), "{what}");
}

#[tokio::test]
async fn a_handler_that_panics_answers_the_internal_envelope_and_the_server_goes_on() {
    use tower::ServiceExt;
    let app = TestApp::new().await;
    let routes = axum::Router::new().route(
        "/api/v1/test-panic",
        axum::routing::get(|| async {
            let items: Vec<u8> = Vec::new();
            // An index out of bounds, as a bug would make it.
            items[3].to_string()
        }),
    );
    let router = server::with_layers(routes, app.state.clone());
    for _ in 0..2 {
        let response = router
            .clone()
            .oneshot(
                Request::get("/api/v1/test-panic")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "Internal");
        assert!(
            body["error"]["request_id"]
                .as_str()
                .unwrap()
                .starts_with("req_")
        );
        assert!(
            !body.to_string().contains("index out of bounds"),
            "no details leak"
        );
    }
}

#[tokio::test]
async fn a_list_refuses_paging_its_schema_refuses() {
    let app = TestApp::new().await;
    let cookie = app.login_as("100000000001").await;
    for (path, field) in [
        (
            &format!("{}?page_size=101", api(paths::PROVIDERS)),
            "page_size",
        ),
        (
            &format!("{}?page_size=0", api(paths::PROVIDERS)),
            "page_size",
        ),
        (&format!("{}?page=0", api(paths::PROVIDERS)), "page"),
        (
            &format!("{}?page_size=1000", api(paths::AUDIT_EVENTS)),
            "page_size",
        ),
        (
            &format!("{}?page_size=101", api(paths::SUB_MERCHANTS)),
            "page_size",
        ),
        (
            &format!("{}?page_size=101", api(paths::TRANSACTIONS)),
            "page_size",
        ),
    ] {
        let refused = app.get(path, Some(&cookie)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(
            refused.json()["error"]["fields"].get(field).is_some(),
            "{path}"
        );
    }
    let long = format!("{}?q={}", api(paths::PROVIDERS), "x".repeat(101));
    let refused = app.get(&long, Some(&cookie)).await;
    assert_eq!(
        refused.json()["error"]["fields"]["q"]["rule"]["kind"],
        "too_long"
    );
    assert_eq!(
        app.get(
            &format!("{}?page_size=100", api(paths::PROVIDERS)),
            Some(&cookie)
        )
        .await
        .status,
        StatusCode::OK
    );
    // The schema says so too.
    let document = app.get("/api/openapi.json", None).await.json();
    let parameters = document["paths"][&api(paths::PROVIDERS)]["get"]["parameters"]
        .as_array()
        .unwrap()
        .clone();
    let page_size = parameters
        .iter()
        .find(|p| p["name"] == "page_size")
        .unwrap();
    assert_eq!(page_size["schema"]["maximum"], 100);
    assert_eq!(page_size["schema"]["minimum"], 1);
    // Every operation that needs a session says it may answer 401, and each may answer 500.
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = &operation["responses"];
            assert!(responses.get("500").is_some(), "{method} {path}");
            let public = path.starts_with("/api/v1/m/")
                || path.starts_with("/api/v1/sandbox/")
                || path == &api(paths::HEALTH)
                || path == &api(paths::SESSION);
            if !public {
                assert!(responses.get("401").is_some(), "{method} {path}");
            }
        }
    }
}

#[tokio::test]
async fn what_the_schema_refuses_in_a_path_or_a_query_gets_the_json_envelope() {
    let app = TestApp::new().await;
    let cookie = app.login_as("100000000001").await;
    // A path ID that cannot be one names nothing: the JSON 404, not a plain-text 400.
    for path in [
        &fill(paths::SUB_MERCHANT, &[&"9223372036854775808"]),
        &fill(paths::SUB_MERCHANT, &[&"abc"]),
        &fill(
            paths::SUB_MERCHANT_ALIPAY_AUTHORIZATION,
            &[&"9223372036854775808", &"0"],
        ),
    ] {
        let missing = app.get(path, Some(&cookie)).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(missing.error_code(), "NotFound", "{path}");
    }
    let response = app
        .request(
            Method::PUT,
            &fill(paths::SUB_PROVIDER, &[&"not-an-account"]),
            Some(serde_json::json!({"account_id": "100000000002", "name": "甲"})),
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    // A query that does not parse is the 422 envelope; a value outside its options names them.
    let malformed = app
        .get(&format!("{}?page=x", api(paths::PROVIDERS)), Some(&cookie))
        .await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(malformed.error_code(), "Validation");
    for (path, field) in [
        (
            &format!("{}?channel=", api(paths::SUB_MERCHANTS)),
            "channel",
        ),
        (
            &format!("{}?channel=direct", api(paths::SUB_MERCHANTS_CSV)),
            "channel",
        ),
        (&format!("{}?kind=sync", api(paths::JOBS)), "kind"),
        (&format!("{}?state=done", api(paths::JOBS)), "state"),
    ] {
        let refused = app.get(path, Some(&cookie)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(
            refused.json()["error"]["fields"][field]["rule"]["kind"],
            "choice",
            "{path}"
        );
    }
    // A filter that is present must be valid; a date is any day of years 1 to 9999.
    for (path, field) in [
        (&format!("{}?from=", api(paths::TRANSACTIONS)), "from"),
        (&format!("{}?to=2026-02-30", api(paths::TRANSACTIONS)), "to"),
        (
            &format!("{}?sub_provider_account_id=", api(paths::TRANSACTIONS)),
            "sub_provider_account_id",
        ),
        (&format!("{}?page=100001", api(paths::TRANSACTIONS)), "page"),
    ] {
        let refused = app.get(path, Some(&cookie)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(
            refused.json()["error"]["fields"].get(field).is_some(),
            "{path}"
        );
    }
    let old = app
        .get(
            &format!("{}?from=1900-01-01&to=1969-12-31", api(paths::TRANSACTIONS)),
            Some(&cookie),
        )
        .await;
    assert_eq!(old.status, StatusCode::OK);
    // The document says where each parameter goes, and what every such refusal answers.
    let document = app.get("/api/openapi.json", None).await.json();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for parameter in &parameters {
                let name = parameter["name"].as_str().unwrap();
                let in_path = path.contains(&format!("{{{name}}}"));
                assert_eq!(
                    parameter["in"],
                    if in_path { "path" } else { "query" },
                    "{method} {path} {name}"
                );
            }
            let responses = &operation["responses"];
            if parameters.iter().any(|p| p["in"] == "path") {
                assert!(responses.get("404").is_some(), "{method} {path}");
            }
            if parameters.iter().any(|p| p["in"] == "query") {
                assert!(responses.get("422").is_some(), "{method} {path}");
            }
        }
    }
    let page = &document["paths"][&api(paths::PROVIDERS)]["get"]["parameters"][1];
    assert_eq!(
        (&page["name"], &page["required"]),
        (&json!("page"), &json!(false))
    );
    let binding = &document["components"]["schemas"]["MaidanBinding"]["properties"];
    assert_eq!(binding["mobile"]["pattern"], "^1[3-9][0-9]{9}$");
    assert_eq!(binding["code"]["pattern"], "^[0-9]{6}$");
}

#[tokio::test]
async fn hsts_is_sent_only_when_the_console_is_served_over_https() {
    let plain = TestApp::new().await;
    for path in [&api(paths::HEALTH), "/login"] {
        assert_eq!(
            plain
                .get(path, None)
                .await
                .header("strict-transport-security"),
            None
        );
    }
    let https = TestApp::with_settings(server::Settings {
        public_origin: Some("https://console.example.com".into()),
        ..server::Settings::default()
    })
    .await;
    for path in [&api(paths::HEALTH), "/login", "/api/v1/nothing-here"] {
        assert_eq!(
            https
                .get(path, None)
                .await
                .header("strict-transport-security"),
            Some("max-age=63072000; includeSubDomains"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_missing_asset_is_404_and_only_page_navigations_get_a_page() {
    let app = TestApp::new().await;
    let cookie = app.login_as("100000000001").await;
    for path in [
        "/console-0123456789abcdef_bg.wasm",
        "/console-123456789abcdef.js",
        "/favicon.ico",
        "/login/login-0000.js",
    ] {
        for cookie in [None, Some(cookie.as_str())] {
            let missing = app.get(path, cookie).await;
            assert_eq!(missing.status, StatusCode::NOT_FOUND, "{path}");
            assert!(!missing.text().contains("<title>"), "{path}");
        }
    }
    // A script asking for a page-like path gets no HTML either.
    let request = Request::get("/providers")
        .header("cookie", &cookie)
        .header("sec-fetch-dest", "script")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::NOT_FOUND);
    let request = Request::get("/providers")
        .header("cookie", &cookie)
        .header("sec-fetch-dest", "document")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_login_redirect_never_points_off_site() {
    let app = TestApp::new().await;
    for path in ["//evil.example", "//evil.example/x", "/%09/evil.example"] {
        let response = app.get(path, None).await;
        if response.status == StatusCode::SEE_OTHER {
            let location = response.header("location").unwrap();
            assert!(
                location == "/login"
                    || location.starts_with("/login?next=%2F")
                        && !location.starts_with("/login?next=%2F%2F"),
                "{path} -> {location}"
            );
        }
    }
    let response = app.get("//evil.example/x", None).await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    assert_eq!(response.header("location"), Some("/login"));
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = TestApp::new().await;
    let cookie = app.login_as("100000000001").await;
    for (path, cookie) in [
        ("/", None),
        ("/providers", None),
        ("/console-0123456789abcdef.js", None),
        (&api(paths::HEALTH), None),
        (&api(paths::SESSION), Some(cookie.as_str())),
        (&api(paths::SESSION), None),
        ("/api/v1/nothing-here", None),
        ("/api/openapi.json", None),
    ] {
        let response = app.get(path, cookie).await;
        assert_security_headers(&response, path);
    }
}

#[tokio::test]
async fn an_unknown_api_path_answers_the_json_404_envelope() {
    let app = TestApp::new().await;
    for path in ["/api/v1/nothing-here", "/api/v2/session", "/api"] {
        let response = app.get(path, None).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        let error = &response.json()["error"];
        assert_eq!(error["code"], "NotFound", "{path}");
        assert!(error["message"].as_str().unwrap().contains("找不到"));
        assert_eq!(
            error["request_id"].as_str(),
            response.header("x-request-id")
        );
        assert!(
            response
                .header("content-type")
                .unwrap()
                .starts_with("application/json")
        );
    }
}

#[tokio::test]
async fn the_login_and_phone_pages_are_entries_of_their_own() {
    let app = TestApp::new().await;
    for (path, title) in [
        ("/login", "sign in"),
        ("/login?next=%2Fproviders", "sign in"),
        ("/m/provider-sync/abc", "provider sync"),
        ("/m/maidan", "open WeChat Maidan"),
        ("/m/maidan?merchant_id=1601000001", "open WeChat Maidan"),
        ("/m/alipay-authorizations/abc", "Alipay authorization"),
    ] {
        let response = app.get(path, None).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert!(
            response
                .text()
                .contains(&format!("<title>Cloud Pay Console · {title}</title>")),
            "{path}: {}",
            response.text()
        );
        assert_eq!(response.header("cache-control"), Some("no-cache"), "{path}");
    }
}

#[tokio::test]
async fn a_console_page_without_a_session_goes_to_the_login_page_first() {
    let app = TestApp::new().await;
    for (path, login) in [
        ("/", "/login"),
        ("/providers", "/login?next=%2Fproviders"),
        // Below /m/ but no phone page: an unknown address like any other.
        ("/m/no-such-page", "/login?next=%2Fm%2Fno-such-page"),
        (
            "/sub-merchants?channel=wechat_maidan&q=苏",
            "/login?next=%2Fsub-merchants%3Fchannel%3Dwechat_maidan%26q%3D%E8%8B%8F",
        ),
    ] {
        let response = app.get(path, None).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.header("location"), Some(login), "{path}");
    }
    // An expired or unknown session is no session.
    let stale = app
        .get("/providers", Some("console_session=not-a-token"))
        .await;
    assert_eq!(stale.status, StatusCode::SEE_OTHER);

    let cookie = app.login_as("100000000001").await;
    for path in ["/", "/providers", "/sub-merchants/1"] {
        let response = app.get(path, Some(&cookie)).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert!(
            response.text().contains("<title>Cloud Pay Console</title>"),
            "{path}"
        );
        assert_eq!(response.header("cache-control"), Some("no-cache"), "{path}");
    }
    // Files are files, signed in or not.
    let asset = app.get("/console-0123456789abcdef.js", None).await;
    assert_eq!(asset.status, StatusCode::OK);
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_served_precompressed() {
    let app = TestApp::new().await;
    let plain = app.get("/console-0123456789abcdef.js", None).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(
        plain.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(plain.text(), "export {}");

    let request = Request::get("/console-0123456789abcdef.js")
        .header("accept-encoding", "br, gzip")
        .body(Body::empty())
        .unwrap();
    let br = app.send(request).await;
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(br.body, vec![0x0b, 0x04, 0x80]);
}

/// How many times an answer says it varies by `Accept-Encoding`.
fn varies_by_encoding(response: &common::TestResponse) -> usize {
    response
        .headers
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter(|v| v.trim().eq_ignore_ascii_case("accept-encoding"))
        .count()
}

/// A CDN in front keys its copies by what `Vary` names: a brotli or gzip sibling served without
/// it would be handed to clients that cannot read it.
#[tokio::test]
async fn every_static_answer_varies_by_accept_encoding_once_precompressed_or_not() {
    let app = TestApp::new().await;
    let dist = app.state.settings.dist.clone().unwrap();
    std::fs::write(dist.join("console-0123456789abcdef.js.gz"), [0x1f, 0x8b]).unwrap();
    // Big enough that the server would compress its plain copy on the fly.
    std::fs::write(dist.join("main-0123456789abcdef.css"), "p{}".repeat(400)).unwrap();
    std::fs::write(dist.join("main-0123456789abcdef.css.br"), [0x0b]).unwrap();
    std::fs::write(dist.join("login").join("index.html.gz"), [0x1f, 0x8b]).unwrap();
    for (path, accepted, encoding) in [
        ("/console-0123456789abcdef.js", "br, gzip", Some("br")),
        ("/console-0123456789abcdef.js", "gzip", Some("gzip")),
        ("/console-0123456789abcdef.js", "identity", None),
        ("/main-0123456789abcdef.css", "br", Some("br")),
        ("/main-0123456789abcdef.css", "identity", None),
        ("/login", "gzip, deflate", Some("gzip")),
        ("/login", "identity", None),
    ] {
        let request = Request::get(path)
            .header("accept-encoding", accepted)
            .body(Body::empty())
            .unwrap();
        let answer = app.send(request).await;
        let what = format!("{path} ({accepted})");
        assert_eq!(answer.status, StatusCode::OK, "{what}");
        assert_eq!(answer.header("content-encoding"), encoding, "{what}");
        assert_eq!(
            varies_by_encoding(&answer),
            1,
            "{what}: {:?}",
            answer.headers
        );
    }
}

#[tokio::test]
async fn a_write_from_another_site_is_refused() {
    let app = TestApp::new().await;
    let body = json!({"account_id": "100000000001", "password": "sandbox-demo"}).to_string();

    let evil = Request::post(api(paths::SESSION))
        .header("host", common::HOST)
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .body(Body::from(body.clone()))
        .unwrap();
    let response = app.send(evil).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(response.json()["error"]["code"], "Forbidden");
    assert_eq!(response.json()["error"]["reason"], "cross_origin");

    let cross_site_form = Request::post(api(paths::SESSION))
        .header("host", common::HOST)
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/json")
        .body(Body::from(body.clone()))
        .unwrap();
    assert_eq!(
        app.send(cross_site_form).await.status,
        StatusCode::FORBIDDEN
    );

    let same_origin = Request::post(api(paths::SESSION))
        .header("host", common::HOST)
        .header("origin", common::ORIGIN)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(app.send(same_origin).await.status, StatusCode::OK);
}

#[tokio::test]
async fn with_a_public_origin_only_it_may_write() {
    let app = TestApp::with_settings(server::Settings {
        public_origin: Some("https://console.example.com".into()),
        ..server::Settings::default()
    })
    .await;
    let login = |origin: &'static str| {
        Request::post(api(paths::SESSION))
            .header("host", "console.example.com")
            .header("origin", origin)
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"account_id": "100000000001", "password": "sandbox-demo"}).to_string(),
            ))
            .unwrap()
    };
    assert_eq!(
        app.send(login("http://console.example.com")).await.status,
        StatusCode::FORBIDDEN
    );
    let ok = app.send(login("https://console.example.com")).await;
    assert_eq!(ok.status, StatusCode::OK);
    let cookie = ok.header("set-cookie").unwrap();
    assert!(cookie.starts_with("__Host-console_session="));
    assert!(cookie.contains("; Secure"));
}

#[tokio::test]
async fn health_names_the_sandbox_upstream() {
    let app = TestApp::new().await;
    let response = app.get(&api(paths::HEALTH), None).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json()["status"], "ok");
    assert_eq!(response.json()["upstream"], "sandbox");
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::new().await;
    let response = app.get("/api/openapi.json", None).await;
    assert_eq!(response.status, StatusCode::OK);
    let document = response.json();
    let paths = document["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/health", "get"),
        ("/api/v1/session", "post"),
        ("/api/v1/session", "get"),
        ("/api/v1/session", "delete"),
        ("/api/v1/sandbox/wechat-users", "get"),
        ("/api/v1/sandbox/providers", "post"),
        ("/api/v1/sandbox/latency", "put"),
        ("/api/v1/sub-merchants/{id}", "get"),
        ("/api/v1/sub-merchants/{id}/wechat-channel", "put"),
        ("/api/v1/sub-merchants/{id}/sub-provider", "put"),
        ("/api/v1/sub-merchants/{id}/key-resets", "post"),
        ("/api/v1/sub-merchants/{id}/alipay-authorizations", "post"),
        (
            "/api/v1/sub-merchants/{id}/alipay-authorizations/{ticket}",
            "get",
        ),
        (
            "/api/v1/sub-merchants/{id}/alipay-authorizations/{ticket}",
            "delete",
        ),
        ("/api/v1/m/alipay-authorizations/{id}", "get"),
        ("/api/v1/m/alipay-authorizations/{id}/confirm", "post"),
        ("/api/v1/m/alipay-authorizations/{id}/cancel", "post"),
        ("/api/v1/sub-providers", "get"),
        ("/api/v1/sub-providers", "post"),
        ("/api/v1/sub-providers/{account_id}", "put"),
        ("/api/v1/transactions", "get"),
        ("/api/v1/m/maidan/sms-codes", "post"),
        ("/api/v1/m/maidan/bindings", "post"),
        ("/api/v1/sandbox/merchants/{merchant_id}", "get"),
        ("/api/v1/sandbox/sms-codes/{mobile}", "get"),
        ("/api/v1/providers", "get"),
        ("/api/v1/provider-sync-tickets", "post"),
        ("/api/v1/provider-sync-tickets/{id}", "get"),
        ("/api/v1/provider-sync-tickets/{id}", "delete"),
        ("/api/v1/m/provider-sync-tickets/{id}", "get"),
        ("/api/v1/m/provider-sync-tickets/{id}/confirm", "post"),
        ("/api/v1/m/provider-sync-tickets/{id}/cancel", "post"),
        ("/api/v1/providers/{id}", "get"),
        ("/api/v1/providers/{id}/basic-info", "put"),
        ("/api/v1/providers/{id}/wechat-pay", "put"),
        ("/api/v1/providers/{id}/alipay", "put"),
        ("/api/v1/audit-events", "get"),
        ("/api/v1/sub-merchant-syncs", "post"),
        ("/api/v1/jobs/{id}", "get"),
        ("/api/v1/jobs", "get"),
        ("/api/v1/sub-merchants", "get"),
        ("/api/v1/sub-merchants.csv", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path}"
        );
    }
    assert!(document["components"]["schemas"]["ErrorEnvelope"].is_object());
}

#[tokio::test]
async fn sandbox_wechat_users_are_listed() {
    let app = TestApp::new().await;
    let users = app
        .get(&api(paths::SANDBOX_WECHAT_USERS), None)
        .await
        .json();
    let openids: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["openid"].as_str())
        .collect();
    assert_eq!(
        openids,
        [
            "o_sandbox_admin_1",
            "o_sandbox_admin_2",
            "o_sandbox_staff_1"
        ]
    );
}

#[tokio::test]
async fn the_sandbox_can_be_made_slow_within_a_limit() {
    let app = TestApp::new().await;
    let too_slow = app
        .request(
            Method::PUT,
            &api(paths::SANDBOX_LATENCY),
            Some(json!({"latency_ms": 10_001})),
            None,
        )
        .await;
    assert_eq!(too_slow.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        too_slow.json()["error"]["fields"]["latency_ms"]["rule"]["kind"],
        "too_large"
    );
    let slow = app
        .request(
            Method::PUT,
            &api(paths::SANDBOX_LATENCY),
            Some(json!({"latency_ms": 80})),
            None,
        )
        .await;
    assert_eq!(slow.status, StatusCode::NO_CONTENT);
    let started = std::time::Instant::now();
    server::upstream::MaidanUpstream::wechat_user(app.sandbox.as_ref(), "o_sandbox_admin_1")
        .await
        .unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_millis(80));
}

/// Every enum on the wire is documented by the names it travels as.
/// The router registers each path of `domain::paths` (which the console's client and the
/// tests build their requests from), and no other: a path renamed on one side only fails here.
#[tokio::test]
async fn the_router_serves_exactly_the_paths_of_the_table() {
    let app = TestApp::new().await;
    let document = app.get("/api/openapi.json", None).await.json();
    let served: std::collections::BTreeSet<&str> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let table: std::collections::BTreeSet<String> = domain::paths::ALL
        .iter()
        .map(|(_, path)| domain::paths::api(path))
        .collect();
    let table: std::collections::BTreeSet<&str> = table.iter().map(String::as_str).collect();
    assert_eq!(served, table);
}

#[tokio::test]
async fn the_openapi_document_names_enum_values_as_they_travel() {
    use domain::api::{
        AccountRole, AuditAction, JobKind, JobState, SkipReason, TicketState, WechatChannel,
    };
    let app = TestApp::new().await;
    let document = app.get("/api/openapi.json", None).await.json();
    let documented = |name: &str| -> Vec<String> {
        document["components"]["schemas"][name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is documented as an enum"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let names = |all: &[&'static str]| all.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        documented("AccountRole"),
        names(&AccountRole::ALL.map(AccountRole::as_str))
    );
    assert_eq!(
        documented("AuditAction"),
        names(&AuditAction::ALL.map(AuditAction::as_str))
    );
    assert_eq!(
        documented("JobKind"),
        names(&JobKind::ALL.map(JobKind::as_str))
    );
    assert_eq!(
        documented("JobState"),
        names(&JobState::ALL.map(JobState::as_str))
    );
    assert_eq!(
        documented("SkipReason"),
        names(&SkipReason::ALL.map(SkipReason::as_str))
    );
    assert_eq!(
        documented("TicketState"),
        names(&TicketState::ALL.map(TicketState::as_str))
    );
    assert_eq!(
        documented("WechatChannel"),
        names(&WechatChannel::ALL.map(WechatChannel::as_str))
    );
}
