//! List filters kept in the URL query, so that a view can be shared and survives a reload.
//! Setting a filter other than the page starts again at page 1.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
};

use crate::api;

/// Goes to an address within the SPA.
type Navigate = Box<dyn Fn(&str)>;

#[derive(Clone, Copy)]
pub struct UrlFilters {
    path: &'static str,
    names: &'static [&'static str],
    query: Memo<ParamsMap>,
    navigate: StoredValue<Navigate, LocalStorage>,
    /// The page, in step with `page=` of the URL both ways.
    pub page: RwSignal<u32>,
}

impl UrlFilters {
    /// One filter's value ("" when not set).
    pub fn param(&self, name: &str) -> String {
        self.query.with(|q| q.get(name).unwrap_or_default())
    }

    /// Every filter with its value, in order.
    pub fn all(&self) -> Vec<(&'static str, String)> {
        self.names.iter().map(|k| (*k, self.param(k))).collect()
    }

    /// One filter's value, `None` when not set.
    pub fn value(&self, name: &str) -> Option<String> {
        Some(self.param(name)).filter(|v| !v.is_empty())
    }

    /// The page asked for (`None` when not set or not a number).
    pub fn page_number(&self) -> Option<u32> {
        self.param("page").parse().ok()
    }

    /// Sets one filter by rewriting the URL.
    pub fn set(&self, name: &'static str, value: String) {
        let mut next = self.all();
        for (k, v) in &mut next {
            if *k == name {
                v.clone_from(&value);
            } else if *k == "page" {
                v.clear();
            }
        }
        let url = format!("{}?{}", self.path, api::query_string(&next));
        self.navigate.with_value(|go| go(&url));
    }
}

/// The filters `names` (which may include `page`) of the list at `path`.
pub fn use_url_filters(path: &'static str, names: &'static [&'static str]) -> UrlFilters {
    let navigate = use_navigate();
    let go: Navigate = Box::new(move |url| navigate(url, NavigateOptions::default()));
    let filters = UrlFilters {
        path,
        names,
        query: use_query_map(),
        navigate: StoredValue::new_local(go),
        page: RwSignal::new(1),
    };
    let page = filters.page;
    Effect::new(move |_| page.set(filters.param("page").parse().unwrap_or(1).max(1)));
    Effect::new(move |previous: Option<u32>| {
        let current = page.get();
        if previous.is_some_and(|p| p != current) {
            filters.set("page", current.to_string());
        }
        current
    });
    filters
}
