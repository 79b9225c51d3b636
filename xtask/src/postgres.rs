//! A throwaway PostgreSQL for the test run: a new cluster in a temporary directory, on a port
//! of its own (loopback and a socket in that directory), stopped and removed when dropped. No
//! system service is started or touched. It serves TLS too, with a certificate from a CA made
//! for this run alone (by the `openssl` command, which Debian's postgresql depends on).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::Context;

use crate::process::run;

/// A running cluster with one database, `console`, that the user `console` owns.
pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
}

impl Postgres {
    pub fn start(bin: &Path) -> anyhow::Result<Postgres> {
        let data =
            std::env::temp_dir().join(format!("cloud-pay-console-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let postgres = Postgres {
            bin: bin.to_owned(),
            data,
            port,
        };
        // initdb refuses to run as root: the cluster belongs to Debian's `postgres` user then.
        if is_root() {
            run(Command::new("chown").arg("postgres").arg(&postgres.data))?;
        }
        postgres.make_certificates()?;
        let cluster = postgres.data.join("cluster");
        run(postgres.as_owner("initdb").arg("-D").arg(&cluster).args([
            "-A",
            "trust",
            "-U",
            "console",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ]))?;
        let tls = postgres.tls_dir();
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
             -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
            postgres.data.display(),
            tls.join("server.crt").display(),
            tls.join("server.key").display(),
        );
        run(postgres
            .as_owner("pg_ctl")
            .arg("-D")
            .arg(&cluster)
            .args(["-o", &options, "-l"])
            .arg(postgres.data.join("postgres.log"))
            .args(["-w", "start"]))
        .context("starting PostgreSQL")?;
        run(Command::new(postgres.bin.join("createdb")).args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "console",
            "console",
        ]))?;
        Ok(postgres)
    }

    /// `postgres://console@127.0.0.1:PORT/console`. Without `sslmode`, a client prefers TLS,
    /// which this cluster serves: `PGSSLMODE=disable` keeps such connections plain.
    pub fn url(&self) -> String {
        format!("postgres://console@127.0.0.1:{}/console", self.port)
    }

    /// The same database over TLS, as a replica on a managed PostgreSQL connects:
    /// `…?sslmode=verify-full&sslrootcert=CA`, the certificate checked against this run's CA
    /// and its address (127.0.0.1).
    pub fn tls_url(&self) -> String {
        format!(
            "{}?sslmode=verify-full&sslrootcert={}",
            self.url(),
            query_value(&self.tls_dir().join("ca.crt"))
        )
    }

    /// A CA that did not sign the cluster's certificate: what a replica given the wrong CA
    /// file holds.
    pub fn other_ca(&self) -> PathBuf {
        self.tls_dir().join("other-ca.crt")
    }

    fn tls_dir(&self) -> PathBuf {
        self.data.join("tls")
    }

    /// `tls/`: `ca.crt`, the server's `server.crt` (for 127.0.0.1 and localhost) and
    /// `server.key` (mode 0600, the cluster's user's, as PostgreSQL demands), and
    /// `other-ca.crt`. The CA's key is removed once it has signed: nothing else is signed.
    fn make_certificates(&self) -> anyhow::Result<()> {
        use std::os::unix::fs::PermissionsExt;

        let tls = self.tls_dir();
        std::fs::create_dir_all(&tls)?;
        let new_ec_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
        let openssl = |name: &str, subject: &str| {
            let mut command = Command::new("openssl");
            command
                .args(["req", "-x509", "-nodes", "-days", "7", "-subj", subject])
                .args(new_ec_key)
                .arg("-keyout")
                .arg(tls.join(format!("{name}.key")))
                .arg("-out")
                .arg(tls.join(format!("{name}.crt")));
            command
        };
        let context = "making the test cluster's certificates (the `openssl` command)";
        for (name, subject) in [
            ("ca", "/CN=Cloud Pay Console test CA"),
            ("other-ca", "/CN=Another CA"),
        ] {
            run(&mut openssl(name, subject)).context(context)?;
        }
        run(openssl("server", "/CN=127.0.0.1")
            .arg("-CA")
            .arg(tls.join("ca.crt"))
            .arg("-CAkey")
            .arg(tls.join("ca.key"))
            .args([
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-addext",
                "basicConstraints=critical,CA:FALSE",
                "-addext",
                "extendedKeyUsage=serverAuth",
            ]))
        .context(context)?;
        std::fs::remove_file(tls.join("ca.key"))?;
        std::fs::remove_file(tls.join("other-ca.key"))?;
        let key = tls.join("server.key");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))?;
        if is_root() {
            run(Command::new("chown").arg("postgres").arg(&key))?;
        }
        Ok(())
    }

    fn as_owner(&self, tool: &str) -> Command {
        let program = self.bin.join(tool);
        if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .as_owner("pg_ctl")
            .arg("-D")
            .arg(self.data.join("cluster"))
            .args(["-m", "immediate", "-w", "stop"])
            .status();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// `path` as a URL query value: unreserved characters and `/` as they are, the rest escaped.
fn query_value(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;

    path.as_os_str()
        .as_bytes()
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}
