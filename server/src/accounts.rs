//! `cloud-pay-console accounts add|set-password|disable|enable|list`: the operator's commands for
//! console accounts, on the same `DATABASE_URL` as the server. A password is read from standard
//! input when it is not a terminal (one line), and asked twice without echo when it is; it must
//! pass [`domain::rules::new_password`] (12–128 characters). Changing a password or disabling an
//! account ends that account's sessions at once.

use std::io::{BufRead, IsTerminal};

use domain::{
    FieldError, Lang,
    api::{Account, AccountRole, AuditAction},
    rules::{self, AccountId},
};

use crate::audit::AuditTarget;
use crate::{
    auth,
    clock::rfc3339,
    store::{AccountChange, AccountInsert, NewAccount, NewAuditEvent, Store, StoreError},
};

/// Who the audit log names for a change made with this command.
const OPERATOR: &str = "operator (cloud-pay-console accounts)";

/// What `accounts` can do.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum AccountsCommand {
    /// Create an account (its password from standard input, or asked for).
    Add {
        /// The Tencent Cloud account ID (digits, 5–20).
        #[arg(long)]
        id: String,
        /// The name the console shows.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: Role,
    },
    /// Give an account a new password; its sessions end.
    SetPassword {
        #[arg(long)]
        id: String,
    },
    /// Stop an account from signing in; its sessions end.
    Disable {
        #[arg(long)]
        id: String,
    },
    /// Let a disabled account sign in again (with its password as it was).
    Enable {
        #[arg(long)]
        id: String,
    },
    /// Every account, with its role and status.
    List,
}

/// An account's role, as the command line spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    Provider,
    SubProvider,
}

impl From<Role> for AccountRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Provider => AccountRole::Provider,
            Role::SubProvider => AccountRole::SubProvider,
        }
    }
}

/// Why a command did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// The input breaks a rule (exit status 2).
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// No account with that ID.
    #[error("no account {0}")]
    NoAccount(String),
    /// The ID is taken.
    #[error("account {0} exists already")]
    Exists(String),
    #[error("reading the password: {0}")]
    Input(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Other(String),
}

impl AccountsError {
    /// The process's exit status for it.
    pub fn exit_status(&self) -> i32 {
        match self {
            AccountsError::Invalid { .. } => 2,
            _ => 1,
        }
    }
}

fn invalid(field: &'static str, error: &FieldError) -> AccountsError {
    AccountsError::Invalid {
        field,
        message: error.message(Lang::En),
    }
}

fn account_id(id: &str) -> Result<AccountId, AccountsError> {
    AccountId::parse(id).map_err(|e| invalid("--id", &e))
}

/// The new password: one line of standard input, or asked twice on the terminal.
fn read_password() -> Result<String, AccountsError> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password (12–128 characters): ")?;
        let second = rpassword::prompt_password("Again: ")?;
        rules::same_password(&first, &second).map_err(|e| invalid("password", &e))?;
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    rules::new_password(&password).map_err(|e| invalid("password", &e))?;
    Ok(password)
}

fn hash(password: &str) -> Result<String, AccountsError> {
    auth::hash_password(password).map_err(|e| AccountsError::Other(e.to_string()))
}

/// Runs one command; what it did goes to `out`.
pub async fn run(
    store: &dyn Store,
    command: AccountsCommand,
    now_ms: i64,
    out: &mut impl std::io::Write,
) -> Result<(), AccountsError> {
    match command {
        AccountsCommand::Add { id, name, role } => {
            let id = account_id(&id)?;
            let name = name.trim().to_owned();
            if name.is_empty() {
                return Err(invalid("--name", &FieldError::Required));
            }
            if name.chars().count() > 64 {
                return Err(invalid("--name", &FieldError::TooLong { max: 64 }));
            }
            let password = read_password()?;
            let account = Account {
                id: id.clone(),
                name,
                role: role.into(),
            };
            let inserted = store
                .insert_account_if_missing(&NewAccount {
                    account,
                    password_hash: hash(&password)?,
                })
                .await?;
            if inserted == AccountInsert::Exists {
                return Err(AccountsError::Exists(id.to_string()));
            }
            writeln!(out, "added {id}")?;
        }
        AccountsCommand::SetPassword { id } => {
            let id = account_id(&id)?;
            let password = read_password()?;
            let audit = NewAuditEvent::new(
                id.as_str(),
                AuditAction::AccountPasswordChanged,
                AuditTarget::Account(id.as_str()),
                now_ms,
            )
            .by(OPERATOR);
            match store
                .set_password(id.as_str(), &hash(&password)?, None, &audit)
                .await?
            {
                AccountChange::Done { sessions_ended } => {
                    writeln!(
                        out,
                        "password of {id} set; {sessions_ended} session(s) ended"
                    )?;
                }
                AccountChange::NoAccount => return Err(AccountsError::NoAccount(id.to_string())),
            }
        }
        AccountsCommand::Disable { id } => {
            let id = account_id(&id)?;
            match store.disable_account(id.as_str(), now_ms).await? {
                AccountChange::Done { sessions_ended } => {
                    writeln!(out, "{id} disabled; {sessions_ended} session(s) ended")?;
                }
                AccountChange::NoAccount => return Err(AccountsError::NoAccount(id.to_string())),
            }
        }
        AccountsCommand::Enable { id } => {
            let id = account_id(&id)?;
            match store.enable_account(id.as_str()).await? {
                AccountChange::Done { .. } => writeln!(out, "{id} enabled")?,
                AccountChange::NoAccount => return Err(AccountsError::NoAccount(id.to_string())),
            }
        }
        AccountsCommand::List => {
            writeln!(
                out,
                "{:<20}  {:<12}  {:<30}  {:<9}  created",
                "id", "role", "name", "status"
            )?;
            for listing in store.list_accounts().await? {
                let role = match listing.account.role {
                    AccountRole::Provider => "provider",
                    AccountRole::SubProvider => "sub-provider",
                };
                let status = if listing.disabled_at_ms.is_some() {
                    "disabled"
                } else {
                    "active"
                };
                writeln!(
                    out,
                    "{:<20}  {role:<12}  {:<30}  {status:<9}  {}",
                    listing.account.id.to_string(),
                    listing.account.name,
                    rfc3339(listing.created_at_ms)
                )?;
            }
        }
    }
    Ok(())
}
