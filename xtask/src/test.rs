//! `cargo xtask test`: every check and every suite, in the order that fails fastest.
//!
//! Over 400 lines: the whole run reads top to bottom in one place (each step, the tools it
//! installs, and the servers the API contract and the browser specs run against), so that what
//! CI does is one file to read.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

use crate::{
    budget, dist,
    postgres::Postgres,
    process::{cargo, run},
    tools,
};

const WASM: &str = "wasm32-unknown-unknown";
/// The packages that build and test natively.
const NATIVE: [&str; 6] = [
    "--package",
    "domain",
    "--package",
    "server",
    "--package",
    "xtask",
];
/// The QR code lifetime the end-to-end server runs with (the specs read it as well).
const E2E_TICKET_TTL_S: u64 = 20;

struct Step {
    name: &'static str,
    outcome: anyhow::Result<()>,
    took: Duration,
}

/// Runs everything; fails when any step failed.
pub fn all(root: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut steps: Vec<Step> = Vec::new();
    let mut step = |name: &'static str, f: &mut dyn FnMut() -> anyhow::Result<()>| {
        eprintln!("\n==> {name}");
        let begun = Instant::now();
        let outcome = f();
        if let Err(e) = &outcome {
            eprintln!("xtask: {name} FAILED: {e:#}");
        }
        let ok = outcome.is_ok();
        steps.push(Step {
            name,
            outcome,
            took: begun.elapsed(),
        });
        ok
    };

    let build_path = tools::ensure_build_tools(root)?;
    tools::ensure_chromium()?;
    tools::ensure_cargo_deny()?;
    let schemathesis = tools::ensure_schemathesis(root)?;
    let postgres_bin = tools::ensure_postgres()?;

    step("format", &mut || {
        run(cargo().args(["fmt", "--all", "--", "--check"]))
    });
    step(
        "supply chain (cargo deny: licenses, bans, sources)",
        &mut || run(cargo().args(["deny", "check", "licenses", "bans", "sources"])),
    );
    step("clippy (native)", &mut || {
        run(cargo()
            .arg("clippy")
            .args(NATIVE)
            .args(["--all-targets", "--", "-D", "warnings"]))
    });
    step("clippy (wasm32)", &mut || {
        // domain's own tests are native (proptest does not build for wasm32); its library is
        // checked here as the SPA sees it.
        let deny = ["--", "-D", "warnings"];
        run(cargo()
            .args(["clippy", "--package", "domain", "--lib", "--target", WASM])
            .args(deny))?;
        run(cargo()
            .args([
                "clippy",
                "--package",
                "console",
                "--all-targets",
                "--target",
                WASM,
            ])
            .args(deny))
    });
    step(
        "native tests (domain, server, xtask), then the server's again on PostgreSQL",
        &mut || {
            let postgres = Postgres::start(&postgres_bin)?;
            // The cluster serves TLS, which a URL without `sslmode` would prefer: the ordinary
            // tests connect in plain text (a handshake for each connection made them 8%
            // slower), and TLS is tested once, verified (server/tests/postgres_schema.rs).
            let plain = ("PGSSLMODE", "disable");
            run(cargo()
                .arg("test")
                .args(NATIVE)
                .env("TEST_POSTGRES_URL", postgres.url())
                .env(plain.0, plain.1)
                .env("TEST_POSTGRES_TLS_URL", postgres.tls_url())
                .env("TEST_POSTGRES_OTHER_CA", postgres.other_ca()))?;
            // The same suites, each test on a fresh database of a throwaway cluster.
            run(cargo()
                .args(["test", "--package", "server", "--tests"])
                .env("TEST_POSTGRES_URL", postgres.url())
                .env(plain.0, plain.1)
                .env("TEST_DATABASE", "postgres"))
        },
    );
    step(
        "deploy files (systemd-analyze verify, when systemd is here)",
        &mut || verify_systemd_unit(root),
    );
    step(
        "API contract (schemathesis over the OpenAPI document, the fixed seed and a fresh one)",
        &mut || api_contract(root, &schemathesis),
    );
    step(
        "browser component tests (wasm-bindgen-test, headless Chromium)",
        &mut || {
            run(cargo()
                .args(["test", "--package", "console", "--target", WASM])
                .env("PATH", &build_path)
                .env("CHROMEDRIVER", "/usr/bin/chromedriver"))
        },
    );
    let built = step("bundle build and size budget", &mut || {
        let dist = dist::build(root)?;
        budget::check(&dist).map(|_| ())
    });
    if built {
        step("end-to-end (Playwright, headless Chromium)", &mut || {
            e2e(root)
        });
        step(
            "static edge (deploy/nginx.conf as shipped, over TLS, two replicas, one killed; Playwright smoke)",
            &mut || crate::edge::smoke(root),
        );
    }

    let failed: Vec<&Step> = steps.iter().filter(|s| s.outcome.is_err()).collect();
    eprintln!("\nsummary ({:.0} s):", started.elapsed().as_secs_f64());
    for s in &steps {
        let mark = if s.outcome.is_ok() { "ok  " } else { "FAIL" };
        eprintln!("  {mark} {:>6.1} s  {}", s.took.as_secs_f64(), s.name);
    }
    println!(
        "xtask: {} passed, {} failed",
        steps.len() - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        bail!("{} step(s) failed", failed.len())
    }
}

