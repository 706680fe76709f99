//! The page's HTML, rendered on the server from the same results the `/elastic/...`
//! routes answer, so every number is readable without JavaScript.
//!
//! Every number is written as `<data value="API value">shown text</data>`: the value is
//! exactly what the API returns (percentages unrounded), the text is the value for
//! people (grouped digits, two decimals).

use std::fmt::Write;

use electie_core::ElectionConfig;
use electie_tally::results::{LocalityResult, PartyResult, Status};

use super::hemicycle;
use super::i18n::{Key, Lang};

/// Which part of the country the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    /// The whole country.
    National,
    /// One region (kraj).
    Region(i64),
    /// One county (okres).
    County(i64),
    /// One municipality (obec).
    Municipality(i64),
}

impl View {
    /// The query string that selects this view (with the language).
    pub(crate) fn query(self, lang: Lang) -> String {
        let place = match self {
            View::National => String::new(),
            View::Region(code) => format!("region={code}&"),
            View::County(code) => format!("county={code}&"),
            View::Municipality(code) => format!("municipality={code}&"),
        };
        format!("?{place}lang={}", lang.code())
    }
}

/// Everything one rendering shows.
pub(crate) struct Snapshot {
    /// Whether results are published (otherwise only participation is shown).
    pub(crate) published: bool,
    /// Registered voters, votes and participation of the view's area.
    pub(crate) status: Status,
    /// Polling places of the area with at least one vote counted.
    pub(crate) counted: u64,
    /// Polling places of the area closed (their ballots are in the public feed).
    pub(crate) closed: u64,
    /// Seats of the house.
    pub(crate) house: u64,
    /// National party results with candidates (national view, published).
    pub(crate) national: Option<Vec<PartyResult>>,
    /// The area's own results (locality views, published).
    pub(crate) locality: Option<LocalityResult>,
    /// The areas one level down, with their results.
    pub(crate) children: Vec<LocalityResult>,
    /// The coalition threshold in percent for each party (dense index).
    pub(crate) thresholds: Vec<f64>,
    /// Why seats cannot be allocated (the API answers 409 then), national view only.
    pub(crate) seats_error: Option<String>,
}

/// HTML-escapes text for element content and quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The fallback palette, for parties whose configuration gives no usable colour:
/// party `i` (configuration order) gets entry `i mod 12`. Twelve colours that stay
/// apart for common colour-vision deficiencies (Paul Tol's "muted" and "bright" sets).
pub(crate) const PALETTE: [&str; 12] = [
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255",
    "#AA4499", "#4477AA", "#EE6677", "#228833",
];

/// A party's colour: the configuration's when it is `#rgb` or `#rrggbb`, otherwise the
/// palette's entry for its position. Nothing else reaches the style attribute.
pub(crate) fn party_colour(configured: &str, index: usize) -> String {
    let hex = configured.strip_prefix('#').unwrap_or("");
    if (hex.len() == 3 || hex.len() == 6) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        format!("#{}", hex.to_ascii_lowercase())
    } else {
        PALETTE[index % PALETTE.len()].to_ascii_lowercase()
    }
}

/// Party name, short name and colour by id string.
struct PartyInfo<'a> {
    index: usize,
    name: &'a str,
    short: &'a str,
    colour: String,
}

fn party_info<'a>(config: &'a ElectionConfig, id: &str) -> Option<PartyInfo<'a>> {
    let index = config
        .parties()
        .iter()
        .position(|p| p.id.0.to_string() == id)?;
    let party = &config.parties()[index];
    let short = [&party.abbr, &party.official_abbr, &party.name]
        .into_iter()
        .find(|text| !text.is_empty())
        .map_or("", |text| text.as_str());
    Some(PartyInfo {
        index,
        name: &party.name,
        short,
        colour: party_colour(&party.color, index),
    })
}

fn count(lang: Lang, value: u64) -> String {
    format!("<data value=\"{value}\">{}</data>", lang.count(value))
}

