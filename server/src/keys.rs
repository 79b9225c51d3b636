//! Deep checks of RSA keys (PKCS#1 or PKCS#8 PEM, or bare base64 DER): too heavy for the wasm
//! bundle, so the browser checks only their shape and the server parses them.

use base64::Engine;
use domain::FieldError;
use rsa::{
    RsaPrivateKey, RsaPublicKey,
    pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey},
    pkcs8::{DecodePrivateKey, DecodePublicKey},
    traits::PublicKeyParts,
};
use sha2::{Digest, Sha256};

/// The only key size Alipay and Cloud Pay accept here.
pub const RSA_BITS: usize = 2048;

fn der(text: &str) -> Option<Vec<u8>> {
    let body: String = text.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

fn sized<K: PublicKeyParts>(key: K) -> Result<K, FieldError> {
    if key.size() * 8 == RSA_BITS {
        Ok(key)
    } else {
        Err(FieldError::RsaKey)
    }
}

/// An RSA 2048 private key.
pub fn rsa_private_key(text: &str) -> Result<RsaPrivateKey, FieldError> {
    let text = text.trim();
    let key = if text.starts_with("-----") {
        RsaPrivateKey::from_pkcs8_pem(text)
            .ok()
            .or_else(|| RsaPrivateKey::from_pkcs1_pem(text).ok())
    } else {
        der(text).and_then(|der| {
            RsaPrivateKey::from_pkcs8_der(&der)
                .ok()
                .or_else(|| RsaPrivateKey::from_pkcs1_der(&der).ok())
        })
    };
    sized(key.ok_or(FieldError::RsaKey)?)
}

/// An RSA 2048 public key (SPKI or PKCS#1).
pub fn rsa_public_key(text: &str) -> Result<RsaPublicKey, FieldError> {
    let text = text.trim();
    let key = if text.starts_with("-----") {
        RsaPublicKey::from_public_key_pem(text)
            .ok()
            .or_else(|| RsaPublicKey::from_pkcs1_pem(text).ok())
    } else {
        der(text).and_then(|der| {
            RsaPublicKey::from_public_key_der(&der)
                .ok()
                .or_else(|| RsaPublicKey::from_pkcs1_der(&der).ok())
        })
    };
    sized(key.ok_or(FieldError::RsaKey)?)
}

/// `SHA-256 ab12cd34`: a fingerprint of a public key's modulus, safe to show.
pub fn fingerprint(key: &impl PublicKeyParts) -> String {
    let digest = Sha256::digest(key.n().to_bytes_be());
    format!("SHA-256 {}", crate::auth::hex(&digest[..4]))
}

/// What the console shows of a WeChat Pay API certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Upper-case hex, as the WeChat Pay merchant platform shows it.
    pub serial: String,
    pub subject: String,
    pub not_after_ms: i64,
}

/// Opens a PKCS#12 file (modern or legacy encryption) and reads its certificate.
pub fn pkcs12_certificate(data: &[u8], password: &str) -> Result<CertificateInfo, FieldError> {
    let store = p12_keystore::KeyStore::from_pkcs12(
        data,
        password,
        p12_keystore::Pkcs12ImportPolicy::Relaxed,
    )
    .map_err(|_| FieldError::Certificate)?;
    let (_, chain) = store.private_key_chain().ok_or(FieldError::Certificate)?;
    let der = chain
        .certs()
        .first()
        .ok_or(FieldError::Certificate)?
        .as_der();
    let (_, cert) =
        x509_parser::parse_x509_certificate(der).map_err(|_| FieldError::Certificate)?;
    Ok(CertificateInfo {
        serial: cert.raw_serial_as_string().replace(':', "").to_uppercase(),
        subject: cert.subject().to_string(),
        not_after_ms: cert.validity().not_after.timestamp() * 1000,
    })
}
