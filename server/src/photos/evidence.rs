//! The photo projections: which photos each visit names (whether or not they have arrived), the visits' expected and
//! received counts, and their evidence-integrity flags. Rewritten when a document merges and when a photo arrives.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;
use hezuo_sync::model::{CooperativeDoc, Datum, GeoPoint, Visit};

use super::flags::{self, OtherUse, PhotoEvidence, Source, Thresholds, VisitEvidence};
use super::geo::{Wgs84, from_gcj02};
use crate::db::DbConn;
use crate::db::schema::{cooperatives, evidence_flags, photos, visit_photos, visits};
use crate::models::now;

/// Visit days are China days (UTC+8).
const CHINA_OFFSET_MS: i64 = 8 * 3_600_000;
const DAY_MS: i64 = 24 * 3_600_000;

/// Rewrites the photo rows of one cooperative's visits (those in `only`, or all) from its document, then the counts
/// and flags of those visits and of every visit that shares a photo with them.
pub fn project_cooperative(
    conn: &mut DbConn,
    cooperative_id: &str,
    doc: &CooperativeDoc,
    only: Option<&BTreeSet<String>>,
    thresholds: &Thresholds,
) -> QueryResult<()> {
    let of_cooperative = visit_photos::cooperative_id.eq(cooperative_id);
    let before: Vec<String> = match only {
        None => {
            let before = visit_photos::table
                .filter(of_cooperative)
                .select(visit_photos::sha256)
                .load(conn)?;
            diesel::delete(visit_photos::table.filter(of_cooperative)).execute(conn)?;
            before
        }
        Some(only) => {
            let of_visits = visit_photos::visit_id.eq_any(only);
            let before = visit_photos::table
                .filter(of_cooperative)
                .filter(of_visits.clone())
                .select(visit_photos::sha256)
                .load(conn)?;
            diesel::delete(visit_photos::table.filter(of_cooperative).filter(of_visits))
                .execute(conn)?;
            before
        }
    };
    let visits = doc
        .visits
        .iter()
        .filter(|(visit_id, _)| only.is_none_or(|only| only.contains(*visit_id)));
    let mut named_now = BTreeSet::new();
    let mut projected = Vec::new();
    for (visit_id, visit) in visits {
        projected.push(visit_id.clone());
        let mut named: BTreeMap<String, &str> = visit.named_photos().into_iter().collect();
        for (hash, meta) in &doc.photos {
            if meta.visit_id.as_deref() == Some(visit_id.as_str()) {
                named.entry(hash.clone()).or_insert("photos");
            }
        }
        for (hash, field) in named {
            let meta = doc.photos.get(&hash);
            let taken_at = meta
                .and_then(|m| m.taken_at)
                .and_then(DateTime::from_timestamp_millis)
                .map(|t| t.naive_utc());
            let position = meta.and_then(|m| m.position.as_ref()).and_then(wgs84);
            diesel::insert_into(visit_photos::table)
                .values((
                    visit_photos::visit_id.eq(visit_id),
                    visit_photos::cooperative_id.eq(cooperative_id),
                    visit_photos::sha256.eq(&hash),
                    visit_photos::field.eq(field),
                    visit_photos::device_taken_at.eq(taken_at),
                    visit_photos::device_latitude.eq(position.map(|p| p.lat)),
                    visit_photos::device_longitude.eq(position.map(|p| p.lon)),
                    visit_photos::caption.eq(meta.and_then(|m| m.caption.as_deref())),
                ))
                .execute(conn)?;
            named_now.insert(hash);
        }
    }
    // Visits elsewhere that share a photo with this cooperative, now or before this change, see their reuse flags
    // change too.
    let shared: Vec<String> = named_now.into_iter().chain(before).collect();
    let mut affected: BTreeSet<String> = if shared.is_empty() {
        BTreeSet::new()
    } else {
        visit_photos::table
            .filter(visit_photos::sha256.eq_any(&shared))
            .select(visit_photos::visit_id)
            .load::<String>(conn)?
            .into_iter()
            .collect()
    };
    affected.extend(projected);
    refresh_visits(conn, &affected.into_iter().collect::<Vec<_>>(), thresholds)
}

