//! Logo and ad images (基本信息): PNG or JPEG only, decoded in full within pixel and memory
//! limits before they are stored, and with nothing after the image's end, so that a file which
//! is also something else (a polyglot: an image with a page or an archive appended) is refused.

use std::io::Cursor;

use domain::FieldError;
use image::{ImageFormat, ImageReader, Limits};

/// The widest and tallest image accepted, in pixels.
pub const MAX_SIDE: u32 = 4096;
/// The most memory decoding one image may take.
pub const MAX_DECODE_BYTES: u64 = 64 << 20;

/// The last bytes of every well-formed file of the format.
fn end_marker(format: ImageFormat) -> &'static [u8] {
    match format {
        // The IEND chunk: zero length, type, CRC.
        ImageFormat::Png => &[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82],
        // End of image.
        _ => &[0xFF, 0xD9],
    }
}

/// Whether a PNG's chunks run to its first `IEND` and the file ends right there (a second image
/// or a page hidden after the first `IEND` would otherwise pass an end-of-file check).
fn png_ends_at_first_iend(bytes: &[u8]) -> bool {
    let mut at = 8_usize;
    while let Some(header) = bytes.get(at..at + 8) {
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let Some(next) = at.checked_add(12).and_then(|n| n.checked_add(length)) else {
            return false;
        };
        if &header[4..8] == b"IEND" {
            return next == bytes.len();
        }
        at = next;
    }
    false
}

/// Checks an uploaded image: its signature names PNG or JPEG, it ends where the format says,
/// and it decodes completely within [`MAX_SIDE`] and [`MAX_DECODE_BYTES`].
pub fn check(bytes: &[u8]) -> Result<(), FieldError> {
    let format = match domain::rules::image_type(bytes) {
        Some("image/png") => ImageFormat::Png,
        Some("image/jpeg") => ImageFormat::Jpeg,
        _ => return Err(FieldError::Image),
    };
    let ends_there = match format {
        ImageFormat::Png => png_ends_at_first_iend(bytes),
        _ => bytes.ends_with(end_marker(format)),
    };
    if !ends_there {
        return Err(FieldError::Image);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    reader.decode().map(drop).map_err(|_| FieldError::Image)
}

/// Decodes each `data:` URL a form sent (the browser checked its first bytes) and checks the
/// whole image; an empty field is no image. The fields that fail, by name.
pub fn check_data_urls(images: &[(&'static str, &str)]) -> Vec<(&'static str, FieldError)> {
    images
        .iter()
        .filter_map(|(name, url)| {
            let (_, data) = url.split_once(',')?;
            let decoded = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, data);
            decoded
                .map_err(|_| FieldError::Image)
                .and_then(|bytes| check(&bytes))
                .err()
                .map(|error| (*name, error))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image::RgbImage::new(width, height)
            .write_to(&mut out, ImageFormat::Png)
            .unwrap_or_else(|e| panic!("{e}"));
        out.into_inner()
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image::RgbImage::new(width, height)
            .write_to(&mut out, ImageFormat::Jpeg)
            .unwrap_or_else(|e| panic!("{e}"));
        out.into_inner()
    }

    #[test]
    fn whole_pngs_and_jpegs_within_the_limits_are_accepted() {
        assert_eq!(check(&png(64, 32)), Ok(()));
        assert_eq!(check(&jpeg(64, 32)), Ok(()));
        assert_eq!(check(&png(MAX_SIDE, 1)), Ok(()));
    }

    #[test]
    fn an_image_over_the_pixel_limit_is_refused_however_small_the_file() {
        let wide = png(MAX_SIDE + 1, 1);
        assert!(wide.len() < 1_000, "a few hundred bytes: {}", wide.len());
        assert_eq!(check(&wide), Err(FieldError::Image));
    }

    #[test]
    fn a_polyglot_or_a_truncated_image_is_refused() {
        let mut polyglot = png(8, 8);
        polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
        assert_eq!(check(&polyglot), Err(FieldError::Image));
        let mut jpeg_zip = jpeg(8, 8);
        jpeg_zip.extend_from_slice(b"PK\x03\x04");
        assert_eq!(check(&jpeg_zip), Err(FieldError::Image));
        // The right start and end, a broken middle.
        let whole = png(32, 32);
        let mut broken = whole[..40].to_vec();
        broken.extend_from_slice(end_marker(ImageFormat::Png));
        assert_eq!(check(&broken), Err(FieldError::Image));
        assert_eq!(check(b"GIF89a"), Err(FieldError::Image));
        // A page between the real end and a second end marker.
        let mut hidden = png(8, 8);
        hidden.extend_from_slice(b"<html></html>");
        hidden.extend_from_slice(end_marker(ImageFormat::Png));
        assert_eq!(check(&hidden), Err(FieldError::Image));
    }
}
