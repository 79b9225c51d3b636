//! Installs the tools the build and the tests need, each only when missing or wrong.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail};

use crate::process::{output, run};

const TRUNK_VERSION: &str = "0.21.14";
const CARGO_DENY_VERSION: &str = "0.20.2";
const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// The wasm32 target and the standard library's source, trunk, wasm-bindgen-cli
/// (= Cargo.lock) and wasm-opt 132.
/// Returns the PATH to build with (npm's wasm-opt first, so Debian's is never picked up).
pub fn ensure_build_tools(root: &Path) -> anyhow::Result<std::ffi::OsString> {
    ensure_wasm_target()?;
    ensure_rust_src()?;
    ensure_cargo_tool("trunk", TRUNK_VERSION, &["--locked"])?;
    let wasm_bindgen = locked_version(root, "wasm-bindgen")?;
    // Without --locked: the CLI's own lock file names a crate version the registry lacks.
    ensure_cargo_tool_as("wasm-bindgen-cli", "wasm-bindgen", &wasm_bindgen, &[])?;
    let node_bin = ensure_npm_packages(&root.join("xtask/node"))?;
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![node_bin];
    dirs.extend(std::env::split_paths(&path));
    let path = std::env::join_paths(dirs).context("building PATH")?;
    let wasm_opt = output(Command::new("wasm-opt").arg("--version").env("PATH", &path));
    if !wasm_opt
        .as_deref()
        .is_some_and(|v| v.contains("version 132"))
    {
        bail!("wasm-opt 132 from npm is not first on PATH (found {wasm_opt:?})");
    }
    Ok(path)
}

/// cargo-deny, for the supply-chain check.
pub fn ensure_cargo_deny() -> anyhow::Result<()> {
    ensure_cargo_tool("cargo-deny", CARGO_DENY_VERSION, &["--locked"])
}

/// schemathesis and everything it runs on, pinned by `e2e/schemathesis-requirements.txt`, in a
/// virtualenv under the target directory; returns its `st`.
pub fn ensure_schemathesis(root: &Path) -> anyhow::Result<PathBuf> {
    let requirements = root.join("e2e/schemathesis-requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).context("reading the pinned packages")?;
    let venv =
        crate::process::target_dir(root).join(format!("schemathesis-{SCHEMATHESIS_VERSION}"));
    let installed = venv.join("installed-requirements.txt");
    let st = venv.join("bin/st");
    if st.exists() && std::fs::read_to_string(&installed).ok().as_deref() == Some(&wanted) {
        return Ok(st);
    }
    eprintln!(
        "installing schemathesis {SCHEMATHESIS_VERSION} into {}",
        venv.display()
    );
    let _ = std::fs::remove_dir_all(&venv);
    if output(Command::new("python3").args(["-c", "import ensurepip, venv"])).is_none() {
        bail!("python3 cannot make a virtualenv here (on Debian: apt-get install python3-venv)");
    }
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--requirement",
        ])
        .arg(&requirements))?;
    std::fs::write(&installed, wanted)?;
    Ok(st)
}

/// The standard library's source, which the bundles' build compiles for size (`crate::dist`).
fn ensure_rust_src() -> anyhow::Result<()> {
    let installed = output(Command::new("rustup").args(["component", "list", "--installed"]))
        .unwrap_or_default();
    if !installed.lines().any(|l| l.trim() == "rust-src") {
        run(Command::new("rustup").args(["component", "add", "rust-src"]))?;
    }
    Ok(())
}

fn ensure_wasm_target() -> anyhow::Result<()> {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if !installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

fn ensure_cargo_tool(name: &str, version: &str, flags: &[&str]) -> anyhow::Result<()> {
    ensure_cargo_tool_as(name, name, version, flags)
}

/// Installs crate `krate` at `version` unless `binary --version` already says so.
fn ensure_cargo_tool_as(
    krate: &str,
    binary: &str,
    version: &str,
    flags: &[&str],
) -> anyhow::Result<()> {
    let found = output(Command::new(binary).arg("--version")).unwrap_or_default();
    if found.split_whitespace().any(|w| w == version) {
        return Ok(());
    }
    eprintln!("installing {krate} {version} (found {found:?}); this takes a few minutes once");
    run(crate::process::cargo()
        .args(["install", krate, "--version", version, "--force"])
        .args(flags))
}

/// The version of `package` that Cargo.lock pins.
pub fn locked_version(root: &Path, package: &str) -> anyhow::Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"")
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = "))
        {
            return Ok(version.trim_matches('"').to_owned());
        }
    }
    bail!("{package} is not in Cargo.lock")
}

/// `npm ci` in `dir` unless its node_modules matches its lock file; returns its `.bin`.
pub fn ensure_npm_packages(dir: &Path) -> anyhow::Result<PathBuf> {
    let lock = dir.join("package-lock.json");
    let installed = dir.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::read(&lock), std::fs::read(&installed)) {
        (Ok(_), Ok(_)) => {
            let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
            modified(&installed) >= modified(&lock)
        }
        _ => false,
    };
    if !fresh {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir))?;
    }
    Ok(dir.join("node_modules/.bin"))
}

/// Debian's Chromium and ChromeDriver (and a CJK font, so screenshots show Chinese).
pub fn ensure_chromium() -> anyhow::Result<()> {
    let have = |p: &str| Path::new(p).exists();
    if have("/usr/bin/chromium")
        && have("/usr/bin/chromedriver")
        && have("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    {
        return Ok(());
    }
    apt_install(&["chromium", "chromium-driver", "fonts-wqy-microhei"])
}

/// Installs Debian packages (without their recommendations), saying so first.
fn apt_install(packages: &[&str]) -> anyhow::Result<()> {
    eprintln!("installing {} from Debian", packages.join(", "));
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// The `bin` directory of Debian's PostgreSQL server (installed when missing).
pub fn ensure_postgres() -> anyhow::Result<PathBuf> {
    let find = || -> Option<PathBuf> {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
            .collect();
        versions.sort();
        versions.pop()
    };
    if let Some(bin) = find() {
        return Ok(bin);
    }
    apt_install(&["postgresql"])?;
    find().context("postgresql installed, but no initdb under /usr/lib/postgresql/*/bin")
}

/// Debian's nginx with the brotli_static module, for the static-edge smoke run: the binary
/// and the module's path (installed when missing; no service is started here).
pub fn ensure_nginx() -> anyhow::Result<(PathBuf, PathBuf)> {
    let binary = PathBuf::from("/usr/sbin/nginx");
    let module = PathBuf::from("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so");
    if binary.exists() && module.exists() {
        return Ok((binary, module));
    }
    apt_install(&["nginx-light", "libnginx-mod-http-brotli-static"])?;
    if !(binary.exists() && module.exists()) {
        anyhow::bail!(
            "nginx installed, but no {} or {}",
            binary.display(),
            module.display()
        );
    }
    Ok((binary, module))
}
