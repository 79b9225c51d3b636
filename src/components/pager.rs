//! 共 N 条，第 x/y 页 with previous and next: paging of a server-paginated list.

use leptos::prelude::*;

use crate::i18n::{Key, fill, tr, use_i18n};

#[component]
pub fn Pager(page: RwSignal<u32>, total: u64, pages: u32) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="pager">
            <span class="muted">
                {move || fill(i18n.t(Key::PagerSummary), &[
                    ("total", total.to_string()),
                    ("page", page.get().to_string()),
                    ("pages", pages.to_string()),
                ])}
            </span>
            <button type="button" class="btn" disabled=move || { page.get() <= 1 }
                on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))>
                {tr(Key::PrevPage)}
            </button>
            <button type="button" class="btn" disabled=move || { page.get() >= pages }
                on:click=move |_| page.update(|p| *p += 1)>
                {tr(Key::NextPage)}
            </button>
        </div>
    }
}
