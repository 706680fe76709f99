//! The list-seat methods by the names users type (`sk-nrsr`, `dhondt`, `hare`, …): the
//! one table the command line and the Python binding both read.

use crate::error::NameOf;
use crate::names::names;
use crate::preset::SlovakElection;
use crate::ratio::Ratio;

use super::{DivisorMethod, QuotaMethod};

/// A seat-allocation method by name.
///
/// ```
/// use electie_tally::apportion::{DivisorMethod, NamedMethod, NamedMethodKind};
/// use electie_tally::Ratio;
///
/// let method: NamedMethod = "sainte-lague".parse()?;
/// assert_eq!(method, NamedMethod::SainteLague);
/// assert_eq!(method.to_string(), "sainte-lague");
/// assert_eq!(
///     method.kind(|| Ratio::new(7, 5))?,
///     NamedMethodKind::Divisor(DivisorMethod::SainteLague)
/// );
/// assert!("sainte-laguë".parse::<NamedMethod>().is_err());
/// # Ok::<(), electie_tally::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NamedMethod {
    /// `sk-nrsr`: the Slovak National Council preset.
    SkNrsr,
    /// `sk-ep`: the Slovak European Parliament preset.
    SkEp,
    /// `dhondt`: [`DivisorMethod::DHondt`].
    DHondt,
    /// `sainte-lague`: [`DivisorMethod::SainteLague`].
    SainteLague,
    /// `modified-sainte-lague`: [`DivisorMethod::ModifiedSainteLague`].
    ModifiedSainteLague,
    /// `imperiali`: [`DivisorMethod::Imperiali`].
    Imperiali,
    /// `danish`: [`DivisorMethod::Danish`].
    Danish,
    /// `huntington-hill`: [`DivisorMethod::HuntingtonHill`].
    HuntingtonHill,
    /// `adams`: [`DivisorMethod::Adams`].
    Adams,
    /// `dean`: [`DivisorMethod::Dean`].
    Dean,
    /// `hare`: [`QuotaMethod::Hare`].
    Hare,
    /// `droop`: [`QuotaMethod::Droop`].
    Droop,
    /// `hagenbach-bischoff`: [`QuotaMethod::HagenbachBischoff`].
    HagenbachBischoff,
    /// `imperiali-quota`: [`QuotaMethod::Imperiali`].
    ImperialiQuota,
}

/// What a [`NamedMethod`] is, ready to allocate with.
///
/// Quota rounding is not part of it: it is a separate choice for a quota method, and
/// a Slovak preset carries its own (`rvc_rounding`, nearest).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NamedMethodKind {
    /// A highest-averages method.
    Divisor(DivisorMethod),
    /// A largest-remainder method (round its quota as the caller chooses).
    Quota(QuotaMethod),
    /// A Slovak preset with its seats, thresholds, RVČ rounding and tie policy.
    Slovak(SlovakElection),
}

names! {
    NamedMethod, NameOf::Method;
    SkNrsr => "sk-nrsr",
        "Slovak National Council: 5/7/10 % by coalition size, RVČ, largest remainder";
    SkEp => "sk-ep",
        "Slovak European Parliament: 5 %, RVČ = votes / (seats + 1), largest remainder";
    DHondt => "dhondt", "D'Hondt (Jefferson)";
    SainteLague => "sainte-lague", "Sainte-Laguë (Webster)";
    ModifiedSainteLague => "modified-sainte-lague",
        "Modified Sainte-Laguë (first divisor a parameter, usually 1.4)";
    Imperiali => "imperiali", "Imperiali divisors 2, 3, 4, …";
    Danish => "danish", "Danish divisors 1, 4, 7, …";
    HuntingtonHill => "huntington-hill", "Huntington-Hill (equal proportions)";
    Adams => "adams", "Adams (smallest divisors)";
    Dean => "dean", "Dean (harmonic mean)";
    Hare => "hare", "Hare quota, largest remainder";
    Droop => "droop", "Droop quota, largest remainder";
    HagenbachBischoff => "hagenbach-bischoff", "Hagenbach-Bischoff quota, largest remainder";
    ImperialiQuota => "imperiali-quota", "Imperiali quota, largest remainder";
}

