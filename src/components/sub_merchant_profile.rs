//! 子商户资料 of a sub-merchant (简称, 管理员姓名 and 邮箱, 广告链接, 备注, logo, 广告图片): shown as
//! entered, and edited in place with the provider's [`ConfigForm`], each field checked by
//! `SubMerchantProfile::check` as it is typed.

use domain::{
    api::SubMerchantProfile,
    provider_config::{FormErrors, SecretStatus},
};
use leptos::prelude::*;

use crate::{
    api,
    components::config_form::{ConfigForm, FieldKind, FieldSpec, Saving, Values, value},
    i18n::{Key, tr, use_i18n},
};

fn profile_form(values: &Values) -> SubMerchantProfile {
    SubMerchantProfile {
        short_name: value(values, "short_name").to_owned(),
        admin_name: value(values, "admin_name").to_owned(),
        admin_email: value(values, "admin_email").to_owned(),
        logo: value(values, "logo").to_owned(),
        ad_url: value(values, "ad_url").to_owned(),
        ad_image: value(values, "ad_image").to_owned(),
        remark: value(values, "remark").to_owned(),
    }
}

fn profile_values(basic: SubMerchantProfile) -> Values {
    vec![
        ("short_name", basic.short_name),
        ("admin_name", basic.admin_name),
        ("admin_email", basic.admin_email),
        ("ad_url", basic.ad_url),
        ("remark", basic.remark),
        ("logo", basic.logo),
        ("ad_image", basic.ad_image),
    ]
}

fn check_profile(values: &Values, _: &[(&'static str, SecretStatus)]) -> FormErrors {
    profile_form(values).check()
}

fn save_profile(id: String, values: Values) -> Saving<SubMerchantProfile> {
    Box::pin(async move {
        let id = id.parse().unwrap_or_default();
        api::update_sub_merchant_profile(id, &profile_form(&values)).await
    })
}

/// 子商户资料: shown as entered; 编辑 opens the form in place, each field checked as it is typed.
#[component]
pub fn ProfileCard(
    id: i64,
    basic: SubMerchantProfile,
    editable: bool,
    on_saved: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let editing = RwSignal::new(false);
    let stored = RwSignal::new(basic);
    let initial = Signal::derive(move || profile_values(stored.get()));
    // One row of the card: the value, or 未填写 when nothing was entered.
    let row = |label: Key, test_id: &'static str, value: Option<AnyView>| {
        let value = value.unwrap_or_else(|| {
            view! { <span class="muted">{tr(Key::NotEntered)}</span> }.into_any()
        });
        view! { <div class="kv"><dt>{tr(label)}</dt><dd data-testid=test_id>{value}</dd></div> }
    };
    let text = |value: String| (!value.is_empty()).then(|| view! { {value} }.into_any());
    let image = move |label: Key, url: String| {
        (!url.is_empty()).then(|| {
            view! { <img class="image-preview" src=url alt=move || i18n.t(label)/> }.into_any()
        })
    };
    move || {
        if editing.get() {
            return view! {
                <ConfigForm
                    title=Key::ProfileTitle
                    subtitle=Some(Key::ProfileHint)
                    id="profile"
                    fields=vec![
                        FieldSpec { name: "short_name", label: Key::FieldMerchantShortName, kind: FieldKind::Text },
                        FieldSpec { name: "admin_name", label: Key::FieldAdminName, kind: FieldKind::Text },
                        FieldSpec { name: "admin_email", label: Key::FieldAdminEmail, kind: FieldKind::Text },
                        FieldSpec { name: "ad_url", label: Key::FieldAdUrl, kind: FieldKind::Text },
                        FieldSpec { name: "remark", label: Key::FieldRemark, kind: FieldKind::Multiline },
                        FieldSpec { name: "logo", label: Key::FieldLogo, kind: FieldKind::Image },
                        FieldSpec { name: "ad_image", label: Key::FieldAdImage, kind: FieldKind::Image },
                    ]
                    initial=initial
                    secrets=Signal::derive(Vec::new)
                    check=check_profile
                    save=save_profile
                    target=id.to_string()
                    on_saved=Callback::new(move |saved: SubMerchantProfile| {
                        stored.set(saved);
                        editing.set(false);
                        on_saved.run(());
                    })
                    on_cancel=Callback::new(move |()| editing.set(false))
                />
            }
            .into_any();
        }
        let b = stored.get();
        let email = (!b.admin_email.is_empty()).then(|| {
            view! { <a href=format!("mailto:{}", b.admin_email)>{b.admin_email.clone()}</a> }
                .into_any()
        });
        let ad_url = (!b.ad_url.is_empty()).then(|| {
            view! { <a href=b.ad_url.clone() target="_blank" rel="noopener noreferrer">{b.ad_url.clone()}</a> }.into_any()
        });
        view! {
            <section class="card" data-testid="profile">
                <header class="config-head">
                    <div>
                        <h2>{tr(Key::ProfileTitle)}</h2>
                        <p class="muted">{tr(Key::ProfileHint)}</p>
                    </div>
                    <Show when=move || editable>
                        <button type="button" class="btn btn-small" data-testid="edit-profile"
                            on:click=move |_| editing.set(true)>
                            {tr(Key::Edit)}
                        </button>
                    </Show>
                </header>
                <dl class="kv-list">
                    {row(Key::FieldMerchantShortName, "profile-short-name", text(b.short_name))}
                    {row(Key::FieldAdminName, "profile-admin-name", text(b.admin_name))}
                    {row(Key::FieldAdminEmail, "profile-admin-email", email)}
                    {row(Key::FieldAdUrl, "profile-ad-url", ad_url)}
                    {row(Key::FieldRemark, "profile-remark", text(b.remark))}
                    {row(Key::LogoShort, "profile-logo", image(Key::LogoShort, b.logo))}
                    {row(Key::AdImageShort, "profile-ad-image", image(Key::AdImageShort, b.ad_image))}
                </dl>
            </section>
        }
        .into_any()
    }
}
