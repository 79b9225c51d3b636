//! Who is signed in, known to every page through context.

use domain::api::SessionInfo;
use leptos::prelude::*;

use crate::api;

/// The signed-in session, once the first check with the server has answered.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    info: RwSignal<Option<SessionInfo>>,
    checked: RwSignal<bool>,
}

impl Session {
    /// The session, or `None` when signed out (reactive).
    pub fn info(&self) -> Option<SessionInfo> {
        self.info.get()
    }

    /// True once the server has said whether anyone is signed in.
    pub fn checked(&self) -> bool {
        self.checked.get()
    }

    pub fn signed_in(&self, info: SessionInfo) {
        self.info.set(Some(info));
        self.checked.set(true);
    }

    pub fn signed_out(&self) {
        self.info.set(None);
        self.checked.set(true);
    }
}

/// Provides the session and asks the server who is signed in.
pub fn provide_session() -> Session {
    let session = Session {
        info: RwSignal::new(None),
        checked: RwSignal::new(false),
    };
    provide_context(session);
    leptos::task::spawn_local(async move {
        match api::current_session().await {
            Ok(Some(info)) => session.signed_in(info),
            // Signed out, or the server is unreachable: the login page says which on submit.
            Ok(None) | Err(_) => session.signed_out(),
        }
    });
    session
}

/// Provides a session already known (tests, and pages that mount alone).
pub fn provide_known_session(info: Option<SessionInfo>) -> Session {
    let session = Session {
        info: RwSignal::new(info),
        checked: RwSignal::new(true),
    };
    provide_context(session);
    session
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}