impl NamedMethod {
    /// The method itself. `first_divisor` is called only for modified Sainte-Laguë, the
    /// one method with a parameter, so a caller's unreadable first divisor fails only
    /// the method that uses it.
    ///
    /// ```
    /// use electie_tally::apportion::{DivisorMethod, NamedMethod, NamedMethodKind, QuotaMethod};
    /// use electie_tally::preset::SlovakElection;
    /// use electie_tally::Ratio;
    ///
    /// let first_divisor = || Ratio::new(7, 5);
    /// assert_eq!(
    ///     NamedMethod::ModifiedSainteLague.kind(first_divisor)?,
    ///     NamedMethodKind::Divisor(DivisorMethod::ModifiedSainteLague { first_divisor: Ratio::new(7, 5)? })
    /// );
    /// assert_eq!(NamedMethod::Droop.kind(first_divisor)?, NamedMethodKind::Quota(QuotaMethod::Droop));
    /// assert_eq!(
    ///     NamedMethod::SkEp.kind(first_divisor)?,
    ///     NamedMethodKind::Slovak(SlovakElection::european_parliament())
    /// );
    /// # Ok::<(), electie_tally::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Only what `first_divisor` returns.
    pub fn kind<E>(
        self,
        first_divisor: impl FnOnce() -> std::result::Result<Ratio, E>,
    ) -> std::result::Result<NamedMethodKind, E> {
        use NamedMethodKind::{Divisor, Quota, Slovak};
        Ok(match self {
            Self::SkNrsr => Slovak(SlovakElection::national_council()),
            Self::SkEp => Slovak(SlovakElection::european_parliament()),
            Self::DHondt => Divisor(DivisorMethod::DHondt),
            Self::SainteLague => Divisor(DivisorMethod::SainteLague),
            Self::ModifiedSainteLague => Divisor(DivisorMethod::ModifiedSainteLague {
                first_divisor: first_divisor()?,
            }),
            Self::Imperiali => Divisor(DivisorMethod::Imperiali),
            Self::Danish => Divisor(DivisorMethod::Danish),
            Self::HuntingtonHill => Divisor(DivisorMethod::HuntingtonHill),
            Self::Adams => Divisor(DivisorMethod::Adams),
            Self::Dean => Divisor(DivisorMethod::Dean),
            Self::Hare => Quota(QuotaMethod::Hare),
            Self::Droop => Quota(QuotaMethod::Droop),
            Self::HagenbachBischoff => Quota(QuotaMethod::HagenbachBischoff),
            Self::ImperialiQuota => Quota(QuotaMethod::Imperiali),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn every_name_round_trips() {
        for &method in NamedMethod::ALL {
            assert_eq!(method.name().parse::<NamedMethod>(), Ok(method));
            assert_eq!(method.to_string(), method.name());
            assert!(!method.description().is_empty());
            assert!(!method.description().ends_with('.'), "{method}");
        }
    }

    #[test]
    fn the_names_are_the_published_ones() {
        // The command line and the Python binding accept exactly these.
        assert_eq!(
            NamedMethod::NAMES.join(", "),
            "sk-nrsr, sk-ep, dhondt, sainte-lague, modified-sainte-lague, imperiali, \
             danish, huntington-hill, adams, dean, hare, droop, hagenbach-bischoff, \
             imperiali-quota"
        );
    }

    #[test]
    fn unknown_names_are_refused_with_the_expected_ones() {
        for text in [
            "",
            "plurality",
            "D'Hondt",
            "DHONDT",
            " dhondt",
            "sainte-laguë",
        ] {
            let error = text.parse::<NamedMethod>().unwrap_err();
            assert_eq!(
                error,
                Error::UnknownName {
                    of: NameOf::Method,
                    name: text.to_owned(),
                    expected: NamedMethod::NAMES,
                }
            );
            assert_eq!(
                error.to_string(),
                format!(
                    "unknown method {text:?}: expected one of {}",
                    NamedMethod::NAMES.join(", ")
                )
            );
        }
    }

    #[test]
    fn kinds_are_the_methods_named() {
        let seven_fifths = Ratio::new(7, 5).unwrap();
        let kind = |method: NamedMethod| method.kind(|| Ok::<_, Error>(seven_fifths)).unwrap();
        let divisor = |method| NamedMethodKind::Divisor(method);
        let quota = |method| NamedMethodKind::Quota(method);
        let expected = [
            NamedMethodKind::Slovak(SlovakElection::national_council()),
            NamedMethodKind::Slovak(SlovakElection::european_parliament()),
            divisor(DivisorMethod::DHondt),
            divisor(DivisorMethod::SainteLague),
            divisor(DivisorMethod::ModifiedSainteLague {
                first_divisor: seven_fifths,
            }),
            divisor(DivisorMethod::Imperiali),
            divisor(DivisorMethod::Danish),
            divisor(DivisorMethod::HuntingtonHill),
            divisor(DivisorMethod::Adams),
            divisor(DivisorMethod::Dean),
            quota(QuotaMethod::Hare),
            quota(QuotaMethod::Droop),
            quota(QuotaMethod::HagenbachBischoff),
            quota(QuotaMethod::Imperiali),
        ];
        assert_eq!(
            NamedMethod::ALL
                .iter()
                .copied()
                .map(kind)
                .collect::<Vec<_>>(),
            expected
        );
    }

    #[test]
    fn only_modified_sainte_lague_asks_for_the_first_divisor() {
        for &method in NamedMethod::ALL {
            let asked = method.kind(|| Err("asked")).is_err();
            assert_eq!(
                asked,
                method == NamedMethod::ModifiedSainteLague,
                "{method}"
            );
        }
    }
}
