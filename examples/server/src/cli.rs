//! The command lines of spec 41 §5. Every flag also reads an `ELECTIE_…` variable.
//!
//! ```text
//! electie-server serve   --data-dir DIR [--config DIR|FILE] [--database URL] [--listen ADDR]
//! electie-server enroll  --data-dir DIR [--database URL] --polling-place N --gateway-public-key FILE
//! electie-server admin   --data-dir DIR [--database URL] --username NAME --password-stdin
//! ```
//!
//! Exit codes: 0 success, 2 bad flags or data (the reason on stderr), 1 a failure
//! while running.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use electie_core::{ElectionConfig, PollingPlaceId};
use electie_crypto::{PrivateKey, PublicKey};
use electie_tally::coalition::CoalitionSizes;
use zeroize::Zeroizing;

use crate::http::HttpLimits;
use crate::state::{AppState, Settings};
use crate::storage::{self, Store, StoredKeys};

/// The reference central server of electie.
#[derive(Debug, Parser)]
#[command(name = "electie-server", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API.
    Serve(ServeArgs),
    /// Record a gateway's public key for a polling place and print the server's public
    /// key for it (created on first use; the same on every later call).
    Enroll(EnrollArgs),
    /// Store the admin's credentials (Argon2 hash of the password read from stdin).
    Admin(AdminArgs),
}

/// Where the server keeps its data.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Directory for the SQLite database (created when missing, mode 0700).
    #[arg(long, env = "ELECTIE_DATA_DIR")]
    pub data_dir: PathBuf,
    /// Database URL: `sqlite://PATH` or `postgres://…`; default an SQLite file in the
    /// data directory.
    #[arg(long, env = "ELECTIE_DATABASE")]
    pub database: Option<String>,
}

/// `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArgs,
    /// Election configuration (a directory of parties/candidates/polling_places JSON,
    /// or a server-form JSON file); default the bundled NR SR 2020 one.
    #[arg(long, env = "ELECTIE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "ELECTIE_LISTEN", default_value = "127.0.0.1:8222")]
    pub listen: SocketAddr,
    /// Most votes in one batch (413 above).
    #[arg(long, env = "ELECTIE_MAX_BATCH", default_value_t = 1000)]
    pub max_batch: usize,
    /// Largest request body in bytes (413 above).
    #[arg(long, env = "ELECTIE_MAX_BODY_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Requests handled at once; more are answered 503 with Retry-After.
    #[arg(long, env = "ELECTIE_MAX_CONCURRENT_REQUESTS", default_value_t = 256)]
    pub max_concurrent_requests: usize,
    /// Seconds before a request is answered 503 (a batch already being written still
    /// completes).
    #[arg(long, env = "ELECTIE_REQUEST_TIMEOUT", default_value_t = 60)]
    pub request_timeout: u64,
    /// Threads opening votes (RSA); default one per core.
    #[arg(long, env = "ELECTIE_OPEN_THREADS")]
    pub open_threads: Option<usize>,
    /// Origins allowed by CORS on open routes (comma separated); default any.
    #[arg(long, env = "ELECTIE_CORS_ORIGIN", value_delimiter = ',')]
    pub cors_origin: Vec<String>,
    /// Origins allowed by CORS on admin routes (comma separated); default none.
    #[arg(long, env = "ELECTIE_ADMIN_ORIGIN", value_delimiter = ',')]
    pub admin_origin: Vec<String>,
    /// Most entries in one ballot feed answer.
    #[arg(long, env = "ELECTIE_FEED_BATCH_SIZE", default_value_t = 1000)]
    pub feed_batch_size: i64,
    /// End of the feed period (Unix seconds); the feed answers 410 after it.
    #[arg(long, env = "ELECTIE_FEED_UNTIL")]
    pub feed_until: Option<u64>,
    /// How often (milliseconds) to count what other instances on the same database
    /// committed and read the publish flag; 0: only when needed (results, rule 9
    /// conflicts). Results always catch up before answering.
    #[arg(long, env = "ELECTIE_FOLLOW_INTERVAL_MS", default_value_t = 1000)]
    pub follow_interval_ms: u64,
}

