//! Test harness: gateway processes on 127.0.0.1 with free ports, a real `electie-server`
//! with one polling place enrolled, and a stand-in for the server's configuration route
//! for the tests that exercise the gateway alone.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use electie_core::{ElectionConfig, PollingPlaceId};
use electie_crypto::PrivateKey;
pub use electie_test_support::{Service, run_to_end};
use serde_json::{Value, json};

pub const PIN: &str = "4711-ľščťž";

pub fn gateway_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_electie-gateway"))
}

/// The `electie-server` binary: `ELECTIE_SERVER_BIN`, or the one beside
/// `electie-gateway` in the target directory (`cargo test --workspace` builds it).
pub fn server_bin() -> PathBuf {
    if let Ok(path) = std::env::var("ELECTIE_SERVER_BIN") {
        return PathBuf::from(path);
    }
    let path = gateway_bin().with_file_name("electie-server");
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build -p electie-server` (cargo test --workspace does)",
        path.display()
    );
    path
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn nrsr_2020() -> ElectionConfig {
    ElectionConfig::load(repo_root().join("data/nrsr_2020")).unwrap()
}

/// A fresh temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let base = std::env::temp_dir().join(format!(
            "electie-gateway-test-{name}-{}-{}",
            std::process::id(),
            electie_gateway::random::token().unwrap()
        ));
        std::fs::create_dir_all(&base).unwrap();
        TempDir(base)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `electie-gateway` with arguments and stdin, returning (status, stdout, stderr).
pub fn run_gateway(args: &[&str], stdin: &str) -> (i32, String, String) {
    run_binary(&gateway_bin(), args, stdin)
}

/// Runs one of the workspace's binaries (the gateway, or the server the end-to-end
/// tests start) with arguments and stdin, no `ELECTIE_DATA_DIR` from the caller's
/// environment and quiet logs; returns (status, stdout, stderr).
pub fn run_binary(binary: &std::path::Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    run_to_end(
        Command::new(binary)
            .args(args)
            .env_remove("ELECTIE_DATA_DIR")
            .env("ELECTIE_LOG", "warn"),
        Some(stdin),
    )
}

/// `init` + `pin` for a data directory; returns the gateway public key PEM.
pub fn prepare_gateway(data_dir: &Path, polling_place: i64) -> String {
    let dir = data_dir.to_str().unwrap();
    let (status, pem, stderr) = run_gateway(
        &[
            "init",
            "--data-dir",
            dir,
            "--polling-place",
            &polling_place.to_string(),
        ],
        "",
    );
    assert_eq!(status, 0, "init failed: {stderr}");
    let (status, _, stderr) = run_gateway(
        &["pin", "--data-dir", dir, "--pin-stdin"],
        &format!("{PIN}\n"),
    );
    assert_eq!(status, 0, "pin failed: {stderr}");
    pem.trim_end().to_owned()
}

/// A running gateway; killed (SIGKILL) on drop unless stopped before.
pub struct Gateway {
    pub process: Service,
    pub address: SocketAddr,
    pub base: String,
    pub data_dir: PathBuf,
}

impl Gateway {
    /// Starts `serve` and waits for `listening on http://ADDR`.
    pub fn start(data_dir: &Path, server: &str, sync_interval: &str) -> Gateway {
        Gateway::start_on(data_dir, server, sync_interval, "127.0.0.1:0")
    }

    pub fn start_on(data_dir: &Path, server: &str, sync_interval: &str, listen: &str) -> Gateway {
        Gateway::start_with_env(data_dir, server, sync_interval, listen, &[])
    }

    pub fn start_with_env(
        data_dir: &Path,
        server: &str,
        sync_interval: &str,
        listen: &str,
        env: &[(&str, &str)],
    ) -> Gateway {
        let process = Service::start(
            Command::new(gateway_bin())
                .args([
                    "serve",
                    "--data-dir",
                    data_dir.to_str().unwrap(),
                    "--server",
                    server,
                    "--listen",
                    listen,
                    "--sync-interval",
                    sync_interval,
                ])
                .env("ELECTIE_LOG", "info")
                .envs(env.iter().copied()),
            "gateway",
        );
        Gateway {
            address: process.address,
            base: process.base.clone(),
            process,
            data_dir: data_dir.to_owned(),
        }
    }

    pub fn kill(&mut self) {
        self.process.kill();
    }

    /// SIGTERM and wait (30 s at most); returns the exit code.
    pub fn terminate(&mut self) -> Option<i32> {
        self.process
            .terminate(Duration::from_secs(30))
            .and_then(|status| status.code())
    }

    pub fn log_text(&self) -> String {
        self.process.log_text()
    }
}

