//! Browser state logic shared between pages.

pub mod session;
