//! Measurements: the one `median` of `electie bench` and the criterion benchmarks.

/// The median of `values` (the mean of the middle two for an even count); NaN for none.
///
/// ```
/// use electie_cli::measure::median;
/// assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
/// assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
/// assert!(median(Vec::new()).is_nan());
/// ```
#[must_use]
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.is_empty() {
        f64::NAN
    } else if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
}
