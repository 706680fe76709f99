//! The gateway's identity in its data directory: its RSA key pair (created once by
//! `init`, never replaced) and the polling place it serves.

use std::io::Write;
use std::path::{Path, PathBuf};

use electie_crypto::PrivateKey;

use crate::error::{Error, Result};
use crate::store::{Store, keys};

/// The private key file inside the data directory (PKCS#1 PEM, mode 0600).
pub const KEY_FILE: &str = "gateway-key.pem";
/// Size of the key `init` generates (electiersa's default).
pub const KEY_BITS: usize = 2048;

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// Creates the data directory when missing.
///
/// # Errors
/// [`Error::Io`].
pub fn ensure_data_dir(data_dir: &Path) -> Result<()> {
    std::fs::create_dir_all(data_dir).map_err(io_error(data_dir))
}

fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KEY_FILE)
}

/// `init`: creates the key pair and records the polling place, once; later calls
/// return the same public key. Returns the public key PEM.
///
/// # Errors
/// [`Error::OtherPollingPlace`] when the directory already serves another polling
/// place; [`Error::Io`], [`Error::Key`], [`Error::Database`].
pub async fn init(data_dir: &Path, polling_place: i64) -> Result<String> {
    ensure_data_dir(data_dir)?;
    let store = Store::open(data_dir).await?;
    if let Some(existing) = store.meta(keys::POLLING_PLACE).await? {
        let existing: i64 = existing
            .parse()
            .map_err(|_| Error::Corrupt("stored polling place id"))?;
        if existing != polling_place {
            return Err(Error::OtherPollingPlace {
                existing,
                requested: polling_place,
            });
        }
    }
    let path = key_path(data_dir);
    let key = if path.exists() {
        load_key(data_dir)?
    } else {
        let key = tokio::task::spawn_blocking(|| PrivateKey::generate(KEY_BITS))
            .await
            .map_err(|error| Error::Random(error.to_string()))??;
        write_new_key(&path, &key)?;
        key
    };
    store
        .set_meta(keys::POLLING_PLACE, &polling_place.to_string())
        .await?;
    store.close().await;
    Ok(key.public_key().to_pem())
}

/// Writes a key file that must not exist yet (a concurrent `init` cannot overwrite one),
/// readable by the owner only, synced to disk with its directory.
fn write_new_key(path: &Path, key: &PrivateKey) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io_error(path))?;
    let pem = key.to_pem();
    file.write_all(pem.as_bytes()).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))?;
    if let Some(directory) = path.parent()
        && let Ok(directory) = std::fs::File::open(directory)
    {
        let _ = directory.sync_all();
    }
    Ok(())
}

/// The gateway's private key.
///
/// # Errors
/// [`Error::NotInitialised`] when there is none; [`Error::Io`], [`Error::Key`].
pub fn load_key(data_dir: &Path) -> Result<PrivateKey> {
    let path = key_path(data_dir);
    if !path.exists() {
        return Err(Error::NotInitialised);
    }
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(&path).map_err(io_error(&path))?);
    Ok(PrivateKey::from_pem(&text)?)
}

/// The polling place recorded by `init`.
///
/// # Errors
/// [`Error::NotInitialised`], [`Error::Database`].
pub async fn polling_place(store: &Store) -> Result<i64> {
    store
        .meta(keys::POLLING_PLACE)
        .await?
        .ok_or(Error::NotInitialised)?
        .parse()
        .map_err(|_| Error::Corrupt("stored polling place id"))
}
