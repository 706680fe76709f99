//! The page's own words in Slovak (default) and English, and number formats.
//!
//! The election's names come from the configuration's `texts` (`sk` / `en`); these are
//! the page's labels.

/// The page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// Slovak (the default).
    Sk,
    /// English.
    En,
}

impl Lang {
    /// `?lang=en` gives English; anything else Slovak.
    pub(crate) fn from_query(value: Option<&str>) -> Self {
        match value {
            Some("en") => Lang::En,
            _ => Lang::Sk,
        }
    }

    /// The `lang` attribute and query value.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Sk => "sk",
            Lang::En => "en",
        }
    }

    /// The other language (the switch).
    pub(crate) fn other(self) -> Self {
        match self {
            Lang::Sk => Lang::En,
            Lang::En => Lang::Sk,
        }
    }

    /// A label in this language.
    pub(crate) fn t(self, key: Key) -> &'static str {
        let (sk, en) = key.texts();
        match self {
            Lang::Sk => sk,
            Lang::En => en,
        }
    }

    /// A count with thousands grouped: `1 234 567` (thin no-break space) in Slovak,
    /// `1,234,567` in English.
    pub(crate) fn count(self, value: u64) -> String {
        let digits = value.to_string();
        let separator = match self {
            Lang::Sk => "\u{202f}",
            Lang::En => ",",
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                out.push_str(separator);
            }
            out.push(digit);
        }
        out
    }

    /// A percentage as the API gives it, shown with two decimals (decimal comma in
    /// Slovak): `25,12 %` / `25.12%`.
    pub(crate) fn percent(self, value: f64) -> String {
        let text = format!("{value:.2}");
        match self {
            Lang::Sk => format!("{}\u{a0}%", text.replace('.', ",")),
            Lang::En => format!("{text}%"),
        }
    }
}

/// Every label of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    Title,
    SkipToContent,
    Switch,
    Country,
    Participation,
    RegisteredVoters,
    VotesCast,
    Turnout,
    PollingPlaces,
    Counted,
    Closed,
    NotPublished,
    NotPublishedHint,
    Results,
    Party,
    Votes,
    Share,
    Seats,
    Passes,
    Yes,
    No,
    ThresholdNote,
    ThresholdMark,
    SeatChart,
    SeatChartNote,
    Vacant,
    Elected,
    Candidate,
    PreferentialVotes,
    Regions,
    Counties,
    Municipalities,
    Region,
    County,
    Municipality,
    Leading,
    Live,
    Connecting,
    Reconnecting,
    UpdatedAt,
    NotFound,
    BackToCountry,
    NoVotesYet,
    HouseSize,
    NoSeats,
    Total,
}

impl Key {
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            Key::Title => ("Výsledky volieb", "Election results"),
            Key::SkipToContent => ("Preskočiť na obsah", "Skip to content"),
            Key::Switch => ("English", "Slovensky"),
            Key::Country => ("Slovenská republika", "Slovak Republic"),
            Key::Participation => ("Účasť", "Participation"),
            Key::RegisteredVoters => ("Zapísaní voliči", "Registered voters"),
            Key::VotesCast => ("Odovzdané hlasy", "Votes cast"),
            Key::Turnout => ("Účasť", "Turnout"),
            Key::PollingPlaces => ("Volebné miestnosti", "Polling places"),
            Key::Counted => ("započítané", "counted"),
            Key::Total => ("spolu", "in all"),
            Key::Closed => ("uzavreté", "closed"),
            Key::NotPublished => (
                "Výsledky zatiaľ nie sú zverejnené.",
                "Results are not published yet.",
            ),
            Key::NotPublishedHint => (
                "Do zverejnenia sa zobrazuje len účasť. Stránka sa obnoví sama.",
                "Until publication only participation is shown. The page updates by itself.",
            ),
            Key::Results => ("Výsledky politických subjektov", "Results of the parties"),
            Key::Party => ("Politický subjekt", "Party"),
            Key::Votes => ("Hlasy", "Votes"),
            Key::Share => ("Podiel", "Share"),
            Key::Seats => ("Mandáty", "Seats"),
            Key::Passes => ("V parlamente", "In parliament"),
            Key::Yes => ("áno", "yes"),
            Key::No => ("nie", "no"),
            Key::ThresholdNote => (
                "Hranica pre vstup do parlamentu: 5 % platných hlasov pre stranu, 7 % pre koalíciu 2 alebo 3 strán, 10 % pre koalíciu 4 a viac strán. Zvislá čiara v stĺpci podielu je hranica daného subjektu.",
                "Threshold to enter parliament: 5 % of valid votes for a party, 7 % for a coalition of 2 or 3 parties, 10 % for a coalition of 4 or more. The vertical line in the share column is each subject's threshold.",
            ),
            Key::ThresholdMark => ("hranica", "threshold"),
            Key::SeatChart => ("Rozdelenie mandátov", "Seats"),
            Key::SeatChartNote => (
                "Tie isté čísla sú v tabuľke výsledkov vyššie.",
                "The results table above holds the same numbers.",
            ),
            Key::Vacant => ("neobsadené", "vacant"),
            Key::Elected => ("Zvolení kandidáti", "Elected candidates"),
            Key::Candidate => ("Kandidát", "Candidate"),
            Key::PreferentialVotes => ("Prednostné hlasy", "Preferential votes"),
            Key::Regions => ("Kraje", "Regions"),
            Key::Counties => ("Okresy", "Counties"),
            Key::Municipalities => ("Obce", "Municipalities"),
            Key::Region => ("Kraj", "Region"),
            Key::County => ("Okres", "County"),
            Key::Municipality => ("Obec", "Municipality"),
            Key::Leading => ("Vedie", "Leading"),
            Key::Live => ("Priebežne aktualizované", "Live"),
            Key::Connecting => ("Pripája sa…", "Connecting…"),
            Key::Reconnecting => (
                "Spojenie prerušené, pripája sa znova…",
                "Connection lost, reconnecting…",
            ),
            Key::UpdatedAt => ("Aktualizované", "Updated"),
            Key::NotFound => ("Takáto lokalita neexistuje.", "No such locality."),
            Key::BackToCountry => ("Späť na celú republiku", "Back to the whole country"),
            Key::NoVotesYet => ("Zatiaľ žiadne hlasy.", "No votes yet."),
            Key::HouseSize => ("mandátov", "seats"),
            Key::NoSeats => (
                "Mandáty zatiaľ nemožno rozdeliť.",
                "Seats cannot be allocated yet.",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(Lang::En.count(0), "0");
        assert_eq!(Lang::En.count(999), "999");
        assert_eq!(Lang::En.count(1000), "1,000");
        assert_eq!(Lang::En.count(1_234_567), "1,234,567");
        assert_eq!(Lang::Sk.count(4_432_419), "4\u{202f}432\u{202f}419");
    }

    #[test]
    fn percentages_use_the_language_decimal_mark() {
        assert_eq!(Lang::En.percent(25.0246), "25.02%");
        assert_eq!(Lang::Sk.percent(6.9628), "6,96\u{a0}%");
        assert_eq!(Lang::Sk.percent(100.0), "100,00\u{a0}%");
    }
}
