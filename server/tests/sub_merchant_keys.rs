//! 重置认证密钥和签名公私钥: the authentication key is returned once and kept sealed; only an
//! RSA 2048 SubjectPublicKeyInfo is accepted; a device's RSASSA-PSS signature made with the
//! matching private key verifies with the stored key; other tenants see nothing.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use axum::http::{Method, StatusCode};
use base64::Engine;
use common::{TestApp, TestResponse};
use rsa::{
    RsaPrivateKey, RsaPublicKey,
    pkcs1::{DecodeRsaPrivateKey, EncodeRsaPublicKey},
    pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding},
    pss::BlindedSigningKey,
    signature::{RandomizedSigner, SignatureEncoding},
};
use serde_json::{Value, json};
use server::keys;
use sha2::Sha256;

/// A device's private key (what the browser would have made and the merchant saved).
const DEVICE_KEY: &str = include_str!("fixtures/alipay-app-private-2048.pem");
const SMALL_KEY: &str = include_str!("fixtures/rsa-1024-pkcs1.pem");

fn device_key() -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_pem(DEVICE_KEY).unwrap()
}

fn spki_base64(key: &RsaPublicKey) -> String {
    base64::engine::general_purpose::STANDARD.encode(key.to_public_key_der().unwrap().as_bytes())
}

async fn reset(app: &TestApp, cookie: &str, id: i64, public_key: &str) -> TestResponse {
    app.request(
        Method::POST,
        &fill(paths::SUB_MERCHANT_KEY_RESETS, &[&id]),
        Some(json!({ "signing_public_key": public_key })),
        Some(cookie),
    )
    .await
}

async fn detail(app: &TestApp, cookie: &str, id: i64) -> Value {
    app.get(&fill(paths::SUB_MERCHANT, &[&id]), Some(cookie))
        .await
        .json()
}

#[tokio::test]
async fn a_reset_returns_the_authentication_key_once_and_the_page_shows_only_fingerprints() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;
    assert!(detail(&app, &cookie, id).await["keys"].is_null());
    let public = device_key().to_public_key();

    let issued = reset(&app, &cookie, id, &spki_base64(&public)).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.text());
    assert_eq!(issued.header("cache-control"), Some("no-store"));
    let body = issued.json();
    let key = body["authentication_key"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 32);
    assert!(key.bytes().all(|b| b.is_ascii_alphanumeric()), "{key}");
    let der = public.to_public_key_der().unwrap();
    assert_eq!(
        body["keys"]["public_key_sha256"],
        keys::sha256_hex(der.as_bytes())
    );
    assert_eq!(body["keys"]["authentication_key_last4"], key[28..]);
    // 认证类型 and 签名类型, what a device needs beside the keys.
    assert_eq!(body["keys"]["authentication_type"], "HMAC-SHA256");
    assert_eq!(body["keys"]["signature_type"], "RSASSA-PSS-2048-SHA256");

    let shown = detail(&app, &cookie, id).await;
    assert_eq!(shown["sub_merchant"]["keys_set"], true);
    assert_eq!(shown["keys"], body["keys"]);
    assert_eq!(shown["history"][0]["action"], "sub_merchant.keys.reset");
    assert_eq!(
        shown["history"][0]["fields"],
        json!(["authentication_key", "signing_public_key"])
    );
    // No answer after the reset carries the key: not the detail, not the list, not the export,
    // not the activity log.
    for path in [
        fill(paths::SUB_MERCHANT, &[&id]),
        format!("{}?page_size=100", api(paths::SUB_MERCHANTS)),
        api(paths::SUB_MERCHANTS_CSV),
        api(paths::AUDIT_EVENTS),
    ] {
        let answer = app.get(&path, Some(&cookie)).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert!(!answer.text().contains(&key), "{path} shows the key");
    }
    let row = app
        .get(
            &format!("{}?page_size=100", api(paths::SUB_MERCHANTS)),
            Some(&cookie),
        )
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .cloned()
        .unwrap();
    assert_eq!(row["keys_set"], true);

    // A second reset makes a different key and replaces the first.
    let again = reset(&app, &cookie, id, &spki_base64(&public)).await.json();
    assert_ne!(again["authentication_key"], key.as_str());
    let history = detail(&app, &cookie, id).await["history"].clone();
    assert_eq!(history.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_stored_authentication_key_is_ciphertext() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;
    let public = device_key().to_public_key();
    let key = reset(&app, &cookie, id, &spki_base64(&public)).await.json()["authentication_key"]
        .as_str()
        .unwrap()
        .to_owned();

    let sealed: String = app
        .db
        .value(
            "SELECT authentication_key FROM sub_merchant_keys WHERE sub_merchant_id = ?",
            &[id.into()],
        )
        .await;
    assert!(sealed.starts_with("v2:"), "{sealed}");
    let mut bytes = Vec::new();
    if let Some(path) = &app.db_path {
        bytes = std::fs::read(path).unwrap();
        bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
    }
    assert!(
        !String::from_utf8_lossy(&bytes).contains(&key),
        "the authentication key is in the database file"
    );
    // The vault opens it, for this sub-merchant only.
    let context = server::routes::sub_merchant_keys::authentication_key_context(id);
    assert_eq!(app.state.vault.open_sealed(&sealed, &context).unwrap(), key);
    let elsewhere = server::routes::sub_merchant_keys::authentication_key_context(id + 1);
    assert!(app.state.vault.open_sealed(&sealed, &elsewhere).is_err());
}

