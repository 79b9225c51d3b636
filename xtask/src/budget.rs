//! The size budget of the first visit, and `cargo xtask bench`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// A bundle of the SPA: the page a browser opens and everything it makes the browser fetch.
#[derive(Debug, Clone, Copy)]
pub struct Bundle {
    /// As reports name it.
    pub name: &'static str,
    /// The page below `dist`.
    page: &'static str,
    /// The most it may download, brotli-compressed, in bytes (html + js + wasm + css + icon).
    /// A budget lowers in a commit of its own with the measured number; a raise needs a reason
    /// in its commit.
    pub budget: u64,
}

/// Every bundle and its budget. The targets are 100 KB for the login page and the phone
/// pages and 250 KB for the console; `docs/size.md` says what the bundles hold and what has
/// been done about it.
///
/// The login page held 150 000 while trunk built one bundle; split from the console it
/// measured 138.8 KB, then 118.5 KB. Texts as constants (a bundle carries only the texts it
/// names) and a hand-written `FieldError` reader brought it to 102.3 KB, the phone pages from
/// 167.7 KB to 152.4 KB, the console from 423.0 KB to 417.2 KB. JSON parsed and written by
/// the browser (`JSON.parse`/`JSON.stringify` with serde-wasm-bindgen, no serde_json in the
/// bundles): 99.8 KB, 148.2 KB and 402.3 KB. wasm-bindgen's glue minified (terser, integrity
/// attributes rewritten): 98.1 KB, 146.5 KB and 400.2 KB. The standard library built with the
/// bundles for size, without panic machinery (`dist::trunk`): 87.3 KB, 133.6 KB and 379.3 KB.
/// The phone pages then became a bundle each (a phone opens one of them): 96.8 KB, 100.1 KB and
/// 94.6 KB; the console's own styles moved to a file of their own: the login page 85.8 KB, the
/// phone pages 95.4 KB, 98.7 KB and 93.1 KB, the console 380.0 KB (one more file, +0.6 KB).
/// The console built with Leptos's `erase_components`: 327.8 KB. Its pages then became modules
/// of their own, fetched when a page is first opened: 234.6 KB with those of the providers
/// page (the first table), 191.9 KB with that page kept in the console's own module.
/// Raised once, by what a person gains: dialogs that keep the keyboard's focus (taken, kept
/// inside with the page behind inert, given back), titles that follow the chosen language, and
/// a phone sign-in that carries the page's language through WeChat or Alipay: the login page
/// 86.4 KB, the provider sync's phone page 100.9 KB, the console 194.2 KB. The levers still
/// untaken (one stylesheet per bundle, no serde_json in the phone bundles, no server-function
/// streams) are to bring them back below what they were.
pub const BUNDLES: [Bundle; 5] = [
    Bundle {
        name: "login page (first visit)",
        page: "login/index.html",
        budget: 86_500,
    },
    Bundle {
        name: "phone page: open WeChat Maidan",
        page: "phone/maidan/index.html",
        budget: 96_000,
    },
    Bundle {
        name: "phone page: provider sync",
        page: "phone/provider-sync/index.html",
        budget: 101_000,
    },
    Bundle {
        name: "phone page: Alipay authorization",
        page: "phone/alipay-authorizations/index.html",
        budget: 94_000,
    },
    Bundle {
        name: "console after signing in",
        page: CONSOLE_PAGE,
        budget: 194_500,
    },
];

/// One file of the first visit.
pub struct Asset {
    pub name: String,
    pub raw: u64,
    pub brotli: u64,
}

/// The console's page, fetched once signed in.
pub const CONSOLE_PAGE: &str = "index.html";

