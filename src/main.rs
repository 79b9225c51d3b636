//! Entry point of the console SPA: mounts the app.

fn main() {
    console::mount();
}