fn percent(lang: Lang, value: f64) -> String {
    format!("<data value=\"{value}\">{}</data>", lang.percent(value))
}

fn text<'a>(lang: Lang, sk: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::En if !en.is_empty() => en,
        _ => sk,
    }
}

/// The area's name and its parents (for the breadcrumbs), from the configuration.
fn area(config: &ElectionConfig, view: View, lang: Lang) -> Option<(String, Vec<(String, View)>)> {
    let region = |code: i64| config.regions().iter().find(|r| r.code == code);
    let county = |code: i64| config.counties().iter().find(|c| c.code == code);
    match view {
        View::National => Some((lang.t(Key::Country).to_owned(), vec![])),
        View::Region(code) => {
            let r = region(code)?;
            Some((
                r.name.clone(),
                vec![(lang.t(Key::Country).to_owned(), View::National)],
            ))
        }
        View::County(code) => {
            let c = county(code)?;
            let mut trail = vec![(lang.t(Key::Country).to_owned(), View::National)];
            if let Some(r) = region(c.region_code) {
                trail.push((r.name.clone(), View::Region(r.code)));
            }
            Some((c.name.clone(), trail))
        }
        View::Municipality(code) => {
            let m = config.municipalities().iter().find(|m| m.code == code)?;
            let mut trail = vec![(lang.t(Key::Country).to_owned(), View::National)];
            if let Some(r) = region(m.region_code) {
                trail.push((r.name.clone(), View::Region(r.code)));
            }
            if let Some(c) = county(m.county_code) {
                trail.push((c.name.clone(), View::County(c.code)));
            }
            Some((m.name.clone(), trail))
        }
    }
}

/// Whether `view` names an area of the configuration.
pub(crate) fn exists(config: &ElectionConfig, view: View) -> bool {
    area(config, view, Lang::Sk).is_some()
}

/// The whole document: head, the application part, the script.
pub(crate) fn page(
    config: &ElectionConfig,
    view: View,
    lang: Lang,
    snapshot: Option<&Snapshot>,
) -> String {
    let texts = config.texts();
    let election = text(
        lang,
        &texts.elections_name_long.sk,
        &texts.elections_name_long.en,
    );
    let title = if election.is_empty() {
        lang.t(Key::Title).to_owned()
    } else {
        format!("{} — {election}", lang.t(Key::Title))
    };
    format!(
        "<!doctype html>\n<html lang=\"{code}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<link rel=\"stylesheet\" href=\"/results/results.css\">\n\
         <script src=\"/results/results.js\" defer></script>\n</head>\n<body>\n\
         <a class=\"skip\" href=\"#content\">{skip}</a>\n<div id=\"app\">\n{app}</div>\n</body>\n</html>\n",
        code = lang.code(),
        title = escape(&title),
        skip = lang.t(Key::SkipToContent),
        app = app(config, view, lang, snapshot),
    )
}

