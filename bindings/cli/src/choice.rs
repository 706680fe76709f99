//! electie-tally's tables of names as clap options: the possible values, their help
//! and the parsing all come from the library ([`electie_tally::Named`]).

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use electie_tally::Named;

/// A value parser offering every name of `T` with its description.
pub(crate) fn choice<T: Named>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(
        T::ALL
            .iter()
            .map(|value| PossibleValue::new(value.name()).help(value.description())),
    )
    .try_map(|name| name.parse::<T>())
}
