//! What the integration tests of `electie-server` and `electie-gateway` share (a
//! dev-dependency of both, never published): a service started on 127.0.0.1 with a
//! port the kernel chooses, its address read from its log, killed when the test lets
//! go of it; a subcommand run to its end; a process's CPU time for the load runs; the
//! server's admin login and publish, which the server's tests and the gateway's
//! end-to-end tests both do; the seed of a randomized run, from its variable or fresh.
//!
//! Both services print `listening on http://ADDR` on stderr once they accept
//! connections (`electie_service_support::announce_listening`, whose prefix this crate
//! reads, so the line and its reader cannot drift apart), so a test never guesses a
//! free port (nothing can take it between the guess and the bind) and never sleeps for
//! readiness.
//!
//! ```no_run
//! use std::process::Command;
//! use electie_test_support::Service;
//!
//! let mut command = Command::new("target/debug/electie-server");
//! command.args(["serve", "--data-dir", "/tmp/data", "--listen", "127.0.0.1:0"]);
//! let server = Service::start(&mut command, "electie-server");
//! println!("{} answers on {}", server.pid(), server.base);
//! // Killed (SIGKILL) when `server` is dropped.
//! ```
// A test harness reports a broken set-up by panicking, with what it saw.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// How long a service may take to print its address.
pub const START_LIMIT: Duration = Duration::from_secs(120);

/// The line a service prints once it listens, before the address.
const READY_PREFIX: &str = electie_service_support::LISTENING_PREFIX;

/// A running service process; killed with SIGKILL on drop unless it exited before.
#[derive(Debug)]
pub struct Service {
    child: Child,
    /// The address it listens on.
    pub address: SocketAddr,
    /// `http://ADDR`.
    pub base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Service {
    /// Spawns `command` (stdin and stdout closed, stderr read by a thread that keeps
    /// every line) and waits until it prints `listening on http://ADDR`.
    ///
    /// # Panics
    /// When it cannot be spawned, or exits or stays silent for [`START_LIMIT`]: it is
    /// killed and the panic shows `what` and its log.
    pub fn start(command: &mut Command, what: &str) -> Service {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {what}: {error}"));
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (ready, address) = mpsc::channel();
        {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Some(address) = line.strip_prefix(READY_PREFIX) {
                        let _ = ready.send(address.trim().to_owned());
                    }
                    log.lock().unwrap().push(line);
                }
            });
        }
        let address = match address.recv_timeout(START_LIMIT) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what} did not start:\n{}", log.lock().unwrap().join("\n"));
            }
        };
        let address: SocketAddr = address
            .parse()
            .unwrap_or_else(|_| panic!("{what} printed a bad address: {address}"));
        Service {
            child,
            base: format!("http://{address}"),
            address,
            log,
        }
    }

    /// Everything it wrote to stderr so far, one line per line.
    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, no goodbye; waits for the process to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for it to exit by itself (after a crash point, say).
    pub fn wait(&mut self) -> ExitStatus {
        self.child.wait().unwrap()
    }

    /// SIGTERM, then waits up to `limit` for it to exit: its exit status, or `None`
    /// when it did not stop in time (it is killed then).
    pub fn terminate(&mut self, limit: Duration) -> Option<ExitStatus> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        None
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `command` to its end with `stdin` written to it (closed at once when `None`):
/// (exit code, or -1 when killed by a signal; stdout; stderr).
pub fn run_to_end(command: &mut Command, stdin: Option<&str>) -> (i32, String, String) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    let mut input = child.stdin.take().expect("stdin is piped");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// User plus system CPU seconds a process has used (`/proc/PID/stat`, clock ticks of
/// `getconf CLK_TCK`; Linux).
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    let per_second: f64 = String::from_utf8(
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .parse()
    .unwrap();
    ticks / per_second
}

/// Logs `username` in at an `electie-server`'s `POST /token` (the OAuth2 password form)
/// and returns the bearer token.
///
/// # Panics
/// When the server does not answer with a token; the panic shows its answer.
pub async fn server_admin_token(
    client: &reqwest::Client,
    server_base: &str,
    username: &str,
    password: &str,
) -> String {
    let answer: serde_json::Value = client
        .post(format!("{server_base}/token"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token for {username}: {answer}"))
        .to_owned()
}

/// Publishes the results of an `electie-server` (`POST /elastic/results/publish` with an
/// admin's bearer token).
///
/// # Panics
/// Unless the server answers 200.
pub async fn publish_server_results(client: &reqwest::Client, server_base: &str, token: &str) {
    let response = client
        .post(format!("{server_base}/elastic/results/publish"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert_eq!(
        status,
        200,
        "publish: {}",
        response.text().await.unwrap_or_default()
    );
}

/// The seed of a randomized test run: the number in the environment variable `variable`
/// (to replay a run), or else a fresh one. The caller prints it, so a failing run can
/// be replayed.
///
/// # Panics
/// When `variable` is set but is not a whole number (a typo would silently run another
/// seed).
pub fn seed(variable: &str) -> u64 {
    match std::env::var(variable) {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{variable}={text:?} is not a seed (a whole number)")),
        Err(_) => {
            use std::hash::{BuildHasher, Hasher};
            // Keyed by the standard library's per-process random keys.
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |elapsed| elapsed.as_nanos()),
            );
            hasher.finish()
        }
    }
}
