//! What the server tests share: starting the binary on 127.0.0.1 with a port chosen at
//! run time, seeding its database with the test keys, sealing votes as a gateway does.
#![allow(
    dead_code,
    missing_docs,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use electie_core::sync::ChainPosition;
use electie_core::{CandidateId, PartyId, PollingPlaceId, Vote};
use electie_crypto::{AesKeyLength, Backend, PrivateKey, Sealed, Sealer};
use electie_server::storage::{self, StoredKeys};
use electie_test_support::{Service, run_to_end};
use serde_json::{Value, json};
use zeroize::Zeroizing;

pub const BIN: &str = env!("CARGO_BIN_EXE_electie-server");
pub const KEYS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/vectors/electiersa-v0.1.1-keys"
);
pub const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/vectors/electiersa-v0.1.1.json"
);

/// The environment variable with a PostgreSQL URL (a throwaway cluster) for the
/// PostgreSQL runs of the suite; unset, those runs are skipped.
pub const POSTGRES_ENV: &str = "ELECTIE_TEST_POSTGRES_URL";

pub fn read_key(name: &str) -> String {
    std::fs::read_to_string(Path::new(KEYS).join(name)).expect("test key")
}

/// The electiersa vectors' test keys: the server pair (receives) and the gateway pair (signs).
pub struct TestKeys {
    pub server: PrivateKey,
    pub gateway: PrivateKey,
}

impl TestKeys {
    pub fn load() -> Self {
        Self {
            server: PrivateKey::from_pem(&read_key("server_private.pem")).expect("server key"),
            gateway: PrivateKey::from_pem(&read_key("gateway_private.pem")).expect("gateway key"),
        }
    }

    pub fn sealer(&self) -> Sealer {
        Sealer::with_backend(&self.gateway, &self.server.public_key(), Backend::fastest())
            .expect("sealer")
    }
}

/// Which database a run uses.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite,
    Postgres(String),
}

impl Db {
    /// SQLite always; PostgreSQL when the test script gave a cluster: a fresh database
    /// per call.
    pub async fn all() -> Vec<Db> {
        let mut all = vec![Db::Sqlite];
        if let Some(db) = Db::postgres().await {
            all.push(db);
        }
        eprintln!(
            "databases: {:?}",
            all.iter().map(Db::name).collect::<Vec<_>>()
        );
        all
    }

    pub async fn postgres() -> Option<Db> {
        let base = std::env::var(POSTGRES_ENV).ok()?;
        Some(Db::Postgres(fresh_postgres_database(&base).await))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Db::Sqlite => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }
}

/// Creates a new database on the cluster of `base` (a URL ending in `/postgres` or any
/// database) and returns its URL.
pub async fn fresh_postgres_database(base: &str) -> String {
    use sqlx::Connection;
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    sqlx::any::install_default_drivers();
    let name = format!(
        "electie_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            % 1_000_000
    );
    let mut conn = sqlx::AnyConnection::connect(base)
        .await
        .expect("connect to the test cluster");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    let _ = conn.close().await;
    let (prefix, _) = base.rsplit_once('/').expect("URL with a database");
    let (prefix, query) = match base.split_once('?') {
        Some((_, query)) => (prefix.to_owned(), format!("?{query}")),
        None => (prefix.to_owned(), String::new()),
    };
    format!("{prefix}/{name}{query}")
}

/// A data directory and database for one server.
pub struct Installation {
    pub dir: tempfile::TempDir,
    pub db: Db,
}

impl Installation {
    pub fn new(db: Db) -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            db,
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn database_url(&self) -> String {
        match &self.db {
            Db::Sqlite => format!(
                "sqlite://{}",
                self.data_dir().join("electie-server.sqlite").display()
            ),
            Db::Postgres(url) => url.clone(),
        }
    }

    /// Flags `--data-dir` and, for PostgreSQL, `--database`.
    pub fn store_args(&self) -> Vec<String> {
        let mut args = vec![
            "--data-dir".to_owned(),
            self.data_dir().display().to_string(),
        ];
        if let Db::Postgres(url) = &self.db {
            args.push("--database".into());
            args.push(url.clone());
        }
        args
    }

