//! `cargo xtask run | test | dist | size | bench | api-paths` — the only entry points a person needs.
//!
//! Each command installs what it is missing (the wasm target, trunk, wasm-bindgen-cli at the
//! Cargo.lock version, wasm-opt from npm's binaryen, Chromium for tests) and is fast when all
//! of it is already there.

mod api_paths;
mod budget;
mod dist;
mod edge;
mod postgres;
mod process;
mod split;
mod test;
mod tools;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

fn main() {
    if let Err(error) = dispatch() {
        eprintln!("xtask: {error:#}");
        std::process::exit(1);
    }
}

fn dispatch() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    std::env::set_current_dir(&root).context("entering the project root")?;
    match args.first().map(String::as_str) {
        Some("run") => run(&root, &args[1..]),
        Some("test") => test::all(&root),
        Some("dist") => release(&root),
        Some("edge") => {
            dist::build(&root)?;
            edge::smoke(&root)
        }
        Some("size") => budget::check(&dist::build(&root)?).map(|_| ()),
        Some("bench") => budget::bench(&root, &args[1..]),
        Some("api-paths") => api_paths::write(&root),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        other => {
            eprintln!("{USAGE}");
            bail!("unknown command {:?}", other.unwrap_or(""));
        }
    }
}

const USAGE: &str = "usage: cargo xtask <command>

  run [SERVER FLAGS]  build the console and start it (flags: cloud-pay-console --help)
  test                run every check and test suite
  dist                build the console into dist/ (release, precompressed) and the
                      server binary (release)
  edge                build dist/ and run the smoke spec through nginx running
                      deploy/nginx.conf as shipped (TLS, two server replicas, one
                      killed halfway)
  size                build the bundles and check each against its size budget
  bench [--postgres]  report sizes and measurements (on SQLite; with --postgres on a
                      throwaway PostgreSQL beside it)
  api-paths           write e2e/tests/api-paths.js from the API's path table
  -h, --help          this text";

/// The workspace root (the parent of this crate).
/// The checkout this xtask runs in. `cargo run` names the manifest directory at run time; the
/// one compiled in may belong to another checkout sharing the target directory.
fn project_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Builds the SPA and the server, then becomes the server, with the in-process sandbox (the
/// README's first command needs nothing else).
fn run(root: &Path, server_args: &[String]) -> anyhow::Result<()> {
    dist::build(root)?;
    let binary = process::build_server(root)?;
    let mut command = std::process::Command::new(binary);
    command.arg("--sandbox").args(server_args);
    if std::env::var_os("CONSOLE_DIST").is_none() {
        command.env("CONSOLE_DIST", root.join("dist"));
    }
    process::exec(command)
}

/// `cargo xtask dist`: what a deployment needs, built for release and named.
fn release(root: &Path) -> anyhow::Result<()> {
    let dist = dist::build(root)?;
    let server = process::build_release_server(root)?;
    let size = std::fs::metadata(&server).map(|m| m.len()).unwrap_or(0);
    println!(
        "
  {dist}
      the SPA as static files: serve them from a CDN or deploy/nginx.conf
      (README, \"Static hosting and CDNs\")
  {server} ({mb:.1} MB)
      the API server: `cloud-pay-console --help` lists its settings (README, \"Production
      mode\"); deploy/cloud-pay-console.service runs it under systemd",
        dist = dist.display(),
        server = server.display(),
        mb = size as f64 / 1_000_000.0,
    );
    Ok(())
}
