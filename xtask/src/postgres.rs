//! A throwaway PostgreSQL for the test run: a new cluster in a temporary directory, on a port
//! of its own (loopback and a socket in that directory), stopped and removed when dropped. No
//! system service is started or touched.

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
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            postgres.data.display()
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

    /// `postgres://console@127.0.0.1:PORT/console`.
    pub fn url(&self) -> String {
        format!("postgres://console@127.0.0.1:{}/console", self.port)
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

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}
