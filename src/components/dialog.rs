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
/// For how many frames (about four seconds) focus given back is looked after: the page behind
/// a dialog often re-renders the opener once the dialog's work is done.
const FRAMES: u8 = 240;

thread_local! {
    /// What had the focus when the open dialog opened (one is open at a time).
    static OPENER: Cell<Option<Element>> = const { Cell::new(None) };
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
    let Ok(all) = root.query_selector_all(FOCUSABLE) else {
        return;
    };
    let (first, last) = (all.get(0), all.get(all.length().wrapping_sub(1)));
    let (edge, next) = if event.shift_key() {
        (first, last)
    } else {
        (last, first)
    };
    let active = document().active_element();
    let outside = active
        .as_ref()
        .is_none_or(|a| a == root || !root.contains(Some(a)));
    if outside || active.as_deref() == edge.as_ref() {
        event.prevent_default();
        if let Some(next) = next {
            focus(next.unchecked_ref());
        }
    }
}

/// Runs `then` at the next frame (one closure type for both uses here).
fn next_frame(then: fn(Vec<u32>, u8), path: Vec<u32>, frames: u8) {
    request_animation_frame(move || then(path, frames));
}

/// Once the dialog is on screen: everything around it becomes inert, up to the document, and
/// it takes the focus.
fn opened(_: Vec<u32>, _: u8) {
    let Some(dialog) = document().query_selector("[aria-modal]").ok().flatten() else {
        return;
    };
    let mut node = dialog.clone();
    while let Some(parent) = node.parent_node() {
        let mut next = parent.unchecked_ref::<Element>().first_element_child();
        while let Some(sibling) = next {
            if sibling != node {
                let _ = sibling.set_attribute("inert", "");
            }
            next = sibling.next_element_sibling();
        }
        node = parent.unchecked_into();
    }
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

/// While the focus given back stays, nothing to do; once it falls to the body (the element
/// that had it was re-rendered), the element now at its place (`path`, see [`place`]) takes
/// it, else the page.
fn look_after(path: Vec<u32>, frames: u8) {
    let doc = document();
    let lost = || doc.active_element().as_ref() == doc.body().as_deref();
    if lost() {
        let mut el: Element = doc.clone().unchecked_into();
        for &i in path.iter().rev() {
            let mut child = el.first_element_child();
            for _ in 0..i {
                child = child.and_then(|c| c.next_element_sibling());
            }
            let Some(child) = child else { break };
            el = child;
        }
        focus(&el);
        if lost()
            && let Ok(Some(main)) = doc.query_selector("main")
        {
            focus(&main);
        }
    }
    if frames > 0 {
        next_frame(look_after, path, frames - 1);
    }
}

#[component]
pub fn Dialog(
    #[prop(into)] title: Signal<String>,
    on_close: Callback<()>,
    children: Children,
    #[prop(optional)] wide: bool,
) -> impl IntoView {
    OPENER.set(document().active_element());
    let handle = window_event_listener(ev::keydown, move |event| {
        if event.key() == "Escape" {
            on_close.run(());
        } else if let Some(dialog) = document().query_selector("[aria-modal]").ok().flatten() {
            keep_tab_inside(&dialog, &event);
        }
    });
    next_frame(opened, Vec::new(), 0);
    on_cleanup(move || {
        handle.remove();
        if let Ok(inert) = document().query_selector_all("[inert]") {
            for i in 0..inert.length() {
                if let Some(el) = inert.get(i) {
                    let _ = el.unchecked_ref::<Element>().remove_attribute("inert");
                }
            }
        }
        // Back to the opener, else the page; then looked after while the page re-renders.
        let doc = document();
        let back = OPENER
            .take()
            .filter(|el| doc.contains(Some(el)))
            .or_else(|| doc.query_selector("main").ok().flatten());
        if let Some(el) = back {
            focus(&el);
            look_after(place(&el), FRAMES);
        }
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
