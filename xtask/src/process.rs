//! Running commands, loudly and with their failures named.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail};

/// Runs a command to completion; fails when it fails.
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    let shown = show(command);
    eprintln!("$ {shown}");
    let status = command
        .status()
        .with_context(|| format!("starting `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Runs a command quietly and returns its standard output, or `None` if it cannot run.
pub fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn show(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `cargo`, as the one running xtask.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Where cargo puts build output (honours `CARGO_TARGET_DIR`).
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Builds the server binary (dev profile) and returns its path.
pub fn build_server(root: &Path) -> anyhow::Result<PathBuf> {
    run(cargo().args(["build", "--package", "server", "--bin", "cloud-pay-console"]))?;
    Ok(target_dir(root).join("debug").join("cloud-pay-console"))
}

/// Builds the server binary as it is deployed (the release profile: optimised for speed,
/// unwinding) and returns its path.
pub fn build_release_server(root: &Path) -> anyhow::Result<PathBuf> {
    run(cargo().args([
        "build",
        "--release",
        "--package",
        "server",
        "--bin",
        "cloud-pay-console",
    ]))?;
    Ok(target_dir(root).join("release").join("cloud-pay-console"))
}

/// Replaces this process with `command` (so Ctrl-C reaches the server directly).
#[cfg(unix)]
pub fn exec(mut command: Command) -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt;
    let error = command.exec();
    Err(error).context("starting the server")
}

#[cfg(not(unix))]
pub fn exec(mut command: Command) -> anyhow::Result<()> {
    let status = command.status().context("starting the server")?;
    if !status.success() {
        bail!("the server exited with {status}");
    }
    Ok(())
}
