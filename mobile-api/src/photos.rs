//! Photos: the tus upload protocol's names, and what the server tells about the photos of a visit.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The tus 1.0 headers and values (<https://tus.io/protocols/resumable-upload>).
pub mod tus {
    pub const VERSION: &str = "1.0.0";
    pub const RESUMABLE: &str = "Tus-Resumable";
    pub const SUPPORTED_VERSIONS: &str = "Tus-Version";
    pub const EXTENSIONS: &str = "Tus-Extension";
    pub const MAX_SIZE: &str = "Tus-Max-Size";
    pub const CHECKSUM_ALGORITHMS: &str = "Tus-Checksum-Algorithm";
    pub const OFFSET: &str = "Upload-Offset";
    pub const LENGTH: &str = "Upload-Length";
    pub const METADATA: &str = "Upload-Metadata";
    pub const EXPIRES: &str = "Upload-Expires";
    pub const CHECKSUM: &str = "Upload-Checksum";
    pub const CONTENT_TYPE: &str = "application/offset+octet-stream";
    pub const SERVER_EXTENSIONS: &str = "creation,expiration,checksum,termination";
    /// The metadata key carrying the photo's SHA-256 (lowercase hex), as the visit names it.
    pub const SHA256_KEY: &str = "sha256";

    /// `Upload-Metadata`: comma-separated `key base64(value)` pairs.
    pub fn encode_metadata(pairs: &[(&str, &str)]) -> String {
        use base64::Engine;
        pairs
            .iter()
            .map(|(key, value)| {
                format!(
                    "{key} {}",
                    base64::engine::general_purpose::STANDARD.encode(value)
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The pairs of an `Upload-Metadata` header; `None` if it is malformed. A key may come without a value.
    pub fn decode_metadata(header: &str) -> Option<Vec<(String, String)>> {
        use base64::Engine;
        let mut pairs = Vec::new();
        for item in header.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let mut parts = item.splitn(2, ' ');
            let key = parts.next()?.to_owned();
            if key.is_empty() || !key.is_ascii() {
                return None;
            }
            let value = match parts.next() {
                Some(encoded) => String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(encoded.trim())
                        .ok()?,
                )
                .ok()?,
                None => String::new(),
            };
            pairs.push((key, value));
        }
        Some(pairs)
    }
}

/// One photo a visit names: whether it has arrived, and what is known of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitPhoto {
    pub sha256: String,
    /// Where the visit names it: `expected_photos`, `operations.base_photos`, ...
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    pub received: bool,
    /// Present once the photo has arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<PhotoInfo>,
    /// When and where the phone says it was taken (read from the original's EXIF before it was shrunk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_taken_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_position: Option<Position>,
    pub flags: Vec<EvidenceFlag>,
}

/// A received photo as the server decoded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoInfo {
    pub sha256: String,
    pub bytes: u64,
    pub mime: String,
    /// Upright size.
    pub width: u32,
    pub height: u32,
    /// From the EXIF of the received bytes, when they had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exif_taken_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exif_position: Option<Position>,
    /// 64-bit perceptual (difference) hash, hex.
    pub perceptual_hash: String,
    pub received_at: DateTime<Utc>,
    /// Paths of the served forms (JPEG, no metadata): `small` (320 px), `large` (1280 px) and `full`.
    pub urls: PhotoUrls,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoUrls {
    pub small: String,
    pub large: String,
    pub full: String,
}

/// A WGS-84 position.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Position {
    pub latitude: f64,
    pub longitude: f64,
}

/// An evidence-integrity flag raised on a photo of a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceFlag {
    /// `photo_time_far_from_visit`, `photo_far_from_visit`, `photo_far_from_registered_location`, `photo_reused` or
    /// `photo_near_duplicate`.
    pub code: String,
    pub sha256: String,
    /// In the response language.
    pub message: String,
    /// The figures behind the flag (distance, hours, the other visits).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub figures: serde_json::Value,
    pub detected_at: DateTime<Utc>,
}

/// The photos of one visit: what it names and what has arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitPhotos {
    pub visit_id: uuid::Uuid,
    pub cooperative_id: uuid::Uuid,
    pub expected: u32,
    pub received: u32,
    pub photos: Vec<VisitPhoto>,
}

#[cfg(test)]
mod tests {
    use super::tus;

    #[test]
    fn metadata_round_trips() {
        let header = tus::encode_metadata(&[("sha256", "ab"), ("filename", "招牌.jpg")]);
        assert_eq!(
            tus::decode_metadata(&header),
            Some(vec![
                ("sha256".to_owned(), "ab".to_owned()),
                ("filename".to_owned(), "招牌.jpg".to_owned())
            ])
        );
        assert_eq!(
            tus::decode_metadata("is_confidential"),
            Some(vec![("is_confidential".to_owned(), String::new())])
        );
        assert_eq!(tus::decode_metadata("key not-base64!"), None);
    }
}