/// `enroll`.
#[derive(Debug, Args)]
pub struct EnrollArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArgs,
    /// Election configuration the polling place must belong to; default the bundled one.
    #[arg(long, env = "ELECTIE_CONFIG")]
    pub config: Option<PathBuf>,
    /// The polling place.
    #[arg(long, env = "ELECTIE_POLLING_PLACE")]
    pub polling_place: i64,
    /// The gateway's public key (PEM file).
    #[arg(long, env = "ELECTIE_GATEWAY_PUBLIC_KEY")]
    pub gateway_public_key: PathBuf,
}

/// `admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArgs,
    /// The admin's user name.
    #[arg(long, env = "ELECTIE_ADMIN_USERNAME")]
    pub username: String,
    /// Read the password from standard input (one trailing newline is not part of it).
    #[arg(long, env = "ELECTIE_PASSWORD_STDIN", required = true)]
    pub password_stdin: bool,
}

/// A failure with its exit code.
#[derive(Debug)]
pub struct Failure {
    /// 2 for bad flags or data, 1 for a failure while running.
    pub code: u8,
    /// Why.
    pub message: String,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

fn runtime(message: impl Into<String>) -> Failure {
    Failure {
        code: 1,
        message: message.into(),
    }
}

/// The entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("electie-server: cannot start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("electie-server: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// Runs a parsed command line.
///
/// # Errors
/// A [`Failure`] with its exit code.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Enroll(args) => enroll(args).await,
        Command::Admin(args) => admin(args).await,
    }
}

/// Loads `--config` with the coalition sizes of its directory (`coalitions.json`,
/// every party single without one), or the bundled NR SR 2020 configuration with its
/// coalition sizes.
///
/// # Errors
/// Exit code 2 with the reason.
pub fn load_config(path: Option<&Path>) -> Result<(ElectionConfig, CoalitionSizes), Failure> {
    match path {
        Some(path) => {
            let config = ElectionConfig::load(path)
                .map_err(|error| usage(format!("configuration: {error}")))?;
            let sizes = CoalitionSizes::beside(&config, path)
                .map_err(|error| usage(format!("configuration: {error}")))?;
            Ok((config, sizes))
        }
        None => {
            let bundled =
                |error: &dyn std::fmt::Display| usage(format!("bundled configuration: {error}"));
            let config = electie_tally::embedded::nrsr_2020().map_err(|error| bundled(&error))?;
            let sizes = electie_tally::embedded::nrsr_2020_coalitions(&config)
                .map_err(|error| bundled(&error))?;
            Ok((config, sizes))
        }
    }
}

async fn open_store(args: &StoreArgs) -> Result<Store, Failure> {
    create_data_dir(&args.data_dir)?;
    let url = match &args.database {
        Some(url) => url.clone(),
        None => format!(
            "sqlite://{}",
            args.data_dir.join("electie-server.sqlite").display()
        ),
    };
    storage::open(&url)
        .await
        .map_err(|error| usage(format!("database {}: {error}", storage::redact_url(&url))))
}

fn create_data_dir(dir: &Path) -> Result<(), Failure> {
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(|error| {
            usage(format!(
                "cannot create the data directory {}: {error}",
                dir.display()
            ))
        })?;
    } else if !dir.is_dir() {
        return Err(usage(format!("{} is not a directory", dir.display())));
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<(), Failure> {
    electie_service_support::init_logging("info,sqlx=warn");
    let (config, coalition_sizes) = load_config(args.config.as_deref())?;
    let config = Arc::new(config);
    let store = open_store(&args.store).await?;
    let threads = args
        .open_threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    if args.max_batch == 0 || args.feed_batch_size < 1 || args.max_concurrent_requests == 0 {
        return Err(usage(
            "--max-batch, --feed-batch-size and --max-concurrent-requests must be at least 1",
        ));
    }
    let settings = Settings {
        max_batch: args.max_batch,
        feed_batch_size: args.feed_batch_size,
        feed_until: args.feed_until,
    };
    let started = std::time::Instant::now();
    let state = AppState::load(config, coalition_sizes, store.clone(), settings, threads)
        .await
        .map_err(|error| usage(format!("loading the stored state: {error}")))?;
    let state = Arc::new(state);
    let votes = state.with_tally(electie_tally::count::Tally::total_votes);
    tracing::info!(
        database = store.kind(),
        votes,
        seconds = started.elapsed().as_secs_f64(),
        "state rebuilt from the vote log"
    );
    if !store
        .has_admin()
        .await
        .map_err(|error| runtime(error.to_string()))?
    {
        tracing::warn!(
            "no admin is configured: admin actions answer 401 (electie-server admin sets one)"
        );
    }
    let limits = HttpLimits {
        max_body_bytes: args.max_body_bytes,
        max_concurrent_requests: args.max_concurrent_requests,
        request_timeout: Duration::from_secs(args.request_timeout.max(1)),
        cors_origins: args.cors_origin,
        admin_origins: args.admin_origin,
    };
    // Follow the vote log: other instances on the same database commit to it too
    // (results catch up before answering anyway; this keeps rule 9's token set and
    // the publish flag close behind).
    let follow_every = Duration::from_millis(args.follow_interval_ms);
    let follower = {
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            if follow_every.is_zero() {
                return;
            }
            let mut tick = tokio::time::interval(follow_every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(error) = state.catch_up().await {
                    tracing::warn!(%error, "following the vote log");
                }
                if let Err(error) = state.published_now().await {
                    tracing::warn!(%error, "reading the publish flag");
                }
            }
        })
    };
    let app = crate::http::router(Arc::clone(&state), &limits);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|error| usage(format!("cannot listen on {}: {error}", args.listen)))?;
    let address = listener
        .local_addr()
        .map_err(|error| runtime(error.to_string()))?;
    electie_service_support::announce_listening(address);
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    follower.abort();
    // In-flight requests have finished; let the writer commit what is queued.
    store.shutdown().await;
    served.map_err(|error| runtime(format!("server: {error}")))
}

