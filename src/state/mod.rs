//! Browser state logic shared between pages.

pub mod form;
pub mod phone_sign_in;
pub mod poll;
pub mod qr_ticket;
pub mod session;
pub mod url_filters;
pub mod write;
