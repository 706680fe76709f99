//! `uniffi-bindgen` for electie's mobile bindings: generates Kotlin and Swift sources
//! from the compiled `electie_uniffi` library (library mode), e.g.
//! `cargo run -p electie-uniffi-bindgen -- generate --library target/debug/libelectie_uniffi.so --language kotlin --out-dir out`.

fn main() {
    uniffi::uniffi_bindgen_main();
}
