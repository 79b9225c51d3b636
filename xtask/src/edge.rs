//! The static edge, tested as shipped: Debian's nginx running `deploy/nginx.conf` itself (the
//! whole configuration, changed only in ports and paths), over TLS with a throwaway
//! self-signed certificate, in front of two sandbox replicas on one database; the Playwright
//! smoke spec (`e2e/tests/edge.spec.js`) through it kills one replica halfway and carries on.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

use crate::{
    process::run,
    test::{KillOnDrop, SandboxServer, free_port, tempdir},
    tools,
};

/// The shipped file's production values that a run on loopback changes.
const MODULE: &str = "load_module /usr/lib/nginx/modules/ngx_http_brotli_static_module.so;";
const PID: &str = "pid /run/nginx.pid;";
const LOGS: &str = "/var/log/nginx/";
const TEMP: &str = "/var/lib/nginx/";
const HTTP: &str = "listen 80;";
const HTTP6: &str = "listen [::]:80;";
const HTTPS: &str = "listen 443 ssl http2;";
const HTTPS6: &str = "listen [::]:443 ssl http2;";
const ROOT: &str = "root /usr/local/share/cloud-pay-console/dist;";
const ACME_ROOT: &str = "root /var/www/letsencrypt;";
const CERTIFICATE: &str = "/etc/letsencrypt/live/console.example.com/fullchain.pem";
const CERTIFICATE_KEY: &str = "/etc/letsencrypt/live/console.example.com/privkey.pem";
const REPLICA_1: &str = "server 127.0.0.1:8080 ";
const REPLICA_2: &str = "server 127.0.0.1:8081 ";

/// Where this run's nginx listens, keeps its files, and finds the replicas.
struct Run<'a> {
    prefix: &'a Path,
    module: &'a Path,
    dist: &'a Path,
    http_port: u16,
    https_port: u16,
    replicas: [&'a str; 2],
    /// Whether `[::1]` can be listened on here (else the IPv6 listens are left out).
    ipv6: bool,
}

/// `deploy/nginx.conf` with this run's ports and paths: each production value must be there.
fn config(shipped: &str, run: &Run) -> anyhow::Result<String> {
    let p = run.prefix.display();
    let listen6 = |port: u16, rest: &str| {
        if run.ipv6 {
            format!("listen [::1]:{port}{rest};")
        } else {
            String::new()
        }
    };
    let mut config = shipped.to_owned();
    for (from, to) in [
        (MODULE, format!("load_module {};", run.module.display())),
        (PID, format!("pid {p}/nginx.pid;")),
        (LOGS, format!("{p}/")),
        (TEMP, format!("{p}/")),
        (HTTP, format!("listen 127.0.0.1:{};", run.http_port)),
        (HTTP6, listen6(run.http_port, "")),
        (
            HTTPS,
            format!("listen 127.0.0.1:{} ssl http2;", run.https_port),
        ),
        (HTTPS6, listen6(run.https_port, " ssl http2")),
        (ROOT, format!("root {};", run.dist.display())),
        (ACME_ROOT, format!("root {p}/acme;")),
        (CERTIFICATE, format!("{p}/certificate.pem")),
        (CERTIFICATE_KEY, format!("{p}/certificate-key.pem")),
        (REPLICA_1, format!("server {} ", run.replicas[0])),
        (REPLICA_2, format!("server {} ", run.replicas[1])),
    ] {
        if !config.contains(from) {
            bail!("deploy/nginx.conf no longer has `{}`", from.trim());
        }
        config = config.replace(from, &to);
    }
    Ok(config)
}

/// A self-signed certificate for 127.0.0.1, good for two days, in `prefix`.
fn throwaway_certificate(prefix: &Path) -> anyhow::Result<()> {
    if Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .status()
        .is_err()
    {
        eprintln!("installing openssl from Debian (a certificate for the TLS server block)");
        run(Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "openssl"])
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
    }
    run(Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(prefix.join("certificate-key.pem"))
        .arg("-out")
        .arg(prefix.join("certificate.pem"))
        .stderr(Stdio::null()))
}

