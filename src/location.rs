//! The browser's address: reading this page's, making one of this origin, and leaving for a
//! page of another entry (console, login, phone pages), which the router of one bundle cannot
//! reach.

/// A parameter of this page's address (`?name=…`), for the entries without a router.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// Goes to a page of another entry (console ↔ login): a full page load, since the router of
/// one bundle does not know the other's pages.
pub fn go_to(path: &str, replace: bool) {
    if let Some(location) = web_sys::window().map(|w| w.location()) {
        let _ = if replace {
            location.replace(path)
        } else {
            location.assign(path)
        };
    }
}

/// `path` on this console's origin: what a QR code for a phone says.
pub fn page_url(path: &str) -> String {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    format!("{origin}{path}")
}
