//! Photos on the phone: shrunk when attached, named by the visit at once (so the visit syncs without waiting for
//! them), and uploaded in the background by tus whenever there is a link, resuming where the last attempt stopped.
//!
//! The queue lives in `photo-queue.json` next to the shrunk photos in `photos/`; it has a lock of its own, so a long
//! upload never holds up saving a visit or syncing documents.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use hezuo_sync::document;
use hezuo_sync::model::{Datum, GeoPoint, PhotoHash, PhotoMeta};
use hezuo_sync::photo::{self, DecodeLimits, ExifFacts};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::api::UploadState;
use super::error::ClientError;
use super::fieldwork::Backoff;
use super::phone::Phone;
use super::store::write_atomically;
use crate::error::ErrorCode;

/// How photos are shrunk before they leave the phone.
#[derive(Debug, Clone, Copy)]
pub struct PhotoOptions {
    pub long_edge: u32,
    pub jpeg_quality: u8,
}

impl Default for PhotoOptions {
    fn default() -> Self {
        Self {
            long_edge: 1600,
            jpeg_quality: 80,
        }
    }
}

/// A photo ready to upload: upright, shrunk, without metadata; what the camera said is kept beside it.
#[derive(Debug, Clone)]
pub struct PreparedPhoto {
    pub sha256: String,
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub exif: ExifFacts,
}

/// Camera originals up to 100 megapixels are taken; anything larger is not a phone photo.
const ORIGINAL_LIMITS: DecodeLimits = DecodeLimits {
    max_bytes: 80 * 1024 * 1024,
    max_dimension: 20_000,
    max_pixels: 100_000_000,
};

/// Shrinks a camera original: EXIF orientation applied, long edge at most `options.long_edge`, baseline JPEG.
pub fn prepare(original: &[u8], options: PhotoOptions) -> Result<PreparedPhoto, ClientError> {
    let decoded = photo::decode(original, ORIGINAL_LIMITS)
        .map_err(|e| ClientError::Invalid(format!("无法读取照片 / unreadable photo: {e}")))?;
    let shrunk = photo::fit(&decoded.image, options.long_edge);
    let jpeg = photo::encode_jpeg(&shrunk, options.jpeg_quality)
        .map_err(|e| ClientError::Invalid(format!("无法压缩照片 / cannot encode: {e}")))?;
    Ok(PreparedPhoto {
        sha256: photo::sha256_hex(&jpeg),
        width: shrunk.width(),
        height: shrunk.height(),
        exif: decoded.exif,
        jpeg,
    })
}

/// One photo waiting to go up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedPhoto {
    pub sha256: String,
    pub cooperative_id: Uuid,
    pub visit_id: Uuid,
    pub bytes: u64,
    /// The tus upload, once created; kept across restarts so the upload resumes instead of starting over.
    pub upload_url: Option<String>,
    /// Bytes the server confirmed.
    pub confirmed: u64,
    pub failures: u32,
    /// Not before this time (ms since the epoch) after a failure.
    pub retry_at_ms: Option<i64>,
    pub last_error: Option<String>,
    /// The server refused the photo for good (not a picture, too large); it stays listed so the counsellor sees it.
    pub rejected: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct QueueFile {
    photos: Vec<QueuedPhoto>,
}

/// What one round of uploading did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadReport {
    /// Photos now on the server.
    pub completed: Vec<String>,
    /// Photo bytes handed to the link (a resumed photo counts only what was sent again).
    pub bytes_sent: u64,
    /// Photos still queued (waiting for a link or for their retry time).
    pub remaining: usize,
    /// Photos that failed this round, and why.
    pub failed: Vec<(String, String)>,
}

const QUEUE: &str = "photo-queue.json";

struct PhotoStore {
    dir: PathBuf,
    state_dir: PathBuf,
}

struct QueueLock {
    _file: fs::File,
}

impl PhotoStore {
    fn open(state_dir: &Path) -> std::io::Result<Self> {
        let dir = state_dir.join("photos");
        fs::create_dir_all(&dir)?;
        Ok(Self {
            dir,
            state_dir: state_dir.to_owned(),
        })
    }

    fn lock(&self) -> std::io::Result<QueueLock> {
        let file = super::store::hold_lock(&self.dir.join(".lock"))?;
        Ok(QueueLock { _file: file })
    }

