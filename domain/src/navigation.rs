//! Where the console may send a browser after signing in.

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
    use super::safe_next;

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
