//! What an operator does to a deployment: the sealing key (made once, checked at every start,
//! rotated, every secret resealed), the schema (`migrate`), and the commands that never create
//! a database or show its password.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use std::{
    process::{Command, Output, Stdio},
    sync::Arc,
};

use axum::http::{Method, StatusCode};
use common::{ConsoleProcess, SignInWith, TestApp, on_postgres};
use serde_json::json;
use server::{
    sealing::{self, KeyRefusal, KeyStatus},
    store::{RowKey, SealedColumn, SealedSwap},
    vault::Vault,
};

const NOW: i64 = 1_790_000_000_000;
const SETTING: &str = "CONSOLE_SECRET_KEY_FILE";

fn console(env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cloud-pay-console"))
        .args(args)
        .env_clear()
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn a_start_with_another_sealing_key_is_refused_and_names_both_keys() {
    let app = TestApp::new().await;
    let store = app.state.store.as_ref();
    let first = Vault::from_key(&[1; 32]);
    let check =
        |vault: Vault| async move { sealing::check_key(store, &vault, SETTING, NOW, true).await };
    assert_eq!(check(first.clone()).await.unwrap(), KeyStatus::Adopted);
    assert_eq!(check(first.clone()).await.unwrap(), KeyStatus::Current);

    let other = Vault::from_key(&[2; 32]);
    let refused = check(other.clone()).await.unwrap_err();
    assert!(matches!(refused, KeyRefusal::Other { .. }), "{refused}");
    let line = refused.to_string();
    assert!(line.starts_with(SETTING), "{line}");
    assert!(line.contains(&first.current().key_id), "{line}");
    assert!(line.contains(&other.current().key_id), "{line}");
    // The refusal changed nothing: the first key is still the database's.
    assert_eq!(check(first).await.unwrap(), KeyStatus::Current);
}

/// Saves 杭州西湖's WeChat Pay section: `changes` over a form that leaves every secret blank.
async fn save_wechat_pay(app: &TestApp, cookie: &str, changes: serde_json::Value) {
    let mut form = json!({
        "merchant_id": "1900000109",
        "app_id": "wxd678efh567hg6787",
        "api_key": "",
        "rebate_ratio": "",
    });
    for (field, value) in changes.as_object().unwrap() {
        form[field] = value.clone();
    }
    let saved = app
        .request(
            Method::PUT,
            &fill(paths::PROVIDER_WECHAT_PAY, &[&"1900000101"]),
            Some(form),
            Some(cookie),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
}

/// The demo provider's providers and sub-merchants, with a secret in every sealed column, sealed
/// by the app's vault: a provider's WeChat Pay API key and certificate, its Alipay private key,
/// sub-merchants' authentication keys, an Alipay authorization's token and grant. How many.
async fn secrets_sealed(app: &TestApp) -> u64 {
    let cookie = app.synced_demo_provider().await;
    let provider = "1900000101";
    save_wechat_pay(
        app,
        &cookie,
        json!({"api_key": "Zq8vT3mN6pR1sW4yB7cE0fH2jK5lX9aD"}),
    )
    .await;
    let saved = app
        .request(
            Method::PUT,
            &fill(paths::PROVIDER_ALIPAY, &[&provider]),
            Some(json!({
                "app_id": "2021000000000001",
                "pid": "2088000000000001",
                "app_private_key": include_str!("fixtures/alipay-app-private-2048.pem"),
                "alipay_public_key": include_str!("fixtures/alipay-public-2048.pem"),
                "rebate_ratio": "",
            })),
            Some(&cookie),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    let public: String = include_str!("fixtures/alipay-public-2048.pem")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    for sub_merchant in 0..3 {
        let id = app
            .get(
                &format!(
                    "{}?page_size=1&page={}",
                    api(paths::SUB_MERCHANTS),
                    sub_merchant + 1
                ),
                Some(&cookie),
            )
            .await
            .json()["items"][0]["id"]
            .as_i64()
            .unwrap();
        let reset = app
            .request(
                Method::POST,
                &fill(paths::SUB_MERCHANT_KEY_RESETS, &[&id]),
                Some(json!({ "signing_public_key": public })),
                Some(&cookie),
            )
            .await;
        assert_eq!(reset.status, StatusCode::CREATED, "{}", reset.text());
    }
    // The API certificate: the file and its password, sealed apart.
    let p12 = std::fs::read(format!(
        "{}/tests/fixtures/apiclient_cert.p12",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let p12 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, p12);
    save_wechat_pay(app, &cookie, json!({"certificate_p12": p12})).await;
    // An Alipay authorization: the app auth token on the sub-merchant, and the grant its
    // ticket held until the confirmation.
    let id = app.first_sub_merchant_id(&cookie).await;
    let ticket = app.alipay_authorization_ticket(&cookie, id).await;
    let phone = app
        .signed_in_phone(SignInWith::Alipay, &ticket, "2088000000000011")
        .await;
    let confirmed = app
        .confirm_on_phone(SignInWith::Alipay, &ticket, phone.as_deref())
        .await;
    assert!(confirmed.status.is_success(), "{}", confirmed.text());
    let mut sealed = 0;
    for column in SealedColumn::ALL {
        let values = app
            .state
            .store
            .sealed_values(column, &column.first_key(), 100)
            .await
            .unwrap();
        assert!(!values.is_empty(), "nothing sealed in {}", column.name());
        sealed += values.len() as u64;
    }
    sealed
}

#[tokio::test]
async fn after_a_rotation_keys_reseal_leaves_every_secret_readable_with_the_new_key_alone() {
    let mut app = TestApp::new().await;
    let old = Vault::from_key(&[1; 32]);
    app.state.vault = Arc::new(old.clone());
    app.router = server::app(app.state.clone());
    let store = app.state.store.as_ref();
    assert_eq!(
        sealing::check_key(store, &old, SETTING, NOW, true)
            .await
            .unwrap(),
        KeyStatus::Adopted
    );
    let secrets = secrets_sealed(&app).await;

    // The new key, with the old one to open what it sealed: the database takes it.
    let rotating = Vault::from_key(&[2; 32]).with_previous(&[[1; 32]]);
    assert_eq!(
        sealing::check_key(store, &rotating, SETTING, NOW + 1, true)
            .await
            .unwrap(),
        KeyStatus::Rotated {
            from: old.current().key_id
        }
    );
    // From then on a replica still on the old key alone is refused.
    let refused = sealing::check_key(store, &old, SETTING, NOW + 2, true)
        .await
        .unwrap_err();
    assert!(matches!(refused, KeyRefusal::Replaced { .. }), "{refused}");

    // Batches of two: several pages of each column.
    let mut batches = 0;
    let report = sealing::reseal(store, &rotating, 2, |_, _| batches += 1)
        .await
        .unwrap();
    assert_eq!(report.resealed, secrets, "{report}");
    assert!(report.unopenable.is_empty(), "{report}");
    assert!(batches >= 3, "{batches} batches");

    // The new key alone opens every secret, and has nothing left to reseal.
    let alone = Vault::from_key(&[2; 32]);
    let again = sealing::reseal(store, &alone, 500, |_, _| {})
        .await
        .unwrap();
    assert_eq!(again.resealed, 0, "{again}");
    assert_eq!(again.current, secrets, "{again}");
    assert!(again.unopenable.is_empty(), "{again}");
    // … and the old key alone opens none of them.
    let old_alone = sealing::reseal(store, &old, 500, |_, _| {}).await.unwrap();
    assert_eq!(old_alone.unopenable.len() as u64, secrets, "{old_alone}");
    assert_eq!(old_alone.resealed, 0);
}

#[tokio::test]
async fn two_replicas_starting_at_once_with_different_keys_leave_one_key_current() {
    let app = TestApp::new().await;
    let store = app.state.store.as_ref();
    let (a, b) = (Vault::from_key(&[1; 32]), Vault::from_key(&[2; 32]));
    let (first, second) = tokio::join!(
        sealing::check_key(store, &a, SETTING, NOW, true),
        sealing::check_key(store, &b, SETTING, NOW, true),
    );
    let adopted = [&first, &second]
        .iter()
        .filter(|r| matches!(r, Ok(KeyStatus::Adopted)))
        .count();
    let refused = [&first, &second]
        .iter()
        .filter(|r| matches!(r, Err(KeyRefusal::Other { .. })))
        .count();
    assert_eq!((adopted, refused), (1, 1), "{first:?} {second:?}");
    let current: Vec<_> = store
        .sealing_keys()
        .await
        .unwrap()
        .into_iter()
        .filter(|k| k.replaced_at_ms.is_none())
        .collect();
    assert_eq!(current.len(), 1);
}

#[tokio::test]
async fn a_rotation_can_be_rolled_back_and_is_only_ever_made_by_a_start() {
    let app = TestApp::new().await;
    let store = app.state.store.as_ref();
    let old = Vault::from_key(&[1; 32]);
    let new = Vault::from_key(&[2; 32]).with_previous(&[[1; 32]]);
    sealing::check_key(store, &old, SETTING, NOW, true)
        .await
        .unwrap();
    // `keys reseal` (no rotation) with the new key before any replica started with it.
    let early = sealing::check_key(store, &new, SETTING, NOW, false)
        .await
        .unwrap_err();
    assert!(matches!(early, KeyRefusal::NotYetRotated { .. }), "{early}");
    assert!(sealing::still_current(store, &old).await.unwrap());

    sealing::check_key(store, &new, SETTING, NOW + 1, true)
        .await
        .unwrap();
    // A replica still on the old key learns that it no longer seals.
    assert!(!sealing::still_current(store, &old).await.unwrap());
    // Back to the old key, the new one as the previous: the old one is current again.
    let back = Vault::from_key(&[1; 32]).with_previous(&[[2; 32]]);
    assert_eq!(
        sealing::check_key(store, &back, SETTING, NOW + 2, true)
            .await
            .unwrap(),
        KeyStatus::Rotated {
            from: new.current().key_id
        }
    );
    assert_eq!(
        sealing::check_key(store, &old, SETTING, NOW + 3, true)
            .await
            .unwrap(),
        KeyStatus::Current
    );
    let alone = Vault::from_key(&[2; 32]);
    assert!(matches!(
        sealing::check_key(store, &alone, SETTING, NOW + 4, true).await,
        Err(KeyRefusal::Replaced { .. })
    ));
}

#[tokio::test]
async fn a_save_that_keeps_a_secret_keeps_it_under_the_current_key() {
    let mut app = TestApp::new().await;
    app.state.vault = Arc::new(Vault::from_key(&[1; 32]));
    app.router = server::app(app.state.clone());
    secrets_sealed(&app).await;
    // Rotated, but not resealed yet: a save leaving the API key blank keeps it.
    let rotating = Vault::from_key(&[2; 32]).with_previous(&[[1; 32]]);
    app.state.vault = Arc::new(rotating.clone());
    app.router = server::app(app.state.clone());
    let cookie = app.login_as("100000000001").await;
    save_wechat_pay(&app, &cookie, json!({"rebate_ratio": "5"})).await;
    let column = SealedColumn::ProviderWechatPay;
    let stored = app
        .state
        .store
        .sealed_values(column, &column.first_key(), 10)
        .await
        .unwrap();
    let (_, section) = stored
        .iter()
        .find(|(key, _)| *key == RowKey::Text("1900000101".to_owned()))
        .unwrap();
    let section: serde_json::Value = serde_json::from_str(section).unwrap();
    for secret in [
        &section["api_key"],
        &section["certificate"]["p12"],
        &section["certificate"]["password"],
    ] {
        assert!(
            rotating.is_current(secret["sealed"].as_str().unwrap()),
            "{secret}"
        );
    }
}

#[tokio::test]
async fn a_reseal_leaves_a_value_written_meanwhile_as_it_is() {
    let mut app = TestApp::new().await;
    app.state.vault = Arc::new(Vault::from_key(&[1; 32]));
    app.router = server::app(app.state.clone());
    secrets_sealed(&app).await;
    let store = app.state.store.as_ref();
    let column = SealedColumn::SubMerchantAuthenticationKey;
    let values = store
        .sealed_values(column, &column.first_key(), 10)
        .await
        .unwrap();
    let (key, value) = values.first().unwrap().clone();
    let stale = SealedSwap {
        key: key.clone(),
        old: "what another replica replaced".to_owned(),
        new: "v2:x:y".to_owned(),
    };
    assert_eq!(store.swap_sealed_values(column, &[stale]).await.unwrap(), 0);
    let after = store
        .sealed_values(column, &column.first_key(), 10)
        .await
        .unwrap();
    assert_eq!(after.first(), Some(&(key, value)));
    assert!(matches!(after[0].0, RowKey::Number(_)));
}

/// The process-level checks run on a SQLite file of their own (what they test is the
/// command line, not the store).
#[tokio::test]
async fn keys_init_makes_a_private_key_once() {
    if on_postgres() {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys/secret.key");
    let path = file.display().to_string();
    let made = console(&[], &["keys", "init", "--file", &path]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let id = Vault::open(None, &file, false).unwrap().current().key_id;
    assert!(text(&made.stdout).contains(&id), "{}", text(&made.stdout));
    let key = std::fs::read(&file).unwrap();

    let again = console(&[("CONSOLE_SECRET_KEY_FILE", &path)], &["keys", "init"]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
    assert!(text(&again.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&file).unwrap(), key, "never overwritten");
}

#[tokio::test]
async fn a_console_started_on_a_database_sealed_with_another_key_exits_with_one_line() {
    if on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let first = ConsoleProcess::start(dir.path(), &[], Stdio::null()).await;
    drop(first);
    let first_id = Vault::open(None, &dir.path().join("secret.key"), false)
        .unwrap()
        .current()
        .key_id;

    // The same database, another key file (as on a second host, or a restore without it).
    let other = dir.path().join("other.key");
    let db = format!("sqlite://{}", dir.path().join("console.db").display());
    let refused = console(
        &[
            ("CONSOLE_SANDBOX", "1"),
            ("CONSOLE_ADDR", "127.0.0.1:0"),
            ("DATABASE_URL", &db),
            ("CONSOLE_SECRET_KEY_FILE", &other.display().to_string()),
        ],
        &[],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    let stderr = text(&refused.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let other_id = Vault::open(None, &other, false).unwrap().current().key_id;
    for part in ["CONSOLE_SECRET_KEY_FILE", &first_id, &other_id] {
        assert!(lines[0].contains(part), "{part}: {stderr}");
    }

    // With the old key as the previous one, the other key takes over, and `keys reseal`
    // reports what it did.
    let first_key = std::fs::read_to_string(dir.path().join("secret.key")).unwrap();
    let rotated = ConsoleProcess::start(
        dir.path(),
        &[
            ("CONSOLE_SECRET_KEY_FILE", &other.display().to_string()),
            ("CONSOLE_SECRET_KEY_PREVIOUS", first_key.trim()),
        ],
        Stdio::null(),
    )
    .await;
    drop(rotated);
    let resealed = console(
        &[
            ("DATABASE_URL", &db),
            ("CONSOLE_SECRET_KEY_FILE", &other.display().to_string()),
            ("CONSOLE_SECRET_KEY_PREVIOUS", first_key.trim()),
        ],
        &["keys", "reseal"],
    );
    assert!(resealed.status.success(), "{}", text(&resealed.stderr));
    assert!(
        text(&resealed.stdout).contains("CONSOLE_SECRET_KEY_PREVIOUS can go"),
        "{}",
        text(&resealed.stdout)
    );
}

#[tokio::test]
async fn commands_never_create_a_database_and_migrate_brings_one_up_to_date() {
    if on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data/console.db");
    let db = format!("sqlite://{}", file.display());
    let env = [("DATABASE_URL", db.as_str())];
    let key = dir.path().join("k").display().to_string();
    assert!(
        console(&[], &["keys", "init", "--file", &key])
            .status
            .success()
    );
    for args in [
        &["migrate"][..],
        &["accounts", "list"][..],
        &["keys", "reseal"][..],
    ] {
        let refused = console(&[env[0], ("CONSOLE_SECRET_KEY_FILE", &key)], args);
        assert!(!refused.status.success(), "{args:?}");
        assert!(
            text(&refused.stderr).contains("no database at"),
            "{args:?}: {}",
            text(&refused.stderr)
        );
        assert!(!file.exists(), "{args:?} made a database");
        assert!(!file.parent().unwrap().exists(), "{args:?} made its folder");
    }

    // A database made at an earlier release's start: `migrate` says it is up to date.
    server::store::SqliteStore::open(&db).await.unwrap();
    let migrated = console(&env, &["migrate"]);
    assert!(migrated.status.success(), "{}", text(&migrated.stderr));
    assert!(text(&migrated.stdout).contains("up to date"));
}

#[tokio::test]
async fn a_database_ahead_of_the_binary_is_left_alone_and_says_so() {
    if on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("console.db").display());
    let store = server::store::SqliteStore::open(&db).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990001, 'a later release', TRUE, X'00', 1)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let tables = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sqlite_master")
            .fetch_one(store.pool())
            .await
            .unwrap()
    };
    let before = tables().await;
    for args in [&["migrate"][..], &["accounts", "list"][..]] {
        let refused = console(&[("DATABASE_URL", &db)], args);
        assert!(!refused.status.success());
        let stderr = text(&refused.stderr);
        assert!(
            stderr.contains("99990001") && stderr.contains("newer than this binary"),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(tables().await, before);
}

#[tokio::test]
async fn a_database_password_is_never_printed() {
    if on_postgres() {
        return;
    }
    // A setting sqlx refuses before it connects (a refused connection is retried for half a
    // minute): the failure is printed, the password is not.
    let url = "postgres://console:hunter2-pw@127.0.0.1:1/console?sslmode=bogus";
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("secret.key").display().to_string();
    let help = console(&[("DATABASE_URL", url)], &["--help"]);
    assert!(help.status.success());
    assert!(
        !text(&help.stdout).contains("hunter2"),
        "--help shows no setting's value"
    );
    for (env, args) in [
        (vec![("DATABASE_URL", url)], vec!["migrate"]),
        (vec![("DATABASE_URL", url)], vec!["accounts", "list"]),
        (
            vec![
                ("DATABASE_URL", url),
                ("CONSOLE_SANDBOX", "1"),
                ("CONSOLE_ADDR", "127.0.0.1:0"),
                ("CONSOLE_SECRET_KEY_FILE", key.as_str()),
            ],
            vec![],
        ),
    ] {
        let failed = console(&env, &args);
        assert!(!failed.status.success());
        let printed = format!("{}{}", text(&failed.stdout), text(&failed.stderr));
        assert!(!printed.contains("hunter2"), "{args:?}: {printed}");
        assert!(
            printed.contains("postgres://console:****@127.0.0.1:1/console?sslmode=bogus"),
            "{args:?}: {printed}"
        );
    }
}
