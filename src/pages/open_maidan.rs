//! 开通微信买单 (console): when it is needed, a QR code that opens the phone binding page for
//! the merchant ID (prefilled when coming from a refused channel switch), and the PC route.

use domain::rules;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    components::{field::TextField, qr_canvas::QrCanvas},
    i18n::{Key, tr, use_i18n},
    state::form::Form,
};

/// WeChat's help page: 微信买单功能开通方法 (the PC route).
const PC_HELP: &str = "http://kf.qq.com/faq/140225MveaUz160801AFvmyQ.html";

/// The phone page for a merchant ID.
pub fn phone_url(merchant_id: &str) -> String {
    let query = if merchant_id.is_empty() {
        String::new()
    } else {
        format!(
            "?merchant_id={}",
            String::from(js_sys::encode_uri_component(merchant_id))
        )
    };
    crate::location::page_url(&format!(
        "{}{}{query}",
        domain::navigation::PHONE_PREFIX,
        domain::navigation::MAIDAN_PHONE_PAGE
    ))
}

#[component]
pub fn OpenMaidanPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let merchant_id =
        RwSignal::new(query.with_untracked(|q| q.get("merchant_id").unwrap_or_default()));
    let message = Form::new().message("merchant_id", merchant_id, |v| rules::merchant_id(v).err());
    let payload = Signal::derive(move || {
        let value = merchant_id.get();
        phone_url(if rules::merchant_id(&value).is_ok() {
            value.trim()
        } else {
            ""
        })
    });
    view! {
        <div class="page-head">
            <div>
                <h1 class="page-title">{tr(Key::OpenMaidanTitle)}</h1>
                <p class="muted">{tr(Key::OpenMaidanWhen)}</p>
            </div>
        </div>
        <section class="card open-maidan">
            <div class="open-maidan-qr">
                <QrCanvas payload=payload size=200 label=Signal::derive(move || i18n.t(Key::OpenMaidanTitle).to_owned())/>
                <a class="muted" href=move || payload.get() rel="external" data-testid="phone-link">{tr(Key::OpenOnThisDevice)}</a>
            </div>
            <div>
                <h2>{tr(Key::OpenMaidanPhone)}</h2>
                <ol class="steps">
                    <li>{tr(Key::OpenMaidanStep1)}</li>
                    <li>{tr(Key::OpenMaidanStep2)}</li>
                    <li>{tr(Key::OpenMaidanStep3)}</li>
                </ol>
                <TextField name="merchant_id" label=tr(Key::ColMerchantId) value=merchant_id
                    message=message input_class="input" input_mode="numeric"/>
                <h2>{tr(Key::OpenMaidanPc)}</h2>
                <p>
                    <a href=PC_HELP target="_blank" rel="noopener noreferrer external">{tr(Key::OpenMaidanPcLink)}</a>
                </p>
                <p class="muted">{tr(Key::OpenMaidanAfter)}</p>
            </div>
        </section>
    }
}
