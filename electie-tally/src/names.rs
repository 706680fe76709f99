//! The one way a choice users name is written: a table of `variant => "name",
//! "description"` turned into `ALL`, `NAMES`, `name()`, `description()`, `FromStr`
//! (exact names, case matters, [`crate::Error::UnknownName`] otherwise) and `Display`.
//!
//! Every method and policy a user types (`--method`, `--tie`, `--quota-rounding`,
//! `--too-many-circles`, Python's `method=`, `tie=`, …) is read through one of these
//! tables, so the command line and the Python binding accept exactly the same names.

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
    use crate::apportion::{NamedMethod, QuotaRounding};
    use crate::count::CirclePolicy;
    use crate::error::{Error, NameOf};
    use crate::ranked::RankedMethod;
    use crate::single_winner::{NamedMajorityBase, SingleWinnerMethod};
    use crate::tie::NamedTiePolicy;

    /// Every table: names round-trip, are unique, descriptions are one line without a
    /// final full stop, anything else is refused naming the table and its names.
    fn check<T>(of: NameOf)
    where
        T: Copy + PartialEq + std::fmt::Debug + std::fmt::Display + std::str::FromStr<Err = Error>,
        T: Named,
    {
        for (&value, &name) in T::all().iter().zip(T::names()) {
            assert_eq!(value.to_string(), name);
            assert_eq!(name.parse::<T>(), Ok(value));
            let description = T::describe(value);
            assert!(!description.is_empty() && !description.ends_with('.'), "{description}");
            assert!(!description.contains('\n'));
        }
        assert_eq!(T::all().len(), T::names().len());
        let mut unique = T::names().to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), T::names().len());
        for text in ["", "nope", " fail", "EXACT", "Schulze", "sainte-laguë"] {
            if T::names().contains(&text) {
                continue;
            }
            let error = text.parse::<T>().unwrap_err();
            assert_eq!(
                error,
                Error::UnknownName {
                    of,
                    name: text.to_owned(),
                    expected: T::names(),
                }
            );
            assert_eq!(
                error.to_string(),
                format!("unknown {of} {text:?}: expected one of {}", T::names().join(", "))
            );
        }
    }

    trait Named: Sized + 'static {
        fn all() -> &'static [Self];
        fn names() -> &'static [&'static str];
        fn describe(self) -> &'static str;
    }

    macro_rules! named {
        ($($ty:ty),+) => {$(
            impl Named for $ty {
                fn all() -> &'static [Self] { Self::ALL }
                fn names() -> &'static [&'static str] { Self::NAMES }
                fn describe(self) -> &'static str { self.description() }
            }
        )+};
    }
    named!(
        NamedMethod,
        NamedTiePolicy,
        QuotaRounding,
        CirclePolicy,
        RankedMethod,
        SingleWinnerMethod,
        NamedMajorityBase
    );

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
        assert_eq!(NamedTiePolicy::NAMES, ["fail", "more-votes", "lot", "list-order"]);
        assert_eq!(QuotaRounding::NAMES, ["exact", "floor", "ceil", "nearest"]);
        assert_eq!(CirclePolicy::NAMES, ["reject", "ignore-preferences"]);
        assert_eq!(RankedMethod::NAMES, ["schulze"]);
        assert_eq!(SingleWinnerMethod::NAMES, ["plurality", "two-round"]);
        assert_eq!(NamedMajorityBase::NAMES, ["registered", "valid"]);
    }
}
