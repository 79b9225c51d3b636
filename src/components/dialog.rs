//! A modal dialog: title, body, a close button; Escape closes it too. While it is open the page
//! behind it is inert and Tab stays inside ([`keep_tab_inside`], which the navigation drawer
//! uses as well); it takes the focus when it opens and gives it back when it closes.

use std::cell::Cell;

use leptos::{ev, prelude::*};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent};

use crate::i18n::{Key, tr};

macro_rules! focusable {
    () => {
        "a[href],button:not(:disabled),input:not(:disabled),select:not(:disabled),textarea:not(:disabled)"
    };
}
/// What Tab stops at.
const FOCUSABLE: &str = focusable!();
/// What takes the focus when a dialog opens: the first control of its body (the typed
/// confirmation, or 取消 before the button that acts), else the dialog itself.
const FIRST_IN_BODY: &str = concat!(".dialog-body :is(", focusable!(), ")");

thread_local! {
    /// What had the focus when the open dialog opened (one is open at a time), and where it
    /// was (see [`place`]).
    static OPENER: Cell<Option<Element>> = const { Cell::new(None) };
    static PLACE: Cell<Vec<u32>> = const { Cell::new(Vec::new()) };
    /// What the open dialog made inert.
    static INERT: Cell<Vec<Element>> = const { Cell::new(Vec::new()) };
}

pub(crate) fn focus(el: &Element) {
    let _ = el.unchecked_ref::<HtmlElement>().focus();
}

/// Keeps Tab and Shift+Tab among the focusable elements inside `root`: past the last one to
/// the first and back, and in again from `root` itself or from outside.
pub fn keep_tab_inside(root: &Element, event: &KeyboardEvent) {
    if event.key() != "Tab" {
        return;
    }
    let first = root.query_selector(FOCUSABLE).ok().flatten();
    // The last: backwards through the elements inside, from the deepest last one.
    let deepest = |mut el: Element| {
        while let Some(child) = el.last_element_child() {
            el = child;
        }
        el
    };
    let mut last = root.last_element_child().map(deepest);
    while let Some(el) = last.take() {
        if el.matches(FOCUSABLE).unwrap_or(false) {
            last = Some(el);
            break;
        }
        last = match el.previous_element_sibling() {
            Some(sibling) => Some(deepest(sibling)),
            None => el.parent_element().filter(|p| p != root),
        };
    }
    let (edge, next) = if event.shift_key() {
        (first, last)
    } else {
        (last, first)
    };
    let active = document().active_element();
    let outside = active
        .as_ref()
        .is_none_or(|a| a == root || !root.contains(Some(a)));
    if outside || active == edge {
        event.prevent_default();
        if let Some(next) = next {
            focus(&next);
        }
    }
}

/// Once the dialog is on screen: everything around it becomes inert, up to the document, and
/// it takes the focus.
fn opened() {
    let Some(dialog) = document().query_selector("[aria-modal]").ok().flatten() else {
        return;
    };
    let mut inert = Vec::new();
    let mut node = dialog.clone();
    while let Some(parent) = node.parent_node() {
        let mut next = parent.unchecked_ref::<Element>().first_element_child();
        while let Some(sibling) = next {
            next = sibling.next_element_sibling();
            if sibling != node {
                let _ = sibling.set_attribute("inert", "");
                inert.push(sibling);
            }
        }
        node = parent.unchecked_into();
    }
    INERT.set(inert);
    focus(
        &dialog
            .query_selector(FIRST_IN_BODY)
            .ok()
            .flatten()
            .unwrap_or(dialog),
    );
}

/// Where `el` is: its position among its parent's elements, for each ancestor up to the
/// document (innermost first).
fn place(el: &Element) -> Vec<u32> {
    let mut path = Vec::new();
    let mut node = el.clone();
    while let Some(parent) = node.parent_node() {
        let (mut i, mut child) = (0, parent.unchecked_ref::<Element>().first_element_child());
        while let Some(c) = child.filter(|c| *c != node) {
            i += 1;
            child = c.next_element_sibling();
        }
        path.push(i);
        node = parent.unchecked_into();
    }
    path
}

/// The element now at `path` (see [`place`]).
fn at(path: &[u32]) -> Option<Element> {
    let mut el: Element = document().unchecked_into();
    for &i in path.iter().rev() {
        el = el.first_element_child()?;
        for _ in 0..i {
            el = el.next_element_sibling()?;
        }
    }
    Some(el)
}

/// The focus given back fell to the body (what had it is gone): the page takes it.
fn focus_page_if_lost() {
    let doc = document();
    if doc.active_element().as_ref() == doc.body().as_deref()
        && let Ok(Some(main)) = doc.query_selector("main")
    {
        focus(&main);
    }
}

#[component]
pub fn Dialog(
    #[prop(into)] title: Signal<String>,
    on_close: Callback<()>,
    children: Children,
    #[prop(optional)] wide: bool,
) -> impl IntoView {
    let opener = document().active_element();
    PLACE.set(opener.as_ref().map(place).unwrap_or_default());
    OPENER.set(opener);
    let handle = window_event_listener(ev::keydown, move |event| {
        if event.key() == "Escape" {
            on_close.run(());
        } else if let Some(dialog) = document().query_selector("[aria-modal]").ok().flatten() {
            keep_tab_inside(&dialog, &event);
        }
    });
    request_animation_frame(opened as fn());
    on_cleanup(move || {
        handle.remove();
        for el in INERT.take() {
            let _ = el.remove_attribute("inert");
        }
        // Back to the opener, or what is drawn in its place now; else, once the dialog is
        // gone, the page.
        let doc = document();
        let back = OPENER.take().filter(|el| doc.contains(Some(el)));
        if let Some(el) = back.or_else(|| at(&PLACE.take())) {
            focus(&el);
        }
        request_animation_frame(focus_page_if_lost as fn());
    });
    view! {
        <div class="dialog-backdrop">
            <div class="dialog" class:dialog-wide=wide role="dialog" aria-modal="true" aria-labelledby="dialog-title"
                tabindex="-1">
                <header class="dialog-header">
                    <h2 id="dialog-title">{move || title.get()}</h2>
                    <button type="button" class="btn btn-ghost dialog-close" on:click=move |_| on_close.run(())>
                        {tr(Key::Close)}
                    </button>
                </header>
                <div class="dialog-body">{children()}</div>
            </div>
        </div>
    }
}
