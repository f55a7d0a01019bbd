//! What the phone keeps on disk: the login session and an offline copy of the registry. Files are replaced
//! atomically (write, fsync, rename), so a phone that dies mid-write keeps the previous version.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cooperatives::Cooperative;
use crate::devices::Device;
use crate::users::User;

/// The login state a phone keeps between app starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedSession {
    pub server: String,
    pub user: User,
    pub session_id: Uuid,
    /// Absent after the server ended the session: log in again.
    pub access_token: Option<String>,
    pub access_expires_at: Option<DateTime<Utc>>,
    pub refresh_token: Option<String>,
    /// This phone's registration, kept across logins so the same device (and actor id) is reused.
    pub device: Option<Device>,
}

impl SavedSession {
    pub fn is_logged_in(&self) -> bool {
        self.refresh_token.is_some()
    }
}

/// The registry of the user's regions, downloaded for use without a link.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegistryCopy {
    pub downloaded_at: Option<DateTime<Utc>>,
    pub cooperatives: Vec<Cooperative>,
}

pub(crate) struct Store {
    dir: PathBuf,
}

const SESSION_FILE: &str = "session.json";
const REGISTRY_FILE: &str = "registry.json";
const COVERAGE_FILE: &str = "coverage.json";

impl Store {
    pub fn open(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn load_session(&self) -> std::io::Result<Option<SavedSession>> {
        self.read(SESSION_FILE)
    }

    pub fn save_session(&self, session: &SavedSession) -> std::io::Result<()> {
        self.write(SESSION_FILE, session)
    }

    /// The cooperatives this user answers for, as the server last listed them.
    pub fn load_coverage(&self) -> std::io::Result<Vec<crate::coverage::CooperativeCoverage>> {
        Ok(self.read(COVERAGE_FILE)?.unwrap_or_default())
    }

    pub fn save_coverage(
        &self,
        mine: &[crate::coverage::CooperativeCoverage],
    ) -> std::io::Result<()> {
        self.write(COVERAGE_FILE, &mine)
    }

    pub fn load_registry(&self) -> std::io::Result<RegistryCopy> {
        Ok(self.read(REGISTRY_FILE)?.unwrap_or_default())
    }

    pub fn save_registry(&self, registry: &RegistryCopy) -> std::io::Result<()> {
        self.write(REGISTRY_FILE, registry)
    }

    pub fn remove_registry(&self) -> std::io::Result<()> {
        match fs::remove_file(self.dir.join(REGISTRY_FILE)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn read<T: DeserializeOwned>(&self, name: &str) -> std::io::Result<Option<T>> {
        match fs::read(self.dir.join(name)) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{name}: {e}"))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn write<T: Serialize>(&self, name: &str, value: &T) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
        write_atomically(&self.dir, name, &bytes)
    }
}

static FLUSH_TO_DISK: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Turns off `fsync` for every phone in this process. Only for simulations running many phones on one machine, whose
/// shared disk would otherwise measure itself; a real phone keeps it on (the default).
pub fn simulate_many_phones_without_fsync() {
    FLUSH_TO_DISK.store(false, std::sync::atomic::Ordering::Relaxed);
}

/// Replaces `dir/name` with `bytes` so that a crash leaves either the old or the new file, never a torn one.
pub(crate) fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let flush = FLUSH_TO_DISK.load(std::sync::atomic::Ordering::Relaxed);
    let target = dir.join(name);
    let temporary = dir.join(format!("{name}.tmp"));
    {
        let mut file = private_file(&temporary)?;
        file.write_all(bytes)?;
        if flush {
            file.sync_all()?;
        }
    }
    fs::rename(&temporary, &target)?;
    // Make the rename itself durable.
    if flush && let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
    Ok(())
}

/// Waits for, then holds, an exclusive lock on `path` (created if missing) until the returned file is dropped.
pub(crate) fn hold_lock(path: &Path) -> std::io::Result<fs::File> {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    file.lock()?;
    Ok(file)
}

/// Tokens are secrets: the files are readable by the owner only.
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}
