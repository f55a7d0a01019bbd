//! Evidence-integrity flags on a visit's photos: pure rules over what is known of the visit and its photos. The
//! thresholds are proposals ([P] in RULES.md) and come from the configuration.

use serde::Serialize;

use super::geo::{Wgs84, distance_m};

#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub time_tolerance_ms: i64,
    pub distance_from_visit_m: f64,
    pub distance_from_registered_m: f64,
    pub near_duplicate_bits: u32,
}

impl Thresholds {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            time_tolerance_ms: (config.evidence_time_tolerance_hours * 3_600_000.0) as i64,
            distance_from_visit_m: config.evidence_distance_from_visit_m,
            distance_from_registered_m: config.evidence_distance_from_registered_m,
            near_duplicate_bits: config.evidence_near_duplicate_bits,
        }
    }
}

/// Where a photo's time or position came from: the EXIF of the bytes the server received, or the phone's reading of
/// the original's EXIF before it shrank the photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    ServerExif,
    DeviceExif,
}

/// Another place a photo (or a near copy of it) is used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OtherUse {
    pub visit_id: String,
    pub cooperative_id: String,
    pub sha256: String,
    /// Bits apart, for a near duplicate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_bits: Option<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct PhotoEvidence {
    pub sha256: String,
    pub taken_at_ms: Option<(i64, Source)>,
    pub position: Option<(Wgs84, Source)>,
    /// Other visits naming the same bytes.
    pub same_hash_elsewhere: Vec<OtherUse>,
    /// Photos of other cooperatives within the near-duplicate distance.
    pub near_duplicates: Vec<OtherUse>,
}

#[derive(Debug, Clone, Default)]
pub struct VisitEvidence {
    /// When the visit happened (ms since the epoch, first and last): its declared day, or the moment the phone
    /// started it.
    pub visit_window_ms: Option<(i64, i64)>,
    pub visit_position: Option<Wgs84>,
    pub registered_position: Option<Wgs84>,
    pub photos: Vec<PhotoEvidence>,
}

/// One flag raised on one photo of a visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    pub code: &'static str,
    pub sha256: String,
    pub message_zh: String,
    pub message_en: String,
    pub detail: serde_json::Value,
}

pub const TIME_FAR: &str = "photo_time_far_from_visit";
pub const FAR_FROM_VISIT: &str = "photo_far_from_visit";
pub const FAR_FROM_REGISTERED: &str = "photo_far_from_registered_location";
pub const REUSED: &str = "photo_reused";
pub const NEAR_DUPLICATE: &str = "photo_near_duplicate";

pub fn evaluate(visit: &VisitEvidence, limits: &Thresholds) -> Vec<Flag> {
    let mut flags = Vec::new();
    for photo in &visit.photos {
        if let (Some((taken, source)), Some((first, last))) =
            (photo.taken_at_ms, visit.visit_window_ms)
        {
            let apart_ms = (first - taken).max(taken - last).max(0);
            if apart_ms > limits.time_tolerance_ms {
                let hours = apart_ms as f64 / 3_600_000.0;
                flags.push(Flag {
                    code: TIME_FAR,
                    sha256: photo.sha256.clone(),
                    message_zh: format!("照片拍摄时间与走访时间相差 {hours:.1} 小时"),
                    message_en: format!("Photo taken {hours:.1} h away from the visit"),
                    detail: serde_json::json!({
                        "hours_apart": round1(hours), "photo_taken_at_ms": taken,
                        "visit_from_ms": first, "visit_until_ms": last, "source": source,
                    }),
                });
            }
        }
        let Some((position, source)) = photo.position else {
            continue;
        };
        if let Some(visit_position) = visit.visit_position {
            let metres = distance_m(position, visit_position);
            if metres > limits.distance_from_visit_m {
                flags.push(distance_flag(
                    FAR_FROM_VISIT,
                    &photo.sha256,
                    metres,
                    source,
                    ("走访定位", "the visit's position"),
                ));
            }
        }
        if let Some(registered) = visit.registered_position {
            let metres = distance_m(position, registered);
            if metres > limits.distance_from_registered_m {
                flags.push(distance_flag(
                    FAR_FROM_REGISTERED,
                    &photo.sha256,
                    metres,
                    source,
                    ("合作社登记地址", "the cooperative's registered location"),
                ));
            }
        }
    }
    for photo in &visit.photos {
        if !photo.same_hash_elsewhere.is_empty() {
            flags.push(Flag {
                code: REUSED,
                sha256: photo.sha256.clone(),
                message_zh: format!(
                    "同一张照片还用于另外 {} 条走访记录",
                    photo.same_hash_elsewhere.len()
                ),
                message_en: format!(
                    "The same photo is used by {} other visit(s)",
                    photo.same_hash_elsewhere.len()
                ),
                detail: serde_json::json!({ "other_uses": photo.same_hash_elsewhere }),
            });
        }
        if !photo.near_duplicates.is_empty() {
            flags.push(Flag {
                code: NEAR_DUPLICATE,
                sha256: photo.sha256.clone(),
                message_zh: format!(
                    "照片与其他合作社的 {} 张照片几乎相同",
                    photo.near_duplicates.len()
                ),
                message_en: format!(
                    "The photo nearly matches {} photo(s) of other cooperatives",
                    photo.near_duplicates.len()
                ),
                detail: serde_json::json!({ "matches": photo.near_duplicates }),
            });
        }
    }
    flags
}

