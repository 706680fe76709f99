//! The zápisnica (spec 41 §4): the polling place's record the commission prints and
//! signs, as a PDF with DejaVu Sans embedded (subset by krilla), so Slovak diacritics
//! print and copy out right on any machine.
//!
//! Every party appears in configuration order, party `_id` 0 included (the original
//! dropped it), with its share of party votes; participation is a percentage (the
//! original printed a fraction). Shares are computed in integers and rounded half up to
//! two decimals; floats never enter. The final `last_seqno` and `chain_head` are printed
//! so the signed paper binds the electronic record the server holds.

use std::sync::Arc;

use krilla::Document;
use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use serde::Deserialize;

use crate::app::AppState;
use crate::config::GatewayConfig;
use crate::error::{Error, Result};
use crate::store::keys;

static REGULAR: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../assets/DejaVuSans-Bold.ttf");

/// A commission member and whether they agree with the record.
#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    /// Full name.
    pub name: String,
    /// Agrees with the record.
    pub agree: bool,
}

/// The body of `POST /commission-paper/generate`.
#[derive(Debug, Clone, Deserialize)]
pub struct PaperRequest {
    /// Must be this gateway's polling place.
    pub polling_place_id: i64,
    /// Members present.
    pub participated_members: Vec<Member>,
    /// The president.
    pub president: Member,
}

/// Everything the paper shows, computed from the store.
#[derive(Debug, Clone)]
pub struct PaperFacts {
    /// Votes per party in configuration order: (`_id`, name, votes).
    pub parties: Vec<(i64, String, u64)>,
    /// Blank votes.
    pub blank: u64,
    /// Votes the server rejected (counted nowhere).
    pub rejected: u64,
    /// Every vote cast here.
    pub cast: u64,
    /// Events: (action, time), oldest first.
    pub events: Vec<(String, String)>,
    /// Last sequence number and chain head.
    pub last_seqno: i64,
    /// The chain after it.
    pub chain_head: String,
    /// Whether the server confirmed the close with these values.
    pub closed: bool,
    /// Generation time.
    pub generated_at: String,
}

/// `numerator / denominator` in percent with two decimals, rounded half up, written the
/// Slovak way (`12,34 %`); `0,00 %` for an empty denominator.
pub fn percent(numerator: u64, denominator: u64) -> String {
    if denominator == 0 {
        return "0,00 %".to_owned();
    }
    let hundredths =
        (u128::from(numerator) * 10_000 + u128::from(denominator) / 2) / u128::from(denominator);
    format!("{},{:02} %", hundredths / 100, hundredths % 100)
}

/// Gathers the facts for the paper.
///
/// # Errors
/// [`Error::Database`].
pub async fn facts(state: &AppState, config: &GatewayConfig) -> Result<PaperFacts> {
    let per_party = state.store.votes_per_party().await?;
    let count_of = |party: Option<i64>| -> u64 {
        per_party
            .iter()
            .find(|(id, _)| *id == party)
            .map_or(0, |(_, count)| u64::try_from(*count).unwrap_or(0))
    };
    let parties = config
        .election
        .parties()
        .iter()
        .map(|party| (party.id.0, party.name.clone(), count_of(Some(party.id.0))))
        .collect();
    let counts = state.store.sync_counts().await?;
    let mut events = state.store.events().await?;
    events.reverse();
    let closed_record: Option<serde_json::Value> = state
        .store
        .meta(keys::CLOSED)
        .await?
        .and_then(|text| serde_json::from_str(&text).ok());
    let (last_seqno, head) = state.store.chain_state(&config.genesis).await?;
    Ok(PaperFacts {
        parties,
        blank: count_of(None),
        rejected: u64::try_from(counts.rejected).unwrap_or(0),
        cast: u64::try_from(counts.all).unwrap_or(0),
        events,
        last_seqno,
        chain_head: head.to_string(),
        closed: closed_record.is_some(),
        generated_at: crate::time::now_iso(),
    })
}

