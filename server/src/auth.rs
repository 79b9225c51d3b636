//! Passwords, session tokens, cookies and who a request's session is.
//!
//! A session token is 256 random bits, given to the browser once in an HttpOnly,
//! SameSite=Strict cookie; only its SHA-256 is stored, so a copy of the database opens no
//! session. The extractors that find a request's session are in [`crate::http`].

use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::{Output, ParamsString, SaltString, rand_core::OsRng},
};
use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use domain::{ErrorCode, api::Account};
use sha2::{Digest, Sha256};

use crate::AppError;

/// Lower-case hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// SHA-256 of a string, as hex.
pub fn sha256_hex(value: &str) -> String {
    hex(&Sha256::digest(value.as_bytes()))
}

thread_local! {
    /// Argon2's working memory (19 MiB with the default parameters), kept by the thread that
    /// hashes and used again for its next hash: a fresh buffer per hash is not reliably given
    /// back to the system by the allocator, and a server's memory would grow with every sign-in.
    static ARGON2_MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Argon2 of `password` and `salt` into `out`, in this thread's reusable working memory.
fn argon2_into(
    (algorithm, version, params): (Algorithm, Version, &Params),
    password: &str,
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let blocks = params.block_count();
    ARGON2_MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..blocks])
    })
}

/// Hashing a password failed (the system's random source or argon2 refused).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

impl HashError {
    fn new(error: impl std::fmt::Display) -> HashError {
        HashError(error.to_string())
    }
}

impl From<HashError> for AppError {
    fn from(error: HashError) -> Self {
        AppError::internal(error)
    }
}

/// An argon2id hash in PHC format (default parameters). CPU-heavy: call on a hashing thread
/// ([`hash_password_bounded`]) or `spawn_blocking`.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    let params = Params::default();
    let mut salt_bytes = [0_u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(HashError::new)?;
    let mut out = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(
        (Algorithm::Argon2id, Version::V0x13, &params),
        password,
        salt_bytes,
        &mut out,
    )
    .map_err(HashError::new)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(HashError::new)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(HashError::new)?),
    };
    Ok(hash.to_string())
}

/// Checks a password against a stored PHC hash, in constant time. CPU-heavy: call on a
/// hashing thread ([`verify_password_in`]) or `spawn_blocking`.
pub fn verify_password(password: &str, stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (hash.hash, hash.salt) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) =
        (Algorithm::try_from(hash.algorithm), Params::try_from(&hash))
    else {
        return false;
    };
    let version = match hash.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut salt_bytes = [0_u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0_u8; expected.len()];
    argon2_into(
        (algorithm, version, &params),
        password,
        salt_bytes,
        &mut out,
    )
    .is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// At most this many passwords are hashed or verified at once, each on one of as many threads
/// of its own: argon2 takes about 19 MiB and a core's worth of time per hash, and the allocator
/// keeps a freed buffer with the thread that used it, so bounding the threads bounds the memory.
/// A burst of sign-ins waits its turn.
pub const HASHING_CONCURRENCY: usize = 4;
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(HASHING_CONCURRENCY);
/// How long a sign-in waits for its turn before it is asked to come back.
const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

type HashingJob = Box<dyn FnOnce() + Send>;

