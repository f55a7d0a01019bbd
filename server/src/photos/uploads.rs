//! tus uploads in the database, and what happens when one completes.
//!
//! Bytes are stored as pieces, each committed together with the new offset, so the offset the server reports is
//! always backed by stored bytes: a dropped link or a killed server resumes at the last committed piece.

use actix_web::web;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use hezuo_mobile_api::ErrorCode;
use hezuo_sync::photo::{DecodeError, DecodeLimits, sha256_hex};

use super::blobs::Variant;
use super::process::process;
use crate::db::DbConn;
use crate::db::id::{DeviceId, UserId};
use crate::db::schema::{photo_uploaders, photos, upload_pieces, uploads};
use crate::error::{ApiError, ApiResult};
use crate::models::now;
use crate::state::AppState;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = uploads)]
pub struct UploadRow {
    pub id: String,
    pub device_id: DeviceId,
    pub user_id: UserId,
    pub sha256: String,
    pub length: i64,
    pub received: i64,
    pub metadata: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
}

impl UploadRow {
    pub fn is_expired(&self, at: NaiveDateTime) -> bool {
        self.completed_at.is_none() && self.expires_at <= at
    }

    /// All bytes are here but the photo was not processed yet (the server stopped in between).
    pub fn awaits_completion(&self) -> bool {
        self.completed_at.is_none() && self.received == self.length
    }
}

/// The upload, if it belongs to this device (another device's upload is as good as absent).
pub fn find_for_device(
    conn: &mut DbConn,
    id: &str,
    device_id: DeviceId,
) -> QueryResult<Option<UploadRow>> {
    uploads::table
        .find(id)
        .filter(uploads::device_id.eq(device_id))
        .select(UploadRow::as_select())
        .get_result(conn)
        .optional()
}

/// This device's unfinished upload of the same photo, so that a create the phone retries resumes it.
pub fn find_unfinished(
    conn: &mut DbConn,
    device_id: DeviceId,
    sha256: &str,
    length: i64,
) -> QueryResult<Option<UploadRow>> {
    uploads::table
        .filter(uploads::device_id.eq(device_id))
        .filter(uploads::sha256.eq(sha256))
        .filter(uploads::length.eq(length))
        .filter(uploads::completed_at.is_null())
        .filter(uploads::expires_at.gt(now()))
        .order(uploads::received.desc())
        .select(UploadRow::as_select())
        .first(conn)
        .optional()
}

/// Forgets uploads that expired unfinished, and finished ones as old.
pub fn forget_expired(conn: &mut DbConn) -> QueryResult<usize> {
    let at = now();
    let expired: Vec<String> = uploads::table
        .filter(uploads::expires_at.le(at))
        .select(uploads::id)
        .load(conn)?;
    if expired.is_empty() {
        return Ok(0);
    }
    diesel::delete(upload_pieces::table.filter(upload_pieces::upload_id.eq_any(&expired)))
        .execute(conn)?;
    diesel::delete(uploads::table.filter(uploads::id.eq_any(&expired))).execute(conn)
}