    fn load(&self) -> std::io::Result<QueueFile> {
        match fs::read(self.state_dir.join(QUEUE)) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(std::io::Error::other),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(QueueFile::default()),
            Err(e) => Err(e),
        }
    }

    fn save(&self, queue: &QueueFile) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(queue).map_err(std::io::Error::other)?;
        write_atomically(&self.state_dir, QUEUE, &bytes)
    }

    fn file_name(sha256: &str) -> String {
        format!("{sha256}.jpg")
    }

    fn put(&self, sha256: &str, jpeg: &[u8]) -> std::io::Result<()> {
        write_atomically(&self.dir, &Self::file_name(sha256), jpeg)
    }

    fn read(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        fs::read(self.dir.join(Self::file_name(sha256)))
    }

    fn remove(&self, sha256: &str) {
        let _ = fs::remove_file(self.dir.join(Self::file_name(sha256)));
    }
}

/// Counts what the HTTP client reads of a body, i.e. what went to the link.
struct Counted<'a> {
    inner: &'a [u8],
    read: &'a std::cell::Cell<u64>,
}

impl std::io::Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = std::io::Read::read(&mut self.inner, buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

impl Phone {
    fn photo_store(&self) -> Result<PhotoStore, ClientError> {
        Ok(PhotoStore::open(self.state_dir())?)
    }

    /// Attaches camera originals to a visit: each is shrunk, kept on the phone and named by the visit in one commit
    /// (with the time and position its EXIF gives), then queued for upload. Returns the photos' SHA-256s.
    pub fn attach_photos(
        &mut self,
        cooperative_id: Uuid,
        visit_id: Uuid,
        originals: &[PathBuf],
        caption: Option<&str>,
        options: PhotoOptions,
    ) -> Result<Vec<String>, ClientError> {
        let store = self.photo_store()?;
        let mut attached = Vec::new();
        for path in originals {
            let original = fs::read(path).map_err(|e| {
                ClientError::Invalid(format!("无法读取 {} / cannot read: {e}", path.display()))
            })?;
            let prepared = prepare(&original, options)?;
            store.put(&prepared.sha256, &prepared.jpeg)?;
            let hash = PhotoHash::parse(&prepared.sha256)
                .ok_or_else(|| ClientError::Invalid("bad photo hash".to_owned()))?;
            let position = match (prepared.exif.latitude, prepared.exif.longitude) {
                (Some(lat), Some(lon)) => Some(GeoPoint {
                    lat: Some(lat),
                    lon: Some(lon),
                    datum: Some(Datum::Wgs84),
                    accuracy_m: None,
                }),
                _ => None,
            };
            let meta = PhotoMeta {
                visit_id: Some(visit_id.to_string()),
                caption: caption.map(str::to_owned),
                taken_at: prepared.exif.taken_at_ms,
                position,
                width: Some(prepared.width),
                height: Some(prepared.height),
                bytes: Some(prepared.jpeg.len() as u64),
                mime: Some("image/jpeg".to_owned()),
            };
            attached.push((hash, meta, prepared.jpeg.len() as u64));
        }
        let mut visit = self
            .document(cooperative_id)?
            .visits
            .remove(&visit_id.to_string())
            .ok_or_else(|| ClientError::Invalid(format!("走访记录 {visit_id} 不存在")))?;
        for (hash, _, _) in &attached {
            if !visit.expected_photos.contains(hash) {
                visit.expected_photos.push(hash.clone());
            }
        }
        let photos: Vec<(PhotoHash, PhotoMeta)> = attached
            .iter()
            .map(|(hash, meta, _)| (hash.clone(), meta.clone()))
            .collect();
        self.commit(cooperative_id, |doc, time| {
            document::attach_photos(doc, visit_id, &visit, &photos, time)
        })?;

        let _queue_lock = store.lock()?;
        let mut queue = store.load()?;
        for (hash, _, bytes) in &attached {
            if !queue.photos.iter().any(|q| q.sha256 == hash.as_str()) {
                queue.photos.push(QueuedPhoto {
                    sha256: hash.to_string(),
                    cooperative_id,
                    visit_id,
                    bytes: *bytes,
                    upload_url: None,
                    confirmed: 0,
                    failures: 0,
                    retry_at_ms: None,
                    last_error: None,
                    rejected: false,
                });
            }
        }
        store.save(&queue)?;
        Ok(attached
            .iter()
            .map(|(hash, _, _)| hash.to_string())
            .collect())
    }

    /// The photos still waiting to go up (or refused), for the app to show.
    pub fn photo_queue(&self) -> Result<Vec<QueuedPhoto>, ClientError> {
        Ok(self.photo_store()?.load()?.photos)
    }

    /// Uploads queued photos whose retry time has come, [`PARALLEL_UPLOADS`] at a time, each resuming where it
    /// stopped. On a link with a long round trip the others keep the link busy while one waits for an
    /// answer. A photo whose link drops is retried later with backoff; the others go on. Document sync does not wait
    /// for this.
    pub fn upload_photos(&mut self) -> Result<UploadReport, ClientError> {
        let store = self.photo_store()?;
        let _queue_lock = store.lock()?;
        let queue = store.load()?;
        let due: std::collections::VecDeque<String> = queue
            .photos
            .iter()
            .filter(|p| !p.rejected && p.retry_at_ms.is_none_or(|at| at <= now_ms()))
            .map(|p| p.sha256.clone())
            .collect();
        let mut report = UploadReport::default();
        if !due.is_empty() {
            // A token good for the round (refreshed first if it is about to expire).
            let client = self.call(|client| Ok(client.clone()))?;
            let shared = Round {
                store: &store,
                queue: std::sync::Mutex::new(queue),
                due: std::sync::Mutex::new(due),
                report: std::sync::Mutex::new(UploadReport::default()),
                stop: std::sync::atomic::AtomicBool::new(false),
                storage_failure: std::sync::Mutex::new(None),
            };
            std::thread::scope(|scope| {
                for _ in 0..PARALLEL_UPLOADS {
                    scope.spawn(|| shared.work(&client));
                }
            });
            if let Some(error) = shared.storage_failure.into_inner().ok().flatten() {
                return Err(error);
            }
            report = shared.report.into_inner().unwrap_or_default();
        }
        let queue = store.load()?;
        report.remaining = queue.photos.iter().filter(|p| !p.rejected).count();
        Ok(report)
    }
}

/// Uploads at once: on a 600 ms round trip, three keep the link busy while each waits for its answers (measured by
/// `bench-photos`: 1.15× the bandwidth time with two, 1.11× with three); more would only split the same bandwidth.
pub const PARALLEL_UPLOADS: usize = 3;

/// One round of uploads shared by its workers.
struct Round<'a> {
    store: &'a PhotoStore,
    queue: std::sync::Mutex<QueueFile>,
    due: std::sync::Mutex<std::collections::VecDeque<String>>,
    report: std::sync::Mutex<UploadReport>,
    /// Set when going on is pointless (logged out, device revoked, the queue cannot be written).
    stop: std::sync::atomic::AtomicBool,
    storage_failure: std::sync::Mutex<Option<ClientError>>,
}

