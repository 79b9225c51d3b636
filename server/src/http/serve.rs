//! Serving until a signal, then stopping in order: the job workers hand their jobs back while
//! the requests in flight finish.

use std::time::Duration;

use axum::Router;

use crate::jobs::Workers;

/// How long a stopping console lets requests in flight finish: below the units'
/// `TimeoutStopSec` (30 s), so that systemd never has to kill it.
pub const HTTP_DRAIN: Duration = Duration::from_secs(15);

/// Serves `app` on `listener` until Ctrl-C or SIGTERM; then stops `jobs` (whose tasks are
/// `workers`) and drains for at most [`HTTP_DRAIN`].
pub async fn serve_until_stopped(
    listener: tokio::net::TcpListener,
    app: Router,
    jobs: Workers,
    mut workers: tokio::task::JoinSet<()>,
) -> std::io::Result<()> {
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let (drain, draining) = tokio::sync::watch::channel(false);
    let serving = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let mut draining = draining;
            let _ = draining.wait_for(|now| *now).await;
        })
        .into_future();
    tokio::pin!(serving);
    tokio::select! {
        served = &mut serving => return served,
        () = shutdown_signal() => {}
    }
    // Jobs first: no new claims from now on, and each running job is given back (its lease
    // released) so that another replica takes it over at once, while HTTP drains beside it.
    jobs.stop();
    let _ = drain.send(true);
    let handed_back = async { while workers.join_next().await.is_some() {} };
    let (served, handed_back) = tokio::join!(
        tokio::time::timeout(HTTP_DRAIN, &mut serving),
        tokio::time::timeout(HTTP_DRAIN, handed_back),
    );
    if handed_back.is_err() {
        tracing::warn!("job workers did not stop in time; their jobs resume when the lease ends");
    }
    match served {
        Ok(served) => served?,
        Err(_) => tracing::warn!(
            deadline_s = HTTP_DRAIN.as_secs(),
            "requests still open at the drain deadline were cut"
        ),
    }
    tracing::info!("stopped");
    Ok(())
}

/// Ctrl-C, or SIGTERM where there is one.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
