//! 修改服务商信息: a provider's WeChat Pay, Alipay and basic information.

use domain::provider_config::{
    BasicInfo, FormErrors, ProviderDetail, SecretStatus, UpdateAlipay, UpdateWechatPay,
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    api,
    components::{
        config_form::{ConfigForm, FieldKind, FieldSpec, Saving, Values, stored, value},
        copy_button::CopyButton,
        loaded::Loaded,
        unbind_provider::UnbindProvider,
    },
    format::local_time,
    i18n::{Key, tr},
};

/// Cloud Pay's own document on configuring providers (the guide links it here).
const DOC_PROVIDERS: &str = "https://cloud.tencent.com/document/product/569/9796";

const fn field(name: &'static str, label: Key, kind: FieldKind) -> FieldSpec {
    FieldSpec { name, label, kind }
}

fn wechat_form(values: &Values) -> UpdateWechatPay {
    UpdateWechatPay {
        merchant_id: value(values, "merchant_id").to_owned(),
        app_id: value(values, "app_id").to_owned(),
        api_key: value(values, "api_key").to_owned(),
        rebate_ratio: value(values, "rebate_ratio").to_owned(),
        certificate_p12: value(values, "certificate_p12").to_owned(),
        certificate_password: value(values, "certificate_password").to_owned(),
    }
}

fn alipay_form(values: &Values) -> UpdateAlipay {
    UpdateAlipay {
        app_id: value(values, "app_id").to_owned(),
        pid: value(values, "pid").to_owned(),
        app_private_key: value(values, "app_private_key").to_owned(),
        alipay_public_key: value(values, "alipay_public_key").to_owned(),
        rebate_ratio: value(values, "rebate_ratio").to_owned(),
    }
}

fn basic_form(values: &Values) -> BasicInfo {
    BasicInfo {
        name: value(values, "name").to_owned(),
        short_name: value(values, "short_name").to_owned(),
        callback_url: value(values, "callback_url").to_owned(),
        ad_url: value(values, "ad_url").to_owned(),
        company_remark: value(values, "company_remark").to_owned(),
        provider_remark: value(values, "provider_remark").to_owned(),
        logo: value(values, "logo").to_owned(),
        ad_image: value(values, "ad_image").to_owned(),
    }
}

