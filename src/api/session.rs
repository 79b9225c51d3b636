//! The session: signing in and out, the password, and the server's health.

use domain::{
    ErrorCode,
    api::{Health, LoginRequest, SessionInfo},
};
use gloo_net::http::Request;

use super::{
    ApiError, BASE,
    transport::{json, send, with_body, with_lang},
};

/// `POST /session`: signs in.
pub async fn login(request: &LoginRequest) -> Result<SessionInfo, ApiError> {
    let response = send(with_body(
        with_lang(Request::post(&format!("{BASE}/session"))),
        request,
    ))
    .await?;
    json(response).await
}

/// `GET /session`: who is signed in; `None` when nobody is.
pub async fn current_session() -> Result<Option<SessionInfo>, ApiError> {
    match send(with_lang(Request::get(&format!("{BASE}/session"))).build()).await {
        Ok(response) => json(response).await.map(Some),
        Err(e) if e.code() == Some(ErrorCode::Unauthenticated) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `DELETE /session`: signs out.
pub async fn logout() -> Result<(), ApiError> {
    send(with_lang(Request::delete(&format!("{BASE}/session"))).build()).await?;
    Ok(())
}

/// `DELETE /sessions`: 退出所有设备 — every session of the account ends, this one too.
pub async fn sign_out_everywhere() -> Result<(), ApiError> {
    send(with_lang(Request::delete(&format!("{BASE}/sessions"))).build()).await?;
    Ok(())
}

/// `PUT /session/password`: 修改密码; the account's other sessions end.
pub async fn change_password(current: &str, new: &str) -> Result<(), ApiError> {
    let body = domain::api::PasswordChange {
        current_password: current.into(),
        new_password: new.into(),
    };
    send(with_body(
        with_lang(Request::put(&format!("{BASE}/session/password"))),
        &body,
    ))
    .await?;
    Ok(())
}

/// `GET /health`: liveness and which upstream the server talks to.
pub async fn health() -> Result<Health, ApiError> {
    let response = send(with_lang(Request::get(&format!("{BASE}/health"))).build()).await?;
    json(response).await
}
