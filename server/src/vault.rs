//! Secrets at rest: AES-256-GCM under the console's sealing key, from `CONSOLE_SECRET_KEY`
//! (base64) or a key file (mode 0600). Every ciphertext names the key that sealed it
//! (`v2:<key id>:…`), so that during a rotation the previous keys (`CONSOLE_SECRET_KEY_PREVIOUS`)
//! open what they sealed and `keys reseal` knows what is left to do; ciphertexts of the first
//! format (`v1:`, no key id) open with any key that fits. Each ciphertext is also bound to where
//! it is stored (the associated data names the record and field), so one moved elsewhere fails.

use std::path::Path;

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const V1: &str = "v1:";
const V2: &str = "v2:";

/// Why a secret could not be sealed or opened, or a key not loaded.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the secret key must be 32 bytes of base64: {0}")]
    BadKey(String),
    #[error("reading or creating the key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the key file {0} does not exist: make one with `cloud-pay-console keys init` (a database sealed with another key needs that key back)"
    )]
    NoKeyFile(String),
    #[error("the key file {0} already exists: it is kept as it is")]
    KeyFileExists(String),
    #[error("a stored secret does not open with this key")]
    Tampered,
    #[error("the key file {0} can be read by other users: make it private (chmod 600)")]
    Exposed(String),
    #[error("no randomness available: {0}")]
    Random(String),
    #[error("a rotation replaced this sealing key: restart with the new one")]
    Retired,
}

/// One sealing key, with the ID that names it in ciphertexts and in the database.
#[derive(Clone)]
struct SealingKey {
    id: String,
    cipher: Aes256Gcm,
    check: String,
}

impl SealingKey {
    fn new(key: &[u8; 32]) -> SealingKey {
        SealingKey {
            id: mac_hex(key, b"cloud-pay-console sealing key id")[..16].to_owned(),
            cipher: Aes256Gcm::new(key.into()),
            check: mac_hex(key, b"cloud-pay-console sealing key check"),
        }
    }
}

/// HMAC-SHA256 of a constant under the key, lowercase hex: what names and checks a key without
/// revealing it.
fn mac_hex(key: &[u8; 32], constant: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(constant);
    crate::auth::hex(&mac.finalize().into_bytes())
}

/// A key's ID and its check value: what the database keeps of it (never the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCheck {
    pub key_id: String,
    pub check: String,
}

/// Seals with the current key and opens with it or a previous one.
#[derive(Clone)]
pub struct Vault {
    current: SealingKey,
    previous: Vec<SealingKey>,
    /// Set when the database's current key is no longer this one: nothing more is sealed.
    retired: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("current", &self.current.id)
            .field(
                "previous",
                &self.previous.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// 32 bytes of base64 (what a key file and `CONSOLE_SECRET_KEY` hold).
pub fn decode_key(text: &str) -> Result<[u8; 32], VaultError> {
    b64()
        .decode(text.trim())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| VaultError::BadKey("not 32 bytes of base64".into()))
}

fn random_key() -> Result<[u8; 32], VaultError> {
    let mut key = [0_u8; 32];
    getrandom::fill(&mut key).map_err(|e| VaultError::Random(e.to_string()))?;
    Ok(key)
}

/// A private key file's 32 bytes; refused when its group or others may read it.
pub fn read_key_file(path: &Path) -> Result<[u8; 32], VaultError> {
    let io = |source| VaultError::KeyFile {
        path: path.display().to_string(),
        source,
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            VaultError::NoKeyFile(path.display().to_string())
        } else {
            io(e)
        }
    })?;
    if readable_by_others(path).map_err(io)? {
        return Err(VaultError::Exposed(path.display().to_string()));
    }
    decode_key(&text)
}

/// Writes a new random key to `path` (mode 0600, its folder 0700); never over an existing
/// file. Returns the new key's ID (`cloud-pay-console keys init`).
pub fn init_key_file(path: &Path) -> Result<String, VaultError> {
    if path.exists() {
        return Err(VaultError::KeyFileExists(path.display().to_string()));
    }
    let key = random_key()?;
    let io = |source| VaultError::KeyFile {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(io)?;
    }
    write_private(path, &b64().encode(key)).map_err(io)?;
    Ok(SealingKey::new(&key).id)
}

impl Vault {
    pub fn from_key(key: &[u8; 32]) -> Vault {
        Vault {
            current: SealingKey::new(key),
            previous: Vec::new(),
            retired: std::sync::Arc::default(),
        }
    }

    /// The same vault, also opening what `keys` sealed (a rotation's previous keys).
    #[must_use]
    pub fn with_previous(mut self, keys: &[[u8; 32]]) -> Vault {
        self.previous = keys
            .iter()
            .map(SealingKey::new)
            .filter(|k| k.id != self.current.id)
            .collect();
        self
    }

