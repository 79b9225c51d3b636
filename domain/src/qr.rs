//! QR codes as module matrices: what the console draws into its `<canvas>`.

use qrcode::{Color, EcLevel, QrCode};

/// Modules of light border around the code (the QR standard asks for 4).
pub const QUIET_ZONE: usize = 4;

/// A square of dark (`true`) and light modules, quiet zone included, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    pub side: usize,
    pub dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `payload` (error correction M: survives a smudged screen or a glare).
    pub fn encode(payload: &str) -> Option<QrMatrix> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).ok()?;
        let width = code.width();
        let side = width + 2 * QUIET_ZONE;
        let colors = code.to_colors();
        let mut dark = vec![false; side * side];
        for y in 0..width {
            for x in 0..width {
                dark[(y + QUIET_ZONE) * side + x + QUIET_ZONE] =
                    colors[y * width + x] == Color::Dark;
            }
        }
        Some(QrMatrix { side, dark })
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark.get(y * self.side + x).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the matrix at `scale` pixels per module and reads it back with a QR decoder.
    fn decode(matrix: &QrMatrix, scale: usize) -> String {
        let px = matrix.side * scale;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(px, px, |x, y| {
            if matrix.is_dark(x / scale, y / scale) {
                0
            } else {
                255
            }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "exactly one code in the picture");
        grids[0].decode().expect("decodes").1
    }

    #[test]
    fn a_ticket_url_decodes_back_to_itself() {
        let url = "http://127.0.0.1:8080/m/provider-sync/5df5effbd696eceee4382c920668e03a";
        let matrix = QrMatrix::encode(url).expect("encodes");
        assert_eq!(decode(&matrix, 4), url);
    }

    #[test]
    fn the_code_is_square_with_a_light_quiet_zone() {
        let matrix =
            QrMatrix::encode("https://console.example.com/m/provider-sync/ab").expect("encodes");
        assert_eq!(matrix.dark.len(), matrix.side * matrix.side);
        for i in 0..matrix.side {
            for q in 0..QUIET_ZONE {
                assert!(!matrix.is_dark(i, q) && !matrix.is_dark(q, i));
            }
        }
        // The top-left finder pattern starts right after the quiet zone.
        assert!(matrix.is_dark(QUIET_ZONE, QUIET_ZONE));
    }
}
