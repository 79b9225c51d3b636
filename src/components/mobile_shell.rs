//! The frame of a page a phone opens from a QR code: a bar with the mark, the page's title and
//! the language switch, then the page. The document's title follows the language too: WeChat's
//! browser shows it in its top bar.

use domain::Lang;
use leptos::prelude::*;

use crate::{
    components::language_switch::LanguageSwitch,
    i18n::{Key, follow_document_title, tr},
};

/// Whose page it is: Cloud Pay's (云) or Alipay's (支, in Alipay's colours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Brand {
    #[default]
    CloudPay,
    Alipay,
}

#[component]
pub fn MobileShell(
    title: Key,
    /// The document's title in a language (the browser's top bar or tab).
    document_title: fn(Lang) -> &'static str,
    #[prop(optional)] brand: Brand,
    children: Children,
) -> impl IntoView {
    follow_document_title(document_title);
    let alipay = brand == Brand::Alipay;
    view! {
        <div class="mobile" class:mobile-alipay=alipay>
            <header class="mobile-bar">
                <span class="brand-mark" class:brand-alipay=alipay aria-hidden="true">
                    {if alipay { "支" } else { "云" }}
                </span>
                <span class="mobile-title">{tr(title)}</span>
                <LanguageSwitch/>
            </header>
            <main class="mobile-body">{children()}</main>
        </div>
    }
}
