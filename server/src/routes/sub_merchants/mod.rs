//! 子商户管理(新): one sub-merchant's page and its changes (channel switch, profile,
//! sub-provider), and 同步买单子商户, a durable job whose progress is read from `/jobs/{id}`
//! ([`super::jobs`]). The list and its CSV export are in [`list`].

mod list;

use axum::{
    extract::{RawQuery, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use domain::{
    ErrorCode, FieldError,
    api::{
        AuditAction, ChannelChange, Job, JobKind, SubMerchantDetail, SubMerchantProfile,
        SubMerchantSummary, SubProviderChange, WechatChannel,
    },
    paths,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit::AuditTarget;
use crate::retry::RetryPolicy;
use crate::{
    AppError, AppState,
    auth::hex,
    clock::rfc3339,
    http::{ApiJson, ApiPath, CurrentSession, ProviderSession, changeable_sub_merchant},
    jobs,
    respond::accepted,
    store::{Change, NewAuditEvent, Viewer},
    upstream::UpstreamError,
};

// The profile's former address is deprecated (and documented so), not gone.
#[allow(deprecated)]
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_sync))
        .merge(list::router())
        .routes(routes!(get_sub_merchant))
        .routes(routes!(switch_channel))
        .routes(routes!(update_profile))
        .routes(routes!(profile_moved))
        .routes(routes!(change_sub_provider, clear_sub_provider))
}

/// A fresh, unguessable job ID.
fn new_job_id() -> Result<String, AppError> {
    let mut bytes = [0_u8; 12];
    getrandom::fill(&mut bytes).map_err(AppError::internal)?;
    Ok(format!("job_{}", hex(&bytes)))
}

/// Change history entries shown on a sub-merchant's page.
const HISTORY: u32 = 50;

async fn sub_merchant_detail(
    state: &AppState,
    viewer: Viewer<'_>,
    id: i64,
) -> Result<SubMerchantDetail, AppError> {
    let crate::store::SubMerchantRecord {
        summary: sub_merchant,
        synced_at_ms: synced_at,
    } = state
        .store
        .sub_merchant(viewer, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    // The history and the jobs are the provider account's; a sub-provider reads the rest.
    let (history, reattribution) = match viewer {
        Viewer::Provider(account) => {
            let history = state
                .store
                .audit_events_of(account, &AuditTarget::SubMerchant(id).path(), HISTORY)
                .await?;
            let job = state
                .store
                .active_job(account, JobKind::Reattribution, &id.to_string())
                .await?;
            (history, job.map(|j| jobs::view(&j, state.clock.now_ms())))
        }
        Viewer::SubProvider(_) => (Vec::new(), None),
    };
    let credentials = state.store.sub_merchant_credentials(id).await?;
    let basic = stored_profile(state, id).await?;
    Ok(SubMerchantDetail {
        sub_merchant,
        synced_at: rfc3339(synced_at),
        history,
        reattribution,
        keys: credentials
            .keys
            .as_ref()
            .map(crate::store::StoredKeys::view),
        alipay: credentials
            .alipay
            .map(|(user_id, at_ms)| domain::api::AlipayAuthorized {
                user_id,
                authorized_at: rfc3339(at_ms),
            }),
        basic,
    })
}

/// The profile (基本信息) stored for a sub-merchant (empty when never saved).
async fn stored_profile(state: &AppState, id: i64) -> Result<SubMerchantProfile, AppError> {
    state.store.sub_merchant_profile(id).await?.map_or_else(
        || Ok(SubMerchantProfile::default()),
        |json| serde_json::from_str(&json).map_err(AppError::internal),
    )
}

/// A sub-merchant of the account: what the list shows, when it was synced, its history.
#[utoipa::path(get, path = paths::SUB_MERCHANT, tag = "sub-merchants",
    params(("id" = i64, Path, description = "the sub-merchant's console ID")),
    responses((status = 200, body = SubMerchantDetail), (status = 404, body = domain::ErrorEnvelope)))]