    /// A vault with a fresh random key (tests).
    pub fn random() -> Result<Vault, VaultError> {
        Ok(Vault::from_key(&random_key()?))
    }

    /// The key from `env_key` (base64) if given, else from `path`; when the file is missing,
    /// a new one is made there (mode 0600) if `create`, else that is an error (production:
    /// a new key would seal new secrets beside old ones it cannot open).
    pub fn open(env_key: Option<&str>, path: &Path, create: bool) -> Result<Vault, VaultError> {
        if let Some(text) = env_key {
            return Ok(Vault::from_key(&decode_key(text)?));
        }
        match read_key_file(path) {
            Err(VaultError::NoKeyFile(_)) if create => {
                init_key_file(path)?;
                Ok(Vault::from_key(&read_key_file(path)?))
            }
            key => Ok(Vault::from_key(&key?)),
        }
    }

    /// The current key's ID and check value.
    pub fn current(&self) -> KeyCheck {
        KeyCheck {
            key_id: self.current.id.clone(),
            check: self.current.check.clone(),
        }
    }

    /// The previous keys' IDs and check values.
    pub fn previous(&self) -> Vec<KeyCheck> {
        self.previous
            .iter()
            .map(|k| KeyCheck {
                key_id: k.id.clone(),
                check: k.check.clone(),
            })
            .collect()
    }

    /// Stops sealing: another key replaced this one (see [`crate::sealing::watch`]).
    pub fn retire(&self) {
        self.retired
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether [`Vault::retire`] was called.
    pub fn is_retired(&self) -> bool {
        self.retired.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Encrypts `plaintext` for the place named by `context` (e.g. `provider/19…/api_key`).
    pub fn seal(&self, plaintext: &str, context: &str) -> Result<String, VaultError> {
        if self.is_retired() {
            return Err(VaultError::Retired);
        }
        let mut nonce = [0_u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| VaultError::Random(e.to_string()))?;
        let sealed = self
            .current
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| VaultError::Tampered)?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(format!("{V2}{}:{}", self.current.id, b64().encode(out)))
    }

    /// Decrypts what [`Vault::seal`] produced for the same `context`, under the current key or
    /// a previous one.
    pub fn open_sealed(&self, sealed: &str, context: &str) -> Result<String, VaultError> {
        let (key_id, body) = if let Some(rest) = sealed.strip_prefix(V2) {
            let (id, body) = rest.split_once(':').ok_or(VaultError::Tampered)?;
            (Some(id), body)
        } else {
            (None, sealed.strip_prefix(V1).ok_or(VaultError::Tampered)?)
        };
        let bytes = b64()
            .decode(body)
            .ok()
            .filter(|b| b.len() > 12)
            .ok_or(VaultError::Tampered)?;
        let (nonce, ciphertext) = bytes.split_at(12);
        let keys = std::iter::once(&self.current).chain(&self.previous);
        keys.filter(|k| key_id.is_none_or(|id| id == k.id))
            .find_map(|k| {
                k.cipher
                    .decrypt(
                        Nonce::from_slice(nonce),
                        Payload {
                            msg: ciphertext,
                            aad: context.as_bytes(),
                        },
                    )
                    .ok()
            })
            .ok_or(VaultError::Tampered)
            .and_then(|plain| String::from_utf8(plain).map_err(|_| VaultError::Tampered))
    }

    /// Whether a ciphertext is sealed under the current key (nothing for `keys reseal` to do).
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed
            .strip_prefix(V2)
            .and_then(|rest| rest.split_once(':'))
            .is_some_and(|(id, _)| id == self.current.id)
    }

    /// The same secret sealed under the current key, or `None` when it already is.
    pub fn reseal(&self, sealed: &str, context: &str) -> Result<Option<String>, VaultError> {
        if self.is_current(sealed) {
            return Ok(None);
        }
        self.seal(&self.open_sealed(sealed, context)?, context)
            .map(Some)
    }
}

/// Whether a file's mode lets its group or other users read or write it.
#[cfg(unix)]
pub fn readable_by_others(path: &Path) -> std::io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o077 != 0)
}

#[cfg(not(unix))]
pub fn readable_by_others(_path: &Path) -> std::io::Result<bool> {
    Ok(false)
}

