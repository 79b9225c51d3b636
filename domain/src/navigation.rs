//! The console's addresses that both sides write: the pages with bundles of their own, the
//! login page and where it may send a browser afterwards, and the phone pages a QR code opens.

/// The login page.
pub const LOGIN_PATH: &str = "/login";
/// The pages a phone opens from a QR code live under this prefix.
pub const PHONE_PREFIX: &str = "/m/";
/// The login page's bundle, in `dist/login/` (the console's own is at the root of `dist/`).
pub const LOGIN_ENTRY: &str = "login";
/// The phone pages' bundle, in `dist/phone/`.
pub const PHONE_ENTRY: &str = "phone";

/// The phone page of a provider-sync QR code (同步买单服务商信息).
pub fn provider_sync_phone_path(ticket_id: &str) -> String {
    format!("{PHONE_PREFIX}provider-sync/{ticket_id}")
}

/// The phone page of an Alipay authorization QR code (支付宝子商户授权).
pub fn alipay_authorization_phone_path(ticket_id: &str) -> String {
    format!("{PHONE_PREFIX}alipay-authorizations/{ticket_id}")
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
    use super::{login_url, safe_next};

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
