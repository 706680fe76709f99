//! `electie validate`: a batch of decrypted votes against a configuration.

use std::io::Write;
use std::path::PathBuf;

use electie_core::lines::lines;
use electie_core::python_json::{self, Object, Value};
use electie_core::{
    ElectionConfig, InMemoryTokenStore, Message, PollingPlaceId, Rejection, TokenStore, Validator,
    Vote,
};

use crate::error::{self, Error, Result};
use crate::input;

/// How the verdict is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Mode {
    /// The original server's answer: the first failure rejects the whole batch.
    Compat,
    /// One verdict per vote.
    Verdicts,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ValidateArgs {
    /// Election configuration: a server or gateway JSON file, or a directory with
    /// parties.json, candidates.json and polling_places.json.
    #[arg(long)]
    config: PathBuf,
    /// The polling place the batch comes from.
    #[arg(long, allow_hyphen_values = true)]
    polling_place: i64,
    /// The election id votes must carry (default: the configuration's).
    #[arg(long)]
    election_id: Option<String>,
    /// The most candidates a vote may circle (default: the configuration's, else 5).
    #[arg(long)]
    max_candidates: Option<usize>,
    /// Tokens already stored for this polling place, one per line.
    #[arg(long)]
    stored_tokens: Option<PathBuf>,
    /// `compat`: one JSON answer for the batch; `verdicts`: one JSON line per vote.
    #[arg(long, value_enum, default_value = "compat")]
    mode: Mode,
    /// Decrypted votes, one JSON object per line; `-` reads standard input.
    votes: PathBuf,
}

pub(crate) fn run(args: &ValidateArgs) -> Result {
    let config = load_config(args)?;
    let polling_place = PollingPlaceId(args.polling_place);
    let mut store = InMemoryTokenStore::new();
    if let Some(path) = &args.stored_tokens {
        let bytes = input::read_all(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        for token in lines(&bytes) {
            store.insert(polling_place, &String::from_utf8_lossy(token));
        }
    }
    let bytes = input::read_all(&args.votes)
        .map_err(|error| format!("cannot read {}: {error}", args.votes.display()))?;
    let items: Vec<std::result::Result<Vote, Rejection>> = lines(&bytes)
        .map(|line| Vote::from_json_bytes(line).map_err(Rejection::InvalidFormat))
        .collect();
    let validator = Validator::new(&config);
    let mut stdout = std::io::stdout().lock();
    let all_accepted = match args.mode {
        Mode::Compat => {
            let answer = match validator.check_decoded_batch(polling_place, &items, &store) {
                Ok(()) => Message::success(Message::BATCH_ACCEPTED),
                Err(rejection) => Message::failure(rejection.to_string()),
            };
            let accepted = answer.status == electie_core::Status::Success;
            writeln!(stdout, "{}", python_json::dumps(&answer.to_json())).map_err(Error::Output)?;
            accepted
        }
        Mode::Verdicts => {
            let verdicts = validator.verdicts(polling_place, &items, &store);
            for (index, verdict) in verdicts.iter().enumerate() {
                writeln!(stdout, "{}", verdict_json(index, verdict)).map_err(Error::Output)?;
            }
            verdicts.iter().all(std::result::Result::is_ok)
        }
    };
    stdout.flush().map_err(Error::Output)?;
    error::judged(all_accepted)
}

fn load_config(args: &ValidateArgs) -> Result<ElectionConfig> {
    let mut config = ElectionConfig::load(&args.config)
        .map_err(|error| format!("--config {}: {error}", args.config.display()))?;
    if let Some(election_id) = &args.election_id {
        config = config.with_election_id(election_id.clone());
    }
    if let Some(limit) = args.max_candidates {
        config = config
            .with_max_candidates(limit)
            .map_err(|error| format!("--max-candidates: {error}"))?;
    }
    Ok(config)
}

fn verdict_json(index: usize, verdict: &std::result::Result<(), Rejection>) -> String {
    let mut object = Object::new();
    object.insert("index".into(), (index as i64).into());
    object.insert("accepted".into(), verdict.is_ok().into());
    if let Err(rejection) = verdict {
        object.insert("message".into(), rejection.to_string().into());
    }
    python_json::dumps(&Value::Object(object))
}