#[tokio::test]
async fn only_an_rsa_2048_subject_public_key_info_is_accepted() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;
    let public = device_key().to_public_key();
    let small = RsaPrivateKey::from_pkcs1_pem(SMALL_KEY)
        .unwrap()
        .to_public_key();
    let empty = reset(&app, &cookie, id, " ").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        empty.json()["error"]["fields"]["signing_public_key"]["rule"]["kind"],
        "required"
    );
    let refused = [
        "not a key".to_owned(),
        // PKCS#1 is a public key, but not SPKI.
        public.to_pkcs1_pem(LineEnding::LF).unwrap(),
        // A private key must never be sent.
        DEVICE_KEY.to_owned(),
        spki_base64(&small),
    ];
    for text in refused {
        let answer = reset(&app, &cookie, id, &text).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
        assert_eq!(answer.error_code(), "Validation");
        assert_eq!(
            answer.json()["error"]["fields"]["signing_public_key"]["rule"]["kind"],
            "rsa_key"
        );
    }
    assert!(detail(&app, &cookie, id).await["keys"].is_null());
    // PEM is as good as bare base64.
    let pem = public.to_public_key_pem(LineEnding::LF).unwrap();
    assert_eq!(
        reset(&app, &cookie, id, &pem).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_device_signature_made_with_the_private_key_verifies_with_the_stored_public_key() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;
    let private = device_key();
    reset(&app, &cookie, id, &spki_base64(&private.to_public_key())).await;
    let stored: String = app
        .db
        .value(
            "SELECT signing_public_key FROM sub_merchant_keys WHERE sub_merchant_id = ?",
            &[id.into()],
        )
        .await;

    let request = br#"{"out_trade_no":"R20261127001","refund_fee":100}"#;
    let signer = BlindedSigningKey::<Sha256>::new_with_salt_len(private, keys::PSS_SALT_LEN);
    let signature = signer
        .sign_with_rng(&mut rand_core::OsRng, request)
        .to_vec();
    assert!(keys::verify_device_signature(&stored, request, &signature));
    // A changed request, a changed signature, or another key does not verify.
    assert!(!keys::verify_device_signature(
        &stored,
        br#"{"out_trade_no":"R20261127001","refund_fee":900}"#,
        &signature
    ));
    let mut forged = signature.clone();
    forged[10] ^= 1;
    assert!(!keys::verify_device_signature(&stored, request, &forged));
    let wrong_salt = BlindedSigningKey::<Sha256>::new_with_salt_len(device_key(), 20)
        .sign_with_rng(&mut rand_core::OsRng, request)
        .to_vec();
    assert!(!keys::verify_device_signature(
        &stored,
        request,
        &wrong_salt
    ));
}

#[tokio::test]
async fn other_accounts_cannot_reset_or_see_a_sub_merchants_keys() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;
    let public = spki_base64(&device_key().to_public_key());

    let other = app.login_as("100000000004").await;
    let refused = reset(&app, &other, id, &public).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(detail(&app, &cookie, id).await["keys"].is_null());
    // A sub-provider reads, but never resets.
    let sub_provider = app.login_as("100000000002").await;
    assert_eq!(
        reset(&app, &sub_provider, id, &public).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        reset(&app, &cookie, 9_999_999, &public).await.status,
        StatusCode::NOT_FOUND
    );
}

/// API answers are compressed for a client that accepts it, except the one that carries the
/// new authentication key: a compressed secret beside data an attacker can influence leaks
/// through the compressed length.
#[tokio::test]
async fn answers_are_compressed_but_never_the_one_with_the_new_key() {
    use axum::{body::Body, http::Request};
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;
    let with_encoding = |method: &str, path: &str, body: Option<Value>| {
        let builder = Request::builder()
            .method(method)
            .uri(path)
            .header("cookie", &cookie)
            .header("accept-encoding", "br, gzip")
            .header("content-type", "application/json");
        builder
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .unwrap()
    };

    let list = app
        .send(with_encoding(
            "GET",
            &format!("{}?page_size=100", api(paths::SUB_MERCHANTS)),
            None,
        ))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.header("content-encoding"), Some("br"));
    assert!(list.header("vary").unwrap().contains("accept-encoding"));
    let plain = app
        .get(
            &format!("{}?page_size=100", api(paths::SUB_MERCHANTS)),
            Some(&cookie),
        )
        .await;
    assert_eq!(plain.header("content-encoding"), None);
    assert!(
        list.body.len() * 3 < plain.body.len(),
        "a list compresses well"
    );

    // A streamed answer too (the CSV export), to its end.
    let csv = app
        .send(with_encoding("GET", &api(paths::SUB_MERCHANTS_CSV), None))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header("content-encoding"), Some("br"));
    assert!(!csv.body.is_empty());

    let public = spki_base64(&device_key().to_public_key());
    let issued = app
        .send(with_encoding(
            "POST",
            &fill(paths::SUB_MERCHANT_KEY_RESETS, &[&id]),
            Some(json!({ "signing_public_key": public })),
        ))
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.text());
    assert_eq!(issued.header("content-encoding"), None);
    assert_eq!(
        issued.json()["authentication_key"].as_str().unwrap().len(),
        32
    );
}
