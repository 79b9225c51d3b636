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

/// A sub-merchant's signing public key as the browser sends it: an RSA 2048
/// SubjectPublicKeyInfo (PEM or bare base64 DER; PKCS#1 is not SPKI and is refused). Returns the
/// key and its DER.
pub fn signing_public_key(text: &str) -> Result<(RsaPublicKey, Vec<u8>), FieldError> {
    let text = domain::rules::required(text)?;
    let body: String = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let (begins, ends) = (
        text.trim_start().starts_with("-----"),
        text.contains("-----END"),
    );
    if begins != ends || (begins && !text.contains("-----BEGIN PUBLIC KEY-----")) {
        return Err(FieldError::RsaKey);
    }
    let der = der(&body).ok_or(FieldError::RsaKey)?;
    let key = RsaPublicKey::from_public_key_der(&der).map_err(|_| FieldError::RsaKey)?;
    Ok((sized(key)?, der))
}

/// Lower-case hex SHA-256 of a public key's DER: what the console shows, and what a person can
/// compare with the fingerprint of the key they hold.
pub fn sha256_hex(der: &[u8]) -> String {
    crate::auth::hex(&Sha256::digest(der))
}

/// The RSASSA-PSS salt length Cloud Pay devices sign with (the SHA-256 digest length).
pub const PSS_SALT_LEN: usize = 32;

/// Checks a device's signed request the way Cloud Pay does: RSASSA-PSS over SHA-256 of the
/// message, MGF1 SHA-256, salt length [`PSS_SALT_LEN`], with the sub-merchant's stored public
/// key (base64 DER SubjectPublicKeyInfo).
pub fn verify_device_signature(spki_base64: &str, message: &[u8], signature: &[u8]) -> bool {
    let Ok((key, _)) = signing_public_key(spki_base64) else {
        return false;
    };
    let digest = Sha256::digest(message);
    key.verify(
        rsa::Pss::new_with_salt::<Sha256>(PSS_SALT_LEN),
        &digest,
        signature,
    )
    .is_ok()
}

/// A new authentication key (认证密钥): 32 letters and digits from the operating system's
/// CSPRNG, each drawn without bias.
pub fn authentication_key() -> Result<String, getrandom::Error> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    // The largest multiple of 62 below 256: bytes at or above it are drawn again.
    const LIMIT: u8 = 248;
    let mut key = String::with_capacity(32);
    let mut bytes = [0_u8; 64];
    while key.len() < 32 {
        getrandom::fill(&mut bytes)?;
        key.extend(
            bytes
                .iter()
                .filter(|b| **b < LIMIT)
                .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
                .take(32 - key.len()),
        );
    }
    Ok(key)
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