/// A copy of `dist/` inside the prefix: nginx's workers run as `www-data` (the shipped
/// `user`), who may not read the checkout.
fn copy_dist(root: &Path, prefix: &Path) -> anyhow::Result<PathBuf> {
    let copy = prefix.join("dist");
    run(Command::new("cp")
        .arg("-R")
        .arg(root.join("dist"))
        .arg(&copy))?;
    Ok(copy)
}

fn ipv6_loopback() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

/// Starts two replicas on one database and nginx in front of them (the shipped configuration,
/// serving the built `dist/`), then runs the smoke spec through nginx; afterwards nginx's access
/// log must show both replicas answering, and a request the dead one refused answered by the
/// other.
pub fn smoke(root: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let (nginx, module) = tools::ensure_nginx()?;
    let e2e_dir = root.join("e2e");
    tools::ensure_npm_packages(&e2e_dir)?;
    let prefix = tempdir("cloud-pay-console-nginx")?;
    let (http_port, https_port) = (free_port()?, free_port()?);
    let edge = format!("https://127.0.0.1:{https_port}");
    let replicas = [
        format!("127.0.0.1:{}", free_port()?),
        format!("127.0.0.1:{}", free_port()?),
    ];

    // Both replicas send phones to the first one's sandbox WeChat and Alipay pages, and
    // exchange sign-in codes with it: the in-process sandbox keeps its codes in memory, where
    // the other replica would not find them (a real identity provider is one service).
    let sandbox_pages = format!("http://{}/sandbox-upstream", replicas[0]);
    let sandbox_gateway = format!("{sandbox_pages}/gateway.do");
    let env = [
        ("CONSOLE_TRUSTED_PROXIES", "127.0.0.1"),
        ("CONSOLE_PUBLIC_ORIGIN", edge.as_str()),
        ("WECHAT_APP_SECRET", "edge-sandbox-wechat-secret"),
        ("WECHAT_OAUTH_URL", sandbox_pages.as_str()),
        ("WECHAT_API_URL", sandbox_pages.as_str()),
        ("ALIPAY_OAUTH_URL", sandbox_pages.as_str()),
        ("ALIPAY_GATEWAY_URL", sandbox_gateway.as_str()),
    ];
    let first = SandboxServer::start_at(root, "edge-server", &replicas[0], None, &env)?;
    // The second on the first one's directory: its SQLite database (WAL), sealing key and
    // Alipay application key.
    let second = SandboxServer::start_at(
        root,
        "edge-server-2",
        &replicas[1],
        Some(first.data()),
        &env,
    )?;
    let spare_pid = second.pid().context("the second replica's process")?;

    throwaway_certificate(&prefix)?;
    let dist = copy_dist(root, &prefix)?;
    let shipped = std::fs::read_to_string(root.join("deploy/nginx.conf"))
        .context("reading deploy/nginx.conf")?;
    let config_file = prefix.join("nginx.conf");
    std::fs::write(
        &config_file,
        config(
            &shipped,
            &Run {
                prefix: &prefix,
                module: &module,
                dist: &dist,
                http_port,
                https_port,
                replicas: [&replicas[0], &replicas[1]],
                ipv6: ipv6_loopback(),
            },
        )?,
    )?;
    let nginx_command = || {
        let mut command = Command::new(&nginx);
        command.arg("-p").arg(&prefix).arg("-c").arg(&config_file);
        command
    };
    run(nginx_command().arg("-t"))?;
    let log = std::fs::File::create(root.join("e2e/artifacts/edge-nginx.log"))?;
    let process = nginx_command()
        .args(["-g", "daemon off;"])
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log))
        .spawn()
        .context("starting nginx")?;
    let mut process = KillOnDrop(process);
    let deadline = Instant::now() + Duration::from_secs(20);
    for port in [http_port, https_port] {
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = process.0.try_wait()? {
                bail!("nginx exited during start-up ({status}); see e2e/artifacts/edge-nginx.log");
            }
            if Instant::now() > deadline {
                bail!("nginx did not listen on 127.0.0.1:{port} within 20 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let outcome = run(Command::new("npx")
        .args(["playwright", "test", "tests/edge.spec.js"])
        .current_dir(&e2e_dir)
        .env("BASE_URL", &edge)
        .env("EDGE_HTTP_URL", format!("http://127.0.0.1:{http_port}"))
        .env("SERVER_URL", first.origin())
        .env("SPARE_REPLICA_URL", second.origin())
        .env("SPARE_REPLICA_PID", spare_pid.to_string()));
    drop(process);
    drop(second);
    drop(first);
    // nginx's own logs of the run, beside the spec's artifacts.
    for (name, kept) in [
        ("error.log", "edge-nginx-error.log"),
        ("access.log", "edge-nginx-access.log"),
    ] {
        let _ = std::fs::copy(prefix.join(name), root.join("e2e/artifacts").join(kept));
    }
    let access = std::fs::read_to_string(prefix.join("access.log")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&prefix);
    outcome?;
    failed_over(&access, &replicas)?;
    eprintln!(
        "edge: the shipped nginx.conf over TLS in front of two replicas, one killed halfway: ok ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The access log (`upstream=` names the replicas tried, in order) shows each replica
/// answering on its own, and a request that the killed one (the second) could not take
/// answered by the first.
fn failed_over(access: &str, replicas: &[String; 2]) -> anyhow::Result<()> {
    let upstreams: Vec<&str> = access
        .lines()
        .filter_map(|line| line.split(" upstream=").nth(1))
        .filter_map(|rest| rest.split(" upstream_status=").next())
        .collect();
    let answered_alone = |replica: &str| upstreams.contains(&replica);
    let handed_over = format!("{}, {}", replicas[1], replicas[0]);
    for replica in replicas {
        if !answered_alone(replica) {
            bail!("no request through the edge was answered by the replica on {replica}");
        }
    }
    if !upstreams.contains(&handed_over.as_str()) {
        bail!(
            "no request went on to {} after {} was killed (access log upstreams: {upstreams:?})",
            replicas[0],
            replicas[1]
        );
    }
    let count = upstreams.iter().filter(|u| **u == handed_over).count();
    eprintln!(
        "edge: {} API requests, {count} of them refused by the killed replica and answered by the other",
        upstreams.iter().filter(|u| **u != "-").count()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{Run, config};

    /// What the edge test runs is the shipped file, line for line, with only its ports, paths
    /// and replica addresses changed.
    #[test]
    fn a_run_changes_only_ports_and_paths_of_the_shipped_configuration() -> anyhow::Result<()> {
        let shipped = include_str!("../../deploy/nginx.conf");
        let run = Run {
            prefix: Path::new("/tmp/edge"),
            module: Path::new("/opt/brotli_static.so"),
            dist: Path::new("/tmp/edge/dist"),
            http_port: 40080,
            https_port: 40443,
            replicas: ["127.0.0.1:41000", "127.0.0.1:41001"],
            ipv6: true,
        };
        let tested = config(shipped, &run)?;
        assert_eq!(tested.lines().count(), shipped.lines().count());
        let directives = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .map(str::to_owned)
                .collect()
        };
        let changed: Vec<(String, String)> = directives(shipped)
            .into_iter()
            .zip(directives(&tested))
            .filter(|(a, b)| a != b)
            .collect();
        for (_, line) in &changed {
            let line = line.trim();
            assert!(
                line.contains("/tmp/edge")
                    || line.contains("/opt/brotli_static.so")
                    || line.starts_with("listen ")
                    || line.contains("127.0.0.1:4100"),
                "not a port or a path: {line}"
            );
        }
        for production in [
            "/var/",
            "/run/",
            "/etc/letsencrypt",
            ":8080",
            ":8081",
            " 80;",
            " 443 ",
        ] {
            assert!(
                directives(&tested).iter().all(|l| !l.contains(production)),
                "{production} left in the run's configuration"
            );
        }
        // Only what is safe to send twice goes to the other replica.
        assert!(tested.contains("proxy_next_upstream error timeout http_502 http_503;"));
        assert!(
            directives(&tested)
                .iter()
                .all(|l| !l.contains("non_idempotent"))
        );
        Ok(())
    }
}
