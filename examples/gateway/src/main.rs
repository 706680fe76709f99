//! `electie-gateway`: the polling-room gateway (spec 41 §5).
//!
//! ```text
//! electie-gateway init   --data-dir DIR --polling-place N
//! electie-gateway pin    --data-dir DIR --pin-stdin
//! electie-gateway serve  --data-dir DIR --server URL [--listen ADDR] [--sync-interval SECONDS]
//! ```

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use electie_gateway::store::{Store, keys};
use electie_gateway::{Error, ServeOptions, auth, identity};

/// The electie polling-room gateway.
#[derive(Debug, Parser)]
#[command(name = "electie-gateway", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the gateway's key pair (once) for a polling place and print its public key
    /// PEM; a second `init` prints the same key.
    Init {
        /// Where the gateway keeps its key and database (created when missing).
        #[arg(long, env = "ELECTIE_DATA_DIR")]
        data_dir: PathBuf,
        /// The polling place this gateway serves.
        #[arg(long, env = "ELECTIE_POLLING_PLACE", value_parser = clap::value_parser!(i64).range(0..))]
        polling_place: i64,
    },
    /// Set the commission's PIN, read from standard input (stored as an Argon2 hash).
    Pin {
        /// The gateway's data directory.
        #[arg(long, env = "ELECTIE_DATA_DIR")]
        data_dir: PathBuf,
        /// Read the PIN from standard input (its trailing newline is not part of it).
        #[arg(long, env = "ELECTIE_PIN_STDIN", required = true)]
        pin_stdin: bool,
    },
    /// Serve terminals and the commission, and synchronize with the server.
    Serve {
        /// The gateway's data directory (after `init`).
        #[arg(long, env = "ELECTIE_DATA_DIR")]
        data_dir: PathBuf,
        /// The server's base URL, e.g. http://127.0.0.1:8222.
        #[arg(long, env = "ELECTIE_SERVER", value_parser = parse_server_url)]
        server: String,
        /// Address to listen on.
        #[arg(long, env = "ELECTIE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Seconds between synchronizations (also the cap of the retry backoff).
        #[arg(long, env = "ELECTIE_SYNC_INTERVAL", default_value = "60", value_parser = parse_interval)]
        sync_interval: Duration,
    },
}

fn parse_server_url(text: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(text).map_err(|error| format!("not a URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("expected http://HOST[:PORT] or https://HOST[:PORT]".into());
    }
    Ok(text.trim_end_matches('/').to_owned())
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("not a number of seconds: {text}"))?;
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0) {
        return Err("must be more than 0 and at most 86400 seconds".into());
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Reads the PIN: standard input up to its end, one trailing newline removed.
fn read_pin() -> Result<zeroize::Zeroizing<String>, Error> {
    let mut text = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|source| Error::Io {
            path: PathBuf::from("<stdin>"),
            source,
        })?;
    let mut pin = text.as_str();
    if let Some(rest) = pin.strip_suffix('\n') {
        pin = rest.strip_suffix('\r').unwrap_or(rest);
    }
    if pin.contains(['\n', '\r']) {
        return Err(Error::Pin("the PIN must be one line".into()));
    }
    Ok(zeroize::Zeroizing::new(pin.to_owned()))
}

async fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Init {
            data_dir,
            polling_place,
        } => {
            let pem = identity::init(&data_dir, polling_place).await?;
            println!("{pem}");
            Ok(())
        }
        Command::Pin { data_dir, .. } => {
            let pin = read_pin()?;
            let hash = tokio::task::spawn_blocking(move || auth::hash_pin(&pin))
                .await
                .map_err(|error| Error::Pin(error.to_string()))??;
            identity::ensure_data_dir(&data_dir)?;
            let store = Store::open(&data_dir).await?;
            store.set_meta(keys::PIN_HASH, &hash).await?;
            store.close().await;
            eprintln!("PIN set");
            Ok(())
        }
        Command::Serve {
            data_dir,
            server,
            listen,
            sync_interval,
        } => {
            electie_gateway::serve(ServeOptions {
                data_dir,
                server,
                listen,
                sync_interval,
            })
            .await
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    electie_service_support::init_logging("info");
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("electie-gateway: {error}");
            ExitCode::from(2)
        }
    }
}
