//! The phone's cooperative documents on disk: `docs/<id>.am` (the saved document), `docs/<id>.sync` (the sync state
//! with the server) and `docs/index.json` (names and sync status). Every file is replaced atomically, and a local
//! change is on disk before the call that made it returns, so an app killed at any moment loses nothing it reported
//! saved. A document without a file is at its genesis, which every peer can recreate.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use automerge::sync::State;
use automerge::{Automerge, ChangeHash};
use hezuo_sync::document;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::store::write_atomically;

/// How a document stands with the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum DocStatus {
    /// Nothing local that the server lacks.
    #[default]
    Synced,
    /// Local changes not yet acknowledged by the server.
    Pending,
    /// Local changes on their way: a sync sending them is under way (or was cut off by the app ending).
    Syncing,
    /// The last attempt failed in a way a retry can fix.
    Error { message: String },
    /// The server refused this device's changes to this document; an administrator must release it.
    Quarantined { message: String },
    /// The cooperative left this user's regions; unsent local changes are kept but cannot be sent.
    OutOfScope { message: String },
    /// The cooperative was a duplicate and lives on as `into`: pull to receive it (its visits moved there).
    Merged { into: Uuid, message: String },
}

impl DocStatus {
    /// Nothing this device writes to the document can be sent (on hold, out of scope, merged away).
    pub fn blocks_sending(&self) -> bool {
        matches!(
            self,
            Self::Quarantined { .. } | Self::OutOfScope { .. } | Self::Merged { .. }
        )
    }

    /// Why the document cannot be written, when it cannot.
    pub fn blocked_because(&self) -> Option<&str> {
        match self {
            Self::Quarantined { message }
            | Self::OutOfScope { message }
            | Self::Merged { message, .. } => Some(message),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocInfo {
    pub name: String,
    pub region_code: String,
    #[serde(default)]
    pub status: DocStatus,
    /// Created on this phone (not in the registry yet).
    #[serde(default)]
    pub created_here: bool,
    /// The document's heads (hex), kept here so a sync need not open unchanged documents. Empty: at its genesis.
    #[serde(default)]
    pub heads: Vec<String>,
    /// The heads the server is known to have (the sync state's shared heads). Empty: the genesis.
    #[serde(default)]
    pub acked: Vec<String>,
}

impl DocInfo {
    pub(crate) fn set_heads(&mut self, heads: &[ChangeHash]) {
        self.heads = hex_heads(heads);
    }

    pub(crate) fn set_acked(&mut self, heads: &[ChangeHash]) {
        self.acked = hex_heads(heads);
    }

    /// The recorded heads, or the genesis when none are recorded.
    pub(crate) fn heads_or_genesis(&self, id: Uuid) -> Vec<ChangeHash> {
        parse_heads(&self.heads).unwrap_or_else(|| vec![hezuo_sync::document::genesis_hash(id)])
    }

    pub(crate) fn acked_or_genesis(&self, id: Uuid) -> Vec<ChangeHash> {
        parse_heads(&self.acked).unwrap_or_else(|| vec![hezuo_sync::document::genesis_hash(id)])
    }
}

fn hex_heads(heads: &[ChangeHash]) -> Vec<String> {
    let mut hex: Vec<String> = heads.iter().map(ToString::to_string).collect();
    hex.sort();
    hex
}

fn parse_heads(hex: &[String]) -> Option<Vec<ChangeHash>> {
    if hex.is_empty() {
        return None;
    }
    hex.iter().map(|h| h.parse().ok()).collect()
}

/// Held while this process changes the phone's documents (see [`DocStore::lock_for_writing`]).
pub(crate) struct WriteLock {
    _file: fs::File,
}

pub(crate) struct DocStore {
    dir: PathBuf,
}

const INDEX: &str = "index.json";

impl DocStore {
    pub fn open(state_dir: &std::path::Path) -> std::io::Result<Self> {
        let dir = state_dir.join("docs");
        fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    /// Waits for, then holds, the right to change the documents and the index: the CLI in another terminal (or a
    /// second process of the app) must not save a document this process is merging into, or the index it is
    /// rewriting. Released when the guard drops.
    pub fn lock_for_writing(&self) -> std::io::Result<WriteLock> {
        let file = super::store::hold_lock(&self.dir.join(".lock"))?;
        Ok(WriteLock { _file: file })
    }

    pub fn index(&self) -> std::io::Result<BTreeMap<Uuid, DocInfo>> {
        match fs::read(self.dir.join(INDEX)) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{INDEX}: {e}"))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(e),
        }
    }

    pub fn save_index(&self, index: &BTreeMap<Uuid, DocInfo>) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(index).map_err(std::io::Error::other)?;
        write_atomically(&self.dir, INDEX, &bytes)
    }

    pub fn load(&self, id: Uuid) -> std::io::Result<Automerge> {
        match fs::read(self.dir.join(format!("{id}.am"))) {
            Ok(bytes) => Automerge::load(&bytes).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("document {id}: {e}"),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(hezuo_sync::document::genesis(id))
            }
            Err(e) => Err(e),
        }
    }

    pub fn has_file(&self, id: Uuid) -> bool {
        self.dir.join(format!("{id}.am")).exists()
    }

    pub fn save(&self, id: Uuid, doc: &Automerge) -> std::io::Result<()> {
        write_atomically(&self.dir, &format!("{id}.am"), &document::save(doc))
    }

    pub fn load_state(&self, id: Uuid) -> std::io::Result<State> {
        match fs::read(self.dir.join(format!("{id}.sync"))) {
            Ok(bytes) => Ok(hezuo_sync::engine::decode_state(&bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::new()),
            Err(e) => Err(e),
        }
    }

    pub fn save_state(&self, id: Uuid, state: &State) -> std::io::Result<()> {
        write_atomically(&self.dir, &format!("{id}.sync"), &state.encode())
    }

    pub fn remove(&self, id: Uuid) -> std::io::Result<()> {
        for name in [format!("{id}.am"), format!("{id}.sync")] {
            match fs::remove_file(self.dir.join(name)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }
}
