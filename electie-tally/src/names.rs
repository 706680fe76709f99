//! The one way a choice users name is written: a table of `variant => "name",
//! "description"` turned into `ALL`, `NAMES`, `name()`, `description()`, `FromStr`
//! (exact names, case matters, [`crate::Error::UnknownName`] otherwise) and `Display`.
//!
//! Every method and policy a user types (`--method`, `--tie`, `--quota-rounding`,
//! `--too-many-circles`, Python's `method=`, `tie=`, …) is read through one of these
//! tables, so the command line and the Python binding accept exactly the same names.

/// A choice users name: a method or a policy with a fixed table of names.
///
/// Every table of the crate implements it, so a binding can offer any of them the
/// same way (the command line builds its `--tie`, `--quota-rounding`, … options from
/// it; Python parses its string arguments through `FromStr`).
///
/// ```
/// use electie_tally::Named;
/// use electie_tally::apportion::QuotaRounding;
///
/// fn help<T: Named>() -> String {
///     T::ALL.iter().map(|v| format!("{}: {}", v.name(), v.description())).collect::<Vec<_>>().join("; ")
/// }
/// assert!(help::<QuotaRounding>().starts_with("exact: The exact rational quota; floor: Rounded down"));
/// assert_eq!("nearest".parse::<QuotaRounding>()?, QuotaRounding::NearestHalfUp);
/// # Ok::<(), electie_tally::Error>(())
/// ```
pub trait Named:
    Copy
    + Eq
    + std::fmt::Debug
    + std::fmt::Display
    + std::str::FromStr<Err = crate::error::Error>
    + Send
    + Sync
    + 'static
{
    /// Every value, in the order help texts list them.
    const ALL: &'static [Self];
    /// The names of [`Named::ALL`], in the same order.
    const NAMES: &'static [&'static str];
    /// The name users type, which `FromStr` reads back.
    fn name(self) -> &'static str;
    /// One line for a help text (no final full stop).
    fn description(self) -> &'static str;
}

/// Implements the names of a fieldless enum; see the module documentation.
macro_rules! names {
    (
        $ty:ty, $of:expr;
        $($variant:ident => $name:literal, $description:literal;)+
    ) => {
        impl $ty {
            /// Every value, in the order help texts list them.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The names of [`Self::ALL`], in the same order.
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            /// The name users type, which `FromStr` reads back.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }

            /// One line for a help text (no final full stop).
            pub const fn description(self) -> &'static str {
                match self {
                    $(Self::$variant => $description,)+
                }
            }
        }

        impl crate::names::Named for $ty {
            const ALL: &'static [Self] = Self::ALL;
            const NAMES: &'static [&'static str] = Self::NAMES;
            fn name(self) -> &'static str {
                Self::name(self)
            }
            fn description(self) -> &'static str {
                Self::description(self)
            }
        }

        impl std::str::FromStr for $ty {
            type Err = crate::error::Error;

            /// Reads a name exactly as `name()` writes it (case matters); any other
            /// text is [`crate::Error::UnknownName`] listing the accepted names.
            fn from_str(text: &str) -> crate::error::Result<Self> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.name() == text)
                    .ok_or_else(|| crate::error::Error::UnknownName {
                        of: $of,
                        name: text.to_owned(),
                        expected: Self::NAMES,
                    })
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

pub(crate) use names;

names! {
    crate::apportion::QuotaRounding, crate::error::NameOf::QuotaRounding;
    Exact => "exact", "The exact rational quota";
    Floor => "floor", "Rounded down";
    Ceil => "ceil", "Rounded up";
    NearestHalfUp => "nearest", "Rounded to nearest, halves up";
}

// The counting path's policy; its names are kept with the others.
names! {
    crate::count::CirclePolicy, crate::error::NameOf::CirclePolicy;
    Reject => "reject", "Reject it (the original server; validation rule 4)";
    IgnorePreferences => "ignore-preferences",
        "Count it for its party, ignoring its preferential votes (Slovak law)";
}

#[cfg(test)]
mod tests {
    use super::Named;
    use crate::apportion::{NamedMethod, QuotaRounding};
    use crate::count::CirclePolicy;
    use crate::error::{Error, NameOf};
    use crate::ranked::RankedMethod;
    use crate::single_winner::{NamedMajorityBase, SingleWinnerMethod};
    use crate::tie::NamedTiePolicy;

    /// Every table: names round-trip, are unique, descriptions are one line without a
    /// final full stop, anything else is refused naming the table and its names.
    fn check<T: Named>(of: NameOf) {
        for (&value, &name) in T::ALL.iter().zip(T::NAMES) {
            assert_eq!(value.to_string(), name);
            assert_eq!(name.parse::<T>(), Ok(value));
            let description = value.description();
            assert!(
                !description.is_empty() && !description.ends_with('.'),
                "{description}"
            );
            assert!(!description.contains('\n'));
        }
        assert_eq!(T::ALL.len(), T::NAMES.len());
        let mut unique = T::NAMES.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), T::NAMES.len());
        for text in ["", "nope", " fail", "EXACT", "Schulze", "sainte-laguë"] {
            let error = text.parse::<T>().unwrap_err();
            assert_eq!(
                error,
                Error::UnknownName {
                    of,
                    name: text.to_owned(),
                    expected: T::NAMES,
                }
            );
            assert_eq!(
                error.to_string(),
                format!(
                    "unknown {of} {text:?}: expected one of {}",
                    T::NAMES.join(", ")
                )
            );
        }
    }

    #[test]
    fn every_table_reads_back_what_it_writes_and_refuses_the_rest() {
        check::<NamedMethod>(NameOf::Method);
        check::<NamedTiePolicy>(NameOf::TiePolicy);
        check::<QuotaRounding>(NameOf::QuotaRounding);
        check::<CirclePolicy>(NameOf::CirclePolicy);
        check::<RankedMethod>(NameOf::RankedMethod);
        check::<SingleWinnerMethod>(NameOf::SingleWinnerMethod);
        check::<NamedMajorityBase>(NameOf::MajorityBase);
    }

    #[test]
    fn the_published_names() {
        // The command line and the Python binding accept exactly these.
        assert_eq!(
            NamedTiePolicy::NAMES,
            ["fail", "more-votes", "lot", "list-order"]
        );
        assert_eq!(QuotaRounding::NAMES, ["exact", "floor", "ceil", "nearest"]);
        assert_eq!(CirclePolicy::NAMES, ["reject", "ignore-preferences"]);
        assert_eq!(RankedMethod::NAMES, ["schulze"]);
        assert_eq!(SingleWinnerMethod::NAMES, ["plurality", "two-round"]);
        assert_eq!(NamedMajorityBase::NAMES, ["registered", "valid"]);
    }
}
