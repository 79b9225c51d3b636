//! `e2e/tests/api-paths.js`: the JSON API's paths as the end-to-end specs read them, written
//! from `domain::paths` (the table the server's router and the SPA's client use). The native
//! test below fails while the file differs from the table; `cargo xtask api-paths` writes it.

use std::path::{Path, PathBuf};

fn file(root: &Path) -> PathBuf {
    root.join("e2e/tests/api-paths.js")
}

/// The file's text for the current table.
fn render() -> String {
    let mut text = String::from(
        "// The JSON API's paths, written by `cargo xtask api-paths` from domain/src/paths.rs\n\
         // (the table the server's router and the console's client use): do not edit.\n\
         // A path is relative to BASE; `{name}` marks a parameter (see `api` in fixtures.js).\n\
         'use strict';\n\n",
    );
    text.push_str(&format!("const BASE = '{}';\n\n", domain::paths::BASE));
    text.push_str("const PATHS = Object.freeze({\n");
    for (name, path) in domain::paths::ALL {
        text.push_str(&format!("  {name}: '{path}',\n"));
    }
    text.push_str(
        "});\n\n\
         // `name`'s path under BASE with its `{…}` parameters replaced, in order, by `values`:\n\
         // api('SUB_MERCHANT', 42) is '/api/v1/sub-merchants/42'.\n\
         function api(name, ...values) {\n\
         \x20 const path = PATHS[name];\n\
         \x20 if (path === undefined) throw new Error(`no API path is named ${name}`);\n\
         \x20 let next = 0;\n\
         \x20 const filled = path.replace(/\\{[^}]+\\}/g, (parameter) => {\n\
         \x20   if (next >= values.length) throw new Error(`${name} needs a value for ${parameter}`);\n\
         \x20   return String(values[next++]);\n\
         \x20 });\n\
         \x20 if (next < values.length) throw new Error(`${name} takes ${next} value(s)`);\n\
         \x20 return BASE + filled;\n\
         }\n\n\
         module.exports = { BASE, PATHS, api };\n",
    );
    text
}

/// `cargo xtask api-paths`.
pub fn write(root: &Path) -> anyhow::Result<()> {
    let path = file(root);
    std::fs::write(&path, render())?;
    println!("wrote {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specs_read_the_paths_the_router_registers() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let on_disk = std::fs::read_to_string(file(root)).unwrap_or_default();
        assert!(
            on_disk == render(),
            "e2e/tests/api-paths.js differs from domain::paths: run `cargo xtask api-paths`"
        );
    }
}