/// The part the script replaces on every update: header, live status, content.
pub(crate) fn app(
    config: &ElectionConfig,
    view: View,
    lang: Lang,
    snapshot: Option<&Snapshot>,
) -> String {
    let mut html = String::new();
    let texts = config.texts();
    let election = text(
        lang,
        &texts.elections_name_long.sk,
        &texts.elections_name_long.en,
    );
    let date = text(lang, &texts.election_date.sk, &texts.election_date.en);
    let other = lang.other();
    let _ = write!(
        html,
        "<header class=\"top\">\n<p class=\"election\">{election}{date}</p>\n\
         <nav aria-label=\"language\"><a id=\"lang-switch\" hreflang=\"{other_code}\" lang=\"{other_code}\" href=\"/results{switch_query}\">{switch}</a></nav>\n\
         <p id=\"live\" role=\"status\" aria-live=\"polite\" data-live=\"{live}\" data-connecting=\"{connecting}\" data-reconnecting=\"{reconnecting}\" data-updated=\"{updated}\"></p>\n</header>\n",
        election = escape(if election.is_empty() {
            lang.t(Key::Title)
        } else {
            election
        }),
        date = if date.is_empty() {
            String::new()
        } else {
            format!(" · {}", escape(date))
        },
        other_code = other.code(),
        switch_query = escape(&view.query(other)),
        switch = lang.t(Key::Switch),
        live = lang.t(Key::Live),
        connecting = lang.t(Key::Connecting),
        reconnecting = lang.t(Key::Reconnecting),
        updated = lang.t(Key::UpdatedAt),
    );
    let Some((name, trail)) = area(config, view, lang) else {
        let _ = write!(
            html,
            "<main id=\"content\" tabindex=\"-1\">\n<h1>{}</h1>\n<p><a data-nav href=\"/results{}\">{}</a></p>\n</main>\n",
            lang.t(Key::NotFound),
            escape(&View::National.query(lang)),
            lang.t(Key::BackToCountry)
        );
        return html;
    };
    let Some(snapshot) = snapshot else {
        return html;
    };
    html.push_str("<main id=\"content\" tabindex=\"-1\">\n");
    if !trail.is_empty() {
        html.push_str("<nav aria-label=\"breadcrumb\" class=\"trail\"><ol>");
        for (label, target) in &trail {
            let _ = write!(
                html,
                "<li><a data-nav href=\"/results{}\">{}</a></li>",
                escape(&target.query(lang)),
                escape(label)
            );
        }
        let _ = writeln!(
            html,
            "<li aria-current=\"page\">{}</li></ol></nav>",
            escape(&name)
        );
    }
    let level = match view {
        View::National => String::new(),
        View::Region(_) => format!("{}: ", lang.t(Key::Region)),
        View::County(_) => format!("{}: ", lang.t(Key::County)),
        View::Municipality(_) => format!("{}: ", lang.t(Key::Municipality)),
    };
    let _ = writeln!(
        html,
        "<h1 id=\"area\" data-view=\"{}\">{}{}</h1>",
        escape(&view.query(lang)),
        escape(&level),
        escape(&name)
    );
    participation(&mut html, lang, snapshot);
    if !snapshot.published {
        let _ = writeln!(
            html,
            "<section id=\"unpublished\" class=\"notice\"><h2>{}</h2><p>{}</p></section>",
            lang.t(Key::NotPublished),
            lang.t(Key::NotPublishedHint)
        );
    } else if let Some(reason) = &snapshot.seats_error {
        let _ = writeln!(
            html,
            "<section id=\"no-seats\" class=\"notice\"><h2>{}</h2><p>{}</p></section>",
            lang.t(Key::NoSeats),
            escape(reason)
        );
    } else if let Some(national) = &snapshot.national {
        national_results(&mut html, config, lang, snapshot, national);
    } else if let Some(locality) = &snapshot.locality {
        locality_results(&mut html, config, lang, locality);
    }
    children(&mut html, config, view, lang, snapshot);
    html.push_str("</main>\n");
    html
}

fn participation(html: &mut String, lang: Lang, snapshot: &Snapshot) {
    let status = &snapshot.status;
    let _ = write!(
        html,
        "<section id=\"participation\" aria-labelledby=\"participation-h\">\n<h2 id=\"participation-h\">{title}</h2>\n<dl class=\"figures\">\n\
         <div><dt>{registered}</dt><dd id=\"registered-voters\">{registered_value}</dd></div>\n\
         <div><dt>{votes}</dt><dd id=\"total-votes\">{votes_value}</dd></div>\n\
         <div><dt>{turnout}</dt><dd id=\"participation-value\">{turnout_value}</dd></div>\n\
         <div><dt>{places}</dt><dd id=\"polling-places\">{counted_label} {counted} · {closed_label} {closed} · {total_label} {total}</dd></div>\n\
         </dl>\n<div class=\"turnout-bar\" aria-hidden=\"true\"><div style=\"width:{width:.2}%\"></div></div>\n</section>\n",
        title = lang.t(Key::Participation),
        registered = lang.t(Key::RegisteredVoters),
        registered_value = count(lang, status.registered_voters),
        votes = lang.t(Key::VotesCast),
        votes_value = count(lang, status.total_votes),
        turnout = lang.t(Key::Turnout),
        turnout_value = percent(lang, status.participation),
        places = lang.t(Key::PollingPlaces),
        counted_label = lang.t(Key::Counted),
        counted = format_args!(
            "<data id=\"places-counted\" value=\"{0}\">{0}</data>",
            snapshot.counted
        ),
        closed_label = lang.t(Key::Closed),
        total_label = lang.t(Key::Total),
        closed = format_args!(
            "<data id=\"places-closed\" value=\"{0}\">{0}</data>",
            snapshot.closed
        ),
        total = format_args!(
            "<data id=\"places-total\" value=\"{0}\">{0}</data>",
            status.number_of_polling_places
        ),
        width = status.participation.clamp(0.0, 100.0),
    );
}

