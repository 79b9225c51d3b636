//! Secrets at rest: AES-256-GCM with a key from `CONSOLE_SECRET_KEY` (base64) or a key file
//! created on first run with mode 0600. Each ciphertext is bound to where it is stored (the
//! associated data names the record and field), so a ciphertext moved elsewhere fails to open.

use std::path::Path;

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use base64::Engine;

const PREFIX: &str = "v1:";

/// Why a secret could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the secret key must be 32 bytes of base64: {0}")]
    BadKey(String),
    #[error("reading or creating the key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error("a stored secret does not open with this key")]
    Tampered,
    #[error("the key file {0} can be read by other users: make it private (chmod 600)")]
    Exposed(String),
    #[error("no randomness available: {0}")]
    Random(String),
}

/// Seals and opens secrets.
#[derive(Clone)]
pub struct Vault {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(..)")
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

impl Vault {
    pub fn from_key(key: &[u8; 32]) -> Vault {
        Vault {
            cipher: Aes256Gcm::new(key.into()),
        }
    }

    /// A vault with a fresh random key (tests).
    pub fn random() -> Result<Vault, VaultError> {
        let mut key = [0_u8; 32];
        getrandom::fill(&mut key).map_err(|e| VaultError::Random(e.to_string()))?;
        Ok(Vault::from_key(&key))
    }

    /// The key from `env_key` (base64) if given, else from `path`, created (mode 0600) when
    /// missing.
    pub fn open(env_key: Option<&str>, path: &Path) -> Result<Vault, VaultError> {
        let decode = |text: &str| -> Result<[u8; 32], VaultError> {
            b64()
                .decode(text.trim())
                .ok()
                .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                .ok_or_else(|| VaultError::BadKey("not 32 bytes of base64".into()))
        };
        if let Some(text) = env_key {
            return Ok(Vault::from_key(&decode(text)?));
        }
        let io = |source| VaultError::KeyFile {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                if readable_by_others(path).map_err(io)? {
                    return Err(VaultError::Exposed(path.display().to_string()));
                }
                Ok(Vault::from_key(&decode(&text)?))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0_u8; 32];
                getrandom::fill(&mut key).map_err(|e| VaultError::Random(e.to_string()))?;
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    create_private_dir(dir).map_err(io)?;
                }
                write_private(path, &b64().encode(key)).map_err(io)?;
                Ok(Vault::from_key(&key))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Encrypts `plaintext` for the place named by `context` (e.g. `provider/19…/api_key`).
    pub fn seal(&self, plaintext: &str, context: &str) -> Result<String, VaultError> {
        let mut nonce = [0_u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| VaultError::Random(e.to_string()))?;
        let sealed = self
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
        Ok(format!("{PREFIX}{}", b64().encode(out)))
    }

    /// Decrypts what [`Vault::seal`] produced for the same `context`.
    pub fn open_sealed(&self, sealed: &str, context: &str) -> Result<String, VaultError> {
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| b64().decode(b).ok())
            .filter(|b| b.len() > 12)
            .ok_or(VaultError::Tampered)?;
        let (nonce, ciphertext) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| VaultError::Tampered)?;
        String::from_utf8(plain).map_err(|_| VaultError::Tampered)
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
        Vault::open(None, &path).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        Vault::open(None, &path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            Vault::open(None, &path),
            Err(VaultError::Exposed(_))
        ));
    }

    #[test]
    fn a_secret_round_trips_only_in_its_own_place() {
        let vault = Vault::random().unwrap();
        let sealed = vault
            .seal("0123456789abcdef0123456789abcdef", "provider/1/api_key")
            .unwrap();
        assert!(sealed.starts_with("v1:"));
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
        let first = Vault::open(None, &path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let sealed = first.seal("s", "c").unwrap();
        let again = Vault::open(None, &path).unwrap();
        assert_eq!(again.open_sealed(&sealed, "c").unwrap(), "s");
    }

    #[test]
    fn an_environment_key_wins_and_must_be_32_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let key = base64::engine::general_purpose::STANDARD.encode([7_u8; 32]);
        let vault = Vault::open(Some(&key), &dir.path().join("unused")).unwrap();
        assert_eq!(
            vault
                .open_sealed(&vault.seal("s", "c").unwrap(), "c")
                .unwrap(),
            "s"
        );
        assert!(!dir.path().join("unused").exists());
        assert!(matches!(
            Vault::open(Some("c2hvcnQ="), &dir.path().join("x")),
            Err(VaultError::BadKey(_))
        ));
    }
}
