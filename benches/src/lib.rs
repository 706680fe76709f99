//! Shared helpers for the electie benchmarks (generated data).
