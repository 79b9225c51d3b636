//! Sign in, who am I, sign out.

use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use domain::{
    ErrorCode,
    api::{AuditAction, LoginRequest, PasswordChange, SessionInfo},
    error::ErrorReason,
    paths,
    rules::{self, AccountId},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit::AuditTarget;
use crate::{
    AppError, AppState, auth,
    clock::rfc3339,
    error::FieldErrors,
    http::{ApiJson, ClientIp, CurrentSession, rate_limit, session::session_cookie},
    store::{AttemptAdmission, AttemptLimits, LoginAttempt, NewAuditEvent, NewSession},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login, current, logout))
        .routes(routes!(change_password))
        .routes(routes!(sign_out_everywhere))
}

/// A hash verified for unknown accounts, so that their answer takes as long as a wrong
/// password's and does not reveal which account IDs exist.
static NO_ACCOUNT_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    auth::hash_password("no account has this password").unwrap_or_default()
});

fn session_info(state: &AppState, session: &CurrentSession) -> SessionInfo {
    SessionInfo {
        account: session.account.clone(),
        expires_at: rfc3339(session.expires_at_ms),
        sandbox: state.upstream.sandbox().is_some(),
    }
}

/// Signs in with a Tencent Cloud account ID and password; sets the session cookie.
///
/// After `login_max_failures` wrong passwords from one address within `login_window`, the
/// account answers that address `RateLimited` with `Retry-After` until the oldest of them
/// leaves the window. After `login_account_ceiling` from anywhere within an hour, every sign-in
/// to the account is slowed, and an address's `login_max_failures` count for the hour instead
/// of the window; an address without failures of its own is never refused.
#[utoipa::path(post, path = paths::SESSION, tag = "session", request_body = LoginRequest,
    responses(
        (status = 200, body = SessionInfo),
        (status = 401, body = domain::ErrorEnvelope),
        (status = 422, body = domain::ErrorEnvelope),
        (status = 429, body = domain::ErrorEnvelope),
    ))]
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    let unlimited = state.settings.unlimited(&ip);
    // Limits count an IPv6 /64 as one client, as the per-address request limits do.
    let ip = rate_limit::bucket(&ip);
    let mut errors = FieldErrors::default();
    let account_id = errors.check("account_id", AccountId::parse(&request.account_id));
    errors.check("password", rules::login_password(request.password.expose()));
    errors.finish()?;
    let Some(account_id) = account_id else {
        return Err(AppError::new(ErrorCode::Validation));
    };

    let settings = &state.settings;
    let id = account_id.as_str();
    let Admitted { turn, now } = admit(&state, id, &ip, unlimited).await?;

    let found = state.store.account_credentials(id).await?;
    let hash = found
        .as_ref()
        .map_or_else(|| NO_ACCOUNT_HASH.clone(), |c| c.password_hash.clone());
    let verified = auth::verify_password_in(turn, request.password, hash).await?;
    let account = match found {
        Some(credentials) if verified => credentials.account,
        _ => return Err(wrong_password(&state, id, &ip, now).await?),
    };
    state.store.forgive_login_attempts(id, &ip).await?;
    let (token, token_hash) = auth::new_token()?;
    let ttl_ms = crate::clock::millis(settings.session_ttl);
    let session = NewSession {
        token_hash: token_hash.clone(),
        account_id: account.id.to_string(),
        created_at_ms: now,
        expires_at_ms: now + ttl_ms,
    };
    state.store.create_session(&session).await?;
    let current = CurrentSession {
        account,
        token_hash,
        expires_at_ms: session.expires_at_ms,
    };
    let body = session_info(&state, &current);
    Ok((
        [(header::SET_COOKIE, session_cookie(settings, Some(&token)))],
        ApiJson(body),
    )
        .into_response())
}

fn window_ms(settings: &crate::Settings) -> i64 {
    crate::clock::millis(settings.login_window)
}

/// `RateLimited` with the wait, for a pair with `failures` in the window (oldest first).
fn locked(settings: &crate::Settings, failures: &[i64], now: i64) -> AppError {
    let max = settings.login_max_failures.max(1);
    let oldest = failures
        .len()
        .checked_sub(max)
        .and_then(|i| failures.get(i))
        .copied()
        .unwrap_or(now);
    let wait_s = crate::clock::seconds_until(oldest + window_ms(settings), now);
    AppError::new(ErrorCode::RateLimited)
        .with_reason(ErrorReason::TooManyLoginAttempts)
        .with_retry_after(wait_s)
}