impl Round<'_> {
    fn work(&self, client: &super::api::ApiClient) {
        use std::sync::atomic::Ordering;
        while !self.stop.load(Ordering::Relaxed) {
            let Some(sha256) = self.due.lock().ok().and_then(|mut due| due.pop_front()) else {
                return;
            };
            let sent = std::cell::Cell::new(0u64);
            let outcome = match self.store.read(&sha256) {
                Ok(data) => self.upload(client, &sha256, &data, &sent),
                Err(error) => Err(ClientError::Invalid(format!(
                    "照片文件丢失 / photo file missing: {error}"
                ))),
            };
            let fatal = matches!(
                outcome.as_ref().err().and_then(ClientError::code),
                Some(
                    ErrorCode::DeviceRevoked
                        | ErrorCode::SessionRevoked
                        | ErrorCode::AccountDisabled
                )
            );
            if fatal {
                self.stop.store(true, Ordering::Relaxed);
            }
            if let Err(error) = self.record(&sha256, outcome, sent.get()) {
                // The queue could not be written: stop, and let the caller hear why.
                self.stop.store(true, Ordering::Relaxed);
                if let Ok(mut failure) = self.storage_failure.lock() {
                    failure.get_or_insert(error);
                }
            }
        }
    }

    /// Writes the outcome of one photo into the queue and the report.
    fn record(
        &self,
        sha256: &str,
        outcome: Result<(), ClientError>,
        sent: u64,
    ) -> Result<(), ClientError> {
        let mut queue = self
            .queue
            .lock()
            .map_err(|_| ClientError::Invalid("upload worker panicked".to_owned()))?;
        let mut report = self
            .report
            .lock()
            .map_err(|_| ClientError::Invalid("upload worker panicked".to_owned()))?;
        report.bytes_sent += sent;
        let Some(index) = queue.photos.iter().position(|p| p.sha256 == sha256) else {
            return Ok(());
        };
        match outcome {
            Ok(()) => {
                report.completed.push(sha256.to_owned());
                self.store.remove(sha256);
                queue.photos.remove(index);
            }
            Err(error) => {
                let entry = &mut queue.photos[index];
                let message = error.to_string();
                entry.last_error = Some(message.clone());
                match error.code() {
                    Some(
                        ErrorCode::PhotoHashMismatch
                        | ErrorCode::PhotoUnreadable
                        | ErrorCode::PhotoTooLarge
                        | ErrorCode::PayloadTooLarge,
                    ) => entry.rejected = true,
                    _ if matches!(error, ClientError::Invalid(_)) => entry.rejected = true,
                    _ => {
                        entry.failures += 1;
                        entry.retry_at_ms =
                            Some(now_ms() + retry_delay(entry.failures).as_millis() as i64);
                    }
                }
                report.failed.push((sha256.to_owned(), message));
            }
        }
        self.store.save(&queue)?;
        Ok(())
    }

    /// Creates (or finds) the upload, asks where it stands, and sends the rest.
    fn upload(
        &self,
        client: &super::api::ApiClient,
        sha256: &str,
        data: &[u8],
        sent: &std::cell::Cell<u64>,
    ) -> Result<(), ClientError> {
        let length = data.len() as u64;
        let known_url = self.queue.lock().ok().and_then(|q| {
            q.photos
                .iter()
                .find(|p| p.sha256 == sha256)
                .and_then(|p| p.upload_url.clone())
        });
        let mut state = match known_url {
            Some(url) => match client.upload_offset(&url) {
                Ok(state) => Some(state),
                // The upload expired or was lost: start a new one.
                Err(error)
                    if matches!(
                        error.code(),
                        Some(ErrorCode::NotFound | ErrorCode::UploadExpired)
                    ) =>
                {
                    None
                }
                Err(error) => return Err(error),
            },
            None => None,
        };
        if state.is_none() {
            let filename = format!("{}.jpg", &sha256[..12]);
            let created = client.create_upload(sha256, length, &filename)?;
            self.remember(sha256, &created)?;
            state = Some(created);
        }
        let Some(UploadState {
            location, offset, ..
        }) = state
        else {
            return Ok(());
        };
        if offset >= length {
            return Ok(());
        }
        let mut body = Counted {
            inner: &data[offset as usize..],
            read: sent,
        };
        let confirmed = client.append_upload(&location, offset, &mut body, length - offset)?;
        if confirmed < length {
            return Err(ClientError::Transport(format!(
                "上传未完成，已确认 {confirmed}/{length} 字节 / incomplete"
            )));
        }
        Ok(())
    }

    /// Keeps the upload's URL, so that after a restart the photo resumes instead of starting over.
    fn remember(&self, sha256: &str, created: &UploadState) -> Result<(), ClientError> {
        let mut queue = self
            .queue
            .lock()
            .map_err(|_| ClientError::Invalid("upload worker panicked".to_owned()))?;
        if let Some(entry) = queue.photos.iter_mut().find(|p| p.sha256 == sha256) {
            entry.upload_url = Some(created.location.clone());
            entry.confirmed = created.offset;
        }
        self.store.save(&queue)?;
        Ok(())
    }
}

/// The first retry after a dropped link comes quickly (the link is often back at once); then backoff as for sync.
fn retry_delay(failures: u32) -> Duration {
    if failures <= 1 {
        return Duration::from_millis(500);
    }
    let mut backoff = Backoff::new();
    let mut wait = Duration::ZERO;
    for _ in 1..failures {
        wait = backoff.failed();
    }
    wait
}
