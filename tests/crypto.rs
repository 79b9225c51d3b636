//! Key pairs made in the browser: the private key comes out as PKCS#8 PEM, the public key as
//! SPKI, and a signature made with the one verifies with the other, in WebCrypto itself.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed
#![cfg(target_arch = "wasm32")]

use base64::Engine;
use console::crypto::{self, generate_signing_keys, pss_params, rsa_pss};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::CryptoKey;

wasm_bindgen_test_configure!(run_in_browser);

fn b64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

async fn import(format: &str, der: &[u8], usage: &str) -> CryptoKey {
    let subtle = crypto::subtle().unwrap();
    let data = Uint8Array::from(der);
    JsFuture::from(
        subtle
            .import_key_with_object(
                format,
                &data,
                &rsa_pss().unwrap(),
                false,
                &Array::of1(&usage.into()),
            )
            .unwrap(),
    )
    .await
    .unwrap()
    .unchecked_into()
}

#[wasm_bindgen_test]
async fn a_new_key_pair_is_pkcs8_pem_and_spki_and_its_signature_verifies() {
    let keys = generate_signing_keys().await.unwrap();

    // PKCS#8 PEM: the armour, lines of 64, and a DER body WebCrypto reads back as RSA-PSS.
    let pem = &keys.private_key_pem;
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
    assert!(pem.ends_with("\n-----END PRIVATE KEY-----\n"), "{pem}");
    let lines: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(lines[..lines.len() - 1].iter().all(|l| l.len() == 64));
    let private_der = b64(&lines.concat());
    let private = import("pkcs8", &private_der, "sign").await;

    // SPKI, 2048-bit: 294 bytes of DER with the rsaEncryption algorithm identifier.
    let public_der = b64(&keys.public_key_spki);
    assert_eq!(public_der.len(), 294);
    assert_eq!(&public_der[..4], &[0x30, 0x82, 0x01, 0x22]);
    let public = import("spki", &public_der, "verify").await;

    // The fingerprint is the SHA-256 of exactly those bytes.
    assert_eq!(
        keys.public_key_sha256,
        crypto::sha256_hex(&public_der).await.unwrap()
    );
    assert_eq!(keys.public_key_sha256.len(), 64);

    let subtle = crypto::subtle().unwrap();
    let message = br#"{"out_trade_no":"R20261127001","refund_fee":100}"#;
    let signature = Uint8Array::new(
        &JsFuture::from(
            subtle
                .sign_with_object_and_u8_array(&pss_params().unwrap(), &private, message)
                .unwrap(),
        )
        .await
        .unwrap(),
    )
    .to_vec();
    assert_eq!(signature.len(), 256);
    let verify = |data: &'static [u8], signature: Vec<u8>| {
        let subtle = subtle.clone();
        let public = public.clone();
        async move {
            JsFuture::from(
                subtle
                    .verify_with_object_and_u8_array_and_u8_array(
                        &pss_params().unwrap(),
                        &public,
                        &signature,
                        data,
                    )
                    .unwrap(),
            )
            .await
            .unwrap()
            .as_bool()
            .unwrap()
        }
    };
    assert!(verify(message, signature.clone()).await);
    assert!(
        !verify(
            br#"{"out_trade_no":"R20261127001","refund_fee":900}"#,
            signature
        )
        .await
    );

    // Two resets, two different pairs.
    let again = generate_signing_keys().await.unwrap();
    assert_ne!(again.public_key_spki, keys.public_key_spki);
}

#[wasm_bindgen_test]
fn pem_wraps_at_64_characters() {
    let pem = crypto::pem("PUBLIC KEY", &[0_u8; 100]);
    let lines: Vec<&str> = pem.lines().collect();
    assert_eq!(lines[0], "-----BEGIN PUBLIC KEY-----");
    // 100 bytes are 136 base64 characters: 64 + 64 + 8.
    let widths: Vec<usize> = lines[1..lines.len() - 1].iter().map(|l| l.len()).collect();
    assert_eq!(widths, [64, 64, 8]);
    assert_eq!(lines[lines.len() - 1], "-----END PUBLIC KEY-----");
}