/// The real server in sandbox mode on a free port, in a fresh data directory of its own, its
/// output in `e2e/artifacts/{name}.log`; stopped and its data removed when dropped.
pub(crate) struct SandboxServer {
    pub(crate) addr: String,
    data: std::path::PathBuf,
    /// False for a replica started on another's data directory: the first one removes it.
    owns_data: bool,
    process: Option<KillOnDrop>,
}

impl SandboxServer {
    pub(crate) fn start(
        root: &Path,
        name: &str,
        env: &[(&str, &str)],
    ) -> anyhow::Result<SandboxServer> {
        let addr = format!("127.0.0.1:{}", free_port()?);
        SandboxServer::start_at(root, name, &addr, None, env)
    }

    /// The server on `addr`, in `data` (another server's directory, so both replicas share
    /// its SQLite database and sealing key; left in place when this one stops) or, without
    /// it, in a fresh directory of its own.
    pub(crate) fn start_at(
        root: &Path,
        name: &str,
        addr: &str,
        data: Option<&Path>,
        env: &[(&str, &str)],
    ) -> anyhow::Result<SandboxServer> {
        let binary = crate::process::build_server(root)?;
        let artifacts = root.join("e2e/artifacts");
        std::fs::create_dir_all(&artifacts)?;
        let (data, owns_data) = match data {
            Some(shared) => (shared.to_path_buf(), false),
            None => (tempdir(&format!("cloud-pay-console-{name}"))?, true),
        };
        let log_name = format!("{name}.log");
        let log = std::fs::File::create(artifacts.join(&log_name))?;
        let process = Command::new(&binary)
            .current_dir(&data)
            .env("CONSOLE_SANDBOX", "1")
            .env("CONSOLE_ADDR", addr)
            .env("DATABASE_URL", "sqlite://data/console.db")
            .env("CONSOLE_DIST", root.join("dist"))
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .spawn()
            .context("starting the server")?;
        let mut process = KillOnDrop(process);
        wait_for_health(addr, &mut process.0, &log_name)?;
        Ok(SandboxServer {
            addr: addr.to_owned(),
            data,
            owns_data,
            process: Some(process),
        })
    }

    pub(crate) fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Its data directory (the working directory it runs in).
    pub(crate) fn data(&self) -> &Path {
        &self.data
    }

    /// Its process id, while it runs under this handle.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(|p| p.0.id())
    }
}

impl Drop for SandboxServer {
    fn drop(&mut self) {
        drop(self.process.take());
        if self.owns_data {
            let _ = std::fs::remove_dir_all(&self.data);
        }
    }
}

/// Starts the real server with a fresh database and runs the Playwright specs.
fn e2e(root: &Path) -> anyhow::Result<()> {
    let e2e_dir = root.join("e2e");
    tools::ensure_npm_packages(&e2e_dir)?;
    let ttl = E2E_TICKET_TTL_S.to_string();
    let server = SandboxServer::start(
        root,
        "server",
        &[
            ("RUST_LOG", "info,sqlx=warn"),
            // Short-lived QR codes, so that the expiry spec need not wait two minutes.
            ("PROVIDER_SYNC_TICKET_TTL_S", &ttl),
            // Small sync pages, so that a slowed-down sync visibly moves page by page.
            ("SUB_MERCHANT_SYNC_PAGE_SIZE", "100"),
        ],
    )?;
    run(Command::new("npx")
        .args(["playwright", "test"])
        .current_dir(&e2e_dir)
        .env("BASE_URL", server.origin())
        .env("TICKET_TTL_S", &ttl))
}

