//! `electie keygen`: a new RSA key pair in electiersa's PEM formats.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use electie_crypto::PrivateKey;
use electie_crypto::keys::DEFAULT_KEY_BITS;

use crate::error::Result;

#[derive(Debug, clap::Args)]
pub(crate) struct KeygenArgs {
    /// Modulus size in bits (at least 1384, the smallest that carries the wrapped AES
    /// key; 2048 like electiersa's get_rsa_key_pair()).
    #[arg(long, default_value_t = DEFAULT_KEY_BITS)]
    bits: usize,
    /// Directory to write private.pem (PKCS#1, mode 0600) and public.pem (SPKI) into;
    /// created if missing.
    #[arg(long)]
    out: PathBuf,
    /// Overwrite existing key files.
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(args: &KeygenArgs) -> Result {
    Ok(keygen(args)?)
}

fn keygen(args: &KeygenArgs) -> std::result::Result<(), String> {
    let private_path = args.out.join("private.pem");
    let public_path = args.out.join("public.pem");
    if !args.force {
        for path in [&private_path, &public_path] {
            if path.exists() {
                return Err(format!(
                    "{} exists; pass --force to overwrite it",
                    path.display()
                ));
            }
        }
    }
    let key = PrivateKey::generate(args.bits).map_err(|error| error.to_string())?;
    std::fs::create_dir_all(&args.out)
        .map_err(|error| format!("cannot create {}: {error}", args.out.display()))?;
    // The PEM text is exactly electiersa's; the files end with one newline.
    write_file(&private_path, &key.to_pem(), true)?;
    write_file(&public_path, &key.public_key().to_pem(), false)?;
    Ok(())
}

fn write_file(path: &Path, pem: &str, secret: bool) -> std::result::Result<(), String> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options
        .open(path)
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    file.write_all(pem.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(|error| format!("cannot write {}: {error}", path.display()))
}