/// Creates a directory (and its parents) that only its owner can enter (0700).
#[cfg(unix)]
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Makes a file readable and writable by its owner only (0600).
#[cfg(unix)]
pub fn make_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
pub fn make_private(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused_and_a_new_one_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("secret.key");
        Vault::open(None, &path, true).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        Vault::open(None, &path, true).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            Vault::open(None, &path, true),
            Err(VaultError::Exposed(_))
        ));
    }

    #[test]
    fn a_secret_round_trips_only_in_its_own_place() {
        let vault = Vault::random().unwrap();
        let sealed = vault
            .seal("0123456789abcdef0123456789abcdef", "provider/1/api_key")
            .unwrap();
        assert!(sealed.starts_with(&format!("v2:{}:", vault.current().key_id)));
        assert!(!sealed.contains("0123456789abcdef"));
        assert_eq!(
            vault.open_sealed(&sealed, "provider/1/api_key").unwrap(),
            "0123456789abcdef0123456789abcdef"
        );
        assert!(matches!(
            vault.open_sealed(&sealed, "provider/2/api_key"),
            Err(VaultError::Tampered)
        ));
        let other = Vault::random().unwrap();
        assert!(other.open_sealed(&sealed, "provider/1/api_key").is_err());
    }

    #[test]
    fn sealing_twice_gives_different_ciphertexts() {
        let vault = Vault::random().unwrap();
        assert_ne!(vault.seal("x", "c").unwrap(), vault.seal("x", "c").unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_created_once_and_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/secret.key");
        let first = Vault::open(None, &path, true).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let sealed = first.seal("s", "c").unwrap();
        let again = Vault::open(None, &path, true).unwrap();
        assert_eq!(again.open_sealed(&sealed, "c").unwrap(), "s");
    }

    #[test]
    fn an_environment_key_wins_and_must_be_32_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let key = base64::engine::general_purpose::STANDARD.encode([7_u8; 32]);
        let vault = Vault::open(Some(&key), &dir.path().join("unused"), false).unwrap();
        assert_eq!(
            vault
                .open_sealed(&vault.seal("s", "c").unwrap(), "c")
                .unwrap(),
            "s"
        );
        assert!(!dir.path().join("unused").exists());
        assert!(matches!(
            Vault::open(Some("c2hvcnQ="), &dir.path().join("x"), false),
            Err(VaultError::BadKey(_))
        ));
    }

    #[test]
    fn a_missing_key_file_is_an_error_unless_asked_to_make_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        assert!(matches!(
            Vault::open(None, &path, false),
            Err(VaultError::NoKeyFile(_))
        ));
        assert!(!path.exists());
        let id = init_key_file(&path).unwrap();
        assert_eq!(
            Vault::open(None, &path, false).unwrap().current().key_id,
            id
        );
        assert!(matches!(
            init_key_file(&path),
            Err(VaultError::KeyFileExists(_))
        ));
    }

    #[test]
    fn a_rotated_vault_opens_the_old_keys_secrets_and_reseals_them_under_the_new() {
        let old = Vault::from_key(&[1; 32]);
        let sealed = old.seal("the api key", "provider/1/api_key").unwrap();
        let rotated = Vault::from_key(&[2; 32]).with_previous(&[[1; 32]]);
        assert_ne!(old.current().key_id, rotated.current().key_id);
        assert_eq!(rotated.previous(), vec![old.current()]);
        assert!(!rotated.is_current(&sealed));
        let resealed = rotated
            .reseal(&sealed, "provider/1/api_key")
            .unwrap()
            .unwrap();
        assert!(rotated.is_current(&resealed));
        assert_eq!(
            rotated.reseal(&resealed, "provider/1/api_key").unwrap(),
            None
        );
        // The new key alone opens it; the old one no longer does.
        let new_alone = Vault::from_key(&[2; 32]);
        assert_eq!(
            new_alone
                .open_sealed(&resealed, "provider/1/api_key")
                .unwrap(),
            "the api key"
        );
        assert!(old.open_sealed(&resealed, "provider/1/api_key").is_err());
        assert!(
            new_alone
                .open_sealed(&sealed, "provider/1/api_key")
                .is_err()
        );
    }

    #[test]
    fn secrets_sealed_before_key_ids_still_open() {
        // The first format: `v1:` + base64(nonce ‖ ciphertext), no key ID.
        let key = [3_u8; 32];
        let cipher = Aes256Gcm::new((&key).into());
        let nonce = [9_u8; 12];
        let mut bytes = nonce.to_vec();
        bytes.extend(
            cipher
                .encrypt(
                    Nonce::from_slice(&nonce),
                    Payload {
                        msg: b"old secret",
                        aad: b"c",
                    },
                )
                .unwrap(),
        );
        let v1 = format!("v1:{}", b64().encode(bytes));
        let rotated = Vault::from_key(&[4; 32]).with_previous(&[key]);
        assert_eq!(rotated.open_sealed(&v1, "c").unwrap(), "old secret");
        assert!(rotated.reseal(&v1, "c").unwrap().is_some());
        assert!(Vault::from_key(&[4; 32]).open_sealed(&v1, "c").is_err());
    }
}