/// After a photo arrives: the visits naming it, and those naming a near copy of it, get their counts and flags anew.
pub fn photo_arrived(conn: &mut DbConn, sha256: &str, thresholds: &Thresholds) -> QueryResult<()> {
    let hash: i64 = photos::table
        .find(sha256)
        .select(photos::perceptual_hash)
        .get_result(conn)?;
    let mut related = vec![sha256.to_owned()];
    related.extend(
        near_copies(conn, &[(sha256.to_owned(), hash)], thresholds)?
            .into_values()
            .flatten()
            .map(|(sha, _)| sha),
    );
    let affected: BTreeSet<String> = visit_photos::table
        .filter(visit_photos::sha256.eq_any(&related))
        .select(visit_photos::visit_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    refresh_visits(conn, &affected.into_iter().collect::<Vec<_>>(), thresholds)
}

/// Locks these visits' rows on PostgreSQL before their photos are read, so two transactions refreshing one visit take
/// turns and the second sees what the first committed (under READ COMMITTED each would otherwise count only its own
/// photo and the last to commit would win). Ids in order, so two refreshes never wait on each other in a cycle.
/// SQLite's write transaction already holds the database's write lock.
fn lock_visits(conn: &mut DbConn, visit_ids: &[String]) -> QueryResult<()> {
    if let DbConn::Pg(c) = conn {
        visits::table
            .filter(visits::id.eq_any(visit_ids))
            .select(visits::id)
            .order(visits::id)
            .for_update()
            .load::<String>(c)?;
    }
    Ok(())
}

/// Photo arrivals take turns on PostgreSQL: an arriving photo looks for near copies among the photos already
/// received, which a concurrent arrival's uncommitted photo is not. Taken before anything is read; held to commit.
pub fn lock_photo_arrivals(conn: &mut DbConn) -> QueryResult<()> {
    /// An arbitrary key, unique within hezuo's advisory locks.
    const PHOTO_ARRIVALS: i64 = 0x6865_7a75_6f50;
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(PHOTO_ARRIVALS)
            .execute(c)?;
    }
    Ok(())
}

type VisitPhotoRow = (
    String,
    String,
    String,
    Option<NaiveDateTime>,
    Option<f64>,
    Option<f64>,
);

