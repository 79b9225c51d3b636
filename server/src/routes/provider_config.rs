//! 修改服务商信息: a provider's detail and its three sections, and the account's 操作记录.
//!
//! Secrets are sealed by the vault before they are stored, never returned, and kept when the
//! form leaves them blank. Every change writes an audit event naming the fields, not values.
//!
//! Over 400 lines because each of the three sections has its own handler, merge of blank
//! secrets and deep checks (keys, certificates, images) on the same field names.

use axum::extract::State;
use domain::{
    ErrorCode,
    api::{AuditAction, AuditEvent, ListQuery, Page},
    paths,
    provider_config::{
        AlipayInfo, BasicInfo, EXPIRY_WARNING_DAYS, FormErrors, ProviderDetail, SecretStatus,
        UpdateAlipay, UpdateWechatPay, WechatPayInfo, ratio_text,
    },
    rules,
};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit::AuditTarget;
use crate::{
    AppError, AppState,
    clock::rfc3339,
    http::{ApiJson, ApiPath, ApiQuery, CurrentSession, ProviderSession},
    keys,
    store::{Change, NewAuditEvent, ProviderRow, ProviderSection},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(provider_detail))
        .routes(routes!(update_basic_info))
        .routes(routes!(update_wechat_pay))
        .routes(routes!(update_alipay))
        .routes(routes!(audit_events))
}

/// A secret as stored: sealed, with what may be shown of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SealedSecret {
    sealed: String,
    hint: String,
    set_at_ms: i64,
}

impl SealedSecret {
    /// The secret as kept by a save that leaves it blank, under the current sealing key: a save
    /// beside `keys reseal` must not write an old key's ciphertext back.
    fn kept(&self, state: &AppState, context: &str) -> Result<SealedSecret, AppError> {
        match state
            .vault
            .reseal(&self.sealed, context)
            .map_err(AppError::internal)?
        {
            None => Ok(self.clone()),
            Some(sealed) => Ok(SealedSecret {
                sealed,
                ..self.clone()
            }),
        }
    }

    fn status(this: Option<&SealedSecret>) -> SecretStatus {
        this.map_or_else(SecretStatus::default, |s| SecretStatus {
            set: true,
            hint: Some(s.hint.clone()),
            set_at: Some(rfc3339(s.set_at_ms)),
            ..SecretStatus::default()
        })
    }
}

/// The API certificate as stored: the sealed PKCS#12 and what may be shown of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredCertificate {
    p12: SealedSecret,
    password: SealedSecret,
    serial: String,
    not_after_ms: i64,
}

