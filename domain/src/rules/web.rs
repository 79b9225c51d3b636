//! What a page links to or shows: an `https://` address, an image as a `data:` URL.

use super::FieldError;
use super::general::required;

/// An `https://` URL with a host, at most 256 characters.
pub fn https_url(value: &str) -> Result<&str, FieldError> {
    let value = required(value)?;
    if value.chars().count() > 256 {
        return Err(FieldError::TooLong { max: 256 });
    }
    let rest = value.strip_prefix("https://").ok_or(FieldError::HttpsUrl)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let valid_host = !host.is_empty()
        && host.contains('.')
        && !host.chars().any(|c| c.is_whitespace() || c == '@');
    if valid_host && !value.chars().any(char::is_whitespace) {
        Ok(value)
    } else {
        Err(FieldError::HttpsUrl)
    }
}

/// The image types the console accepts, by their first bytes.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Decodes the first bytes of standard base64 (enough to read a file's signature).
fn base64_prefix(text: &str, bytes: usize) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(bytes + 3);
    for chunk in text.as_bytes().chunks(4).take(bytes.div_ceil(3)) {
        if chunk.len() < 4 {
            return None;
        }
        let n = chunk
            .iter()
            .try_fold(0_u32, |acc, c| Some(acc << 6 | u32::from(value(*c)?)))?;
        out.extend([(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    Some(out)
}

/// An image as a `data:` URL (PNG or JPEG, checked by content) of at most `max_kb`.
/// Empty means no image.
pub fn image_data_url(value: &str, max_kb: usize) -> Result<(), FieldError> {
    if value.is_empty() {
        return Ok(());
    }
    let (header, data) = value.split_once(',').ok_or(FieldError::Image)?;
    let declared = header
        .strip_prefix("data:")
        .and_then(|h| h.strip_suffix(";base64"))
        .ok_or(FieldError::Image)?;
    if data.len() / 4 * 3 > max_kb * 1024 {
        return Err(FieldError::FileTooLarge { max_kb });
    }
    match base64_prefix(data, 8).as_deref().and_then(image_type) {
        Some(actual) if actual == declared => Ok(()),
        _ => Err(FieldError::Image),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_urls_must_be_https() {
        assert!(https_url("https://pay.example.com/notify").is_ok());
        assert!(https_url("https://pay.example.com").is_ok());
        assert_eq!(
            https_url("http://pay.example.com/notify"),
            Err(FieldError::HttpsUrl)
        );
        assert_eq!(https_url("https://"), Err(FieldError::HttpsUrl));
        assert_eq!(https_url("https://localhost/x"), Err(FieldError::HttpsUrl));
        assert_eq!(https_url("https://a b.com"), Err(FieldError::HttpsUrl));
        assert_eq!(
            https_url("https://user@evil.com"),
            Err(FieldError::HttpsUrl)
        );
    }

    #[test]
    fn images_are_checked_by_content_not_by_name() {
        // The first 12 bytes of a PNG and of a JPEG, base64.
        let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==";
        let jpeg = "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ==";
        assert_eq!(image_data_url(png, 200), Ok(()));
        assert_eq!(image_data_url(jpeg, 200), Ok(()));
        assert_eq!(image_data_url("", 200), Ok(()));
        // A PNG that claims to be a JPEG, a GIF, text.
        assert_eq!(
            image_data_url("data:image/jpeg;base64,iVBORw0KGgoAAAANSUhEUg==", 200),
            Err(FieldError::Image)
        );
        assert_eq!(
            image_data_url("data:image/gif;base64,R0lGODlhAQABAIAAAA==", 200),
            Err(FieldError::Image)
        );
        assert_eq!(
            image_data_url("data:image/png;base64,aGVsbG8gd29ybGQhIQ==", 200),
            Err(FieldError::Image)
        );
        assert_eq!(
            image_data_url("https://example.com/logo.png", 200),
            Err(FieldError::Image)
        );
        let big = format!(
            "data:image/png;base64,iVBORw0KGgo{}",
            "A".repeat(300 * 1024)
        );
        assert_eq!(
            image_data_url(&big, 200),
            Err(FieldError::FileTooLarge { max_kb: 200 })
        );
    }
}