/// The hashing threads, started on first use.
static HASHING_THREADS: std::sync::LazyLock<Option<std::sync::mpsc::Sender<HashingJob>>> =
    std::sync::LazyLock::new(|| {
        let (jobs, queue) = std::sync::mpsc::channel::<HashingJob>();
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for n in 0..HASHING_CONCURRENCY {
            let queue = queue.clone();
            let started = std::thread::Builder::new()
                .name(format!("password-hashing-{n}"))
                .spawn(move || {
                    loop {
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if started.is_err() {
                return None;
            }
        }
        Some(jobs)
    });

/// A turn on a hashing thread: at most [`HASHING_CONCURRENCY`] exist at once. Waiting for one
/// takes at most [`HASHING_WAIT`]; then the answer is `RateLimited` (`SignInBusy`).
pub struct HashingTurn {
    _permit: tokio::sync::SemaphorePermit<'static>,
}

/// Waits for a turn on a hashing thread.
pub async fn hashing_turn() -> Result<HashingTurn, AppError> {
    match tokio::time::timeout(HASHING_WAIT, HASHING.acquire()).await {
        Ok(Ok(permit)) => Ok(HashingTurn { _permit: permit }),
        Ok(Err(closed)) => Err(AppError::internal(closed)),
        Err(_) => Err(AppError::new(ErrorCode::RateLimited)
            .with_reason(domain::error::ErrorReason::SignInBusy)
            .with_retry_after(1)),
    }
}

/// Runs `work` on a hashing thread in `turn`. The turn goes with the work and ends when the work
/// does, even if the request that asked is gone by then, so abandoned requests cannot pile up
/// hashes beyond the bound.
async fn on_hashing_thread<T: Send + 'static>(
    turn: HashingTurn,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let (done, result) = tokio::sync::oneshot::channel();
    HASHING_THREADS
        .as_ref()
        .ok_or_else(|| AppError::internal("no password hashing threads"))?
        .send(Box::new(move || {
            let _ = done.send(work());
            drop(turn);
        }))
        .map_err(AppError::internal)?;
    result.await.map_err(AppError::internal)
}

/// [`verify_password`] on a hashing thread, in `turn`.
pub async fn verify_password_in(
    turn: HashingTurn,
    password: domain::Secret,
    stored: String,
) -> Result<bool, AppError> {
    on_hashing_thread(turn, move || verify_password(password.expose(), &stored)).await
}

/// [`hash_password`] on a hashing thread, at most [`HASHING_CONCURRENCY`] at once.
pub async fn hash_password_bounded(password: domain::Secret) -> Result<String, AppError> {
    let turn = hashing_turn().await?;
    Ok(on_hashing_thread(turn, move || hash_password(password.expose())).await??)
}

/// A fresh random token (URL-safe base64 of 32 bytes) and the hash to store for it.
pub fn new_token() -> Result<(String, String), AppError> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(AppError::internal)?;
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = sha256_hex(&token);
    Ok((token, hash))
}

/// What a cookie needs of the settings: whether the console is served over HTTPS, so that its
/// cookies get `Secure` and the `__Host-` prefix.
pub trait CookieSettings {
    fn secure_cookies(&self) -> bool;
}

/// `Set-Cookie` of an HttpOnly cookie for the whole site, `Secure` when the console is served
/// over https.
pub fn cookie_header(
    settings: &impl CookieSettings,
    name: &str,
    value: &str,
    same_site: &str,
    max_age_s: u64,
) -> HeaderValue {
    let secure = if settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age_s}{secure}"
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The value of the cookie `name` the request carries, if any and not empty.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// The signed-in account of a request; rejects with `Unauthenticated` when there is none.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub account: Account,
    pub token_hash: String,
    pub expires_at_ms: i64,
}

/// The session a request names, not yet looked up: for a handler whose read checks the
/// session as part of itself (see [`crate::store::SessionCheck`]). Rejects with
/// `Unauthenticated` only when the request carries no session cookie; the read says whether
/// the session is live.
#[derive(Debug, Clone)]
pub struct SessionCookie {
    pub(crate) token_hash: String,
}

/// The signed-in account of a request when it is a service provider's (服务商): sub-provider
/// accounts only read what is assigned to them, so a write they may not make is `Forbidden`.
#[derive(Debug, Clone)]
pub struct ProviderSession(pub CurrentSession);

impl std::ops::Deref for ProviderSession {
    type Target = CurrentSession;

    fn deref(&self) -> &CurrentSession {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let hash = hash_password("sandbox-demo").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("sandbox-demo", &hash));
        assert!(!verify_password("sandbox-dem0", &hash));
        assert!(!verify_password("sandbox-demo", "not a hash"));
    }

    #[test]
    fn hashes_are_standard_phc_strings_both_ways() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let theirs = Argon2::default()
            .hash_password(b"sandbox-demo", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify_password("sandbox-demo", &theirs));
        assert!(!verify_password("sandbox-dem0", &theirs));
        let ours = hash_password("sandbox-demo").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"sandbox-demo", &parsed)
                .is_ok()
        );
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, hash_a) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "256 bits in URL-safe base64");
        assert_eq!(hash_a, sha256_hex(&a));
        assert_ne!(hash_a, a);
    }
}