impl StoredCertificate {
    fn status(this: Option<&StoredCertificate>, now_ms: i64) -> SecretStatus {
        this.map_or_else(SecretStatus::default, |c| SecretStatus {
            set: true,
            hint: Some(c.serial.clone()),
            set_at: Some(rfc3339(c.p12.set_at_ms)),
            expires_at: Some(rfc3339(c.not_after_ms)),
            expiring_soon: c.not_after_ms - now_ms < EXPIRY_WARNING_DAYS * 86_400_000,
        })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct WechatPayRecord {
    merchant_id: String,
    app_id: String,
    api_key: Option<SealedSecret>,
    rebate: Option<u32>,
    #[serde(default)]
    certificate: Option<StoredCertificate>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct AlipayRecord {
    app_id: String,
    pid: String,
    app_private_key: Option<SealedSecret>,
    alipay_public_key: String,
    rebate: Option<u32>,
}

fn parse<T: Default + for<'de> Deserialize<'de>>(json: Option<&str>) -> Result<T, AppError> {
    json.map_or_else(
        || Ok(T::default()),
        |j| serde_json::from_str(j).map_err(AppError::internal),
    )
}

fn to_json<T: Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(AppError::internal)
}

fn form_error(errors: FormErrors) -> Result<(), AppError> {
    let mut fields = crate::error::FieldErrors::default();
    for (name, error) in errors {
        fields.check::<()>(name, Err(error));
    }
    fields.finish()
}

fn ratio(text: &str) -> Option<u32> {
    rules::rebate_ratio(text).ok()
}

async fn own_provider(
    state: &AppState,
    session: &ProviderSession,
    provider_id: &str,
) -> Result<ProviderRow, AppError> {
    state
        .store
        .provider(session.account.id.as_str(), provider_id)
        .await?
        .ok_or_else(AppError::not_found)
}

fn detail(row: &ProviderRow, now_ms: i64) -> Result<ProviderDetail, AppError> {
    let wechat: WechatPayRecord = parse(row.wechat_pay.as_deref())?;
    let alipay: AlipayRecord = parse(row.alipay.as_deref())?;
    Ok(ProviderDetail {
        provider_id: row.provider_id.clone(),
        out_mch_id: row.out_mch_id.clone(),
        synced_name: row.synced_name.clone(),
        synced_at: rfc3339(row.synced_at_ms),
        basic: parse(row.basic_info.as_deref())?,
        wechat_pay: WechatPayInfo {
            merchant_id: wechat.merchant_id,
            app_id: wechat.app_id,
            api_key: SealedSecret::status(wechat.api_key.as_ref()),
            certificate: StoredCertificate::status(wechat.certificate.as_ref(), now_ms),
            rebate_ratio: wechat.rebate.map(ratio_text).unwrap_or_default(),
        },
        alipay: AlipayInfo {
            app_id: alipay.app_id,
            pid: alipay.pid,
            app_private_key: SealedSecret::status(alipay.app_private_key.as_ref()),
            alipay_public_key: alipay.alipay_public_key,
            rebate_ratio: alipay.rebate.map(ratio_text).unwrap_or_default(),
        },
    })
}

/// Saves a section and its audit event, then answers the provider's new detail.
async fn save(
    state: &AppState,
    session: &ProviderSession,
    row: &ProviderRow,
    section: ProviderSection,
    json: String,
    configured: bool,
    fields: Vec<String>,
) -> Result<ApiJson<ProviderDetail>, AppError> {
    let (action, account) = (
        match section {
            ProviderSection::Basic => AuditAction::ProviderBasicInfoUpdated,
            ProviderSection::WechatPay => AuditAction::ProviderWechatPayUpdated,
            ProviderSection::Alipay => AuditAction::ProviderAlipayUpdated,
        },
        session.account.id.to_string(),
    );
    let audit = NewAuditEvent::new(
        &account,
        action,
        AuditTarget::Provider(&row.provider_id),
        state.clock.now_ms(),
    )
    .with_fields(fields);
    let saved = state
        .store
        .save_provider_section(
            &account,
            &row.provider_id,
            section,
            &json,
            configured,
            &audit,
        )
        .await?;
    if saved == Change::NotFound {
        return Err(AppError::not_found());
    }
    let row = own_provider(state, session, &row.provider_id).await?;
    Ok(ApiJson(detail(&row, state.clock.now_ms())?))
}

/// Names of the fields whose values differ.
fn changed(pairs: &[(&str, bool)]) -> Vec<String> {
    pairs
        .iter()
        .filter(|(_, differs)| *differs)
        .map(|(name, _)| (*name).to_owned())
        .collect()
}

/// A provider of this account with its configuration (secrets only as status).
#[utoipa::path(get, path = paths::PROVIDER, tag = "providers", params(("id" = String, Path)),
    responses((status = 200, body = ProviderDetail), (status = 404, body = domain::ErrorEnvelope)))]
async fn provider_detail(
    State(state): State<AppState>,
    session: ProviderSession,
    ApiPath(id): ApiPath<String>,
) -> Result<ApiJson<ProviderDetail>, AppError> {
    let row = own_provider(&state, &session, &id).await?;
    Ok(ApiJson(detail(&row, state.clock.now_ms())?))
}

/// 基本信息 (optional fields).
#[utoipa::path(put, path = paths::PROVIDER_BASIC_INFO, tag = "providers",
    params(("id" = String, Path)), request_body = BasicInfo,
    responses((status = 200, body = ProviderDetail), (status = 422, body = domain::ErrorEnvelope)))]