async fn shutdown_signal() {
    electie_service_support::stop_requested().await;
    tracing::info!("shutting down: finishing in-flight requests");
}

async fn enroll(args: EnrollArgs) -> Result<(), Failure> {
    let (config, _) = load_config(args.config.as_deref())?;
    if config
        .polling_place_index(PollingPlaceId(args.polling_place))
        .is_none()
    {
        return Err(usage(format!(
            "polling place {} is not in the configuration",
            args.polling_place
        )));
    }
    let pem = std::fs::read_to_string(&args.gateway_public_key).map_err(|error| {
        usage(format!(
            "cannot read {}: {error}",
            args.gateway_public_key.display()
        ))
    })?;
    let gateway = PublicKey::from_pem(&pem)
        .map_err(|error| usage(format!("{}: {error}", args.gateway_public_key.display())))?;
    if gateway.bits() < 2048 {
        return Err(usage(format!(
            "the gateway key has {} bits; at least 2048 are required",
            gateway.bits()
        )));
    }
    let store = open_store(&args.store).await?;
    let result = async {
        let keys = match store
            .keys(args.polling_place)
            .await
            .map_err(|error| runtime(error.to_string()))?
        {
            Some(existing) => existing,
            None => {
                let server = tokio::task::spawn_blocking(|| PrivateKey::generate(2048))
                    .await
                    .map_err(|error| runtime(error.to_string()))?
                    .map_err(|error| runtime(format!("key generation: {error}")))?;
                StoredKeys {
                    polling_place_id: args.polling_place,
                    server_private_key_pem: Zeroizing::new(server.to_pem().as_str().to_owned()),
                    server_public_key_pem: server.public_key().to_pem(),
                    gateway_public_key_pem: gateway.to_pem(),
                }
            }
        };
        let stored = store
            .enroll(StoredKeys {
                gateway_public_key_pem: gateway.to_pem(),
                ..keys
            })
            .await
            .map_err(|error| runtime(error.to_string()))?;
        println!("{}", stored.server_public_key_pem);
        Ok(())
    }
    .await;
    store.shutdown().await;
    result
}

async fn admin(args: AdminArgs) -> Result<(), Failure> {
    if args.username.trim().is_empty() {
        return Err(usage("--username must not be empty"));
    }
    let mut password = Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut password)
        .map_err(|error| usage(format!("cannot read the password from stdin: {error}")))?;
    let trimmed = password.strip_suffix('\n').unwrap_or(&password);
    let trimmed = Zeroizing::new(trimmed.strip_suffix('\r').unwrap_or(trimmed).to_owned());
    if trimmed.is_empty() {
        return Err(usage("the password read from stdin is empty"));
    }
    let hash = electie_service_support::secret::hash(&trimmed)
        .map_err(|error| runtime(error.to_string()))?;
    let store = open_store(&args.store).await?;
    let result = store
        .set_admin(&args.username, &hash)
        .await
        .map_err(|error| runtime(error.to_string()));
    store.shutdown().await;
    result?;
    eprintln!("admin {} stored", args.username);
    Ok(())
}
