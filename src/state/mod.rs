//! Browser state logic shared between pages.

pub mod session;
pub mod poll;