fn distance_flag(
    code: &'static str,
    sha256: &str,
    metres: f64,
    source: Source,
    (zh, en): (&str, &str),
) -> Flag {
    let km = metres / 1000.0;
    Flag {
        code,
        sha256: sha256.to_owned(),
        message_zh: format!("照片拍摄地点距{zh} {km:.1} 公里"),
        message_en: format!("Photo taken {km:.1} km from {en}"),
        detail: serde_json::json!({ "distance_m": metres.round(), "source": source }),
    }
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Thresholds = Thresholds {
        time_tolerance_ms: 12 * 3_600_000,
        distance_from_visit_m: 1_000.0,
        distance_from_registered_m: 5_000.0,
        near_duplicate_bits: 6,
    };

    const COOPERATIVE: Wgs84 = Wgs84 {
        lat: 29.8683,
        lon: 121.5440,
    };

    fn honest() -> VisitEvidence {
        VisitEvidence {
            visit_window_ms: Some((1_000_000_000_000, 1_000_000_000_000)),
            visit_position: Some(COOPERATIVE),
            registered_position: Some(COOPERATIVE),
            photos: vec![PhotoEvidence {
                sha256: "a".repeat(64),
                taken_at_ms: Some((1_000_000_000_000 + 3_600_000, Source::ServerExif)),
                position: Some((
                    Wgs84 {
                        lat: 29.8690,
                        lon: 121.5445,
                    },
                    Source::ServerExif,
                )),
                ..PhotoEvidence::default()
            }],
        }
    }

    #[test]
    fn an_honest_visit_raises_nothing() {
        assert_eq!(evaluate(&honest(), &LIMITS), vec![]);
    }

    #[test]
    fn the_time_tolerance_is_an_open_bound() {
        let mut visit = honest();
        visit.photos[0].taken_at_ms =
            Some((1_000_000_000_000 + 12 * 3_600_000, Source::DeviceExif));
        assert!(evaluate(&visit, &LIMITS).is_empty());
        visit.photos[0].taken_at_ms =
            Some((1_000_000_000_000 + 12 * 3_600_000 + 1, Source::DeviceExif));
        let flags = evaluate(&visit, &LIMITS);
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].code, TIME_FAR);
    }

    #[test]
    fn a_photo_from_another_city_is_far_from_both_places() {
        let mut visit = honest();
        visit.photos[0].position = Some((
            Wgs84 {
                lat: 30.2741,
                lon: 120.1551,
            },
            Source::ServerExif,
        ));
        let codes: Vec<&str> = evaluate(&visit, &LIMITS).iter().map(|f| f.code).collect();
        assert_eq!(codes, vec![FAR_FROM_VISIT, FAR_FROM_REGISTERED]);
    }
}