/// Renders the zápisnica for the request.
///
/// # Errors
/// [`Error::Database`], or [`Error::Config`] when the PDF cannot be written.
pub async fn generate(
    state: &AppState,
    config: &GatewayConfig,
    request: &PaperRequest,
) -> Result<Vec<u8>> {
    let facts = facts(state, config).await?;
    let config = Arc::new(config.election.clone());
    let place = state
        .config()
        .map(|config| config.polling_place.clone())
        .ok_or_else(|| Error::Config("no configuration".into()))?;
    let request = request.clone();
    tokio::task::spawn_blocking(move || render(&config, &place, &request, &facts))
        .await
        .map_err(|error| Error::Config(error.to_string()))?
}

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 50.0;

/// One piece of text placed on a page.
struct Piece {
    x: f32,
    y: f32,
    size: f32,
    bold: bool,
    text: String,
}

/// A top-to-bottom writer over as many A4 pages as the text needs.
struct Writer {
    pages: Vec<Vec<Piece>>,
    y: f32,
}

impl Writer {
    fn new() -> Writer {
        Writer {
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    /// One line of text pieces at x offsets from the margin.
    fn row(&mut self, size: f32, bold: bool, pieces: &[(f32, &str)]) {
        let height = size * 1.45;
        if self.y + height > PAGE_HEIGHT - MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
        let baseline = self.y + size;
        if let Some(page) = self.pages.last_mut() {
            page.extend(pieces.iter().map(|(x, text)| Piece {
                x: MARGIN + x,
                y: baseline,
                size,
                bold,
                text: (*text).to_owned(),
            }));
        }
        self.y += height;
    }

    fn gap(&mut self, height: f32) {
        self.y += height;
    }
}

/// Wraps text to lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn agreement(member: &Member) -> &'static str {
    if member.agree {
        "súhlasí so zápisnicou"
    } else {
        "nesúhlasí so zápisnicou"
    }
}

fn event_name(action: &str) -> &str {
    match action {
        "elections_started" => "Začiatok hlasovania",
        "elections_stopped" => "Koniec hlasovania",
        other => other,
    }
}

/// Lays out and writes the PDF.
fn render(
    config: &electie_core::ElectionConfig,
    place: &electie_core::PollingPlace,
    request: &PaperRequest,
    facts: &PaperFacts,
) -> Result<Vec<u8>> {
    let regular = Font::new(REGULAR.to_vec().into(), 0)
        .ok_or_else(|| Error::Config("the bundled DejaVu Sans cannot be read".into()))?;
    let bold = Font::new(BOLD.to_vec().into(), 0)
        .ok_or_else(|| Error::Config("the bundled DejaVu Sans Bold cannot be read".into()))?;
    let mut writer = Writer::new();
    let texts = config.texts();
    for line in wrap(
        "Zápisnica okrskovej volebnej komisie o priebehu hlasovania a o výsledku hlasovania vo volebnom okrsku",
        60,
    ) {
        writer.row(14.0, true, &[(0.0, &line)]);
    }
    writer.gap(4.0);
    for line in wrap(&texts.elections_name_long.sk, 80) {
        writer.row(11.0, false, &[(0.0, &line)]);
    }
    if !texts.election_date.sk.is_empty() {
        writer.row(
            11.0,
            false,
            &[(0.0, &format!("Dátum volieb: {}", texts.election_date.sk))],
        );
    }
    writer.gap(8.0);
    let place_lines = [
        format!(
            "Volebný okrsok č. {} (volebná miestnosť {})",
            place.polling_place_number, place.id
        ),
        format!(
            "Obec: {} (kód {})",
            place.municipality_name, place.municipality_code
        ),
        format!("Okres: {} (kód {})", place.county_name, place.county_code),
        format!(
            "Územný obvod: {} (kód {})",
            place.administrative_area_name, place.administrative_area_code
        ),
        format!("Kraj: {} (kód {})", place.region_name, place.region_code),
    ];
    for line in &place_lines {
        writer.row(10.0, false, &[(0.0, line)]);
    }
    writer.gap(8.0);
    let registered = place.registered_voters_count;
    let party_votes: u64 = facts.parties.iter().map(|(_, _, votes)| votes).sum();
    let summary = [
        (
            "Počet voličov zapísaných v zozname voličov",
            registered.to_string(),
        ),
        (
            "Počet voličov, ktorí sa zúčastnili hlasovania",
            facts.cast.to_string(),
        ),
        ("Účasť voličov", percent(facts.cast, registered)),
        (
            "Počet platných hlasov pre politické subjekty",
            party_votes.to_string(),
        ),
        ("Počet prázdnych hlasov", facts.blank.to_string()),
        (
            "Počet hlasov odmietnutých serverom",
            facts.rejected.to_string(),
        ),
    ];
    for (label, value) in &summary {
        writer.row(10.0, false, &[(0.0, label), (330.0, value)]);
    }
    writer.gap(10.0);
    writer.row(
        10.0,
        true,
        &[
            (0.0, "Č."),
            (28.0, "Politický subjekt"),
            (360.0, "Hlasy"),
            (420.0, "Podiel"),
        ],
    );
    for (id, name, votes) in &facts.parties {
        let name_lines = wrap(name, 58);
        let first = name_lines.first().cloned().unwrap_or_default();
        writer.row(
            9.0,
            false,
            &[
                (0.0, &id.to_string()),
                (28.0, &first),
                (360.0, &votes.to_string()),
                (420.0, &percent(*votes, party_votes)),
            ],
        );
        for rest in name_lines.iter().skip(1) {
            writer.row(9.0, false, &[(28.0, rest)]);
        }
    }
    writer.gap(10.0);
    writer.row(10.0, true, &[(0.0, "Priebeh hlasovania")]);
    if facts.events.is_empty() {
        writer.row(9.0, false, &[(0.0, "Hlasovanie sa nezačalo.")]);
    }
    for (action, at) in &facts.events {
        writer.row(9.0, false, &[(0.0, event_name(action)), (160.0, at)]);
    }
    writer.gap(10.0);
    writer.row(10.0, true, &[(0.0, "Elektronický záznam")]);
    writer.row(
        9.0,
        false,
        &[
            (0.0, "Posledné poradové číslo hlasu (last_seqno)"),
            (250.0, &facts.last_seqno.to_string()),
        ],
    );
    writer.row(9.0, false, &[(0.0, "Reťazec hašov (chain_head)")]);
    writer.row(8.5, false, &[(0.0, &facts.chain_head)]);
    writer.row(
        9.0,
        false,
        &[(
            0.0,
            if facts.closed {
                "Server potvrdil uzavretie okrsku s týmito hodnotami."
            } else {
                "Okrsok ešte nie je uzavretý na serveri."
            },
        )],
    );
    writer.gap(10.0);
    writer.row(10.0, true, &[(0.0, "Okrsková volebná komisia")]);
    writer.row(
        9.0,
        false,
        &[
            (0.0, &format!("Predseda: {}", request.president.name)),
            (300.0, agreement(&request.president)),
        ],
    );
    for member in &request.participated_members {
        writer.row(
            9.0,
            false,
            &[
                (0.0, &format!("Člen: {}", member.name)),
                (300.0, agreement(member)),
            ],
        );
    }
    writer.gap(10.0);
    writer.row(
        9.0,
        false,
        &[(0.0, &format!("Vygenerované: {}", facts.generated_at))],
    );

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("Zápisnica – volebný okrsok {}", place.id))
            .language("sk".to_owned()),
    );
    for pieces in &writer.pages {
        let mut page = document.start_page_with(PageSettings::new(PAGE_WIDTH, PAGE_HEIGHT));
        let mut surface = page.surface();
        for piece in pieces {
            surface.draw_text(
                Point::from_xy(piece.x, piece.y),
                if piece.bold {
                    bold.clone()
                } else {
                    regular.clone()
                },
                piece.size,
                &piece.text,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|error| Error::Config(format!("cannot write the PDF: {error:?}")))
}