async fn update_basic_info(
    State(state): State<AppState>,
    session: ProviderSession,
    ApiPath(id): ApiPath<String>,
    ApiJson(form): ApiJson<BasicInfo>,
) -> Result<ApiJson<ProviderDetail>, AppError> {
    let row = own_provider(&state, &session, &id).await?;
    form_error(form.check())?;
    let old: BasicInfo = parse(row.basic_info.as_deref())?;
    form_error(crate::images::check_data_urls(&[
        ("logo", &form.logo),
        ("ad_image", &form.ad_image),
    ]))?;
    let new = BasicInfo {
        name: form.name.trim().to_owned(),
        short_name: form.short_name.trim().to_owned(),
        callback_url: form.callback_url.trim().to_owned(),
        ad_url: form.ad_url.trim().to_owned(),
        company_remark: form.company_remark.trim().to_owned(),
        provider_remark: form.provider_remark.trim().to_owned(),
        logo: form.logo,
        ad_image: form.ad_image,
    };
    let fields = changed(&[
        ("name", old.name != new.name),
        ("short_name", old.short_name != new.short_name),
        ("callback_url", old.callback_url != new.callback_url),
        ("ad_url", old.ad_url != new.ad_url),
        ("company_remark", old.company_remark != new.company_remark),
        (
            "provider_remark",
            old.provider_remark != new.provider_remark,
        ),
        ("logo", old.logo != new.logo),
        ("ad_image", old.ad_image != new.ad_image),
    ]);
    save(
        &state,
        &session,
        &row,
        ProviderSection::Basic,
        to_json(&new)?,
        true,
        fields,
    )
    .await
}

/// 微信支付信息. A blank API key keeps the stored one.
#[utoipa::path(put, path = paths::PROVIDER_WECHAT_PAY, tag = "providers",
    params(("id" = String, Path)), request_body = UpdateWechatPay,
    responses((status = 200, body = ProviderDetail), (status = 422, body = domain::ErrorEnvelope)))]
async fn update_wechat_pay(
    State(state): State<AppState>,
    session: ProviderSession,
    ApiPath(id): ApiPath<String>,
    ApiJson(form): ApiJson<UpdateWechatPay>,
) -> Result<ApiJson<ProviderDetail>, AppError> {
    let row = own_provider(&state, &session, &id).await?;
    let old: WechatPayRecord = parse(row.wechat_pay.as_deref())?;
    let mut errors = form.check(old.api_key.is_some());
    let upload = form.certificate_p12.trim();
    let certificate = if upload.is_empty() || !errors.is_empty() {
        None
    } else {
        let password = match form.certificate_password.trim() {
            "" => form.merchant_id.trim(),
            given => given,
        };
        let opened = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, upload)
            .map_err(|_| domain::FieldError::Certificate)
            .and_then(|der| keys::pkcs12_certificate(&der, password));
        match opened {
            Ok(info) => Some((info, password.to_owned())),
            Err(e) => {
                errors.push(("certificate_p12", e));
                None
            }
        }
    };
    form_error(errors)?;
    let now = state.clock.now_ms();
    let section = crate::sealing::provider_section_context(&row.provider_id, "wechat_pay");
    let context = format!("{section}/certificate");
    let certificate = match certificate {
        None => match &old.certificate {
            None => None,
            Some(kept) => Some(StoredCertificate {
                p12: kept.p12.kept(&state, &format!("{context}/p12"))?,
                password: kept.password.kept(&state, &format!("{context}/password"))?,
                ..kept.clone()
            }),
        },
        Some((info, password)) => {
            let seal = |value: &str, field: &str| -> Result<SealedSecret, AppError> {
                Ok(SealedSecret {
                    sealed: state
                        .vault
                        .seal(value, &format!("{context}/{field}"))
                        .map_err(AppError::internal)?,
                    hint: String::new(),
                    set_at_ms: now,
                })
            };
            Some(StoredCertificate {
                p12: seal(upload, "p12")?,
                password: seal(&password, "password")?,
                serial: info.serial,
                not_after_ms: info.not_after_ms,
            })
        }
    };
    let key = form.api_key.trim();
    let context = format!("{section}/api_key");
    let api_key = if key.is_empty() {
        old.api_key
            .as_ref()
            .map(|kept| kept.kept(&state, &context))
            .transpose()?
    } else {
        Some(SealedSecret {
            sealed: state
                .vault
                .seal(key, &context)
                .map_err(AppError::internal)?,
            hint: format!("…{}", &key[key.len() - 4..]),
            set_at_ms: state.clock.now_ms(),
        })
    };
    let new = WechatPayRecord {
        merchant_id: form.merchant_id.trim().to_owned(),
        app_id: form.app_id.trim().to_owned(),
        api_key,
        rebate: ratio(&form.rebate_ratio),
        certificate,
    };
    let fields = changed(&[
        ("merchant_id", old.merchant_id != new.merchant_id),
        ("app_id", old.app_id != new.app_id),
        ("api_key", !key.is_empty()),
        ("rebate_ratio", old.rebate != new.rebate),
        ("certificate_p12", !upload.is_empty()),
    ]);
    save(
        &state,
        &session,
        &row,
        ProviderSection::WechatPay,
        to_json(&new)?,
        true,
        fields,
    )
    .await
}

