//! electie-core
