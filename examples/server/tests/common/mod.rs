//! What the server tests share: starting the binary on 127.0.0.1 with a port chosen at
//! run time, seeding its database with the test keys, sealing votes as a gateway does.
#![allow(
    dead_code,
    missing_docs,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use electie_core::sync::ChainPosition;
use electie_core::{CandidateId, PartyId, PollingPlaceId, Vote};
use electie_crypto::{AesKeyLength, Backend, PrivateKey, Sealed, Sealer};
use electie_server::storage::{self, StoredKeys};
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
        let mut command = Command::new(BIN);
        command.arg(subcommand).args(self.store_args()).args(extra);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("run electie-server");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        drop(child.stdin.take());
        let output = child.wait_with_output().unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    pub fn start(&self, extra: &[&str]) -> Server {
        Server::start(self, extra)
    }
}

/// A running `electie-server serve`.
pub struct Server {
    child: Child,
    pub base: String,
    log: std::sync::Arc<std::sync::Mutex<String>>,
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
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(installation.store_args())
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .env("ELECTIE_LOG", "info,sqlx=warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start electie-server");
        let stderr = child.stderr.take().unwrap();
        let (ready, address) = mpsc::channel();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = std::sync::Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(address) = line.strip_prefix("listening on ") {
                    let _ = ready.send(address.to_owned());
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let base = match address.recv_timeout(Duration::from_secs(120)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!("server did not start:\n{}", log.lock().unwrap());
            }
        };
        Server { child, base, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The server process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, no goodbye.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("server did not stop on SIGTERM");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