fn check_wechat(values: &Values, secrets: &[(&'static str, SecretStatus)]) -> FormErrors {
    wechat_form(values).check(stored(secrets, "api_key"))
}

fn check_alipay(values: &Values, secrets: &[(&'static str, SecretStatus)]) -> FormErrors {
    alipay_form(values).check(stored(secrets, "app_private_key"))
}

fn check_basic(values: &Values, _: &[(&'static str, SecretStatus)]) -> FormErrors {
    basic_form(values).check()
}

fn save_wechat(id: String, values: Values) -> Saving<ProviderDetail> {
    Box::pin(async move { api::update_wechat_pay(&id, &wechat_form(&values)).await })
}

fn save_alipay(id: String, values: Values) -> Saving<ProviderDetail> {
    Box::pin(async move { api::update_alipay(&id, &alipay_form(&values)).await })
}

fn save_basic(id: String, values: Values) -> Saving<ProviderDetail> {
    Box::pin(async move { api::update_basic_info(&id, &basic_form(&values)).await })
}

#[component]
pub fn ProviderDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    // Another ID is another provider: nothing of the previous one stays on screen.
    move || {
        let id = id.get();
        let read = id.clone();
        let found = LocalResource::new(move || {
            let id = read.clone();
            async move { api::provider_detail(&id).await }
        });
        view! {
            <a class="back" href="/providers">"← "{tr(Key::BackToProviders)}</a>
            <Loaded resource=found let:found>
                <ProviderConfig id=id.clone() found=found/>
            </Loaded>
        }
    }
}

/// The provider's three sections, each saved on its own; a save shows what the server kept.
#[component]
fn ProviderConfig(id: String, found: ProviderDetail) -> impl IntoView {
    let detail = RwSignal::new(found);
    let on_saved = Callback::new(move |d: ProviderDetail| detail.set(d));

    let wechat_values = Signal::derive(move || {
        let d = detail.get();
        let w = d.wechat_pay;
        vec![
            ("merchant_id", w.merchant_id),
            ("app_id", w.app_id),
            ("api_key", String::new()),
            ("rebate_ratio", w.rebate_ratio),
            ("certificate_p12", String::new()),
            ("certificate_password", String::new()),
        ]
    });
    let wechat_secrets = Signal::derive(move || {
        let d = detail.get();
        vec![
            ("api_key", d.wechat_pay.api_key),
            ("certificate_p12", d.wechat_pay.certificate),
        ]
    });
    let alipay_values = Signal::derive(move || {
        let d = detail.get();
        let a = d.alipay;
        vec![
            ("app_id", a.app_id),
            ("pid", a.pid),
            ("app_private_key", String::new()),
            ("alipay_public_key", a.alipay_public_key),
            ("rebate_ratio", a.rebate_ratio),
        ]
    });
    let alipay_secrets = Signal::derive(move || {
        let d = detail.get();
        vec![("app_private_key", d.alipay.app_private_key)]
    });
    let basic_values = Signal::derive(move || {
        let d = detail.get();
        let b = d.basic;
        vec![
            ("name", b.name),
            ("short_name", b.short_name),
            ("callback_url", b.callback_url),
            ("ad_url", b.ad_url),
            ("company_remark", b.company_remark),
            ("provider_remark", b.provider_remark),
            ("logo", b.logo),
            ("ad_image", b.ad_image),
        ]
    });
    let no_secrets = Signal::derive(Vec::new);

    view! {
        {move || {
            let d = detail.get();
            view! {
            <div class="page-head">
                <div>
                    <h1 class="page-title" data-testid="provider-title">
                        {if d.basic.name.is_empty() { d.synced_name.clone() } else { d.basic.name.clone() }}
                    </h1>
                    <p class="muted">
                        <code>{d.provider_id.clone()}</code>" · "{tr(Key::SyncedName)}": "{d.synced_name.clone()}
                        " · "{tr(Key::ColSyncedAt)}": "{local_time(&d.synced_at)}
                    </p>
                    <p class="muted inline-copy">
                        {tr(Key::FieldOutMchId)}": "<code data-testid="out-mch-id">{d.out_mch_id.clone()}</code>
                        <CopyButton text=d.out_mch_id.clone() test_id="copy-out-mch-id"/>
                    </p>
                    <p class="field-note">
                        <a href=DOC_PROVIDERS target="_blank" rel="noopener noreferrer">{tr(Key::DocProviders)}" ↗"</a>
                    </p>
                </div>
            </div>
            }
        }}
            <ConfigForm
                title=Key::WechatPaySection
                subtitle=Some(Key::WechatPayHint)
                id="wechat"
                fields=vec![
                    field("merchant_id", Key::FieldMerchantId, FieldKind::Text),
                    field("app_id", Key::FieldAppId, FieldKind::Text),
                    field("api_key", Key::FieldApiKey, FieldKind::Secret),
                    field("rebate_ratio", Key::FieldRebate, FieldKind::Text),
                    field("certificate_p12", Key::FieldCertificate, FieldKind::File { accept: ".p12,.pfx,application/x-pkcs12" }),
                    field("certificate_password", Key::FieldCertificatePassword, FieldKind::Password),
                ]
                initial=wechat_values
                secrets=wechat_secrets
                check=check_wechat
                save=save_wechat
                target=id.clone()
                on_saved=on_saved
            />
            <ConfigForm
                title=Key::AlipaySection
                subtitle=Some(Key::AlipayHint)
                id="alipay"
                fields=vec![
                    field("app_id", Key::FieldAlipayAppId, FieldKind::Text),
                    field("pid", Key::FieldPid, FieldKind::Text),
                    field("app_private_key", Key::FieldAppPrivateKey, FieldKind::SecretMultiline),
                    field("alipay_public_key", Key::FieldAlipayPublicKey, FieldKind::Multiline),
                    field("rebate_ratio", Key::FieldRebate, FieldKind::Text),
                ]
                initial=alipay_values
                secrets=alipay_secrets
                check=check_alipay
                save=save_alipay
                target=id.clone()
                on_saved=on_saved
            />
            <ConfigForm
                title=Key::BasicSection
                subtitle=None
                id="basic"
                fields=vec![
                    field("name", Key::FieldName, FieldKind::Text),
                    field("short_name", Key::FieldShortName, FieldKind::Text),
                    field("callback_url", Key::FieldCallbackUrl, FieldKind::Text),
                    field("ad_url", Key::FieldAdUrl, FieldKind::Text),
                    field("company_remark", Key::FieldCompanyRemark, FieldKind::Multiline),
                    field("provider_remark", Key::FieldProviderRemark, FieldKind::Multiline),
                    field("logo", Key::FieldLogo, FieldKind::Image),
                    field("ad_image", Key::FieldAdImage, FieldKind::Image),
                ]
                initial=basic_values
                secrets=no_secrets
                check=check_basic
                save=save_basic
                target=id.clone()
                on_saved=on_saved
            />
            <UnbindProvider provider_id=id.clone()/>
    }
}