/// An attempt that will be judged: its turn on a hashing thread, and when it was recorded.
struct Admitted {
    turn: auth::HashingTurn,
    now: i64,
}

/// The window of the account-wide ceiling.
const ACCOUNT_WINDOW_MS: i64 = 3_600_000;
/// A sign-in to an account at its ceiling waits this long, and this much more for each
/// failure past the ceiling, up to [`SLOWED_MAX_MS`].
const SLOWED_STEP_MS: u64 = 100;
/// The longest a slowed sign-in waits.
const SLOWED_MAX_MS: u64 = 3_000;

/// How long an attempt on an account `beyond` failures past its ceiling waits.
fn slowed_by(beyond: u64) -> u64 {
    beyond
        .saturating_add(1)
        .saturating_mul(SLOWED_STEP_MS)
        .min(SLOWED_MAX_MS)
}

/// Records the attempt before its password is checked, or refuses it: the (account, address)
/// pair is locked after `login_max_failures` in the window; after `login_account_ceiling`
/// failures of the account in an hour, every attempt is slowed and the pair is locked after
/// `login_max_failures` in the hour: an address without failures of its own is never refused,
/// so strangers cannot lock the owner out.
///
/// The verdict is read first, so that a refusal is answered at once and a slowed attempt waits
/// (on the app's clock) before it takes a hashing turn; then, in its turn, the attempt is
/// recorded, judged again atomically: an attempt is recorded only when its password will be
/// checked. From the sandbox's `unlimited` addresses an attempt is neither judged nor recorded.
async fn admit(
    state: &AppState,
    account_id: &str,
    ip: &str,
    unlimited: bool,
) -> Result<Admitted, AppError> {
    if unlimited {
        let turn = auth::hashing_turn().await?;
        let now = state.clock.now_ms();
        return Ok(Admitted { turn, now });
    }
    let settings = &state.settings;
    let limits = |now: i64| AttemptLimits {
        pair_max: settings.login_max_failures,
        pair_since_ms: now - window_ms(settings),
        account_max: settings.login_account_ceiling,
        account_since_ms: now - ACCOUNT_WINDOW_MS,
    };
    let attempt = |now: i64| LoginAttempt {
        account_id,
        ip,
        at_ms: now,
    };
    let now = state.clock.now_ms();
    let standing = state
        .store
        .login_standing(&attempt(now), &limits(now))
        .await?;
    if let AttemptAdmission::Slowed { beyond } = admitted(state, standing, account_id, ip, now)? {
        let wait_ms = slowed_by(beyond);
        metrics::counter!("console_login_slowed_total").increment(1);
        tracing::warn!(account = %account_id, %ip, wait_ms, "sign-in failures of the account over the hourly ceiling: slowed");
        state.clock.sleep(wait_ms).await;
    }
    let turn = auth::hashing_turn().await?;
    let now = state.clock.now_ms();
    let admission = state
        .store
        .admit_login_attempt(&attempt(now), &limits(now))
        .await?;
    admitted(state, admission, account_id, ip, now)?;
    Ok(Admitted { turn, now })
}

/// The admission itself when the attempt may be judged, else its refusal.
fn admitted(
    state: &AppState,
    admission: AttemptAdmission,
    account_id: &str,
    ip: &str,
    now: i64,
) -> Result<AttemptAdmission, AppError> {
    match admission {
        AttemptAdmission::PairLocked { failures } => {
            metrics::counter!("console_login_refusals_total", "reason" => "locked").increment(1);
            Err(locked(&state.settings, &failures, now))
        }
        AttemptAdmission::AccountCeiling { oldest_ms } => {
            metrics::counter!("console_login_refusals_total", "reason" => "account_ceiling")
                .increment(1);
            tracing::warn!(account = %account_id, %ip, "sign-in failures of the account over the hourly ceiling, and of this address too: refused");
            let wait_s = crate::clock::seconds_until(oldest_ms + ACCOUNT_WINDOW_MS, now);
            Err(AppError::new(ErrorCode::RateLimited)
                .with_reason(ErrorReason::TooManyLoginAttempts)
                .with_retry_after(wait_s))
        }
        admitted @ (AttemptAdmission::Admitted | AttemptAdmission::Slowed { .. }) => Ok(admitted),
    }
}