/// A stand-in for the server's `GET /elections/gateway-config` (the gateway-only tests):
/// the real NR SR 2020 configuration in its gateway form, with a server key pair made
/// for the test and the gateway's public key on record.
pub struct ConfigServer {
    pub base: String,
    pub server_key: PrivateKey,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ConfigServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn gateway_config_json(
    config: &ElectionConfig,
    polling_place: i64,
    server_public: &str,
    gateway_public: &str,
) -> Value {
    let mut json = config
        .to_gateway_json(PollingPlaceId(polling_place))
        .unwrap();
    json["key_pairs"] = json!([{
        "polling_place_id": polling_place,
        "public_key_pem": server_public,
        "g_public_key_pem": gateway_public,
    }]);
    json
}

impl ConfigServer {
    pub async fn start(polling_place: i64, gateway_public: &str) -> ConfigServer {
        ConfigServer::start_at(
            "127.0.0.1:0".parse().unwrap(),
            polling_place,
            gateway_public,
        )
        .await
    }

    pub async fn start_at(
        address: SocketAddr,
        polling_place: i64,
        gateway_public: &str,
    ) -> ConfigServer {
        let server_key = PrivateKey::generate(2048).unwrap();
        let config = gateway_config_json(
            &nrsr_2020(),
            polling_place,
            &server_key.public_key().to_pem(),
            gateway_public,
        );
        let app = axum::Router::new().route(
            "/elections/gateway-config",
            axum::routing::get(
                move |query: axum::extract::Query<std::collections::HashMap<String, String>>| {
                    let config = config.clone();
                    async move {
                        if query.get("polling_place_id").map(String::as_str)
                            == Some(&polling_place.to_string())
                        {
                            (axum::http::StatusCode::OK, axum::Json(config))
                        } else {
                            (
                                axum::http::StatusCode::NOT_FOUND,
                                axum::Json(json!({"detail": "Polling place not found"})),
                            )
                        }
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind(address).await.unwrap();
        let address = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        ConfigServer {
            base: format!("http://{address}"),
            server_key,
            task,
        }
    }
}

/// Polls `check` every 100 ms until it is true or `timeout` passes.
pub async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// A client with a bounded timeout.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// A port nothing listens on (bound and released).
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}")
}

/// Whether the gateway at `base` has its configuration (its routes answer instead of
/// 503) within `limit`.
pub async fn configured_within(client: &reqwest::Client, base: &str, limit: Duration) -> bool {
    eventually(limit, || {
        let (client, base) = (client.clone(), base.to_owned());
        async move {
            client
                .get(format!("{base}/statevector/office_id"))
                .send()
                .await
                .is_ok_and(|response| response.status() == 200)
        }
    })
    .await
}

/// Waits (60 s at most) until the gateway at `base` has its configuration from the
/// server.
pub async fn wait_configured(client: &reqwest::Client, base: &str) {
    let ready = configured_within(client, base, Duration::from_secs(60)).await;
    assert!(ready, "gateway {base} never got its configuration");
}

/// Waits until the gateway at `base` has its configuration, logs the election
/// commission in and opens terminal registration: where every test that votes starts.
pub async fn commission_registering_terminals(
    client: &reqwest::Client,
    base: &str,
) -> electie_gateway::client::Commission {
    wait_configured(client, base).await;
    let commission = electie_gateway::client::Commission::login(client.clone(), base, PIN)
        .await
        .unwrap();
    commission
        .set_state("state_register_terminals", true)
        .await
        .unwrap();
    commission
}

/// `GET url`, which must answer 2xx with JSON: the JSON.
pub async fn get_json(client: &reqwest::Client, url: &str) -> Value {
    client
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .unwrap_or_else(|error| panic!("GET {url}: {error}"))
        .json()
        .await
        .unwrap_or_else(|error| panic!("GET {url}: {error}"))
}

/// The gateway's `GET /synchronization-service-api/statistics`.
pub async fn statistics(client: &reqwest::Client, base: &str) -> Value {
    get_json(
        client,
        &format!("{base}/synchronization-service-api/statistics"),
    )
    .await
}

/// `electie-server serve` on 127.0.0.1 over `data_dir` (SQLite there), quiet logs; it
/// can be started again on the same directory after a kill.
pub fn serve_server(data_dir: &Path) -> Service {
    Service::start(
        Command::new(server_bin())
            .args([
                "serve",
                "--data-dir",
                data_dir.to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
            ])
            .env("ELECTIE_LOG", "warn"),
        "electie-server",
    )
}

/// A real `electie-server` on 127.0.0.1 (SQLite in a temporary directory) with one
/// polling place enrolled for one gateway key; killed on drop.
pub struct EnrolledServer {
    pub process: Service,
    pub base: String,
    pub polling_place: i64,
    _dir: TempDir,
}

impl EnrolledServer {
    /// `enroll` of `polling_place` for `gateway_public` (PEM), then `serve`.
    pub fn start(polling_place: i64, gateway_public: &str) -> EnrolledServer {
        let dir = TempDir::new("server");
        let key_file = dir.path().join("gateway.pub");
        std::fs::write(&key_file, gateway_public).unwrap();
        let data = dir.path().join("data");
        let data = data.to_str().unwrap();
        let (status, _, stderr) = run_binary(
            &server_bin(),
            &[
                "enroll",
                "--data-dir",
                data,
                "--polling-place",
                &polling_place.to_string(),
                "--gateway-public-key",
                key_file.to_str().unwrap(),
            ],
            "",
        );
        assert_eq!(status, 0, "electie-server enroll: {stderr}");
        let process = serve_server(Path::new(data));
        EnrolledServer {
            base: process.base.clone(),
            process,
            polling_place,
            _dir: dir,
        }
    }

    /// `GET /elections/sync-state` of the enrolled polling place:
    /// `{"last_seqno", "chain_head", "closed", ...}`.
    pub async fn sync_state(&self, client: &reqwest::Client) -> Value {
        let url = format!(
            "{}/elections/sync-state?polling_place_id={}",
            self.base, self.polling_place
        );
        get_json(client, &url).await
    }

    /// `GET /elastic/elections-status`: `data.total_votes` counts every stored vote.
    pub async fn elections_status(&self, client: &reqwest::Client) -> Value {
        get_json(client, &format!("{}/elastic/elections-status", self.base)).await
    }
}

/// A pause point of a gateway built with `crash-points` and started with
/// `ELECTIE_PAUSE_DIR` = `dir` (see the gateway's `src/crash_points.rs`): armed, the next
/// task reaching the point waits there until released.
pub struct PausePoint {
    dir: PathBuf,
    name: &'static str,
}

impl PausePoint {
    pub fn new(dir: &Path, name: &'static str) -> PausePoint {
        PausePoint {
            dir: dir.to_owned(),
            name,
        }
    }

    fn file(&self, suffix: &str) -> PathBuf {
        self.dir.join(format!("{}.{suffix}", self.name))
    }

    /// The next task to reach the point stops there.
    pub fn arm(&self) {
        let _ = std::fs::remove_file(self.file("reached"));
        std::fs::write(self.file("armed"), b"").unwrap();
    }

    /// Waits (30 s at most) until a task stopped at the point.
    pub async fn wait_reached(&self) {
        let reached = eventually(Duration::from_secs(30), || {
            let file = self.file("reached");
            async move { file.exists() }
        })
        .await;
        assert!(reached, "nothing reached the pause point {}", self.name);
    }

    /// Lets the stopped task go on.
    pub fn release(&self) {
        std::fs::write(self.file("release"), b"").unwrap();
    }
}
