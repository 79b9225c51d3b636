//! The console's pages as wasm modules of their own, fetched when a page is first opened.
//!
//! The console is built with `--cfg split_pages` (each page a Leptos lazy route, `src/app.rs`)
//! and linked with its relocations kept. trunk cannot split a wasm, so it builds the page
//! (html, styles, hashed names) and then the split replaces its wasm and glue: the split
//! tool cuts the linked wasm at the pages' split points into the console's module, one module
//! per page and modules of the code some pages share, with a small JavaScript file that fetches
//! them; wasm-bindgen then writes the console's glue for its module and wasm-opt shrinks every
//! module. A module's file is named by its content's hash, as trunk names the others.

use std::{
    ffi::OsStr,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, anyhow, bail};

use crate::process::run;

/// The console's rustc flags for the split: the pages' split points, and the relocations the
/// split tool reads to move functions between modules.
pub const SPLIT_FLAGS: &str = "--cfg split_pages -Clink-args=--emit-relocs";

/// The module-fetching script's name as the split tool writes it, and the console's glue
/// imports it.
const LINK_JS: &str = "__wasm_split.js";

/// How a page's module is loaded, as the split tool writes it: a module that cannot be
/// fetched is reported to the console's wasm, which then stops (it has no page to show).
const LOADER: &str = "function wrapAsyncCb(callee) {
    return async (callbackIndex, callbackData) => {
        let success;
        try {
            await callee();
            success = true;
        } catch (e) {
            console.error(e);
            success = false;
        } finally {
            const sharedImports = getSharedImports();
            sharedImports.__wasm_split.__indirect_function_table.get(callbackIndex)(callbackData, success);
        }
    }
}";

