use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;
use hezuo_mobile_api::photos::{EvidenceFlag, PhotoInfo, Position, VisitPhoto, VisitPhotos};
use hezuo_mobile_api::{Lang, Problem};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::id::CooperativeId;
use crate::db::schema::{evidence_flags, photos, visit_photos as named_photos, visits};
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::{any_in_scope, in_scope};
use crate::models::stored_json;
use crate::photos::evidence::uploaders_of;
use crate::photos::uploads::PhotoRow;
use crate::state::AppState;

/// The photos a visit names — expected and arrived — with what the server read from each and the evidence flags
/// raised on them. A photo may arrive days after its visit; this list shows which are still missing.
#[utoipa::path(tag = "photos", params(("id" = Uuid, Path, description = "Visit id")), responses(
    (status = 200, description = "The visit's photos", body = VisitPhotos, headers(("ETag" = String))),
    (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    (status = 404, description = "No such visit in the caller's regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/visits/{id}/photos")]
pub async fn visit_photos(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let visit = id.into_inner();
    let visit_id = visit.to_string();
    let lang = Lang::from_accept_language(
        req.headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let listing = state
        .db
        .run(move |conn| {
            let (cooperative_id, expected, received, author_device): (
                CooperativeId,
                i64,
                i64,
                Option<String>,
            ) = visits::table
                .find(&visit_id)
                .select((
                    visits::cooperative_id,
                    visits::photos_expected,
                    visits::photos_received,
                    visits::author_device_id,
                ))
                .get_result(conn)
                .optional()?
                .ok_or_else(ApiError::not_found)?;
            if !any_in_scope(conn, &caller.scope, std::slice::from_ref(&cooperative_id))? {
                return Err(ApiError::not_found());
            }
            let named: Vec<NamedRow> = named_photos::table
                .filter(named_photos::visit_id.eq(&visit_id))
                .order(named_photos::sha256.asc())
                .select((
                    named_photos::sha256,
                    named_photos::field,
                    named_photos::caption,
                    named_photos::device_taken_at,
                    named_photos::device_latitude,
                    named_photos::device_longitude,
                ))
                .load(conn)?;
            let hashes: Vec<&String> = named.iter().map(|row| &row.0).collect();
            let arrived = arrived_photos(conn, &hashes, author_device.as_deref())?;
            let mut flags = visit_flags(conn, &caller, &visit_id, lang)?;
            let photos = named
                .into_iter()
                .map(|(sha256, field, caption, taken_at, lat, lon)| VisitPhoto {
                    received: arrived.contains_key(&sha256),
                    photo: arrived.get(&sha256).cloned(),
                    flags: flags.remove(&sha256).unwrap_or_default(),
                    device_taken_at: taken_at.map(|t| Utc.from_utc_datetime(&t)),
                    device_position: lat.zip(lon).map(|(latitude, longitude)| Position {
                        latitude,
                        longitude,
                    }),
                    sha256,
                    field,
                    caption,
                })
                .collect();
            Ok(VisitPhotos {
                visit_id: visit,
                cooperative_id: cooperative_id.uuid(),
                expected: expected as u32,
                received: received as u32,
                photos,
            })
        })
        .await?;
    crate::etag::respond(&req, &listing)
}

/// What the server read from each named photo that arrived, shown only where the visit's author device sent it.
fn arrived_photos(
    conn: &mut crate::db::DbConn,
    hashes: &[&String],
    author_device: Option<&str>,
) -> ApiResult<HashMap<String, PhotoInfo>> {
    let uploaders = uploaders_of(conn, hashes)?;
    Ok(photos::table
        .filter(photos::sha256.eq_any(hashes))
        .select(PhotoRow::as_select())
        .load::<PhotoRow>(conn)?
        .into_iter()
        .filter(|row| {
            author_device
                .is_some_and(|device| uploaders.contains(&(row.sha256.clone(), device.to_owned())))
        })
        .map(|row| (row.sha256.clone(), row.into_api()))
        .collect())
}

/// The evidence flags raised on the visit's photos, by photo, in the reader's language; other uses of a photo in
/// cooperatives the reader may not see are redacted.
fn visit_flags(
    conn: &mut crate::db::DbConn,
    caller: &Authenticated,
    visit_id: &str,
    lang: Lang,
) -> ApiResult<HashMap<String, Vec<EvidenceFlag>>> {
    let stored_flags: Vec<(String, String, String, NaiveDateTime)> = evidence_flags::table
        .filter(evidence_flags::visit_id.eq(visit_id))
        .order((evidence_flags::sha256.asc(), evidence_flags::code.asc()))
        .select((
            evidence_flags::code,
            evidence_flags::sha256,
            evidence_flags::detail,
            evidence_flags::detected_at,
        ))
        .load(conn)?;
    let stored_flags: Vec<(String, String, serde_json::Value, NaiveDateTime)> = stored_flags
        .into_iter()
        .map(|(code, sha256, detail, at)| Ok((code, sha256, stored_json(&detail)?, at)))
        .collect::<QueryResult<_>>()?;
    let mentioned: Vec<CooperativeId> = stored_flags
        .iter()
        .flat_map(|(_, _, detail, _)| other_cooperatives(&detail["figures"]))
        .collect();
    let visible = in_scope(conn, &caller.scope, &mentioned)?;
    let message_key = if lang == Lang::En {
        "message_en"
    } else {
        "message_zh"
    };
    let mut flags: HashMap<String, Vec<EvidenceFlag>> = HashMap::new();
    for (code, sha256, mut detail, detected_at) in stored_flags {
        if let Some(figures) = detail.get_mut("figures") {
            redact_other_uses(figures, &visible);
        }
        flags.entry(sha256.clone()).or_default().push(EvidenceFlag {
            code,
            sha256,
            message: detail[message_key].as_str().unwrap_or_default().to_owned(),
            figures: detail["figures"].clone(),
            detected_at: Utc.from_utc_datetime(&detected_at),
        });
    }
    Ok(flags)
}

/// The cooperatives a flag's figures name (other uses of the photo, near copies).
fn other_cooperatives(figures: &serde_json::Value) -> Vec<CooperativeId> {
    ["other_uses", "matches"]
        .iter()
        .filter_map(|key| figures[*key].as_array())
        .flatten()
        .filter_map(named_cooperative)
        .collect()
}

/// The cooperative a figure's entry names; one that names none readable stays hidden (see [`redact_other_uses`]).
fn named_cooperative(entry: &serde_json::Value) -> Option<CooperativeId> {
    entry["cooperative_id"].as_str()?.parse().ok()
}

/// Other uses in cooperatives the reader may not see keep only that they exist: no visit, cooperative or hash.
fn redact_other_uses(
    figures: &mut serde_json::Value,
    visible: &std::collections::HashSet<CooperativeId>,
) {
    for key in ["other_uses", "matches"] {
        if let Some(entries) = figures.get_mut(key).and_then(|v| v.as_array_mut()) {
            for entry in entries {
                let hidden = named_cooperative(entry).is_none_or(|id| !visible.contains(&id));
                if hidden {
                    *entry = serde_json::json!({ "outside_your_regions": true });
                }
            }
        }
    }
}

type NamedRow = (
    String,
    String,
    Option<String>,
    Option<NaiveDateTime>,
    Option<f64>,
    Option<f64>,
);