    /// Gives polling places `places` the vectors' server key and gateway key, as
    /// `enroll` would with those keys (so the real electiersa ciphertexts open, and no
    /// key is generated per test).
    pub async fn seed_keys(&self, places: &[i64]) {
        std::fs::create_dir_all(self.data_dir()).unwrap();
        let store = storage::open(&self.database_url())
            .await
            .expect("open store");
        for &place in places {
            store
                .enroll(StoredKeys {
                    polling_place_id: place,
                    server_private_key_pem: Zeroizing::new(read_key("server_private.pem")),
                    server_public_key_pem: read_key("server_public.pem"),
                    gateway_public_key_pem: read_key("gateway_public.pem"),
                })
                .await
                .expect("seed keys");
        }
        store.shutdown().await;
    }

    pub async fn store(&self) -> storage::Store {
        storage::open(&self.database_url())
            .await
            .expect("open store")
    }

    /// Runs a subcommand to its end: (exit code, stdout, stderr).
    pub fn run(
        &self,
        subcommand: &str,
        extra: &[&str],
        stdin: Option<&str>,
    ) -> (i32, String, String) {
        run_to_end(
            Command::new(BIN)
                .arg(subcommand)
                .args(self.store_args())
                .args(extra),
            stdin,
        )
    }

    pub fn start(&self, extra: &[&str]) -> Server {
        Server::start(self, extra)
    }

    /// `admin`: stores the user `admin` with [`ADMIN_PASSWORD`].
    pub fn store_admin(&self) {
        let (code, _, stderr) = self.run(
            "admin",
            &["--username", "admin", "--password-stdin"],
            Some(ADMIN_PASSWORD),
        );
        assert_eq!(code, 0, "electie-server admin: {stderr}");
    }
}

/// The password [`Installation::store_admin`] stores for `admin`.
pub const ADMIN_PASSWORD: &str = "pw";

/// A running `electie-server serve`; killed (SIGKILL) on drop.
pub struct Server {
    process: Service,
    pub base: String,
}

impl Server {
    pub fn start(installation: &Installation, extra: &[&str]) -> Server {
        Self::start_with_env(installation, extra, &[])
    }

