//! The static edge, tested: Debian's nginx with `deploy/nginx.conf` serving `dist/` in front
//! of a sandbox server, and the Playwright smoke spec (`e2e/tests/edge.spec.js`) through it.

use std::{
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

use crate::{
    process::run,
    test::{KillOnDrop, SandboxServer, free_port, tempdir},
    tools,
};

/// The site file's production values, replaced for the run (each must be found).
const LISTEN: &str = "listen 80;";
const ROOT: &str = "root /usr/local/share/cloud-pay-console/dist;";
const API: &str = "server 127.0.0.1:8080;";
const API_LOCATION: &str = "    location ^~ /api/ {";

/// The sandbox's WeChat and Alipay sign-in pages, which the console serves on its own origin
/// only in sandbox mode: the run proxies them too, so that a phone page can go there.
const SANDBOX_LOCATION: &str = "    location ^~ /sandbox-upstream/ {
        proxy_pass http://cloud_pay_console_api;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }

";

/// nginx in the foreground, everything of its own under `prefix`.
fn main_config(prefix: &Path, module: &Path, site: &Path) -> String {
    let p = prefix.display();
    // As root, nginx's workers would switch to `nobody`, who may not read the checkout.
    let user = if is_root() { "user root;\n" } else { "" };
    format!(
        "load_module {module};
{user}worker_processes 1;
pid {p}/nginx.pid;
error_log {p}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {p}/access.log;
    client_body_temp_path {p}/body;
    proxy_temp_path {p}/proxy;
    fastcgi_temp_path {p}/fastcgi;
    uwsgi_temp_path {p}/uwsgi;
    scgi_temp_path {p}/scgi;
    sendfile on;
    include {site};
}}
",
        module = module.display(),
        site = site.display(),
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// The site file with this run's port, `dist/` and API server.
fn site_config(root: &Path, port: u16, api: &str) -> anyhow::Result<String> {
    let template = std::fs::read_to_string(root.join("deploy/nginx.conf"))
        .context("reading deploy/nginx.conf")?;
    let mut site = template;
    for (from, to) in [
        (LISTEN, format!("listen 127.0.0.1:{port};")),
        (ROOT, format!("root {};", root.join("dist").display())),
        (API, format!("server {api};")),
        (API_LOCATION, format!("{SANDBOX_LOCATION}{API_LOCATION}")),
    ] {
        if !site.contains(from) {
            bail!("deploy/nginx.conf no longer has `{}`", from.trim());
        }
        site = site.replacen(from, &to, 1);
    }
    Ok(site)
}

/// Starts the API server and nginx in front of it (serving the built `dist/`), then runs the
/// smoke spec through nginx.
pub fn smoke(root: &Path) -> anyhow::Result<()> {
    let (nginx, module) = tools::ensure_nginx()?;
    let e2e_dir = root.join("e2e");
    tools::ensure_npm_packages(&e2e_dir)?;
    let server = SandboxServer::start(
        root,
        "edge-server",
        &[("CONSOLE_TRUSTED_PROXIES", "127.0.0.1")],
    )?;
    let prefix = tempdir("cloud-pay-console-nginx")?;
    let port = free_port()?;
    let site = prefix.join("site.conf");
    std::fs::write(&site, site_config(root, port, &server.addr)?)?;
    let config = prefix.join("nginx.conf");
    std::fs::write(&config, main_config(&prefix, &module, &site))?;
    let nginx_command = || {
        let mut command = Command::new(&nginx);
        command.arg("-p").arg(&prefix).arg("-c").arg(&config);
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
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(&addr).is_err() {
        if let Some(status) = process.0.try_wait()? {
            bail!("nginx exited during start-up ({status}); see e2e/artifacts/edge-nginx.log");
        }
        if Instant::now() > deadline {
            bail!("nginx did not listen on {addr} within 20 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let outcome = run(Command::new("npx")
        .args(["playwright", "test", "tests/edge.spec.js"])
        .current_dir(&e2e_dir)
        .env("BASE_URL", format!("http://{addr}"))
        .env("SERVER_URL", server.origin()));
    drop(process);
    // nginx's own log of the run, beside the spec's artifacts.
    let _ = std::fs::copy(
        prefix.join("error.log"),
        root.join("e2e/artifacts/edge-nginx-error.log"),
    );
    let _ = std::fs::remove_dir_all(&prefix);
    outcome
}
