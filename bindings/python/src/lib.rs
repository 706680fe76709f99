//! The native half of the Python wheel `electie` (`electie._native`).
//!
//! A thin layer: it converts Python values to the types of `electie-core`,
//! `electie-crypto` and `electie-tally` and back, releases the GIL around the work,
//! and maps every error to a Python exception in one place (`src/error.rs`). The public
//! Python API, with the drop-in `electie.electiersa`, lives in `python/electie/`.

mod crypto;
mod election;
mod error;
mod json;
mod tally;

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
    module.add_class::<election::PyElectionConfig>()?;
    module.add_class::<election::PyTokenStore>()?;
    module.add_function(wrap_pyfunction!(election::validate_batch, module)?)?;
    module.add_function(wrap_pyfunction!(election::vote_verdicts, module)?)?;
    module.add_class::<tally::PyTally>()?;
    module.add_function(wrap_pyfunction!(tally::allocate_seats, module)?)?;
    module.add_function(wrap_pyfunction!(tally::rank, module)?)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
