//! The HTTP batch sync protocol (`POST /api/v1/sync`). A request carries automerge sync messages for the documents
//! with local changes, and one 8-byte summary of the heads of all the others. When the server's heads give the same
//! summary, nothing else differs and one round trip is the whole sync. When they do not, the reply asks for a digest
//! per document (`want_digests`), and the next request carries them so the server can answer just the documents that
//! differ. Bodies are CBOR (`application/cbor`), usually gzip-compressed; field names are one letter.

use serde::{Deserialize, Serialize};

/// The protocol version this crate speaks.
pub const SYNC_PROTOCOL: u32 = 1;
pub const CBOR: &str = "application/cbor";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    #[serde(rename = "v")]
    pub protocol: u32,
    #[serde(rename = "d")]
    pub docs: Vec<DocEntry>,
    /// The heads of every other document the phone holds, in one digest.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
}

/// A digest over (document id, heads digest) of a set of documents, sorted by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    #[serde(rename = "n")]
    pub count: u32,
    #[serde(rename = "h", with = "serde_bytes")]
    pub digest: Vec<u8>,
}

/// One document in a request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocEntry {
    /// The cooperative's UUID, 16 bytes (the automerge-repo document id is its base58check form).
    #[serde(rename = "i", with = "serde_bytes")]
    pub id: Vec<u8>,
    /// Digest of the phone's heads when it has nothing new to say.
    #[serde(
        rename = "h",
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_bytes"
    )]
    pub heads_digest: Option<Vec<u8>>,
    /// An automerge sync message.
    #[serde(
        rename = "m",
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_bytes"
    )]
    pub message: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// Only documents with something to say: a message, an error, or "still differs".
    #[serde(rename = "d")]
    pub docs: Vec<DocReply>,
    /// The summary did not match: send a digest for each of those documents.
    #[serde(rename = "w", default, skip_serializing_if = "std::ops::Not::not")]
    pub want_digests: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocReply {
    #[serde(rename = "i", with = "serde_bytes")]
    pub id: Vec<u8>,
    #[serde(
        rename = "m",
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_bytes"
    )]
    pub message: Option<Vec<u8>>,
    #[serde(rename = "e", default, skip_serializing_if = "Option::is_none")]
    pub error: Option<DocError>,
    /// The server now has exactly the heads with this digest and nothing for the phone: a short acknowledgement in
    /// place of a sync message.
    #[serde(
        rename = "a",
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_bytes"
    )]
    pub acked: Option<Vec<u8>>,
    /// The document still differs after this exchange: sync again.
    #[serde(rename = "c", default, skip_serializing_if = "std::ops::Not::not")]
    pub more: bool,
}

/// Why the server could not take a document's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocError {
    #[serde(rename = "k")]
    pub code: DocErrorCode,
    /// Whether sending the same thing later can succeed.
    #[serde(rename = "r", default)]
    pub retryable: bool,
    #[serde(rename = "z")]
    pub message_zh: String,
    #[serde(rename = "n")]
    pub message_en: String,
    /// With [`DocErrorCode::Merged`]: the cooperative (16 bytes) the duplicate was merged into, to pull instead.
    #[serde(
        rename = "s",
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_bytes"
    )]
    pub survivor: Option<Vec<u8>>,
}

impl DocError {
    /// The cooperative a merged duplicate now lives on as.
    pub fn merged_into(&self) -> Option<uuid::Uuid> {
        let bytes = self.survivor.as_deref()?;
        <[u8; 16]>::try_from(bytes).ok().map(uuid::Uuid::from_bytes)
    }
}

/// The stable codes of [`DocError`], sent as their snake-case names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocErrorCode {
    /// Outside the caller's regions, or an id no cooperative has.
    OutOfScope,
    /// A duplicate merged into another cooperative ([`DocError::survivor`]).
    Merged,
    /// The device's changes to the document are on hold until an administrator releases them.
    Quarantined,
    /// The changes broke the trust boundary; the device is now on hold for the document.
    Refused,
    /// The message could not be read.
    Malformed,
    /// Other writers kept changing the document; sync again shortly.
    Busy,
    /// A code this version does not know (a newer server).
    #[serde(other)]
    Unknown,
}

impl DocErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OutOfScope => "out_of_scope",
            Self::Merged => "merged",
            Self::Quarantined => "quarantined",
            Self::Refused => "refused",
            Self::Malformed => "malformed",
            Self::Busy => "busy",
            Self::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for DocErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for DocErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Documents a device may hold, listed by the manifest endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManifestEntry {
    pub cooperative_id: uuid::Uuid,
    /// The automerge-repo document id (base58check of the UUID).
    pub document_id: String,
    pub name: String,
    pub region_code: String,
    /// 统一社会信用代码, when the register has one (phones search by it offline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscc: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Manifest {
    pub items: Vec<ManifestEntry>,
    /// Documents this device held that left its scope: delete them locally. Only on the first page.
    #[serde(default)]
    pub removed: Vec<uuid::Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A device that refused changes put on hold for one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quarantine {
    pub id: uuid::Uuid,
    pub cooperative_id: uuid::Uuid,
    pub device_id: uuid::Uuid,
    pub username: String,
    pub code: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_at: Option<chrono::DateTime<chrono::Utc>>,
}
