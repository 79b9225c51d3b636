//! Cloud Pay Console API server.
//!
//! [`http`] is the HTTP layer: [`app`] builds the whole surface from an [`AppState`] (the
//! JSON API under `/api/v1`, one module per area in [`routes`], its OpenAPI document, and the
//! SPA's static files) with the layers every request passes through. Handlers never hold SQL:
//! they call the [`store::Store`] trait, whose SQLite implementation is the embedded default.
//! The WeChat Maidan service is reached through [`upstream::MaidanUpstream`]; the seeded
//! sandbox is the one implementation shipped. Durable work runs in [`jobs`]; the process is
//! composed in `main.rs`, from the settings in [`config`].

pub mod accounts;
pub mod answers;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod error;
pub mod http;
pub mod images;
pub mod jobs;
pub mod keys;
pub mod metrics;
pub mod oauth;
pub mod phone;
pub mod respond;
pub mod retry;
pub mod routes;
pub mod sealing;
pub mod seed;
pub mod store;
pub mod upstream;
pub mod vault;

pub use config::Config;
pub use error::AppError;
/// The audit log reads the request's id here.
pub use http::middleware;
pub use http::{AppState, Settings, app, with_layers};
