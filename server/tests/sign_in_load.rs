//! Two hundred sign-ins at once against the real server: every one is answered, and the
//! password hashing they need is bounded, so the server's memory stays bounded too (argon2
//! takes about 19 MiB a hash: the four hashing threads keep about 80 MiB between them, where
//! 200 hashes at once would take over 3 GiB).

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use std::process::Stdio;

use common::ConsoleProcess;

/// The peak resident memory of a process, in KiB (`VmHWM`).
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_parallel_sign_ins_are_answered_with_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    // Each request comes "from" its own address, so no lock or request limit interferes.
    let console = ConsoleProcess::start(
        dir.path(),
        &[
            ("CONSOLE_TRUSTED_PROXIES", "127.0.0.1"),
            ("RUST_LOG", "error"),
        ],
        Stdio::null(),
    )
    .await;
    let (http, base) = (reqwest::Client::new(), console.base.clone());
    let before = peak_rss_kib(console.child.id());
    let sign_ins = (0..200).map(|n| {
        let (http, base) = (http.clone(), base.clone());
        tokio::spawn(async move {
            http.post(format!("{base}/api/v1/session"))
                .header("origin", &base)
                .header("x-forwarded-for", format!("198.51.{}.{}", n / 250, n % 250 + 1))
                .json(&serde_json::json!({"account_id": "100000000001", "password": format!("guess-{n}")}))
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
    });
    let statuses: Vec<u16> = futures_util::future::join_all(sign_ins)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    let after = peak_rss_kib(console.child.id());
    assert_eq!(statuses.len(), 200);
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    let grown_mib = (after.saturating_sub(before)) / 1024;
    println!(
        "peak RSS {} MiB -> {} MiB (+{grown_mib} MiB)",
        before / 1024,
        after / 1024
    );
    assert!(
        grown_mib < 150,
        "hashing is bounded: 200 sign-ins grew the peak by {grown_mib} MiB"
    );
}
