//! Entry point of the phone bundle (`/m/...`, the pages QR codes open).

fn main() {
    console::mount_phone();
}
