//! A page of a list as the API answers it (`{items, total, page, page_size}`), from the page
//! the store read.

use domain::api::Page;

use crate::http::ApiJson;

/// The store's page `found`, as page `page` of `page_size` rows.
pub fn page<T>(found: crate::store::Page<T>, page: u32, page_size: u32) -> ApiJson<Page<T>> {
    let crate::store::Page { items, total } = found;
    ApiJson(Page {
        items,
        total,
        page,
        page_size,
    })
}
