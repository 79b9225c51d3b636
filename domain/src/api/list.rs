//! Paging and search, shared by every list.

use serde::{Deserialize, Serialize};

/// One page of a list: `{items, total, page, page_size}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
}

impl<T> Page<T> {
    /// How many pages there are (at least 1).
    pub fn pages(&self) -> u32 {
        let size = u64::from(self.page_size.max(1));
        u32::try_from(self.total.div_ceil(size).max(1)).unwrap_or(u32::MAX)
    }
}

/// The paging and search rules of every list: page 1–100,000, page size 1–100, search ≤ 100
/// characters.
pub fn check_paging(
    page: Option<u32>,
    page_size: Option<u32>,
    q: Option<&str>,
) -> Vec<(&'static str, crate::FieldError)> {
    use crate::FieldError;
    let mut errors = Vec::new();
    match page {
        Some(0) => errors.push(("page", FieldError::TooSmall { min: 1 })),
        Some(page) if page > ListQuery::MAX_PAGE => errors.push((
            "page",
            FieldError::TooLarge {
                max: u64::from(ListQuery::MAX_PAGE),
            },
        )),
        _ => {}
    }
    match page_size {
        Some(0) => errors.push(("page_size", FieldError::TooSmall { min: 1 })),
        Some(size) if size > ListQuery::MAX_PAGE_SIZE => errors.push((
            "page_size",
            FieldError::TooLarge {
                max: u64::from(ListQuery::MAX_PAGE_SIZE),
            },
        )),
        _ => {}
    }
    if q.is_some_and(|q| q.chars().count() > ListQuery::MAX_SEARCH_CHARS) {
        errors.push((
            "q",
            FieldError::TooLong {
                max: ListQuery::MAX_SEARCH_CHARS,
            },
        ));
    }
    errors
}

/// Declares a list's query (its derives, query parameters in the OpenAPI document): the fields
/// given, then `page` and `page_size`, whose bounds the document states once, here (the rules
/// that hold them are [`check_paging`]'s).
macro_rules! paged_query {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($field:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[cfg_attr(
            feature = "openapi",
            derive(utoipa::IntoParams),
            into_params(parameter_in = Query)
        )]
        $vis struct $name {
            $($field)*
            /// 1-based page number (default 1).
            #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100_000))]
            pub page: Option<u32>,
            /// Rows per page, 1–100 (default 20).
            #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
            pub page_size: Option<u32>,
        }
    };
}
pub(super) use paged_query;

paged_query! {
    /// Paging and search of a list request.
    pub struct ListQuery {
        /// Text to search for (name or ID), at most 100 characters.
        #[cfg_attr(feature = "openapi", param(max_length = 100))]
        pub q: Option<String>,
    }
}

impl ListQuery {
    pub const DEFAULT_PAGE_SIZE: u32 = 20;
    pub const MAX_PAGE_SIZE: u32 = 100;
    /// The last page a list serves (10 million rows at the largest page size).
    pub const MAX_PAGE: u32 = 100_000;

    /// The longest search text.
    pub const MAX_SEARCH_CHARS: usize = 100;

    /// What the API refuses (422) rather than clamps: a page outside 1–100,000, a page size
    /// outside 1–100, a search text over 100 characters.
    pub fn check(&self) -> Vec<(&'static str, crate::FieldError)> {
        check_paging(self.page, self.page_size, self.q.as_deref())
    }

    /// `(page, page_size)` clamped to what the API serves.
    pub fn paging(&self) -> (u32, u32) {
        let page = self.page.unwrap_or(1).max(1);
        let size = self
            .page_size
            .unwrap_or(Self::DEFAULT_PAGE_SIZE)
            .clamp(1, Self::MAX_PAGE_SIZE);
        (page, size)
    }

    /// The trimmed search text, if any.
    pub fn search(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }
}
