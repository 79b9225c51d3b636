//! Entry point of the login bundle (`/login`).

fn main() {
    console::mount_login();
}
