//! The one source of each fact the console and its API share.
//!
//! - [`error`]: the stable error codes, their HTTP statuses and their messages, and the
//!   JSON error envelope every API error travels in.
//! - [`rules`]: field rules (e.g. the Tencent Cloud account ID), used inline by the browser
//!   and authoritatively by the server.
//! - [`api`]: request and response types of the JSON API.
//! - [`lang`]: the two UI languages.
//! - [`navigation`]: where a browser may be sent after signing in.
//! - [`paths`]: every path of the JSON API, for its router, its client and its tests.
//! - [`demo`]: the sandbox's demo accounts.
//! - [`poll`]: the schedule for polling long-running work.
//! - [`provider_config`]: a provider's WeChat Pay, Alipay and basic info, and their forms.
//! - [`qr`]: QR module matrices (drawn by the SPA's canvas).
//! - [`secret`]: a string whose `Debug` prints `[redacted]`.
//! - [`sync_status`]: which providers still need a sub-merchant sync.
//! - [`wire`]: [`wire_enum!`], one list of names per enum on the wire or in the database.
//!
//! No I/O lives here; everything compiles for wasm32 and native alike.

pub mod api;
pub mod demo;
pub mod error;
pub mod lang;
pub mod navigation;
pub mod paths;
pub mod poll;
pub mod provider_config;
pub mod qr;
pub mod rules;
pub mod secret;
pub mod sync_status;
pub mod wire;

pub use error::{ErrorBody, ErrorCode, ErrorEnvelope};
pub use lang::Lang;
pub use rules::FieldError;
pub use secret::Secret;
