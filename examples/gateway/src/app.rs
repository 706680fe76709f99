//! The running gateway: shared state, the router with every original prefix, and
//! `serve` (configuration fetch, sync loop, graceful shutdown).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use electie_crypto::{Backend, Opener, PrivateKey, PublicKey};
use socketioxide::SocketIo;
use tower_http::cors::CorsLayer;
use tower_http::trace::TraceLayer;

use crate::auth::Sessions;
use crate::config::GatewayConfig;
use crate::error::{Error, Result};
use crate::http::{ApiError, ApiResult};
use crate::store::{Store, keys};
use crate::sync::SyncHandle;

/// What `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The data directory (created when missing).
    pub data_dir: PathBuf,
    /// The server's base URL.
    pub server: String,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Time between synchronizations, and the cap of the backoff while offline.
    pub sync_interval: Duration,
}

/// State shared by every request.
pub struct AppState {
    /// The durable store.
    pub store: Store,
    /// This gateway's polling place (`office_id`).
    pub polling_place_id: i64,
    /// The gateway's private key: opens terminals' payloads, signs batches.
    pub gateway_key: PrivateKey,
    /// Its public key PEM (given to terminals at registration).
    pub gateway_public_pem: String,
    /// The server's base URL, without a trailing slash.
    pub server_url: String,
    /// HTTP client to the server.
    pub http: reqwest::Client,
    /// Commission logins.
    pub sessions: Sessions,
    /// The synchronization loop.
    pub sync: SyncHandle,
    /// Held while the election is started or the polling place closed, so the two
    /// never interleave.
    pub lifecycle: tokio::sync::Mutex<()>,
    /// The socket.io channel to the terminals.
    pub io: SocketIo,
    /// Time between synchronizations.
    pub sync_interval: Duration,
    config: RwLock<Option<Arc<GatewayConfig>>>,
    openers: Mutex<HashMap<String, Arc<Opener>>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("polling_place_id", &self.polling_place_id)
            .field("server_url", &self.server_url)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// The configuration, when the gateway has one.
    pub fn config(&self) -> Option<Arc<GatewayConfig>> {
        self.config
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The configuration, or 503.
    ///
    /// # Errors
    /// 503 while the gateway has none.
    pub fn require_config(&self) -> ApiResult<Arc<GatewayConfig>> {
        self.config().ok_or_else(no_config)
    }

    fn set_config(&self, config: GatewayConfig) {
        *self
            .config
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::new(config));
    }

    /// The opener for a registered terminal (gateway key + the terminal's key), or
    /// `None` for an unknown terminal.
    ///
    /// # Errors
    /// 503 on a storage fault.
    pub async fn opener(&self, terminal_id: &str) -> ApiResult<Option<Arc<Opener>>> {
        if let Some(opener) = self
            .openers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(terminal_id)
        {
            return Ok(Some(opener.clone()));
        }
        let Some(pem) = self.store.terminal_key(terminal_id).await? else {
            return Ok(None);
        };
        let terminal_key = PublicKey::from_pem(&pem).map_err(ApiError::internal)?;
        let opener = Arc::new(
            Opener::with_backend(&self.gateway_key, &terminal_key, Backend::AwsLc)
                .or_else(|_| {
                    Ok::<_, electie_crypto::Error>(Opener::new(&self.gateway_key, &terminal_key))
                })
                .map_err(ApiError::internal)?,
        );
        self.openers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(terminal_id.to_owned(), opener.clone());
        Ok(Some(opener))
    }
}

fn no_config() -> ApiError {
    ApiError::detail(
        StatusCode::SERVICE_UNAVAILABLE,
        "The gateway has no election configuration yet; it keeps asking the server.",
    )
}

/// 503 on every route but `/` until a configuration is loaded.
async fn require_config(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path() != "/" && state.config().is_none() {
        return no_config().into_response();
    }
    next.run(request).await
}

/// Builds the router over `state`, with the socket.io layer.
pub fn router(state: Arc<AppState>, socket_layer: socketioxide::layer::SocketIoLayer) -> Router {
    crate::routes::routes()
        .layer(socket_layer)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            require_config,
        ))
        .layer(CorsLayer::permissive())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|error| Error::Config(format!("HTTP client: {error}")))
}

/// Loads the cached configuration, when there is a usable one.
async fn cached_config(store: &Store, polling_place: i64) -> Result<Option<GatewayConfig>> {
    let Some(text) = store.meta(keys::CONFIG).await? else {
        return Ok(None);
    };
    match GatewayConfig::from_json_text(&text, polling_place) {
        Ok(config) => Ok(Some(config)),
        Err(error) => {
            tracing::warn!(%error, "the cached configuration is unusable; waiting for the server's");
            Ok(None)
        }
    }
}

