//! Key pairs made in this browser with WebCrypto. The private key is exported once, as
//! PKCS#8 PEM, for the person to save; it is never sent anywhere.

use base64::Engine;
use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, CryptoKeyPair, SubtleCrypto};

/// The RSASSA-PSS salt length Cloud Pay devices sign with (the SHA-256 digest length).
pub const PSS_SALT_LEN: u32 = 32;

/// A signing key pair as the dialog shows and saves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeys {
    /// PKCS#8, PEM: what the merchant's devices sign with.
    pub private_key_pem: String,
    /// SubjectPublicKeyInfo, base64 DER: what the server keeps.
    pub public_key_spki: String,
    /// SHA-256 of the SubjectPublicKeyInfo, lower-case hex (the server shows the same).
    pub public_key_sha256: String,
}

/// Why no key pair could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("WebCrypto: {0}")]
pub struct CryptoError(pub String);

impl From<JsValue> for CryptoError {
    fn from(value: JsValue) -> Self {
        CryptoError(
            value
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .or_else(|| value.as_string())
                .unwrap_or_else(|| format!("{value:?}")),
        )
    }
}

/// The page's `crypto.subtle` (only in a secure context: https or localhost).
pub fn subtle() -> Result<SubtleCrypto, CryptoError> {
    let crypto = web_sys::window()
        .ok_or_else(|| CryptoError("no window".into()))?
        .crypto()?;
    Ok(crypto.subtle())
}

fn set(object: &Object, key: &str, value: &JsValue) -> Result<(), CryptoError> {
    Reflect::set(object, &key.into(), value)?;
    Ok(())
}

/// `{name: "RSA-PSS", hash: "SHA-256", …}` (web-sys has no type for it).
pub fn rsa_pss() -> Result<Object, CryptoError> {
    let algorithm = Object::new();
    set(&algorithm, "name", &"RSA-PSS".into())?;
    set(&algorithm, "hash", &"SHA-256".into())?;
    Ok(algorithm)
}

/// `{name: "RSA-PSS", saltLength: 32}`: the parameters of a signature.
pub fn pss_params() -> Result<Object, CryptoError> {
    let params = Object::new();
    set(&params, "name", &"RSA-PSS".into())?;
    set(&params, "saltLength", &PSS_SALT_LEN.into())?;
    Ok(params)
}

fn bytes(buffer: JsValue) -> Result<Vec<u8>, CryptoError> {
    let buffer: ArrayBuffer = buffer.dyn_into()?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

async fn export(
    subtle: &SubtleCrypto,
    format: &str,
    key: &CryptoKey,
) -> Result<Vec<u8>, CryptoError> {
    bytes(JsFuture::from(subtle.export_key(format, key)?).await?)
}

/// Lower-case hex SHA-256 of `data`.
pub async fn sha256_hex(data: &[u8]) -> Result<String, CryptoError> {
    let digest =
        bytes(JsFuture::from(subtle()?.digest_with_str_and_u8_array("SHA-256", data)?).await?)?;
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// PEM armour: base64 in lines of 64.
pub fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Makes an RSASSA-PSS 2048 / SHA-256 key pair and exports both halves.
pub async fn generate_signing_keys() -> Result<SigningKeys, CryptoError> {
    let subtle = subtle()?;
    let algorithm = rsa_pss()?;
    set(&algorithm, "modulusLength", &2048.into())?;
    set(
        &algorithm,
        "publicExponent",
        &Uint8Array::from(&[1_u8, 0, 1][..]).into(),
    )?;
    let usages = Array::of2(&"sign".into(), &"verify".into());
    // A dictionary, not a class: there is nothing to check `instanceof` against.
    let pair: CryptoKeyPair =
        JsFuture::from(subtle.generate_key_with_object(&algorithm, true, &usages)?)
            .await?
            .unchecked_into();
    let private = export(&subtle, "pkcs8", &pair.get_private_key()).await?;
    let public = export(&subtle, "spki", &pair.get_public_key()).await?;
    Ok(SigningKeys {
        private_key_pem: pem("PRIVATE KEY", &private),
        public_key_sha256: sha256_hex(&public).await?,
        public_key_spki: base64::engine::general_purpose::STANDARD.encode(&public),
    })
}
