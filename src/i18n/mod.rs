//! The translation catalogue: every visible string, keyed, in both languages.
//!
//! The language is a signal in context; it persists in `localStorage` and sets `<html lang>`.
//! Error and field messages are not here: they come with their rules from `domain`. The texts
//! themselves are in [`catalogue`] ([`Key`]).

use std::cell::Cell;

use domain::Lang;
use leptos::prelude::*;

mod catalogue;

pub use catalogue::Key;

const STORAGE_KEY: &str = "console.lang";

thread_local! {
    /// The language the API client asks the server to answer in.
    static REQUEST_LANG: Cell<Lang> = const { Cell::new(Lang::Zh) };
}

/// The language for outgoing requests (`Accept-Language`).
pub fn request_lang() -> Lang {
    REQUEST_LANG.with(Cell::get)
}

/// The current language, in context.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    pub fn lang(&self) -> Lang {
        self.lang.get()
    }

    /// Switches the language, persists the choice and updates `<html lang>`.
    pub fn set(&self, lang: Lang) {
        self.lang.set(lang);
        apply(lang);
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(STORAGE_KEY, lang.tag());
        }
    }

    /// The text of `key` in the current language (reactive).
    pub fn t(&self, key: Key) -> &'static str {
        key.text(self.lang.get())
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn apply(lang: Lang) {
    REQUEST_LANG.with(|l| l.set(lang));
    if let Some(html) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = html.set_attribute("lang", lang.tag());
    }
}

/// Provides the language, read from `localStorage` (Chinese when nothing was chosen).
pub fn provide_i18n() -> I18n {
    let lang = local_storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .map_or(Lang::Zh, |tag| Lang::from_tag(&tag));
    apply(lang);
    let i18n = I18n {
        lang: RwSignal::new(lang),
    };
    provide_context(i18n);
    i18n
}

/// Keeps the document's title (a browser tab, the top bar of WeChat's browser) in the page's
/// language.
pub fn follow_document_title(title: fn(Lang) -> &'static str) {
    let i18n = use_i18n();
    Effect::new(move |_| {
        let title = title(i18n.lang());
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(title);
        }
    });
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// Fills `{name}` placeholders of a catalogue text.
pub fn fill(text: &str, values: &[(&str, String)]) -> String {
    values.iter().fold(text.to_owned(), |acc, (name, value)| {
        acc.replace(&format!("{{{name}}}"), value)
    })
}

/// A reactive text for views: `{tr(Key::SignIn)}`.
pub fn tr(key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let i18n = use_i18n();
    move || i18n.t(key)
}