/// Asks the server for the configuration until it answers with a usable one, with
/// capped exponential backoff and jitter; caches it and puts it in force.
async fn fetch_config_loop(state: Arc<AppState>) {
    let url = format!(
        "{}/elections/gateway-config?polling_place_id={}",
        state.server_url, state.polling_place_id
    );
    let mut backoff = crate::sync::Backoff::new(state.sync_interval);
    loop {
        match fetch_config(&state, &url).await {
            Ok(config) => {
                if config.enrolled_gateway_key_pem.trim() != state.gateway_public_pem.trim() {
                    tracing::warn!(
                        "the server has another gateway key on record for polling place {}: \
                         enroll this gateway's key (electie-server enroll) or its batches will be refused",
                        state.polling_place_id
                    );
                }
                tracing::info!("configuration loaded from the server");
                state.set_config(config);
                state.sync.trigger();
                return;
            }
            Err(error) => {
                let wait = backoff.next_delay();
                tracing::warn!(%error, retry_in = ?wait, "cannot get the configuration from the server");
                tokio::time::sleep(wait).await;
            }
        }
    }
}

async fn fetch_config(state: &AppState, url: &str) -> Result<GatewayConfig> {
    let response = state
        .http
        .get(url)
        .send()
        .await
        .map_err(|error| Error::Config(format!("{url}: {error}")))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|error| Error::Config(format!("{url}: {error}")))?;
    if !status.is_success() {
        return Err(Error::Config(format!("{url}: HTTP {status}: {text}")));
    }
    let config = GatewayConfig::from_json_text(&text, state.polling_place_id)?;
    state.store.set_meta(keys::CONFIG, &text).await?;
    Ok(config)
}

/// `serve`: runs the gateway until SIGTERM or Ctrl-C.
///
/// # Errors
/// Startup failures: the data directory, the store's durability, the key, the
/// listening address.
pub async fn serve(options: ServeOptions) -> Result<()> {
    crate::identity::ensure_data_dir(&options.data_dir)?;
    let store = Store::open(&options.data_dir).await?;
    let polling_place_id = crate::identity::polling_place(&store).await?;
    let gateway_key = crate::identity::load_key(&options.data_dir)?;
    let gateway_public_pem = gateway_key.public_key().to_pem();
    if store.meta(keys::PIN_HASH).await?.is_none() {
        tracing::warn!("no commission PIN is set (electie-gateway pin): every login is refused");
    }
    let cached = cached_config(&store, polling_place_id).await?;
    let (socket_layer, io) = crate::socket::layer();
    let server_url = options.server.trim_end_matches('/').to_owned();
    let state = Arc::new(AppState {
        store,
        polling_place_id,
        gateway_key,
        gateway_public_pem,
        server_url,
        http: http_client()?,
        sessions: Sessions::default(),
        sync: SyncHandle::new(),
        lifecycle: tokio::sync::Mutex::new(()),
        io: io.clone(),
        sync_interval: options.sync_interval,
        config: RwLock::new(None),
        openers: Mutex::new(HashMap::new()),
    });
    let had_config = cached.is_some();
    if let Some(config) = cached {
        state.set_config(config);
    }
    crate::socket::register(&io, state.clone());

    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|source| Error::Io {
            path: PathBuf::from(options.listen.to_string()),
            source,
        })?;
    let address = listener.local_addr().map_err(|source| Error::Io {
        path: PathBuf::from(options.listen.to_string()),
        source,
    })?;

    let fetcher = {
        let state = state.clone();
        tokio::spawn(async move {
            if had_config {
                // Refresh once, but the cached configuration already serves.
                let url = format!(
                    "{}/elections/gateway-config?polling_place_id={}",
                    state.server_url, state.polling_place_id
                );
                if let Err(error) = fetch_config(&state, &url).await {
                    tracing::info!(%error, "working from the cached configuration");
                } else {
                    tracing::info!("configuration refreshed from the server");
                }
            } else {
                fetch_config_loop(state).await;
            }
        })
    };
    let (stop_sync, sync_task) = crate::sync::spawn(state.clone());

    let app = router(state.clone(), socket_layer);
    electie_service_support::announce_listening(address);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    fetcher.abort();
    let _ = stop_sync.send(true);
    let _ = sync_task.await;
    state.store.close().await;
    served.map_err(|source| Error::Io {
        path: PathBuf::from(address.to_string()),
        source,
    })
}

async fn shutdown_signal() {
    electie_service_support::stop_requested().await;
    tracing::info!("stopping: finishing requests in flight");
}
