//! The native half of the Python wheel `electie` (`electie._native`).
//!
//! A thin layer: it converts Python values to the types of `electie-core`,
//! `electie-crypto` and `electie-tally` and back, releases the GIL around the work,
//! and maps every error to a Python exception in one place ([`error`]). The public
//! Python API, with the drop-in `electie.electiersa`, lives in `python/electie/`.

mod crypto;
mod error;
mod json;

use pyo3::prelude::*;

/// `electie._native`: see `python/electie/_native.pyi` for the API.
#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    error::register(module)?;
    module.add_function(wrap_pyfunction!(crypto::get_rsa_key_pair, module)?)?;
    module.add_function(wrap_pyfunction!(crypto::encrypt_vote, module)?)?;
    module.add_function(wrap_pyfunction!(crypto::decrypt_vote, module)?)?;
    module.add_function(wrap_pyfunction!(crypto::decrypt_votes, module)?)?;
    module.add_function(wrap_pyfunction!(crypto::set_key_cache_size, module)?)?;
    module.add_function(wrap_pyfunction!(crypto::rsa_backend, module)?)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