/// One share bar with the party's threshold marked.
fn share_bar(lang: Lang, share: f64, scale: f64, threshold: Option<f64>, colour: &str) -> String {
    let width = if scale > 0.0 {
        (share / scale * 100.0).clamp(0.0, 100.0)
    } else {
        0.0
    };
    let mark = threshold.map_or(String::new(), |t| {
        let left = if scale > 0.0 {
            (t / scale * 100.0).clamp(0.0, 100.0)
        } else {
            0.0
        };
        format!(
            "<span class=\"threshold\" style=\"left:{left:.2}%\" title=\"{} {}\"></span>",
            lang.t(Key::ThresholdMark),
            escape(&lang.percent(t))
        )
    });
    format!(
        "<div class=\"bar\" aria-hidden=\"true\"><span class=\"fill\" style=\"width:{width:.2}%;background:{colour}\"></span>{mark}</div>"
    )
}

fn national_results(
    html: &mut String,
    config: &ElectionConfig,
    lang: Lang,
    snapshot: &Snapshot,
    rows: &[PartyResult],
) {
    let scale = rows
        .iter()
        .map(|r| r.percentage)
        .chain(snapshot.thresholds.iter().copied())
        .fold(0.0_f64, f64::max)
        * 1.05;
    let _ = write!(
        html,
        "<section id=\"results\" aria-labelledby=\"results-h\">\n<h2 id=\"results-h\">{}</h2>\n<p class=\"note\" id=\"threshold-note\">{}</p>\n\
         <table id=\"party-table\" class=\"parties\">\n<caption class=\"visually-hidden\">{} — {}</caption>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"bar-col\"><span class=\"visually-hidden\">{}</span></th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        lang.t(Key::Results),
        lang.t(Key::ThresholdNote),
        lang.t(Key::Results),
        lang.t(Key::Country),
        lang.t(Key::Party),
        lang.t(Key::Votes),
        lang.t(Key::Share),
        lang.t(Key::Share),
        lang.t(Key::Seats),
        lang.t(Key::Passes),
    );
    for row in rows {
        let Some(info) = party_info(config, &row.id) else {
            continue;
        };
        let threshold = snapshot.thresholds.get(info.index).copied();
        let _ = writeln!(
            html,
            "<tr data-party=\"{id}\" class=\"{class}\"><th scope=\"row\"><span class=\"swatch\" style=\"background:{colour}\" aria-hidden=\"true\"></span><abbr title=\"{name}\">{short}</abbr></th><td class=\"num votes\">{votes}</td><td class=\"num share\">{share}</td><td class=\"bar-col\">{bar}</td><td class=\"num seats\">{seats}</td><td class=\"passes\">{passes}</td></tr>",
            id = escape(&row.id),
            class = if row.in_parliament { "in" } else { "out" },
            colour = info.colour,
            name = escape(info.name),
            short = escape(info.short),
            votes = count(lang, row.doc_count),
            share = percent(lang, row.percentage),
            bar = share_bar(lang, row.percentage, scale, threshold, &info.colour),
            seats = format_args!("<data value=\"{0}\">{0}</data>", row.seats),
            passes = if row.in_parliament {
                lang.t(Key::Yes)
            } else {
                lang.t(Key::No)
            },
        );
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
    seat_chart(html, config, lang, snapshot.house, rows);
    elected(html, config, lang, rows);
}

fn seat_chart(
    html: &mut String,
    config: &ElectionConfig,
    lang: Lang,
    house: u64,
    rows: &[PartyResult],
) {
    // parties in configuration (ballot) order around the ring, so the chart keeps its
    // shape as counts change
    let mut seated: Vec<(PartyInfo<'_>, u64)> = rows
        .iter()
        .filter(|row| row.seats > 0)
        .filter_map(|row| party_info(config, &row.id).map(|info| (info, row.seats)))
        .collect();
    seated.sort_by_key(|(info, _)| info.index);
    let allocated: u64 = seated.iter().map(|(_, seats)| seats).sum();
    let house_dots = usize::try_from(house.max(allocated))
        .unwrap_or(usize::MAX)
        .min(10_000);
    let (spots, dot) = hemicycle::layout(house_dots);
    let mut label = format!(
        "{}: {} {}",
        lang.t(Key::SeatChart),
        house,
        lang.t(Key::HouseSize)
    );
    for (info, seats) in &seated {
        let _ = write!(label, "; {} {}", info.short, seats);
    }
    if allocated < house {
        let _ = write!(label, "; {} {}", lang.t(Key::Vacant), house - allocated);
    }
    let _ = write!(
        html,
        "<section id=\"seats\" aria-labelledby=\"seats-h\">\n<h2 id=\"seats-h\">{}</h2>\n<figure>\n\
         <svg id=\"hemicycle\" viewBox=\"-105 -103 210 108\" role=\"img\" aria-label=\"{}\" data-house=\"{house}\">\n",
        lang.t(Key::SeatChart),
        escape(&label),
    );
    let mut spot = spots.iter();
    for (info, seats) in &seated {
        let _ = write!(
            html,
            "<g class=\"party\" data-party=\"{}\" fill=\"{}\"><title>{}: {}</title>",
            escape(&config.parties()[info.index].id.0.to_string()),
            info.colour,
            escape(info.short),
            seats
        );
        for _ in 0..*seats {
            if let Some(s) = spot.next() {
                let _ = write!(
                    html,
                    "<circle class=\"seat\" cx=\"{:.2}\" cy=\"{:.2}\" r=\"{:.2}\"/>",
                    s.x * 100.0,
                    -s.y * 100.0,
                    dot * 100.0
                );
            }
        }
        html.push_str("</g>\n");
    }
    let vacant: Vec<_> = spot.collect();
    if !vacant.is_empty() {
        let _ = write!(
            html,
            "<g class=\"vacant\" data-party=\"vacant\" fill=\"#d0d0d0\"><title>{}: {}</title>",
            lang.t(Key::Vacant),
            vacant.len()
        );
        for s in vacant {
            let _ = write!(
                html,
                "<circle class=\"seat\" cx=\"{:.2}\" cy=\"{:.2}\" r=\"{:.2}\"/>",
                s.x * 100.0,
                -s.y * 100.0,
                dot * 100.0
            );
        }
        html.push_str("</g>\n");
    }
    let _ = write!(
        html,
        "<text x=\"0\" y=\"-8\" text-anchor=\"middle\" class=\"house\">{house}</text>\n</svg>\n<figcaption>{}</figcaption>\n</figure>\n<ul class=\"legend\">",
        lang.t(Key::SeatChartNote)
    );
    if allocated == 0 {
        // too few votes yet for the republic electoral number: the API gives no seats
        let _ = write!(
            html,
            "<li id=\"no-seats-yet\">{}</li>",
            lang.t(Key::NoSeats)
        );
    }
    for (info, seats) in &seated {
        let _ = write!(
            html,
            "<li><span class=\"swatch\" style=\"background:{}\" aria-hidden=\"true\"></span>{} <strong>{seats}</strong></li>",
            info.colour,
            escape(info.short)
        );
    }
    html.push_str("</ul>\n</section>\n");
}

fn elected(html: &mut String, config: &ElectionConfig, lang: Lang, rows: &[PartyResult]) {
    let _ = write!(
        html,
        "<section id=\"elected\" aria-labelledby=\"elected-h\">\n<h2 id=\"elected-h\">{}</h2>\n<div class=\"elected-grid\">\n",
        lang.t(Key::Elected)
    );
    for row in rows.iter().filter(|row| row.seats > 0) {
        let Some(info) = party_info(config, &row.id) else {
            continue;
        };
        let party = &config.parties()[info.index];
        let _ = write!(
            html,
            "<table class=\"elected\" data-party=\"{}\">\n<caption><span class=\"swatch\" style=\"background:{}\" aria-hidden=\"true\"></span>{} ({} {})</caption>\n<thead><tr><th scope=\"col\">#</th><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th></tr></thead>\n<tbody>\n",
            escape(&row.id),
            info.colour,
            escape(info.name),
            row.seats,
            lang.t(Key::Seats).to_lowercase(),
            lang.t(Key::Candidate),
            lang.t(Key::PreferentialVotes),
        );
        for candidate in row.candidates.iter().flatten().filter(|c| c.in_parliament) {
            let Some(person) = party
                .candidates
                .iter()
                .find(|p| p.id.0.to_string() == candidate.id)
            else {
                continue;
            };
            let name = [
                person.degrees_before.as_str(),
                &person.first_name,
                &person.last_name,
            ]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
            let _ = writeln!(
                html,
                "<tr data-candidate=\"{}\"><td>{}</td><th scope=\"row\">{}</th><td class=\"num\">{}</td></tr>",
                escape(&candidate.id),
                person.order,
                escape(&name),
                count(lang, candidate.doc_count)
            );
        }
        html.push_str("</tbody>\n</table>\n");
    }
    html.push_str("</div>\n</section>\n");
}

fn locality_results(
    html: &mut String,
    config: &ElectionConfig,
    lang: Lang,
    locality: &LocalityResult,
) {
    let scale = locality
        .parties
        .iter()
        .map(|p| p.percentage)
        .fold(0.0_f64, f64::max)
        * 1.05;
    let _ = write!(
        html,
        "<section id=\"results\" aria-labelledby=\"results-h\">\n<h2 id=\"results-h\">{}</h2>\n<table id=\"party-table\" class=\"parties\">\n<caption class=\"visually-hidden\">{}</caption>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"bar-col\"><span class=\"visually-hidden\">{}</span></th></tr></thead>\n<tbody>\n",
        lang.t(Key::Results),
        lang.t(Key::Results),
        lang.t(Key::Party),
        lang.t(Key::Votes),
        lang.t(Key::Share),
        lang.t(Key::Share),
    );
    for row in &locality.parties {
        let Some(info) = party_info(config, &row.id) else {
            continue;
        };
        let _ = writeln!(
            html,
            "<tr data-party=\"{id}\"><th scope=\"row\"><span class=\"swatch\" style=\"background:{colour}\" aria-hidden=\"true\"></span><abbr title=\"{name}\">{short}</abbr></th><td class=\"num votes\">{votes}</td><td class=\"num share\">{share}</td><td class=\"bar-col\">{bar}</td></tr>",
            id = escape(&row.id),
            colour = info.colour,
            name = escape(info.name),
            short = escape(info.short),
            votes = count(lang, row.doc_count),
            share = percent(lang, row.percentage),
            // the threshold applies to national shares only: no line here
            bar = share_bar(lang, row.percentage, scale, None, &info.colour),
        );
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
}

fn children(
    html: &mut String,
    config: &ElectionConfig,
    view: View,
    lang: Lang,
    snapshot: &Snapshot,
) {
    let (heading, make): (Key, fn(i64) -> View) = match view {
        View::National => (Key::Regions, View::Region),
        View::Region(_) => (Key::Counties, View::County),
        View::County(_) => (Key::Municipalities, View::Municipality),
        View::Municipality(_) => return,
    };
    if snapshot.children.is_empty() {
        return;
    }
    let name_of = |code: i64| -> String {
        match view {
            View::National => config
                .regions()
                .iter()
                .find(|r| r.code == code)
                .map(|r| r.name.clone()),
            View::Region(_) => config
                .counties()
                .iter()
                .find(|c| c.code == code)
                .map(|c| c.name.clone()),
            _ => config
                .municipalities()
                .iter()
                .find(|m| m.code == code)
                .map(|m| m.name.clone()),
        }
        .unwrap_or_else(|| code.to_string())
    };
    let _ = write!(
        html,
        "<section id=\"areas\" aria-labelledby=\"areas-h\">\n<h2 id=\"areas-h\">{h}</h2>\n<table id=\"area-table\">\n<caption class=\"visually-hidden\">{h}</caption>\n<thead><tr><th scope=\"col\">{name}</th><th scope=\"col\" class=\"num\">{registered}</th><th scope=\"col\" class=\"num\">{votes}</th><th scope=\"col\" class=\"num\">{turnout}</th>{leading}</tr></thead>\n<tbody>\n",
        h = lang.t(heading),
        name = lang.t(match heading {
            Key::Regions => Key::Region,
            Key::Counties => Key::County,
            _ => Key::Municipality,
        }),
        registered = lang.t(Key::RegisteredVoters),
        votes = lang.t(Key::VotesCast),
        turnout = lang.t(Key::Turnout),
        leading = if snapshot.published {
            format!("<th scope=\"col\">{}</th>", lang.t(Key::Leading))
        } else {
            String::new()
        },
    );
    let mut rows: Vec<&LocalityResult> = snapshot.children.iter().collect();
    rows.sort_by(|a, b| {
        name_of(a.code)
            .cmp(&name_of(b.code))
            .then(a.code.cmp(&b.code))
    });
    for child in rows {
        let leading = if snapshot.published {
            let top = child
                .parties
                .iter()
                .find(|p| p.doc_count > 0)
                .and_then(|p| party_info(config, &p.id).map(|info| (info, p)));
            match top {
                Some((info, p)) => format!(
                    "<td><span class=\"swatch\" style=\"background:{}\" aria-hidden=\"true\"></span>{} {}</td>",
                    info.colour,
                    escape(info.short),
                    percent(lang, p.percentage)
                ),
                None => format!("<td>{}</td>", lang.t(Key::NoVotesYet)),
            }
        } else {
            String::new()
        };
        let _ = writeln!(
            html,
            "<tr data-code=\"{code}\"><th scope=\"row\"><a data-nav href=\"/results{href}\">{name}</a></th><td class=\"num\">{registered}</td><td class=\"num\">{votes}</td><td class=\"num\">{turnout}</td>{leading}</tr>",
            code = child.code,
            href = escape(&make(child.code).query(lang)),
            name = escape(&name_of(child.code)),
            registered = count(lang, child.registered_participants),
            votes = count(lang, child.doc_count),
            turnout = percent(lang, child.participation),
        );
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_colours_are_used_only_when_they_are_hex() {
        assert_eq!(party_colour("#204198", 0), "#204198");
        assert_eq!(party_colour("#Fa2215", 4), "#fa2215");
        assert_eq!(party_colour("#abc", 1), "#abc");
        assert_eq!(party_colour("", 0), PALETTE[0].to_ascii_lowercase());
        assert_eq!(
            party_colour("red;background:url(x)", 13),
            PALETTE[1].to_ascii_lowercase()
        );
        assert_eq!(party_colour("#12345g", 2), PALETTE[2].to_ascii_lowercase());
    }

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
