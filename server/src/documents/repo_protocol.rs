//! The automerge-repo network protocol, version 1, as its WebSocket adapters speak it: CBOR maps with a `type`
//! (`join`, `peer`, `request`, `sync`, `doc-unavailable`, `error`, and messages this server ignores such as
//! `ephemeral`). Facts from the automerge-repo project's message definitions; the code is ours.

use serde::{Deserialize, Serialize};

pub const PROTOCOL_V1: &str = "1";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PeerMetadata {
    #[serde(rename = "isEphemeral", default)]
    pub is_ephemeral: bool,
}

/// Every message shape in one struct; fields a type does not use stay absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RepoMessage {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "senderId", default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<String>,
    #[serde(rename = "targetId", default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    #[serde(
        rename = "documentId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub document_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "serde_bytes")]
    pub data: Option<Vec<u8>>,
    #[serde(
        rename = "supportedProtocolVersions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub supported_protocol_versions: Option<Vec<String>>,
    #[serde(
        rename = "selectedProtocolVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub selected_protocol_version: Option<String>,
    #[serde(
        rename = "peerMetadata",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub peer_metadata: Option<PeerMetadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl RepoMessage {
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        ciborium::from_reader(bytes).map_err(|e| e.to_string())
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Serialising a plain struct into a Vec cannot fail.
        let _ = ciborium::into_writer(self, &mut out);
        out
    }

    pub fn peer(server: &str, client: &str) -> Self {
        Self {
            kind: "peer".to_owned(),
            sender_id: Some(server.to_owned()),
            target_id: Some(client.to_owned()),
            selected_protocol_version: Some(PROTOCOL_V1.to_owned()),
            peer_metadata: Some(PeerMetadata {
                is_ephemeral: false,
            }),
            ..Self::default()
        }
    }

    pub fn sync(server: &str, client: &str, document: &str, data: Vec<u8>) -> Self {
        Self {
            kind: "sync".to_owned(),
            sender_id: Some(server.to_owned()),
            target_id: Some(client.to_owned()),
            document_id: Some(document.to_owned()),
            data: Some(data),
            ..Self::default()
        }
    }

    pub fn unavailable(server: &str, client: &str, document: &str) -> Self {
        Self {
            kind: "doc-unavailable".to_owned(),
            sender_id: Some(server.to_owned()),
            target_id: Some(client.to_owned()),
            document_id: Some(document.to_owned()),
            ..Self::default()
        }
    }

    pub fn error(server: &str, client: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            kind: "error".to_owned(),
            sender_id: Some(server.to_owned()),
            target_id: client.map(str::to_owned),
            message: Some(message.into()),
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_through_cbor() {
        let message = RepoMessage::sync(
            "server",
            "client",
            "4NMNnkMhL8jXrdJ9jamS58PAVdXu",
            vec![0x42, 1, 2],
        );
        assert_eq!(RepoMessage::decode(&message.encode()), Ok(message));
    }

    #[test]
    fn unknown_fields_of_other_message_types_are_ignored() {
        let mut bytes = Vec::new();
        ciborium::into_writer(
            &serde_json::json!({"type": "ephemeral", "senderId": "a", "targetId": "b", "count": 3, "sessionId": "s"}),
            &mut bytes,
        )
        .expect("encode");
        assert_eq!(
            RepoMessage::decode(&bytes).map(|m| m.kind),
            Ok("ephemeral".to_owned())
        );
    }
}