    pub fn start_with_env(
        installation: &Installation,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        let process = Service::start(
            Command::new(BIN)
                .arg("serve")
                .args(installation.store_args())
                .args(["--listen", "127.0.0.1:0"])
                .args(extra)
                .env("ELECTIE_LOG", "info,sqlx=warn")
                .envs(env.iter().copied()),
            "electie-server",
        );
        Server {
            base: process.base.clone(),
            process,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn log(&self) -> String {
        self.process.log_text()
    }

    /// A bearer token of the admin [`Installation::store_admin`] stored.
    pub async fn admin_token(&self, client: &reqwest::Client) -> String {
        electie_test_support::server_admin_token(client, &self.base, "admin", ADMIN_PASSWORD).await
    }

    /// The server process's id.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// SIGKILL, no goodbye.
    pub fn kill9(&mut self) {
        self.process.kill();
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        self.process
            .terminate(Duration::from_secs(30))
            .expect("server did not stop on SIGTERM")
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

pub fn vote(party: Option<i64>, candidates: &[i64], token: &str) -> Vote {
    Vote {
        party_id: party.map(PartyId),
        candidate_ids: candidates.iter().copied().map(CandidateId).collect(),
        token: token.to_owned(),
        election_id: "election_id".to_owned(),
    }
}

pub fn seal(sealer: &Sealer, vote: &Vote) -> Sealed {
    let electie_core::python_json::Value::Object(object) = vote.to_json() else {
        unreachable!()
    };
    sealer
        .seal(
            &object,
            AesKeyLength::Aes256,
            &mut electie_crypto::system_rng(),
        )
        .expect("seal")
}

pub fn sealed_json(sealed: &Sealed) -> Value {
    json!({"encrypted_message": sealed.encrypted_message, "encrypted_object": sealed.encrypted_object})
}

pub fn batch(place: i64, sealed: &[Sealed]) -> Value {
    json!({"polling_place_id": place, "votes": sealed.iter().map(sealed_json).collect::<Vec<_>>()})
}

/// A batch with sync fields, advancing `position` over `votes`.
pub fn sync_batch(
    place: i64,
    sealer: &Sealer,
    votes: &[Vote],
    position: &mut ChainPosition,
) -> Value {
    let first = position.last_seqno + 1;
    let sealed: Vec<Sealed> = votes.iter().map(|v| seal(sealer, v)).collect();
    for vote in votes {
        position.append(&vote.signed_bytes());
    }
    let mut body = batch(place, &sealed);
    body["first_seqno"] = json!(first);
    body["chain_head"] = json!(position.chain_head.to_string());
    body
}

pub fn genesis(place: i64) -> ChainPosition {
    ChainPosition::genesis(PollingPlaceId(place), "election_id")
}

pub async fn post(client: &reqwest::Client, url: &str, body: &Value) -> (u16, Value) {
    let response = client.post(url).json(body).send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub async fn get(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = client.get(url).send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Stored vote log rows (accepted only) of a polling place.
pub async fn accepted_rows(installation: &Installation, place: i64) -> usize {
    let store = installation.store().await;
    let rows = store.vote_log().await.unwrap();
    store.shutdown().await;
    rows.iter()
        .filter(|row| row.polling_place_id == place && row.accepted)
        .count()
}

pub async fn log_rows(installation: &Installation) -> Vec<storage::VoteRow> {
    let store = installation.store().await;
    let rows = store.vote_log().await.unwrap();
    store.shutdown().await;
    rows
}

pub fn rejected(message: &str) -> Value {
    json!({"status": "failure", "message": message})
}

pub fn accepted() -> Value {
    json!({"status": "success", "message": "Vote was successfully precessed"})
}

/// A small deterministic generator (xorshift64*), so a printed seed replays a run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// The sealed body of `POST /elections/polling-places/{place}/close` (spec 41 §3).
pub fn close_body(
    sealer: &Sealer,
    place: i64,
    last_seqno: u64,
    chain_head: &str,
    closed_at: &str,
) -> Value {
    let text = format!(
        r#"{{"polling_place_id": {place}, "last_seqno": {last_seqno}, "chain_head": "{chain_head}", "closed_at": "{closed_at}"}}"#
    );
    let electie_core::python_json::Value::Object(object) =
        electie_core::python_json::loads(&text).unwrap()
    else {
        unreachable!()
    };
    let sealed = sealer
        .seal(
            &object,
            AesKeyLength::Aes256,
            &mut electie_crypto::system_rng(),
        )
        .unwrap();
    sealed_json(&sealed)
}

/// Counts one ballot of the feed (`{"polling_place_id", "party_id", "candidate_ids"}`),
/// as an observer recounting from the feed does.
pub fn count_feed_ballot(
    tally: &mut electie_tally::count::Tally,
    config: &electie_core::ElectionConfig,
    ballot: &Value,
) {
    let candidates: Vec<CandidateId> = ballot["candidate_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|candidate| CandidateId(candidate.as_i64().unwrap()))
        .collect();
    tally
        .add(
            config,
            PollingPlaceId(ballot["polling_place_id"].as_i64().unwrap()),
            ballot["party_id"].as_i64().map(PartyId),
            &candidates,
        )
        .unwrap();
}

/// What `/elastic/get-party-candidate-results` must answer for `tally`: the library's
/// results (200), or the tie the seat rules leave undecided (409 with the library's
/// words). Random test votes can tie for the last seats, and a tie is an answer too.
pub fn expected_party_candidate_results(
    config: &electie_core::ElectionConfig,
    tally: &electie_tally::count::Tally,
) -> (u16, Value) {
    let results = electie_server::results::parties(
        config,
        &electie_server::results::options(
            electie_tally::embedded::nrsr_2020_coalitions(config).unwrap(),
        ),
        tally,
        None,
        true,
    );
    match results {
        Ok(results) => (200, serde_json::to_value(results).unwrap()),
        Err(electie_server::results::ResultsError::Seats(detail)) => {
            (409, json!({ "detail": detail }))
        }
        Err(other) => panic!("results of the recount: {other}"),
    }
}

impl Server {
    /// `/elastic/get-party-candidate-results` as an admin with `token` (published or
    /// not): status and body.
    pub async fn party_candidate_results(
        &self,
        client: &reqwest::Client,
        token: &str,
    ) -> (u16, Value) {
        let response = client
            .post(self.url("/elastic/get-party-candidate-results"))
            .bearer_auth(token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }
}