/// The files a page of `dist` (a path below it) makes the browser fetch, with their sizes.
fn page_assets(dist: &Path, page: &str) -> anyhow::Result<Vec<Asset>> {
    let html =
        std::fs::read_to_string(dist.join(page)).with_context(|| format!("reading {page}"))?;
    let mut names = vec![page.to_owned()];
    for attr in ["src=\"/", "href=\"/"] {
        let mut rest = html.as_str();
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            let name = rest[..end].to_owned();
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    // The JS glue fetches the wasm even when the page does not preload it, and the console's
    // glue the script that fetches its pages' modules.
    let folder = Path::new(page).parent().unwrap_or(Path::new(""));
    for entry in std::fs::read_dir(dist.join(folder))? {
        let name = folder.join(entry?.file_name());
        let name = name.to_string_lossy().into_owned();
        let fetched_by_glue =
            name.ends_with("_bg.wasm") || (name.starts_with("split-") && name.ends_with(".js"));
        if fetched_by_glue && !names.contains(&name) {
            names.push(name);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let raw = std::fs::metadata(dist.join(&name))
                .with_context(|| format!("reading {name}"))?
                .len();
            let brotli = served_brotli(dist, &name)?;
            Ok(Asset { name, raw, brotli })
        })
        .collect()
}

/// Prints every bundle's sizes and fails when one is over its budget or ships a debug-names
/// section. Returns each bundle's brotli total, in [`BUNDLES`] order.
pub fn check(dist: &Path) -> anyhow::Result<Vec<u64>> {
    let mut totals = Vec::new();
    let mut over = Vec::new();
    for bundle in BUNDLES {
        let assets = page_assets(dist, bundle.page)?;
        let total: u64 = assets.iter().map(|a| a.brotli).sum();
        eprintln!("{} (brotli):", bundle.name);
        for a in &assets {
            eprintln!("  {:>9} B raw {:>9} B br  {}", a.raw, a.brotli, a.name);
        }
        eprintln!(
            "  total {total} B of {} B budget ({:.0}%)",
            bundle.budget,
            total as f64 * 100.0 / bundle.budget as f64
        );
        if total > bundle.budget {
            over.push(format!(
                "{} downloads {total} B brotli, over its {} B budget",
                bundle.name, bundle.budget
            ));
        }
        totals.push(total);
    }
    console_pages(dist)?;
    if !over.is_empty() {
        bail!("{}", over.join("; "));
    }
    let mut wasm = wasm_files(dist)?;
    for entry in crate::dist::entries() {
        wasm.extend(wasm_files(&dist.join(entry.folder))?);
    }
    for wasm in wasm {
        let sections = custom_sections(&std::fs::read(&wasm)?)?;
        if sections.iter().any(|s| s == "name") {
            bail!("{} ships a debug-names section", wasm.display());
        }
    }
    Ok(totals)
}

/// Prints what opening each of the console's pages adds to the console's bundle (brotli), the
/// modules it shares with other pages included.
fn console_pages(dist: &Path) -> anyhow::Result<()> {
    let list = std::fs::read_to_string(dist.join(crate::split::PAGE_MODULES))?;
    eprintln!("the console's pages, each on top of the console (brotli, its modules):");
    for line in list.lines() {
        let mut words = line.split(' ');
        let page = words.next().unwrap_or_default();
        let mut total = 0;
        for file in words {
            total += served_brotli(dist, file)?;
        }
        eprintln!("  {total:>9} B  {page}");
    }
    Ok(())
}

/// The brotli size of a file of `dist` as served: its `.br` sibling, which `cargo xtask dist`
/// writes beside every text asset at the highest quality.
fn served_brotli(dist: &Path, name: &str) -> anyhow::Result<u64> {
    let packed = format!("{name}.br");
    Ok(std::fs::metadata(dist.join(&packed))
        .with_context(|| format!("reading {packed}"))?
        .len())
}

fn wasm_files(dist: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wasm") {
            out.push(path);
        }
    }
    Ok(out)
}

fn leb128(bytes: &[u8], pos: &mut usize) -> anyhow::Result<usize> {
    let mut value = 0_usize;
    let mut shift = 0;
    loop {
        let Some(&byte) = bytes.get(*pos) else {
            bail!("truncated wasm");
        };
        *pos += 1;
        value |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
        shift += 7;
        if shift > 35 {
            bail!("bad LEB128 in wasm");
        }
    }
}

/// The names of a wasm module's custom sections.
pub fn custom_sections(bytes: &[u8]) -> anyhow::Result<Vec<String>> {
    if bytes.get(..4) != Some(b"\0asm") {
        bail!("not a wasm module");
    }
    let mut pos = 8;
    let mut names = Vec::new();
    while pos < bytes.len() {
        let id = bytes[pos];
        pos += 1;
        let size = leb128(bytes, &mut pos)?;
        let end = pos + size;
        if id == 0 {
            let mut p = pos;
            let len = leb128(bytes, &mut p)?;
            let name = bytes.get(p..p + len).unwrap_or_default();
            names.push(String::from_utf8_lossy(name).into_owned());
        }
        pos = end;
    }
    Ok(names)
}

/// `cargo xtask bench [--postgres]`: the bundles against their budgets, the pages' timings in
/// headless Chromium (`e2e/bench/timings.js`), then the server's
/// measurements on SQLite and, with `--postgres`, on a throwaway PostgreSQL in the same run.
pub fn bench(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let postgres = match args {
        [] => None,
        [flag] if flag == "--postgres" => Some(crate::postgres::Postgres::start(
            &crate::tools::ensure_postgres()?,
        )?),
        _ => anyhow::bail!("usage: cargo xtask bench [--postgres]"),
    };
    let dist = crate::dist::build(root)?;
    for (bundle, total) in BUNDLES.iter().zip(check(&dist)?) {
        println!(
            "bundle: {} {total} B brotli = {:.2} x budget ({} B)",
            bundle.name,
            total as f64 / bundle.budget as f64,
            bundle.budget
        );
    }
    crate::test::page_timings(root)?;
    let mut bench = crate::process::cargo();
    bench.args(["bench", "--package", "server"]);
    if let Some(postgres) = &postgres {
        // The throwaway cluster serves TLS; the bench measures the console, not the handshake
        // and cipher, on loopback (as the figures before TLS did).
        bench
            .env("BENCH_POSTGRES_URL", postgres.url())
            .env("PGSSLMODE", "disable");
    }
    crate::process::run(&mut bench)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bundle_is_one_of_the_entries_or_the_console() {
        let pages: Vec<&str> = BUNDLES.iter().map(|b| b.page).collect();
        let entries = crate::dist::entries()
            .into_iter()
            .map(|e| format!("{}/index.html", e.folder));
        let expected: Vec<String> = entries.chain([CONSOLE_PAGE.to_owned()]).collect();
        assert_eq!(pages, expected);
    }

    #[test]
    fn custom_sections_are_listed() {
        // Header, then a custom section "name" of 5 bytes (name length 4 + "name").
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        module.extend([0, 5, 4]);
        module.extend(b"name");
        assert_eq!(custom_sections(&module).unwrap(), ["name"]);
        assert!(custom_sections(b"\0asm\x01\0\0\0").unwrap().is_empty());
        assert!(custom_sections(b"nope").is_err());
    }
}