/// The answer to a wrong password (its attempt stays recorded as a failure): the lock when this
/// one completes it, else `WrongCredentials`.
async fn wrong_password(
    state: &AppState,
    account_id: &str,
    ip: &str,
    now: i64,
) -> Result<AppError, AppError> {
    let settings = &state.settings;
    let failures = state
        .store
        .login_failures(account_id, ip, now - window_ms(settings))
        .await?;
    metrics::counter!("console_login_failures_total").increment(1);
    Ok(if failures.len() >= settings.login_max_failures {
        metrics::counter!("console_login_locks_total").increment(1);
        locked(settings, &failures, now)
    } else {
        AppError::new(ErrorCode::Unauthenticated).with_reason(ErrorReason::WrongCredentials)
    })
}

/// 修改密码: the current password and a new one (12–128 characters). The account's other
/// sessions end at once; this one stays. A wrong current password counts as a wrong login.
#[utoipa::path(put, path = paths::SESSION_PASSWORD, tag = "session", request_body = PasswordChange,
    responses(
        (status = 204),
        (status = 401, body = domain::ErrorEnvelope),
        (status = 422, body = domain::ErrorEnvelope),
        (status = 429, body = domain::ErrorEnvelope),
    ))]
async fn change_password(
    State(state): State<AppState>,
    session: CurrentSession,
    ClientIp(ip): ClientIp,
    ApiJson(request): ApiJson<PasswordChange>,
) -> Result<StatusCode, AppError> {
    let unlimited = state.settings.unlimited(&ip);
    // Limits count an IPv6 /64 as one client, as the per-address request limits do.
    let ip = rate_limit::bucket(&ip);
    let mut errors = FieldErrors::default();
    errors.check(
        "current_password",
        rules::login_password(request.current_password.expose()),
    );
    errors.check(
        "new_password",
        rules::new_password(request.new_password.expose()),
    );
    errors.finish()?;

    let id = session.account.id.to_string();
    let Admitted { turn, now } = admit(&state, &id, &ip, unlimited).await?;
    let stored = state
        .store
        .account_credentials(&id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
    if !auth::verify_password_in(turn, request.current_password, stored.password_hash).await? {
        let error = wrong_password(&state, &id, &ip, now).await?;
        return Err(if error.code == ErrorCode::RateLimited {
            error
        } else {
            AppError::field("current_password", domain::FieldError::WrongPassword)
        });
    }
    state.store.forgive_login_attempts(&id, &ip).await?;
    let hash = auth::hash_password_bounded(request.new_password).await?;
    let audit = NewAuditEvent::new(
        &id,
        AuditAction::AccountPasswordChanged,
        AuditTarget::Account(&id),
        now,
    );
    state
        .store
        .set_password(&id, &hash, Some(&session.token_hash), &audit)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 退出所有设备: ends every session of the account, this one included, and the QR codes they
/// opened that no phone has confirmed; clears the cookie.
#[utoipa::path(delete, path = paths::SESSIONS, tag = "session",
    responses((status = 204), (status = 401, body = domain::ErrorEnvelope)))]
async fn sign_out_everywhere(
    State(state): State<AppState>,
    session: CurrentSession,
) -> Result<Response, AppError> {
    let ended = state
        .store
        .end_sessions(session.account.id.as_str(), state.clock.now_ms())
        .await?;
    tracing::info!(account = %session.account.id, ended, "signed out everywhere");
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session_cookie(&state.settings, None))],
    )
        .into_response())
}

/// The signed-in account; `401 Unauthenticated` when there is none.
#[utoipa::path(get, path = paths::SESSION, tag = "session",
    responses((status = 200, body = SessionInfo), (status = 401, body = domain::ErrorEnvelope)))]
async fn current(State(state): State<AppState>, session: CurrentSession) -> ApiJson<SessionInfo> {
    ApiJson(session_info(&state, &session))
}

/// Signs out: ends the session and clears the cookie. Idempotent.
#[utoipa::path(delete, path = paths::SESSION, tag = "session", responses((status = 204)))]
async fn logout(
    State(state): State<AppState>,
    session: Option<CurrentSession>,
) -> Result<Response, AppError> {
    if let Some(session) = session {
        state.store.delete_session(&session.token_hash).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session_cookie(&state.settings, None))],
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slowed_sign_in_waits_longer_the_further_past_the_ceiling_up_to_three_seconds() {
        assert_eq!(slowed_by(0), 100, "at the ceiling");
        assert!(slowed_by(1) > slowed_by(0));
        assert_eq!(slowed_by(10), 1_100);
        assert_eq!(slowed_by(29), 3_000);
        assert_eq!(slowed_by(u64::MAX), 3_000);
    }
}