/// 支付宝信息. Keys must be RSA 2048; a blank private key keeps the stored one.
#[utoipa::path(put, path = paths::PROVIDER_ALIPAY, tag = "providers",
    params(("id" = String, Path)), request_body = UpdateAlipay,
    responses((status = 200, body = ProviderDetail), (status = 422, body = domain::ErrorEnvelope)))]
async fn update_alipay(
    State(state): State<AppState>,
    session: ProviderSession,
    ApiPath(id): ApiPath<String>,
    ApiJson(form): ApiJson<UpdateAlipay>,
) -> Result<ApiJson<ProviderDetail>, AppError> {
    let row = own_provider(&state, &session, &id).await?;
    let old: AlipayRecord = parse(row.alipay.as_deref())?;
    let mut errors = form.check(old.app_private_key.is_some());
    let key = form.app_private_key.trim();
    let private_key = if key.is_empty() || errors.iter().any(|(n, _)| *n == "app_private_key") {
        None
    } else {
        match keys::rsa_private_key(key) {
            Ok(parsed) => Some(parsed),
            Err(e) => {
                errors.push(("app_private_key", e));
                None
            }
        }
    };
    if !errors.iter().any(|(n, _)| *n == "alipay_public_key")
        && let Err(e) = keys::rsa_public_key(&form.alipay_public_key)
    {
        errors.push(("alipay_public_key", e));
    }
    form_error(errors)?;
    let context = format!(
        "{}/app_private_key",
        crate::sealing::provider_section_context(&row.provider_id, "alipay")
    );
    let app_private_key = match private_key {
        None => old
            .app_private_key
            .as_ref()
            .map(|kept| kept.kept(&state, &context))
            .transpose()?,
        Some(parsed) => Some(SealedSecret {
            sealed: state
                .vault
                .seal(key, &context)
                .map_err(AppError::internal)?,
            hint: keys::fingerprint(&parsed),
            set_at_ms: state.clock.now_ms(),
        }),
    };
    let new = AlipayRecord {
        app_id: form.app_id.trim().to_owned(),
        pid: form.pid.trim().to_owned(),
        app_private_key,
        alipay_public_key: form.alipay_public_key.trim().to_owned(),
        rebate: ratio(&form.rebate_ratio),
    };
    let fields = changed(&[
        ("app_id", old.app_id != new.app_id),
        ("pid", old.pid != new.pid),
        ("app_private_key", !key.is_empty()),
        (
            "alipay_public_key",
            old.alipay_public_key != new.alipay_public_key,
        ),
        ("rebate_ratio", old.rebate != new.rebate),
    ]);
    save(
        &state,
        &session,
        &row,
        ProviderSection::Alipay,
        to_json(&new)?,
        true,
        fields,
    )
    .await
}

/// 操作记录: who changed what in this account, newest first (never secret values).
#[utoipa::path(get, path = paths::AUDIT_EVENTS, tag = "audit", params(ListQuery),
    responses((status = 200, body = Page<AuditEvent>)))]
async fn audit_events(
    State(state): State<AppState>,
    session: CurrentSession,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<ApiJson<Page<AuditEvent>>, AppError> {
    if session.account.role != domain::api::AccountRole::Provider {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    crate::error::FieldErrors::refuse(query.check())?;
    let (page, page_size) = query.paging();
    let found = state
        .store
        .audit_events(session.account.id.as_str(), page, page_size)
        .await?;
    Ok(crate::respond::page(found, page, page_size))
}
