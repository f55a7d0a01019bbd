//! Identifiers shared by server and phones.

use std::fmt;

use uuid::Uuid;

/// An automerge actor id: 16 random bytes, written as 32 lower-case hex digits. The server assigns one to each
/// registered device and refuses changes whose actor is not bound to a device allowed to write.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActorId([u8; 16]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("actor ids are 32 hex digits")]
    BadActorId,
    #[error("not a valid automerge-repo document id")]
    BadDocumentId,
}

impl ActorId {
    pub fn random() -> Self {
        Self(rand::random())
    }

    pub fn parse(hex_digits: &str) -> Result<Self, IdError> {
        let bytes = hex::decode(hex_digits).map_err(|_| IdError::BadActorId)?;
        let bytes: [u8; 16] = bytes.try_into().map_err(|_| IdError::BadActorId)?;
        Ok(Self(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// The id of a cooperative's document as automerge-repo spells it: the base58check encoding of the 16 UUID bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DocumentId(Uuid);

impl DocumentId {
    pub fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    pub fn uuid(&self) -> Uuid {
        self.0
    }

    pub fn parse(encoded: &str) -> Result<Self, IdError> {
        let bytes = bs58::decode(encoded)
            .with_check(None)
            .into_vec()
            .map_err(|_| IdError::BadDocumentId)?;
        let bytes: [u8; 16] = bytes.try_into().map_err(|_| IdError::BadDocumentId)?;
        Ok(Self(Uuid::from_bytes(bytes)))
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0.as_bytes()).with_check().into_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_ids_round_trip_as_hex() {
        let actor = ActorId::random();
        let text = actor.to_string();
        assert_eq!(text.len(), 32);
        assert_eq!(ActorId::parse(&text), Ok(actor));
        assert_eq!(ActorId::parse("abc"), Err(IdError::BadActorId));
    }

    #[test]
    fn document_ids_round_trip_and_detect_typos() {
        let id = DocumentId::from_uuid(Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef));
        let text = id.to_string();
        assert_eq!(DocumentId::parse(&text), Ok(id));
        let mut typo = text.into_bytes();
        typo[3] = if typo[3] == b'2' { b'3' } else { b'2' };
        let typo = String::from_utf8(typo).expect("ascii");
        assert_eq!(DocumentId::parse(&typo), Err(IdError::BadDocumentId));
    }
}
