//! The crate's one error type.
//!
//! A vote that breaks an election rule is not an error of the library: validation
//! answers with a [`Rejection`](crate::validation::Rejection). Errors here are input
//! that cannot be understood at all: malformed JSON, a value of the wrong type, a
//! configuration that cannot be loaded.

use std::path::PathBuf;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong reading electie's inputs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not JSON as Python's `json.loads` accepts it.
    #[error("invalid JSON at byte {offset}: {problem}")]
    Json {
        /// Byte offset in the input where the problem was found.
        offset: usize,
        /// What is wrong there.
        problem: JsonProblem,
    },
    /// A JSON document is well formed but a field has the wrong shape for its model:
    /// a missing field, a wrong type, an integer beyond 64 bits.
    #[error("{0}")]
    Format(#[from] FormatError),
    /// An election configuration is inconsistent or incomplete.
    #[error("configuration: {0}")]
    Config(#[from] ConfigProblem),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file could not be understood; `source` says why.
    #[error("{path}: {source}")]
    InFile {
        /// The file.
        path: PathBuf,
        /// The problem inside it.
        source: Box<Error>,
    },
}

impl Error {
    /// Attaches the file the error was found in.
    pub fn in_file(self, path: impl Into<PathBuf>) -> Error {
        Error::InFile {
            path: path.into(),
            source: Box::new(self),
        }
    }
}

/// What is wrong with a piece of JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonProblem {
    /// The text ended in the middle of a value.
    #[error("unexpected end of input")]
    UnexpectedEnd,
    /// Something that starts no JSON value.
    #[error("expected a value")]
    ExpectedValue,
    /// An object member that does not start with a string key.
    #[error("expected a string key")]
    ExpectedKey,
    /// A key not followed by `:`.
    #[error("expected ':' after the key")]
    ExpectedColon,
    /// An item not followed by `,` or the closing bracket.
    #[error("expected ',' or a closing bracket")]
    ExpectedCommaOrEnd,
    /// Text after the complete value.
    #[error("unexpected text after the value")]
    TrailingCharacters,
    /// A number that does not parse.
    #[error("invalid number")]
    InvalidNumber,
    /// An integer longer than Python 3.11 accepts.
    #[error("integer of {digits} digits exceeds the limit of 4300")]
    IntegerTooLong {
        /// Its number of digits.
        digits: usize,
    },
    /// A string without its closing quote.
    #[error("unterminated string")]
    UnterminatedString,
    /// A raw control character inside a string.
    #[error("control character inside a string")]
    ControlCharacterInString,
    /// A backslash escape JSON does not define.
    #[error("invalid escape")]
    InvalidEscape,
    /// A `\uD800`–`\uDFFF` escape that is not part of a surrogate pair.
    #[error("lone UTF-16 surrogate escape")]
    LoneSurrogate,
    /// Bytes that are not UTF-8.
    #[error("invalid UTF-8")]
    InvalidUtf8,
    /// Arrays and objects nested deeper than [`MAX_DEPTH`](crate::python_json::MAX_DEPTH).
    #[error("nesting too deep")]
    TooDeep,
    /// `NaN` or an infinity where the output style does not allow it.
    #[error("NaN and infinities are not allowed here")]
    NonFiniteFloat,
}

/// A well-formed JSON document whose content does not fit the model it must become.
///
/// Its text is what the server puts after `Invalid vote format - `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The value must be a JSON object.
    #[error("{what} must be an object, got {found}")]
    NotAnObject {
        /// What was being read (`vote`, `configuration`, …).
        what: &'static str,
        /// The JSON type found instead.
        found: &'static str,
    },
    /// A required field is absent.
    #[error("missing field {field}")]
    MissingField {
        /// The field's JSON name.
        field: &'static str,
    },
    /// A field holds a value of the wrong JSON type.
    #[error("{field} must be {expected}, got {found}")]
    WrongType {
        /// The field's JSON name (with an index for array items: `candidate_ids[2]`).
        field: String,
        /// What it must be.
        expected: &'static str,
        /// The JSON type found.
        found: &'static str,
    },
    /// An integer that does not fit a 64-bit id.
    #[error("{field} is out of range: {value}")]
    OutOfRange {
        /// The field's JSON name.
        field: String,
        /// The integer as written.
        value: String,
    },
    /// The text is not JSON at all.
    #[error("not valid JSON at byte {offset}: {problem}")]
    Json {
        /// Byte offset of the problem.
        offset: usize,
        /// What is wrong there.
        problem: JsonProblem,
    },
    /// Anything serde reports while reading a typed model.
    #[error("{0}")]
    Model(String),
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Error::Format(FormatError::Model(error.to_string()))
    }
}

/// Why an election configuration cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// Two records of one kind share an `_id`.
    #[error("duplicate {kind} _id {id}")]
    DuplicateId {
        /// `party`, `candidate` or `polling place`.
        kind: &'static str,
        /// The repeated id.
        id: i64,
    },
    /// A candidate's `party_number` matches no party.
    #[error("candidate _id {candidate} has party_number {party_number}, which no party has")]
    CandidateWithoutParty {
        /// The candidate's `_id`.
        candidate: i64,
        /// Its `party_number`.
        party_number: i64,
    },
    /// Two parties share a `party_number`, so candidates cannot be assigned.
    #[error("duplicate party_number {0}")]
    DuplicatePartyNumber(i64),
    /// `max_candidates` is negative or larger than any ballot could be.
    #[error("max_candidates must be between 0 and 1000, got {0}")]
    MaxCandidates(i64),
    /// The path is neither a configuration file nor a directory holding
    /// `parties.json`, `candidates.json` and `polling_places.json`.
    #[error(
        "{0} is neither a configuration JSON file nor a directory with parties.json, candidates.json and polling_places.json"
    )]
    NotAConfiguration(PathBuf),
    /// A gateway form whose polling place id is given neither as `polling_place_id`
    /// nor by exactly one key pair.
    #[error(
        "the gateway form's polling_place has no id: give polling_place_id or exactly one key pair"
    )]
    GatewayWithoutPollingPlaceId,
    /// A JSON file that has neither the server nor the gateway form.
    #[error(
        "the JSON has no \"parties\" list: it is neither the server form (voting-data) nor the gateway form (config.json)"
    )]
    UnknownForm,
}
