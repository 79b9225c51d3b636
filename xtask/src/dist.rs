//! `cargo xtask dist`: the SPA as static files a CDN can serve, in entries: the console
//! (`dist/index.html`), the login page (`dist/login/`) and each phone page
//! (`dist/phone/<page>/`).
//!
//! trunk builds each (release, wasm-opt -Oz, hashed names); then trunk's inline loader script
//! moves into a hashed file (the CSP allows no inline script), the JavaScript is minified
//! (`xtask/node/minify-glue.mjs`, integrity attributes kept true), and every text asset gets
//! `.br` and `.gz` siblings.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail};

use crate::{process::run, tools};

/// What the SPA is built from: a change to any of these rebuilds `dist/`.
const INPUTS: [&str; 14] = [
    "src",
    "style",
    "public",
    "index.html",
    "domain/src",
    "Cargo.toml",
    "Cargo.lock",
    "Trunk.toml",
    "rust-toolchain.toml",
    "domain/Cargo.toml",
    "xtask/src/dist.rs",
    "xtask/src/split.rs",
    "xtask/node/minify-glue.mjs",
    "xtask/node/package-lock.json",
];
const STAMP: &str = ".build-stamp";

/// A bundle beside the console: the page trunk builds it from, and its folder below `dist/`
/// (also its public URL, `/<folder>/`).
pub struct Entry {
    pub source: String,
    pub folder: String,
}

/// The bundles beside the console: the login page (a first visit downloads only it) and each
/// page a phone opens from a QR code (`src/bin/phone-<page>.html` into `dist/phone/<page>/`: a
/// phone downloads the page it opened, not the others).
pub fn entries() -> Vec<Entry> {
    use domain::navigation::{LOGIN_ENTRY, PHONE_ENTRY, PHONE_PAGES};
    let login = Entry {
        source: format!("src/bin/{LOGIN_ENTRY}.html"),
        folder: LOGIN_ENTRY.to_owned(),
    };
    let phone = PHONE_PAGES.iter().map(|page| Entry {
        source: format!("src/bin/{PHONE_ENTRY}-{page}.html"),
        folder: format!("{PHONE_ENTRY}/{page}"),
    });
    std::iter::once(login).chain(phone).collect()
}