/// Recomputes the expected/received counts and the flags of these visits.
pub fn refresh_visits(
    conn: &mut DbConn,
    visit_ids: &[String],
    thresholds: &Thresholds,
) -> QueryResult<()> {
    if visit_ids.is_empty() {
        return Ok(());
    }
    lock_visits(conn, visit_ids)?;
    let visit_rows: Vec<(String, String, String, Option<String>)> = visits::table
        .filter(visits::id.eq_any(visit_ids))
        .select((
            visits::id,
            visits::cooperative_id,
            visits::data,
            visits::author_device_id,
        ))
        .load(conn)?;
    let cooperative_ids: BTreeSet<&String> = visit_rows.iter().map(|(_, c, _, _)| c).collect();
    let registered = registered_positions(conn, cooperative_ids)?;
    let known = PhotoFacts::load(conn, visit_ids, thresholds)?;
    let at = now();
    diesel::delete(evidence_flags::table.filter(evidence_flags::visit_id.eq_any(visit_ids)))
        .execute(conn)?;
    for (visit_id, cooperative_id, data, author_device) in &visit_rows {
        let visit: Visit = serde_json::from_str(data)
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
        let mine: Vec<&VisitPhotoRow> = known
            .named
            .iter()
            .filter(|row| &row.0 == visit_id)
            .collect();
        let mut evidence = VisitEvidence {
            visit_window_ms: visit_window_ms(&visit),
            visit_position: visit
                .meta
                .as_ref()
                .and_then(|m| m.geo.as_ref())
                .and_then(wgs84),
            registered_position: registered.get(cooperative_id).copied(),
            photos: Vec::new(),
        };
        let mut arrived_count = 0i64;
        for row in &mine {
            let (photo, arrived) =
                known.evidence(visit_id, cooperative_id, author_device.as_deref(), row);
            arrived_count += i64::from(arrived);
            evidence.photos.push(photo);
        }
        for flag in flags::evaluate(&evidence, thresholds) {
            store_flag(conn, visit_id, cooperative_id, &flag, at)?;
        }
        diesel::update(visits::table.find(visit_id))
            .set((
                visits::photos_expected.eq(mine.len() as i64),
                visits::photos_received.eq(arrived_count),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The registered positions of these cooperatives, in WGS-84.
fn registered_positions(
    conn: &mut DbConn,
    cooperative_ids: BTreeSet<&String>,
) -> QueryResult<HashMap<String, Wgs84>> {
    Ok(cooperatives::table
        .filter(cooperatives::id.eq_any(cooperative_ids))
        .select((
            cooperatives::id,
            cooperatives::latitude,
            cooperatives::longitude,
            cooperatives::coordinate_system,
        ))
        .load::<(String, Option<f64>, Option<f64>, Option<String>)>(conn)?
        .into_iter()
        .filter_map(|(id, lat, lon, system)| {
            let (lat, lon) = (lat?, lon?);
            let position = match system.as_deref() {
                Some("gcj02") => from_gcj02(lat, lon),
                _ => Wgs84 { lat, lon },
            };
            Some((id, position))
        })
        .collect())
}

/// What the database knows of the photos some visits name: the names, what arrived, who uploaded what, where else the
/// same bytes or near copies are used.
struct PhotoFacts {
    named: Vec<VisitPhotoRow>,
    received: HashMap<String, ReceivedPhoto>,
    /// (sha256, visit, cooperative) of every use by a visit whose author device sent the bytes.
    uses: Vec<(String, String, String)>,
    /// (sha256, device) of every upload.
    uploaders: std::collections::HashSet<(String, String)>,
    /// Near copies of each arrived photo: (sha256, distance in bits).
    near: HashMap<String, Vec<(String, u32)>>,
    near_uses: Vec<(String, String, String)>,
}

impl PhotoFacts {
    fn load(conn: &mut DbConn, visit_ids: &[String], thresholds: &Thresholds) -> QueryResult<Self> {
        let named: Vec<VisitPhotoRow> = visit_photos::table
            .filter(visit_photos::visit_id.eq_any(visit_ids))
            .select((
                visit_photos::visit_id,
                visit_photos::cooperative_id,
                visit_photos::sha256,
                visit_photos::device_taken_at,
                visit_photos::device_latitude,
                visit_photos::device_longitude,
            ))
            .load(conn)?;
        let hashes: Vec<String> = named
            .iter()
            .map(|row| row.2.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if hashes.is_empty() {
            // Visits that name no photo (most do not): nothing more to ask.
            return Ok(Self {
                named,
                received: HashMap::new(),
                uses: Vec::new(),
                uploaders: Default::default(),
                near: HashMap::new(),
                near_uses: Vec::new(),
            });
        }
        let received: HashMap<String, ReceivedPhoto> = photos::table
            .filter(photos::sha256.eq_any(&hashes))
            .select((
                photos::sha256,
                photos::exif_taken_at,
                photos::exif_latitude,
                photos::exif_longitude,
                photos::perceptual_hash,
            ))
            .load::<ReceivedPhoto>(conn)?
            .into_iter()
            .map(|row| (row.0.clone(), row))
            .collect();
        let uses = uploaded_uses(conn, &hashes)?;
        let uploaders = uploaders_of(conn, &hashes)?;
        let arrived: Vec<(String, i64)> = received
            .values()
            .map(|row| (row.0.clone(), row.4))
            .collect();
        let near = near_copies(conn, &arrived, thresholds)?;
        let near_hashes: Vec<&String> = near.values().flatten().map(|(sha, _)| sha).collect();
        let near_uses = uploaded_uses(conn, &near_hashes)?;
        Ok(Self {
            named,
            received,
            uses,
            uploaders,
            near,
            near_uses,
        })
    }

    /// One named photo's evidence for its visit, and whether its bytes arrived from the visit's author device (bytes
    /// count for a visit only then).
    fn evidence(
        &self,
        visit_id: &str,
        cooperative_id: &str,
        author_device: Option<&str>,
        row: &VisitPhotoRow,
    ) -> (PhotoEvidence, bool) {
        let (_, _, sha, device_taken_at, device_lat, device_lon) = row;
        let server = self.received.get(sha).filter(|_| {
            author_device
                .is_some_and(|device| self.uploaders.contains(&(sha.clone(), device.to_owned())))
        });
        let taken_at_ms = server
            .and_then(|p| p.1)
            .map(|t| (t.and_utc().timestamp_millis(), Source::ServerExif))
            .or_else(|| {
                device_taken_at.map(|t| (t.and_utc().timestamp_millis(), Source::DeviceExif))
            });
        let position = server
            .and_then(|p| {
                Some((
                    Wgs84 {
                        lat: p.2?,
                        lon: p.3?,
                    },
                    Source::ServerExif,
                ))
            })
            .or_else(|| {
                Some((
                    Wgs84 {
                        lat: (*device_lat)?,
                        lon: (*device_lon)?,
                    },
                    Source::DeviceExif,
                ))
            });
        let photo = PhotoEvidence {
            sha256: sha.clone(),
            taken_at_ms,
            position,
            same_hash_elsewhere: self.same_hash_elsewhere(sha, visit_id),
            near_duplicates: self.near_duplicates(sha, cooperative_id),
        };
        (photo, server.is_some())
    }

    /// Other visits that use the same bytes.
    fn same_hash_elsewhere(&self, sha: &str, visit_id: &str) -> Vec<OtherUse> {
        self.uses
            .iter()
            .filter(|(hash, other_visit, _)| hash == sha && other_visit != visit_id)
            .map(|(hash, other_visit, other_cooperative)| OtherUse {
                visit_id: other_visit.clone(),
                cooperative_id: other_cooperative.clone(),
                sha256: hash.clone(),
                distance_bits: None,
            })
            .collect()
    }

    /// Near copies used by other cooperatives.
    fn near_duplicates(&self, sha: &str, cooperative_id: &str) -> Vec<OtherUse> {
        self.near
            .get(sha)
            .into_iter()
            .flatten()
            .flat_map(|(other_sha, distance)| {
                self.near_uses
                    .iter()
                    .filter(move |(hash, _, other_cooperative)| {
                        hash == other_sha && other_cooperative != cooperative_id
                    })
                    .map(move |(hash, other_visit, other_cooperative)| OtherUse {
                        visit_id: other_visit.clone(),
                        cooperative_id: other_cooperative.clone(),
                        sha256: hash.clone(),
                        distance_bits: Some(*distance),
                    })
            })
            .collect()
    }
}

fn store_flag(
    conn: &mut DbConn,
    visit_id: &str,
    cooperative_id: &str,
    flag: &flags::Flag,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let detail = serde_json::json!({
        "message_zh": flag.message_zh,
        "message_en": flag.message_en,
        "figures": flag.detail,
    });
    diesel::insert_into(evidence_flags::table)
        .values((
            evidence_flags::visit_id.eq(visit_id),
            evidence_flags::cooperative_id.eq(cooperative_id),
            evidence_flags::code.eq(flag.code),
            evidence_flags::sha256.eq(&flag.sha256),
            evidence_flags::detail.eq(detail.to_string()),
            evidence_flags::detected_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// (sha256, visit, cooperative) for every visit naming one of `hashes` whose author device uploaded those bytes: a
/// visit that merely names someone else's hash is no use of the photo and raises no flag on the other visit.
pub fn uploaded_uses<H: AsRef<str>>(
    conn: &mut DbConn,
    hashes: &[H],
) -> QueryResult<Vec<(String, String, String)>> {
    use crate::db::schema::photo_uploaders;
    let hashes: Vec<&str> = hashes.iter().map(AsRef::as_ref).collect();
    visit_photos::table
        .inner_join(visits::table.on(visits::id.eq(visit_photos::visit_id)))
        .inner_join(
            photo_uploaders::table.on(photo_uploaders::sha256.eq(visit_photos::sha256).and(
                photo_uploaders::device_id
                    .nullable()
                    .eq(visits::author_device_id),
            )),
        )
        .filter(visit_photos::sha256.eq_any(&hashes))
        .select((
            visit_photos::sha256,
            visit_photos::visit_id,
            visit_photos::cooperative_id,
        ))
        .load(conn)
}

/// (sha256, device) for every device that uploaded one of `hashes`.
pub fn uploaders_of<H: AsRef<str>>(
    conn: &mut DbConn,
    hashes: &[H],
) -> QueryResult<std::collections::HashSet<(String, String)>> {
    use crate::db::schema::photo_uploaders;
    let hashes: Vec<&str> = hashes.iter().map(AsRef::as_ref).collect();
    Ok(photo_uploaders::table
        .filter(photo_uploaders::sha256.eq_any(&hashes))
        .select((photo_uploaders::sha256, photo_uploaders::device_id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// (sha256, EXIF time, EXIF latitude, EXIF longitude, perceptual hash).
type ReceivedPhoto = (String, Option<NaiveDateTime>, Option<f64>, Option<f64>, i64);

/// For each given photo, the other received photos within the near-duplicate distance, with their distance.
///
/// A linear scan over every received photo's hash: a few milliseconds per hundred thousand photos. A multi-index
/// hash table is the next step if the archive grows into the millions.
fn near_copies(
    conn: &mut DbConn,
    photos_to_match: &[(String, i64)],
    thresholds: &Thresholds,
) -> QueryResult<HashMap<String, Vec<(String, u32)>>> {
    let mut found = HashMap::new();
    if photos_to_match.is_empty() {
        return Ok(found);
    }
    let all: Vec<(String, i64)> = photos::table
        .select((photos::sha256, photos::perceptual_hash))
        .load(conn)?;
    for (sha, hash) in photos_to_match {
        let matches: Vec<(String, u32)> = all
            .iter()
            .filter(|(other, _)| other != sha)
            .filter_map(|(other, other_hash)| {
                let distance = hezuo_sync::photo::hash_distance(*hash as u64, *other_hash as u64);
                (distance <= thresholds.near_duplicate_bits).then(|| (other.clone(), distance))
            })
            .collect();
        if !matches.is_empty() {
            found.insert(sha.clone(), matches);
        }
    }
    Ok(found)
}

fn wgs84(point: &GeoPoint) -> Option<Wgs84> {
    let (lat, lon) = (point.lat?, point.lon?);
    if !(lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0) {
        return None;
    }
    Some(match point.datum {
        Some(Datum::Gcj02) => from_gcj02(lat, lon),
        _ => Wgs84 { lat, lon },
    })
}

/// When the visit happened: its declared day (China time), or else the moment the phone started it.
fn visit_window_ms(visit: &Visit) -> Option<(i64, i64)> {
    let declared = visit.meta.as_ref().and_then(|m| m.visit_date.as_ref());
    match declared.and_then(|day| chrono::NaiveDate::parse_from_str(day.as_str(), "%Y-%m-%d").ok())
    {
        Some(date) => {
            let midnight_utc = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis();
            let start = midnight_utc - CHINA_OFFSET_MS;
            Some((start, start + DAY_MS - 1))
        }
        None => visit.created_at.map(|at| (at, at)),
    }
}
