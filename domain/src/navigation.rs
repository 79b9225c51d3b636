//! The console's addresses that both sides write: the pages with bundles of their own, the
//! login page and where it may send a browser afterwards, and the phone pages a QR code opens.

/// The login page.
pub const LOGIN_PATH: &str = "/login";
/// The pages a phone opens from a QR code live under this prefix.
pub const PHONE_PREFIX: &str = "/m/";
/// The login page's bundle, in `dist/login/` (the console's own is at the root of `dist/`).
pub const LOGIN_ENTRY: &str = "login";
/// The phone pages' bundles live below `dist/phone/`: each page a phone opens is a bundle of
/// its own, in `dist/phone/<page>/`, so that a phone downloads one page, not all of them.
pub const PHONE_ENTRY: &str = "phone";

/// The phone page of 开通微信买单: `/m/maidan`.
pub const MAIDAN_PHONE_PAGE: &str = "maidan";
/// The phone page of a provider-sync QR code (同步买单服务商信息): `/m/provider-sync/<ticket>`.
pub const PROVIDER_SYNC_PHONE_PAGE: &str = "provider-sync";
/// The phone page of an Alipay authorization QR code (支付宝子商户授权):
/// `/m/alipay-authorizations/<ticket>`.
pub const ALIPAY_AUTHORIZATION_PHONE_PAGE: &str = "alipay-authorizations";

/// Every phone page, by the first segment of its address below [`PHONE_PREFIX`], which is also
/// the folder of its bundle below `dist/phone/` and, after `phone-`, the name of its binary.
pub const PHONE_PAGES: [&str; 3] = [
    MAIDAN_PHONE_PAGE,
    PROVIDER_SYNC_PHONE_PAGE,
    ALIPAY_AUTHORIZATION_PHONE_PAGE,
];

/// The phone page of a provider-sync QR code.
pub fn provider_sync_phone_path(ticket_id: &str) -> String {
    format!("{PHONE_PREFIX}{PROVIDER_SYNC_PHONE_PAGE}/{ticket_id}")
}

/// The phone page of an Alipay authorization QR code.
pub fn alipay_authorization_phone_path(ticket_id: &str) -> String {
    format!("{PHONE_PREFIX}{ALIPAY_AUTHORIZATION_PHONE_PAGE}/{ticket_id}")
}

/// The phone page an address (a path) opens, and the rest of the address below it:
/// `/m/provider-sync/abc` is `("provider-sync", ["abc"])`; `None` for an address of no phone
/// page.
pub fn phone_page(path: &str) -> Option<(&'static str, Vec<&str>)> {
    let mut segments = path
        .strip_prefix(PHONE_PREFIX)?
        .split('/')
        .filter(|s| !s.is_empty());
    let first = segments.next()?;
    let page = PHONE_PAGES.into_iter().find(|p| *p == first)?;
    Some((page, segments.collect()))
}

/// The login page that comes back to `path_and_query` afterwards (`/login` alone when that is
/// the console's home, the login page itself, or not a path of this site). `next` is encoded
/// as `encodeURIComponent` does, so that the server and the SPA write the same URL.
pub fn login_url(path_and_query: &str) -> String {
    let home = safe_next(path_and_query)
        .is_none_or(|p| p == "/" || p == LOGIN_PATH || p.starts_with("/login?"));
    if home {
        return LOGIN_PATH.to_owned();
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut url = String::from(LOGIN_PATH);
    url.push_str("?next=");
    for byte in path_and_query.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push('%');
            url.push(char::from(HEX[usize::from(byte >> 4)]));
            url.push(char::from(HEX[usize::from(byte & 0xF)]));
        }
    }
    url
}

/// `next` when it is a path of this site, else `None`: it must start with one `/` (not `//`,
/// which browsers read as another host, nor `/\`, which they read the same way) and hold no
/// control characters or whitespace a browser would strip or fold.
pub fn safe_next(next: &str) -> Option<&str> {
    let mut chars = next.chars();
    let safe = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    safe.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::{login_url, phone_page, safe_next};

    #[test]
    fn a_phone_address_names_its_page_and_the_rest() {
        assert_eq!(phone_page("/m/maidan"), Some(("maidan", vec![])));
        assert_eq!(phone_page("/m/maidan/"), Some(("maidan", vec![])));
        assert_eq!(
            phone_page("/m/provider-sync/abc"),
            Some(("provider-sync", vec!["abc"]))
        );
        assert_eq!(
            phone_page("/m/alipay-authorizations/abc/x"),
            Some(("alipay-authorizations", vec!["abc", "x"]))
        );
        assert_eq!(phone_page("/m/no-such-page"), None);
        assert_eq!(phone_page("/m/"), None);
        assert_eq!(phone_page("/providers"), None);
    }

    #[test]
    fn the_login_url_comes_back_to_where_the_visitor_was() {
        assert_eq!(login_url("/"), "/login");
        assert_eq!(login_url("/login"), "/login");
        assert_eq!(login_url("/login?next=%2Fproviders"), "/login");
        assert_eq!(login_url("//evil.example"), "/login");
        assert_eq!(login_url("/providers"), "/login?next=%2Fproviders");
        assert_eq!(
            login_url("/sub-merchants?q=杭&page=2"),
            "/login?next=%2Fsub-merchants%3Fq%3D%E6%9D%AD%26page%3D2"
        );
        assert_eq!(login_url("/a(b)!~*'"), "/login?next=%2Fa(b)!~*'");
    }

    #[test]
    fn only_paths_of_this_site_are_safe() {
        for ok in [
            "/",
            "/providers",
            "/sub-merchants?q=%E6%9D%AD&page=2",
            "/a/b\\c",
        ] {
            assert_eq!(safe_next(ok), Some(ok), "{ok}");
        }
        for bad in [
            "",
            "providers",
            "//evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "\\\\evil.example",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