/// `deploy/cloud-pay-console.service` and the replica template `deploy/cloud-pay-console@.service`
/// (as its instance `cloud-pay-console@1.service`) checked by `systemd-analyze verify` (and their
/// exposure printed by `systemd-analyze security`), with the built binary in place of the
/// installed one and their settings files optional; skipped where systemd is not installed.
fn verify_systemd_unit(root: &Path) -> anyhow::Result<()> {
    if Command::new("systemd-analyze")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_err()
    {
        eprintln!("systemd-analyze is not installed here: the units are not verified");
        return Ok(());
    }
    let binary = crate::process::build_server(root)?;
    let dir = tempdir("cloud-pay-console-unit")?;
    let verified = (|| -> anyhow::Result<()> {
        for (file, unit) in [
            ("cloud-pay-console.service", "cloud-pay-console.service"),
            ("cloud-pay-console@.service", "cloud-pay-console@1.service"),
        ] {
            let text = std::fs::read_to_string(root.join("deploy").join(file))
                .with_context(|| format!("reading deploy/{file}"))?;
            let installed = "ExecStart=/usr/local/bin/cloud-pay-console";
            if !text.contains(installed) {
                bail!("deploy/{file} no longer has `{installed}`");
            }
            let text = text
                .replace(installed, &format!("ExecStart={}", binary.display()))
                .replace("EnvironmentFile=/", "EnvironmentFile=-/");
            std::fs::write(dir.join(file), text)?;
            // An instance of a template is verified by its name, beside the template.
            let path = dir.join(unit);
            run(Command::new("systemd-analyze").arg("verify").arg(&path))?;
            let _ = Command::new("systemd-analyze")
                .args(["security", "--offline=yes"])
                .arg(&path)
                .status();
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    verified
}

/// `cargo xtask bench`'s page timings: `e2e/bench/timings.js` in headless Chromium against a
/// fresh sandbox server serving `dist/` (built by the caller).
pub(crate) fn page_timings(root: &Path) -> anyhow::Result<()> {
    let e2e_dir = root.join("e2e");
    tools::ensure_npm_packages(&e2e_dir)?;
    let server = SandboxServer::start(root, "timings-server", &[])?;
    run(Command::new("node")
        .arg("bench/timings.js")
        .current_dir(&e2e_dir)
        .env("BASE_URL", server.origin()))
}

/// The seed every contract run uses, so that runs compare with each other.
const CONTRACT_SEED: u64 = 20_261_130;

/// The API contract with [`CONTRACT_SEED`] and with a fresh seed of this run (so that the
/// contract holds beyond what one seed draws), each on a fresh sandbox server; each seed is
/// printed first, so that a failure can be replayed with `--seed`. Fails when either failed.
fn api_contract(root: &Path, schemathesis: &Path) -> anyhow::Result<()> {
    let fresh = std::hash::BuildHasher::hash_one(
        &std::hash::RandomState::new(),
        std::time::SystemTime::now(),
    ) % 1_000_000_000;
    let mut failed = Vec::new();
    for seed in [CONTRACT_SEED, fresh] {
        eprintln!("API contract with --seed {seed}");
        if let Err(e) = contract_run(root, schemathesis, seed) {
            eprintln!("xtask: the API contract with --seed {seed} FAILED: {e:#}");
            failed.push(seed.to_string());
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        bail!("the API contract failed with --seed {}", failed.join(", "))
    }
}

/// A fresh sandbox server, signed in as the demo provider account, under schemathesis with every
/// check (`e2e/schemathesis.toml` says which refusals of valid data depend on stored state).
/// The per-address limits do not count the run's own address, so that what they guard is
/// reached rather than answered 429.
fn contract_run(root: &Path, schemathesis: &Path, seed: u64) -> anyhow::Result<()> {
    // One log for each of the two runs (e2e/artifacts), not one more file every run.
    let name = if seed == CONTRACT_SEED {
        "contract-server"
    } else {
        "contract-server-fresh-seed"
    };
    let server = SandboxServer::start(root, name, &[("SANDBOX_UNLIMITED_ADDRESSES", "127.0.0.1")])?;
    let origin = server.origin();
    let account = domain::demo::DEMO_ACCOUNTS[0];
    let cookie = sign_in(&server.addr, account.0, domain::demo::DEMO_PASSWORD)?;
    run(Command::new(schemathesis)
        .arg("--no-color")
        .arg("--config-file")
        .arg(root.join("e2e/schemathesis.toml"))
        .args(["run", &format!("{origin}/api/openapi.json")])
        .args(["--checks", "all", "--seed", &seed.to_string()])
        // DELETE /provider-sync-tickets/{id} and DELETE /sub-merchants/{id}/alipay-authorizations/
        // {ticket} cancel a QR code rather than erase it: it stays readable with state
        // "cancelled", so that the console and the phone can say why it no longer works. The
        // stateful phase's use-after-free check reads that as a deleted resource still served
        // (and no operation's own settings reach it); unbinding a provider, whose detail is 404
        // afterwards, is held to it by server/tests/provider_unbind.rs.
        .args(["--exclude-checks", "use_after_free"])
        .args(["--header", &format!("Cookie: {cookie}")])
        .args(["--header", &format!("Origin: {origin}")])
        // Hypothesis keeps its example database in the working directory.
        .current_dir(&server.data))
}

/// `POST /api/v1/session`; the session cookie as `name=value`.
fn sign_in(addr: &str, account: &str, password: &str) -> anyhow::Result<String> {
    let body = format!(r#"{{"account_id":"{account}","password":"{password}"}}"#);
    let request = format!(
        "POST /api/v1/session HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr)?;
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    response
        .lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, value)| value.trim().split(';').next())
        .find(|c| c.contains("session"))
        .map(str::to_owned)
        .with_context(|| format!("signing in as {account} gave no session cookie"))
}

pub(crate) struct KillOnDrop(pub(crate) Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // SIGTERM first, so the server shuts down gracefully; then make sure.
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        for _ in 0..50 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn tempdir(prefix: &str) -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_for_health(addr: &str, server: &mut Child, log: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Some(status) = server.try_wait()? {
            bail!("the server exited during start-up ({status}); see e2e/artifacts/{log}");
        }
        if health_ok(addr) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    bail!("the server did not answer /api/v1/health within 60 s")
}

fn health_ok(addr: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return false;
    };
    let request =
        format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let mut response = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut response).is_ok()
        && response.starts_with("HTTP/1.1 200")
}