async fn get_sub_merchant(
    State(state): State<AppState>,
    session: CurrentSession,
    ApiPath(id): ApiPath<i64>,
) -> Result<ApiJson<SubMerchantDetail>, AppError> {
    Ok(ApiJson(
        sub_merchant_detail(&state, session.viewer(), id).await?,
    ))
}

/// 切换渠道 between 官方直连 and 微信买单. Switching to 微信买单 asks WeChat whether the merchant
/// ID has opened Maidan; if not, 409 `MaidanNotOpened` and nothing changes. Switching to the
/// channel already set changes nothing and records nothing.
#[utoipa::path(put, path = paths::SUB_MERCHANT_WECHAT_CHANNEL, tag = "sub-merchants",
    params(("id" = i64, Path, description = "the sub-merchant's console ID")),
    request_body = ChannelChange,
    responses(
        (status = 200, body = SubMerchantDetail),
        (status = 404, body = domain::ErrorEnvelope),
        (status = 409, body = domain::ErrorEnvelope),
    ))]
async fn switch_channel(
    State(state): State<AppState>,
    session: ProviderSession,
    ApiPath(id): ApiPath<i64>,
    ApiJson(change): ApiJson<ChannelChange>,
) -> Result<ApiJson<SubMerchantDetail>, AppError> {
    let current = changeable_sub_merchant(&state, &session, id).await?;
    let account = session.account.id.to_string();
    if current.channel == change.channel {
        return Ok(ApiJson(
            sub_merchant_detail(&state, Viewer::Provider(&account), id).await?,
        ));
    }
    let opened = match change.channel {
        WechatChannel::OfficialDirect => current.maidan_opened,
        WechatChannel::WechatMaidan => {
            let opened = maidan_opened(&state, &current.merchant_id).await?;
            if !opened {
                return Err(AppError::new(ErrorCode::MaidanNotOpened));
            }
            opened
        }
    };
    let audit = NewAuditEvent::new(
        &account,
        AuditAction::channel_switched(change.channel),
        AuditTarget::SubMerchant(id),
        state.clock.now_ms(),
    );
    let saved = state
        .store
        .set_sub_merchant_channel(&account, id, change.channel, opened, &audit)
        .await?;
    if saved == Change::NotFound {
        return Err(AppError::not_found());
    }
    Ok(ApiJson(
        sub_merchant_detail(&state, Viewer::Provider(&account), id).await?,
    ))
}

/// 编辑基本信息, the profile: 简称, 管理员姓名 and 邮箱, logo, 广告链接 and 图片, 备注 (all
/// optional). Each field is checked by its rule and each image decoded in full; the answer is
/// what was stored. A save that changes nothing records nothing.
#[utoipa::path(put, path = paths::SUB_MERCHANT_PROFILE, tag = "sub-merchants",
    params(("id" = i64, Path, description = "the sub-merchant's console ID")),
    request_body = SubMerchantProfile,
    responses(
        (status = 200, body = SubMerchantProfile),
        (status = 404, body = domain::ErrorEnvelope),
        (status = 422, body = domain::ErrorEnvelope),
    ))]
