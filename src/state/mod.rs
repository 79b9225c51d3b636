//! Browser state logic shared between pages.

pub mod poll;
pub mod qr_ticket;
pub mod session;
pub mod url_filters;
