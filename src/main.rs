fn main() {
    console::mount();
}