async fn update_profile(
    State(state): State<AppState>,
    session: ProviderSession,
    ApiPath(id): ApiPath<i64>,
    ApiJson(form): ApiJson<SubMerchantProfile>,
) -> Result<ApiJson<SubMerchantProfile>, AppError> {
    changeable_sub_merchant(&state, &session, id).await?;
    crate::error::FieldErrors::refuse(form.check())?;
    crate::error::FieldErrors::refuse(crate::images::check_data_urls(&[
        ("logo", &form.logo),
        ("ad_image", &form.ad_image),
    ]))?;
    let new = form.trimmed();
    let old = stored_profile(&state, id).await?;
    let fields = new.changed_fields(&old);
    if fields.is_empty() {
        return Ok(ApiJson(old));
    }
    let account = session.account.id.to_string();
    let audit = NewAuditEvent::new(
        &account,
        AuditAction::SubMerchantBasicInfoUpdated,
        AuditTarget::SubMerchant(id),
        state.clock.now_ms(),
    )
    .with_fields(fields);
    let json = serde_json::to_string(&new).map_err(AppError::internal)?;
    let saved = state
        .store
        .save_sub_merchant_profile(&account, id, &json, &audit)
        .await?;
    if saved == Change::NotFound {
        return Err(AppError::not_found());
    }
    Ok(ApiJson(new))
}

/// The profile's former address: `308 Permanent Redirect` to [`paths::SUB_MERCHANT_PROFILE`] of the
/// same sub-merchant, with the same query, so that a client sends the same `PUT` there. Kept
/// for one release; nothing is read or changed here.
#[deprecated = "the profile is saved at /sub-merchants/{id}/profile"]
#[utoipa::path(put, path = paths::SUB_MERCHANT_BASIC_INFO, tag = "sub-merchants",
    params(("id" = i64, Path, description = "the sub-merchant's console ID")),
    responses(
        (status = 308, description = "Moved for good: send the same request to `Location`.",
            headers(("location" = String, description = "/api/v1/sub-merchants/{id}/profile, with the query"))),
    ))]
async fn profile_moved(
    ApiPath(id): ApiPath<i64>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let mut location = paths::fill(paths::SUB_MERCHANT_PROFILE, &[&id]);
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        location.push('?');
        location.push_str(&query);
    }
    Ok((
        StatusCode::PERMANENT_REDIRECT,
        [(
            header::LOCATION,
            HeaderValue::from_str(&location).map_err(AppError::internal)?,
        )],
    )
        .into_response())
}

/// 修改子商户所属的子服务商: the sub-provider must be one of the account's; the change is
/// immediate for the sub-merchant, and its past transactions follow in a durable job
/// (`202` + the job). Choosing the current sub-provider again changes nothing (`200`).
#[utoipa::path(put, path = paths::SUB_MERCHANT_SUB_PROVIDER, tag = "sub-merchants",
    params(("id" = i64, Path, description = "the sub-merchant's console ID")),
    request_body = SubProviderChange,
    responses(
        (status = 202, body = Job),
        (status = 200, body = SubMerchantDetail),
        (status = 404, body = domain::ErrorEnvelope),
        (status = 422, body = domain::ErrorEnvelope),
    ))]
async fn change_sub_provider(
    State(state): State<AppState>,
    session: ProviderSession,
    ApiPath(id): ApiPath<i64>,
    ApiJson(change): ApiJson<SubProviderChange>,
) -> Result<Response, AppError> {
    let current = changeable_sub_merchant(&state, &session, id).await?;
    let account = session.account.id.to_string();
    let target = domain::rules::AccountId::parse(&change.account_id)
        .map_err(|e| AppError::field("account_id", e))?
        .to_string();
    let registered = state.store.sub_providers(&account).await?;
    if !registered.iter().any(|s| s.account_id == target) {
        return Err(AppError::new(ErrorCode::SubProviderNotFound)
            .and_field("account_id", FieldError::NotRegistered));
    }
    reassign(&state, &account, &current, Some(&target)).await
}

/// Clears a sub-merchant's sub-provider: it belongs to the provider itself again, and its past
/// transactions follow in the same durable job as a change (`202` + the job). A sub-merchant
/// without one changes nothing (`200`).
#[utoipa::path(delete, path = paths::SUB_MERCHANT_SUB_PROVIDER, tag = "sub-merchants",
    params(("id" = i64, Path, description = "the sub-merchant's console ID")),
    responses(
        (status = 202, body = Job),
        (status = 200, body = SubMerchantDetail),
        (status = 404, body = domain::ErrorEnvelope),
    ))]