/// Builds `dist/` (unless it is newer than every input) and returns its path.
pub fn build(root: &Path) -> anyhow::Result<PathBuf> {
    let dist = root.join("dist");
    let stamp = dist.join(STAMP);
    let built_at = std::fs::metadata(&stamp).and_then(|m| m.modified()).ok();
    let newest_input = INPUTS.iter().filter_map(|p| newest(&root.join(p))).max();
    if let (Some(built), Some(input)) = (built_at, newest_input)
        && built > input
    {
        eprintln!("dist/ is up to date");
        return Ok(dist);
    }
    let path = tools::ensure_build_tools(root)?;
    // trunk builds offline (it must never download tools), so fetch crates first, the standard
    // library's own among them.
    run(with_std_built(&mut crate::process::cargo()).args([
        "fetch",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    // The console first: trunk empties its own dist folder, and the other entries live inside.
    run(trunk(root, true)
        .args(["build", "--release"])
        .env("PATH", &path)
        .current_dir(root))?;
    let console_target = crate::process::target_dir(root).join(CONSOLE_TARGET);
    crate::split::split_console(
        &dist,
        &console_target.join("wasm32-unknown-unknown/wasm-release/console.wasm"),
        &console_target.join("split"),
        &path,
    )?;
    let mut folders = vec![(dist.clone(), "/".to_owned())];
    for entry in entries() {
        let folder = dist.join(&entry.folder);
        let url = format!("/{}/", entry.folder);
        run(trunk(root, false)
            .arg("build")
            .arg(&entry.source)
            .args(["--release", "true", "--public-url", &url, "--dist"])
            .arg(&folder)
            .env("PATH", &path)
            .current_dir(root))?;
        folders.push((folder, url));
    }
    for (folder, url) in &folders {
        externalize_loader(folder, url)?;
        run(Command::new("node")
            .arg(root.join("xtask/node/minify-glue.mjs"))
            .arg(folder)
            .env("PATH", &path))?;
        precompress(folder)?;
    }
    std::fs::write(&stamp, "").context("writing the build stamp")?;
    Ok(dist)
}

/// trunk, with the bundles' standard library compiled with them, for size: `-Zbuild-std`
/// builds it at the `wasm-release` profile's `opt-level = "z"` with its `optimize_for_size`
/// paths (the shipped one is built for speed), and `panic=immediate-abort` leaves out the panic
/// machinery, its messages and their formatting (a release bundle never showed them: a panic
/// ends the page either way). Unstable flags on the stable toolchain, hence `RUSTC_BOOTSTRAP`;
/// only these builds see them, and their host crates live apart under the `wasm-release`
/// profile, so the other builds are not disturbed. About 10 % of each bundle (`docs/size.md`).
///
/// `console` (the console's bundle): Leptos's `erase_components`, every component's view an
/// `AnyView`, so that a page's view types are not nested into those of the shell and router
/// around it and compiled again for each: a seventh of the console's bundle, while the small
/// bundles grow by the erasing's own code (the login page by 7 KB). And its pages split into
/// modules of their own ([`crate::split`]). Those builds use a target folder of their own: one
/// set of flags per folder, so that neither rebuilds the other's crates.
fn trunk(root: &Path, console: bool) -> Command {
    let mut rustflags = "-Zunstable-options -Cpanic=immediate-abort".to_owned();
    let mut trunk = Command::new("trunk");
    if console {
        rustflags.push_str(" --cfg erase_components ");
        rustflags.push_str(crate::split::SPLIT_FLAGS);
        trunk.env(
            "CARGO_TARGET_DIR",
            crate::process::target_dir(root).join(CONSOLE_TARGET),
        );
    }
    with_std_built(&mut trunk).env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", rustflags);
    trunk
}

/// A cargo command (or one that runs cargo) that builds the standard library with the crates.
fn with_std_built(command: &mut Command) -> &mut Command {
    command
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
        .env("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size")
}

/// The target folder, below the shared one, of the console's builds (their own flags).
const CONSOLE_TARGET: &str = "erased-views";

/// The newest modification time of a file or anything below a folder.
fn newest(path: &Path) -> Option<std::time::SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    let own = meta.modified().ok();
    if !meta.is_dir() {
        return own;
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| newest(&entry.path()))
        .chain(own)
        .max()
}

/// Moves inline `<script type="module">` blocks of index.html into hashed files, served from
/// `url` (the folder's public URL).
fn externalize_loader(dist: &Path, url: &str) -> anyhow::Result<()> {
    let index_path = dist.join("index.html");
    let mut html = std::fs::read_to_string(&index_path).context("reading dist/index.html")?;
    const OPEN: &str = "<script type=\"module\">";
    while let Some(start) = html.find(OPEN) {
        let body_start = start + OPEN.len();
        let Some(len) = html[body_start..].find("</script>") else {
            bail!("unterminated inline script in dist/index.html");
        };
        let script = html[body_start..body_start + len].trim().to_owned();
        let name = format!("boot-{:016x}.js", fnv1a(script.as_bytes()));
        std::fs::write(dist.join(&name), format!("{script}\n"))
            .with_context(|| format!("writing {name}"))?;
        let tag = format!("<script type=\"module\" src=\"{url}{name}\"></script>");
        html.replace_range(start..body_start + len + "</script>".len(), &tag);
    }
    if html.contains("<script>") || html.contains(" style=\"") {
        bail!("dist/index.html has inline script or style that the CSP would block");
    }
    std::fs::write(&index_path, html).context("writing dist/index.html")
}

/// FNV-1a, 64 bits: a content hash for cache-busting file names.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

const COMPRESSIBLE: [&str; 6] = ["html", "js", "wasm", "css", "svg", "json"];

/// Writes `.br` (quality 11) and `.gz` (level 9) beside every text asset.
fn precompress(dist: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dist).context("listing dist/")? {
        let path = entry?.path();
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        std::fs::write(sibling(&path, "br"), brotli_bytes(&bytes)?)?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes)?;
        std::fs::write(sibling(&path, "gz"), gz.finish()?)?;
    }
    Ok(())
}

fn sibling(path: &Path, extension: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

/// Brotli at the highest quality, as served to browsers.
fn brotli_bytes(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}
