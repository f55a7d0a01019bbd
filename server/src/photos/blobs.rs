//! Blob storage behind `object_store`: the local filesystem by default, any S3-compatible service when configured.

use std::sync::Arc;

use anyhow::Context;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::config::{BlobStoreKind, Config};

#[derive(Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
}

/// The stored forms of a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The bytes as uploaded, EXIF and all: the evidence the hash names. Never served.
    Original,
    /// Upright, without metadata.
    Full,
    Large,
    Small,
}

impl Variant {
    fn file_name(self) -> &'static str {
        match self {
            Variant::Original => "original",
            Variant::Full => "full.jpg",
            Variant::Large => "1280.jpg",
            Variant::Small => "320.jpg",
        }
    }
}

impl Blobs {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let store: Arc<dyn ObjectStore> = match config.blob_store {
            BlobStoreKind::Local => {
                let root = config.data_dir.join("blobs");
                std::fs::create_dir_all(&root)
                    .with_context(|| format!("cannot create {}", root.display()))?;
                // fsync each blob and its directory: a photo acknowledged to the phone survives a power cut.
                Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(&root)?.with_fsync(true),
                )
            }
            BlobStoreKind::S3 => {
                let mut builder = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(config.s3_bucket.clone().unwrap_or_default())
                    .with_region(&config.s3_region)
                    .with_allow_http(config.s3_allow_http);
                if let Some(endpoint) = &config.s3_endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let Some(key) = &config.s3_access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = &config.s3_secret_access_key {
                    builder = builder.with_secret_access_key(secret);
                }
                Arc::new(builder.build().context("invalid S3 configuration")?)
            }
        };
        Ok(Self { store })
    }

    fn path(sha256: &str, variant: Variant) -> Path {
        // Two levels of fan-out keep directories small on a local filesystem.
        Path::from(format!(
            "photos/{}/{sha256}/{}",
            &sha256[..2.min(sha256.len())],
            variant.file_name()
        ))
    }

    pub async fn put(&self, sha256: &str, variant: Variant, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.store
            .put(&Self::path(sha256, variant), PutPayload::from(bytes))
            .await
            .with_context(|| format!("cannot store photo {sha256} ({variant:?})"))?;
        Ok(())
    }

    /// The stored bytes, or `None` when there are none.
    pub async fn get(&self, sha256: &str, variant: Variant) -> anyhow::Result<Option<Vec<u8>>> {
        match self.store.get(&Self::path(sha256, variant)).await {
            Ok(found) => Ok(Some(found.bytes().await?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }
}