async fn clear_sub_provider(
    State(state): State<AppState>,
    session: ProviderSession,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, AppError> {
    let current = changeable_sub_merchant(&state, &session, id).await?;
    reassign(&state, session.account.id.as_str(), &current, None).await
}

/// Sets the sub-merchant's sub-provider (`None`: the provider itself) and starts the
/// re-attribution of its past transactions (`202` + the job); the one it has already changes
/// nothing (`200` + the sub-merchant).
async fn reassign(
    state: &AppState,
    account: &str,
    current: &SubMerchantSummary,
    target: Option<&str>,
) -> Result<Response, AppError> {
    let id = current.id;
    if current.sub_provider_account_id.as_deref() == target {
        let detail = sub_merchant_detail(state, Viewer::Provider(account), id).await?;
        return Ok(ApiJson(detail).into_response());
    }
    let now = state.clock.now_ms();
    let audit = NewAuditEvent::new(
        account,
        AuditAction::SubMerchantSubProviderUpdated,
        AuditTarget::SubMerchant(id),
        now,
    );
    let job_id = new_job_id()?;
    let job = state
        .store
        .change_sub_provider(account, id, target, &job_id, &audit)
        .await?
        .ok_or_else(AppError::not_found)?;
    state.workers.wake();
    accepted(jobs::view(&job, now))
}

/// Asks WeChat whether a merchant ID has opened Maidan, retrying a short outage. A merchant ID
/// WeChat does not know has not opened it.
async fn maidan_opened(state: &AppState, merchant_id: &str) -> Result<bool, AppError> {
    // A person is waiting: three tries within two seconds.
    let policy = RetryPolicy {
        attempts: 3,
        backoff: std::time::Duration::from_millis(200),
        deadline: Some(std::time::Duration::from_secs(2)),
    };
    let opened = policy
        .run(
            "maidan_opened",
            || state.upstream.maidan_opened(merchant_id),
            UpstreamError::transient,
        )
        .await
        .map_err(|e| AppError::internal(format!("maidan status: {e}")))?;
    Ok(opened.unwrap_or(false))
}

/// 同步买单子商户: starts the sync of every sub-merchant of every provider of the account, or
/// returns the one already running. After a sync ends, the next may start after a cooldown.
#[utoipa::path(post, path = paths::SUB_MERCHANT_SYNCS, tag = "sub-merchants",
    responses(
        (status = 202, body = Job),
        (status = 409, body = domain::ErrorEnvelope),
        (status = 429, body = domain::ErrorEnvelope),
    ))]
async fn start_sync(
    State(state): State<AppState>,
    session: ProviderSession,
) -> Result<Response, AppError> {
    let account = session.account.id.as_str();
    let store = &state.store;
    let now = state.clock.now_ms();
    let kind = JobKind::SubMerchantSync;
    if let Some(active) = store
        .jobs(account, Some(kind), None)
        .await?
        .into_iter()
        .find(|j| j.state.is_active())
    {
        return accepted(jobs::view(&active, now));
    }
    if store.provider_ids(account).await?.is_empty() {
        return Err(AppError::new(ErrorCode::ProvidersNotSynced));
    }
    let cooldown = crate::clock::millis(state.settings.sync_cooldown);
    if let Some(finished) = store.last_finished(account, kind).await?
        && finished + cooldown > now
    {
        let wait = crate::clock::seconds_until(finished + cooldown, now);
        return Err(AppError::new(ErrorCode::RateLimited)
            .with_reason(domain::error::ErrorReason::SyncCooldown)
            .with_retry_after(wait));
    }
    let id = new_job_id()?;
    let audit = NewAuditEvent::sub_merchant_sync(account, &id, now);
    let job = store.start_job(&id, kind, &audit).await?;
    state.workers.wake();
    accepted(jobs::view(&job, now))
}