/// Appends a piece at `start`; `false` when the offset moved meanwhile (another request for the same upload).
pub fn append(conn: &mut DbConn, id: &str, start: i64, data: &[u8]) -> QueryResult<bool> {
    let moved = diesel::update(
        uploads::table
            .find(id)
            .filter(uploads::received.eq(start))
            .filter(uploads::completed_at.is_null()),
    )
    .set(uploads::received.eq(start + data.len() as i64))
    .execute(conn)?;
    if moved == 0 {
        return Ok(false);
    }
    diesel::insert_into(upload_pieces::table)
        .values((
            upload_pieces::upload_id.eq(id),
            upload_pieces::start_offset.eq(start),
            upload_pieces::data.eq(data),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Removes an upload and its bytes (termination, or content that can never become a photo).
pub fn discard(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(upload_pieces::table.filter(upload_pieces::upload_id.eq(id))).execute(conn)?;
    diesel::delete(uploads::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn photo_exists(conn: &mut DbConn, sha256: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(photos::table.find(sha256))).get_result(conn)
}

/// Whether this device has uploaded these bytes (so it holds them).
/// Records a new upload.
pub fn insert(conn: &mut DbConn, upload: &UploadRow) -> QueryResult<()> {
    diesel::insert_into(crate::db::schema::uploads::table)
        .values(upload)
        .execute(conn)?;
    Ok(())
}

pub fn uploaded_by(conn: &mut DbConn, sha256: &str, device_id: DeviceId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        photo_uploaders::table.find((sha256, device_id)),
    ))
    .get_result(conn)
}

/// Records that the upload's device sent these bytes in full.
fn record_uploader(conn: &mut DbConn, upload: &UploadRow) -> QueryResult<()> {
    let row = (
        photo_uploaders::sha256.eq(&upload.sha256),
        photo_uploaders::device_id.eq(upload.device_id),
        photo_uploaders::user_id.eq(Some(upload.user_id)),
        photo_uploaders::uploaded_at.eq(now()),
    );
    crate::with_backend!(conn, |c| diesel::insert_into(photo_uploaders::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

fn assemble(conn: &mut DbConn, id: &str) -> QueryResult<Vec<u8>> {
    let pieces: Vec<(i64, Vec<u8>)> = upload_pieces::table
        .filter(upload_pieces::upload_id.eq(id))
        .order(upload_pieces::start_offset.asc())
        .select((upload_pieces::start_offset, upload_pieces::data))
        .load(conn)?;
    let mut bytes = Vec::with_capacity(pieces.iter().map(|(_, d)| d.len()).sum());
    for (start, data) in pieces {
        if start as usize != bytes.len() {
            return Err(diesel::result::Error::DeserializationError(
                format!("upload {id}: piece at {start} after {} bytes", bytes.len()).into(),
            ));
        }
        bytes.extend_from_slice(&data);
    }
    Ok(bytes)
}

fn mark_completed(conn: &mut DbConn, upload: &UploadRow) -> QueryResult<()> {
    diesel::update(uploads::table.find(&upload.id))
        .set((
            uploads::received.eq(upload.length),
            uploads::completed_at.eq(Some(now())),
        ))
        .execute(conn)?;
    diesel::delete(upload_pieces::table.filter(upload_pieces::upload_id.eq(&upload.id)))
        .execute(conn)?;
    Ok(())
}

/// Turns a fully received upload into a photo: checks the hash the visit names, decodes under the limits, stores
/// the original and the served forms, records the photo and refreshes the visits that name it. Content that can
/// never become a photo is discarded with a problem saying why.
pub async fn complete(state: &web::Data<AppState>, upload: UploadRow) -> ApiResult<()> {
    let id = upload.id.clone();
    let bytes = state.db.run(move |conn| Ok(assemble(conn, &id)?)).await?;
    let sha256 = sha256_hex(&bytes);
    if sha256 != upload.sha256 {
        let id = upload.id.clone();
        state.db.write(move |conn| Ok(discard(conn, &id)?)).await?;
        return Err(ApiError::new(ErrorCode::PhotoHashMismatch).with_detail(
            format!("声明 {}，实际 {sha256}", upload.sha256),
            format!("declared {}, received {sha256}", upload.sha256),
        ));
    }
    let known = {
        let sha256 = sha256.clone();
        state
            .db
            .run(move |conn| Ok(photo_exists(conn, &sha256)?))
            .await?
    };
    if known {
        // Bytes the server has from another device: this device proved it holds them too, so its visits count them.
        record_arrival(state, upload, None).await
    } else {
        store_new_photo(state, upload, sha256, bytes).await
    }
}

/// Decodes bytes the server never had, stores the original and the served forms, and records the photo.
async fn store_new_photo(
    state: &web::Data<AppState>,
    upload: UploadRow,
    sha256: String,
    bytes: Vec<u8>,
) -> ApiResult<()> {
    let limits = DecodeLimits {
        max_bytes: state.config.photo_max_bytes,
        max_dimension: state.config.photo_max_dimension,
        max_pixels: state.config.photo_max_pixels,
    };
    let processed = {
        let _decoding = state
            .photo_decoding
            .acquire()
            .await
            .map_err(ApiError::internal)?;
        let original = bytes.clone();
        web::block(move || process(&original, limits))
            .await
            .map_err(ApiError::internal)?
    };
    let processed = match processed {
        Ok(processed) => processed,
        Err(error) => {
            let id = upload.id.clone();
            state.db.write(move |conn| Ok(discard(conn, &id)?)).await?;
            return Err(decode_problem(error));
        }
    };
    state
        .blobs
        .put(&sha256, Variant::Original, bytes)
        .await
        .map_err(ApiError::internal)?;
    let mut facts = processed.exif.clone();
    for (variant, data) in processed.variants {
        state
            .blobs
            .put(&sha256, variant, data)
            .await
            .map_err(ApiError::internal)?;
    }
    let taken_at = facts
        .taken_at_ms
        .take()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.naive_utc());
    let row = PhotoRow {
        sha256: sha256.clone(),
        bytes: upload.length,
        mime: processed.mime.to_owned(),
        width: i64::from(processed.width),
        height: i64::from(processed.height),
        exif_taken_at: taken_at,
        exif_latitude: facts.latitude,
        exif_longitude: facts.longitude,
        // Stored as the same 64 bits in a signed column.
        perceptual_hash: processed.perceptual_hash as i64,
        device_id: Some(upload.device_id),
        user_id: Some(upload.user_id),
        received_at: now(),
    };
    let id = upload.id.clone();
    record_arrival(state, upload, Some(row)).await?;
    tracing::info!(sha256, upload = id, "photo received");
    Ok(())
}

/// A photo as recorded when its bytes first arrived.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = photos)]
pub struct PhotoRow {
    pub sha256: String,
    pub bytes: i64,
    pub mime: String,
    pub width: i64,
    pub height: i64,
    pub exif_taken_at: Option<chrono::NaiveDateTime>,
    pub exif_latitude: Option<f64>,
    pub exif_longitude: Option<f64>,
    pub perceptual_hash: i64,
    pub device_id: Option<DeviceId>,
    pub user_id: Option<UserId>,
    pub received_at: chrono::NaiveDateTime,
}

impl PhotoRow {
    /// What the API shows of it: the served sizes' addresses and what the server read from the bytes.
    pub fn into_api(self) -> hezuo_mobile_api::photos::PhotoInfo {
        use chrono::TimeZone;
        let path = |size: &str| {
            format!(
                "{}/photos/{}/{size}",
                hezuo_mobile_api::API_PREFIX,
                self.sha256
            )
        };
        hezuo_mobile_api::photos::PhotoInfo {
            urls: hezuo_mobile_api::photos::PhotoUrls {
                small: path("small"),
                large: path("large"),
                full: path("full"),
            },
            bytes: self.bytes as u64,
            mime: self.mime,
            width: self.width as u32,
            height: self.height as u32,
            exif_taken_at: self
                .exif_taken_at
                .map(|t| chrono::Utc.from_utc_datetime(&t)),
            exif_position: self.exif_latitude.zip(self.exif_longitude).map(
                |(latitude, longitude)| hezuo_mobile_api::photos::Position {
                    latitude,
                    longitude,
                },
            ),
            perceptual_hash: format!("{:016x}", self.perceptual_hash as u64),
            received_at: chrono::Utc.from_utc_datetime(&self.received_at),
            sha256: self.sha256,
        }
    }
}

/// Completes the upload, records the device as an uploader of the bytes, records a new photo (unless another device
/// finished the same one meanwhile: the first one recorded stays) and refreshes the visits that name it.
async fn record_arrival(
    state: &web::Data<AppState>,
    upload: UploadRow,
    new_photo: Option<PhotoRow>,
) -> ApiResult<()> {
    let thresholds = state.documents.rules.evidence;
    state
        .db
        .write(move |conn| {
            super::evidence::lock_photo_arrivals(conn)?;
            if let Some(row) = &new_photo
                && !photo_exists(conn, &upload.sha256)?
            {
                diesel::insert_into(photos::table)
                    .values(row)
                    .execute(conn)?;
            }
            mark_completed(conn, &upload)?;
            record_uploader(conn, &upload)?;
            super::evidence::photo_arrived(conn, &upload.sha256, &thresholds)?;
            Ok(())
        })
        .await
}

fn decode_problem(error: DecodeError) -> ApiError {
    match error {
        DecodeError::TooManyBytes(bytes) => ApiError::new(ErrorCode::PhotoTooLarge).with_detail(
            format!("文件 {bytes} 字节，超过上限"),
            format!("{bytes} bytes is over the limit"),
        ),
        DecodeError::TooManyPixels { width, height } => ApiError::new(ErrorCode::PhotoTooLarge)
            .with_detail(
                format!("照片声明 {width}×{height} 像素，超过上限"),
                format!("the photo claims {width}×{height} pixels, over the limit"),
            ),
        DecodeError::UnsupportedFormat => ApiError::new(ErrorCode::PhotoUnreadable),
        DecodeError::Corrupt(reason) => ApiError::new(ErrorCode::PhotoUnreadable)
            .with_detail("照片文件已损坏", format!("corrupt image: {reason}")),
    }
}