/// The same, but a module that cannot be fetched is asked for twice more, half a second and
/// a second later (a network that dropped a request), then, still missing (a newer release
/// without it), the page is loaded again, once, which fetches the console afresh; only a
/// failure after that stops the console.
const LOADER_RELOADING: &str = "function wrapAsyncCb(callee) {
    return async (callbackIndex, callbackData) => {
        const once = \"page-module-reload:\" + location.pathname;
        let success = false;
        for (let attempt = 0; attempt < 3 && !success; attempt++) {
            try {
                if (attempt > 0) await new Promise((later) => setTimeout(later, 500 * attempt));
                await callee();
                success = true;
            } catch (e) {
                console.warn(\"A module of this page did not load.\", e);
            }
        }
        const again = !success && !reloaded(once);
        if (success) try { sessionStorage.removeItem(once); } catch {}
        if (again) {
            location.reload();
            return;
        }
        const sharedImports = getSharedImports();
        sharedImports.__wasm_split.__indirect_function_table.get(callbackIndex)(callbackData, success);
    }
}
// Whether the page was loaded again for `key` already, recording that it now is. Without
// storage (a browser that refuses it) it counts as loaded again: the page is never reloaded.
function reloaded(key) {
    try {
        const before = sessionStorage.getItem(key) !== null;
        sessionStorage.setItem(key, \"1\");
        return before;
    } catch {
        return true;
    }
}";

/// Splits the console trunk built into `dist` from `wasm`, the linked wasm cargo wrote; `path`
/// finds wasm-bindgen and wasm-opt; `work` is a scratch folder.
pub fn split_console(dist: &Path, wasm: &Path, work: &Path, path: &OsStr) -> anyhow::Result<()> {
    let stem = console_stem(dist)?;
    if work.exists() {
        std::fs::remove_dir_all(work).context("clearing the split's folder")?;
    }
    std::fs::create_dir_all(work)?;
    let input = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let main_wasm = work.join(format!("{stem}.wasm"));
    let main_module = format!("./{stem}.js");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = work;
    options.main_out_path = &main_wasm;
    options.main_module = &main_module;
    let split =
        wasm_split_cli_support::transform(options).map_err(|e| anyhow!("splitting: {e:?}"))?;

    // The console's glue and module, in place of trunk's.
    run(Command::new("wasm-bindgen")
        .args(["--target", "web", "--keep-lld-exports", "--no-typescript"])
        .arg("--out-dir")
        .arg(dist)
        .args(["--out-name", &stem])
        .arg(&main_wasm)
        .env("PATH", path))?;
    let mut modules = vec![dist.join(format!("{stem}_bg.wasm"))];
    modules.extend(split.split_modules.iter().cloned());
    shrink(&modules, path)?;

    // Each page's module and shared module under a hashed name, and the script that fetches
    // them too.
    let mut link =
        std::fs::read_to_string(work.join(LINK_JS)).context("reading the split's script")?;
    if !link.contains(LOADER) {
        bail!("the split's script has changed: {LINK_JS} no longer loads modules as expected");
    }
    link = link.replace(LOADER, LOADER_RELOADING);
    let mut hashed_names = std::collections::HashMap::new();
    for module in &split.split_modules {
        let name = file_name(module)?;
        let bytes = std::fs::read(module)?;
        let hashed = format!(
            "{}-{:016x}.wasm",
            short_name(name),
            crate::dist::fnv1a(&bytes)
        );
        hashed_names.insert(name.trim_end_matches(".wasm").to_owned(), hashed.clone());
        let quoted = format!("\"./{name}\"");
        if link.matches(&quoted).count() != 1 {
            bail!("the split's script does not fetch {name} once");
        }
        link = link.replace(&quoted, &format!("\"./{hashed}\""));
        std::fs::write(dist.join(&hashed), bytes)?;
    }
    let link_name = format!("split-{:016x}.js", crate::dist::fnv1a(link.as_bytes()));
    std::fs::write(dist.join(&link_name), link)?;
    let glue_path = dist.join(format!("{stem}.js"));
    let glue = std::fs::read_to_string(&glue_path)?;
    // The glue's imports of the script, not the module name the wasm imports from it (the
    // key of the glue's import object, which stays).
    let import = format!("from \"./{LINK_JS}\"");
    if !glue.contains(&import) {
        bail!("the console's glue does not import the split's script");
    }
    let renamed = glue.replace(&import, &format!("from \"./{link_name}\""));
    std::fs::write(&glue_path, renamed)?;

    // Which modules each page fetches, for `cargo xtask size`'s report: a line per page, its
    // name and its modules' files.
    let mut pages = Vec::new();
    for (split_point, stems) in &split.prefetch_map {
        let mut line = short_name(split_point).to_owned();
        for stem in stems {
            let hashed = hashed_names
                .get(stem)
                .ok_or_else(|| anyhow!("the split names a module it did not write: {stem}"))?;
            line.push(' ');
            line.push_str(hashed);
        }
        pages.push(line);
    }
    pages.sort();
    std::fs::write(dist.join(PAGE_MODULES), pages.join("\n") + "\n")?;
    Ok(())
}

/// The file in `dist/` that lists each page's modules (no page fetches it; `cargo xtask size`
/// reports from it).
pub const PAGE_MODULES: &str = ".page-modules";

/// `console-<hash>`: the name trunk gave the console's glue and module in `dist`.
fn console_stem(dist: &Path) -> anyhow::Result<String> {
    for entry in std::fs::read_dir(dist).context("listing dist/")? {
        let name = entry?.file_name();
        if let Some(stem) = name
            .to_str()
            .and_then(|n| n.strip_suffix("_bg.wasm"))
            .filter(|s| s.starts_with("console-"))
        {
            return Ok(stem.to_owned());
        }
    }
    bail!("dist/ has no console module (console-<hash>_bg.wasm)")
}

fn file_name(path: &Path) -> anyhow::Result<&str> {
    path.file_name()
        .and_then(OsStr::to_str)
        .ok_or_else(|| anyhow!("unreadable module name {}", path.display()))
}

/// A module's or split point's name without the split tool's decoration: `chunk_12` for a
/// shared module, `providers` for the page's module `split___providers_route_view_<n>.wasm`
/// and its split point `__providers_route_view_<n>`.
fn short_name(name: &str) -> &str {
    let name = name.strip_suffix(".wasm").unwrap_or(name);
    match name.split_once("_route_view_") {
        Some((page, _)) => page.trim_start_matches("split_").trim_start_matches('_'),
        None => name,
    }
}

/// wasm-opt, as trunk runs it on the other bundles, on every module: two at a time (the
/// console's own is most of the work).
fn shrink(modules: &[PathBuf], path: &OsStr) -> anyhow::Result<()> {
    let (first, second): (Vec<_>, Vec<_>) =
        modules.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let each = |half: Vec<(usize, &PathBuf)>| -> anyhow::Result<()> {
        for (_, module) in half {
            run(Command::new("wasm-opt")
                .args(["-Oz", "--converge", "--strip-producers", "--output"])
                .arg(module)
                .arg(module)
                .env("PATH", path))?;
        }
        Ok(())
    };
    std::thread::scope(|scope| {
        let other = scope.spawn(|| each(second));
        let mine = each(first);
        other
            .join()
            .map_err(|_| anyhow!("wasm-opt thread panicked"))?
            .and(mine)
    })
}

#[cfg(test)]
mod tests {
    use super::short_name;

    #[test]
    fn modules_are_named_after_their_page() {
        assert_eq!(
            short_name("split___sub_merchants_route_view_15292471865524772942.wasm"),
            "sub_merchants"
        );
        assert_eq!(
            short_name("__open_maidan_route_view_15292471865524772942"),
            "open_maidan"
        );
        assert_eq!(short_name("chunk_12.wasm"), "chunk_12");
    }
}
