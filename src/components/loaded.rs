//! A read's outcome on screen: the server's refusal as a note, else the answer. While it
//! reloads the answer on screen stays (a transition), so a page does not flash empty.

use leptos::prelude::*;

use crate::{api::ApiError, components::error_note::ErrorNote};

/// Shows `resource`'s error, or `children` with its answer once there is one.
#[component]
pub fn Loaded<T, F, V>(resource: LocalResource<Result<T, ApiError>>, children: F) -> impl IntoView
where
    T: Clone + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let error = Signal::derive(move || resource.get().and_then(Result::err));
    view! {
        <ErrorNote error=error/>
        {move || resource.get().and_then(Result::ok).map(&children)}
    }
}
