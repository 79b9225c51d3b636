//! A QR code drawn into a `<canvas>`, crisp on high-DPI screens.
//!
//! The payload is also exposed as `data-payload` and in the accessible label, so that
//! assistive technology and tests can read what the code says.

use domain::qr::QrMatrix;
use leptos::{html::Canvas, prelude::*};
use wasm_bindgen::JsCast;

fn draw(canvas: &web_sys::HtmlCanvasElement, payload: &str, css_px: u32) -> Option<()> {
    let QrMatrix { side, dark } = QrMatrix::encode(payload)?;
    let ratio = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0);
    // Whole device pixels per module keep the edges sharp.
    let module_px = ((f64::from(css_px) * ratio) / side as f64).floor().max(1.0);
    let device_px = module_px * side as f64;
    canvas.set_width(device_px as u32);
    canvas.set_height(device_px as u32);
    let style = web_sys::HtmlElement::style(canvas);
    let css = format!("{}px", device_px / ratio);
    style.set_property("width", &css).ok()?;
    style.set_property("height", &css).ok()?;
    let context: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d").ok()??.dyn_into().ok()?;
    context.set_fill_style_str("#ffffff");
    context.fill_rect(0.0, 0.0, device_px, device_px);
    context.set_fill_style_str("#000000");
    for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
        let (x, y) = ((i % side) as f64, (i / side) as f64);
        context.fill_rect(x * module_px, y * module_px, module_px, module_px);
    }
    Some(())
}

/// Draws `payload` as a QR code about `size` CSS pixels wide.
#[component]
pub fn QrCanvas(
    #[prop(into)] payload: Signal<String>,
    #[prop(default = 200)] size: u32,
    #[prop(into)] label: Signal<String>,
) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    Effect::new(move |_| {
        let payload = payload.get();
        if let Some(canvas) = canvas.get() {
            draw(&canvas, &payload, size);
        }
    });
    view! {
        <canvas
            node_ref=canvas
            class="qr"
            role="img"
            aria-label=move || format!("{} {}", label.get(), payload.get())
            data-payload=move || payload.get()
        ></canvas>
    }
}
