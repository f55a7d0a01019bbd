use std::collections::HashMap;

use crate::db::id::{CooperativeId, VisitId};
use actix_web::{get, web};
use diesel::prelude::*;
use hezuo_mobile_api::reviews::{MapCooperative, MapPoints, MapVisit};
use hezuo_mobile_api::{ErrorCode, Problem};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::db::schema::{cooperatives, evidence_flags, visit_reviews, visits};
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::cooperative_in_scope;
use crate::photos::geo::{Wgs84, from_gcj02};
use crate::state::AppState;

/// At most this many visits, the most recently submitted, so a city-wide map stays light on a weak link.
const MAX_VISITS: i64 = 5000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MapQuery {
    /// Only this region's subtree (within the caller's regions).
    pub region: Option<String>,
}

/// Cooperatives with a registered location and submitted visits with a recorded position in the caller's regions
/// (WGS-84; registry locations in GCJ-02 converted), each visit with its review state and evidence flags; at most
/// the 5,000 most recently submitted visits. Also the configured tile URL.
#[utoipa::path(tag = "review", params(MapQuery), responses(
    (status = 200, description = "The points", body = MapPoints),
    (status = 422, description = "An unknown region", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/map/points")]
pub async fn map_points(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<MapQuery>,
) -> ApiResult<web::Json<MapPoints>> {
    let region = query
        .into_inner()
        .region
        .filter(|r| !r.is_empty())
        .map(|r| crate::validate::region_code_param(&r))
        .transpose()?;
    let tile_url = state.config.map_tile_url.clone();
    let points = state
        .db
        .run(move |conn| {
            let mut paths: Vec<Vec<String>> = Vec::new();
            if let Some(scope) = caller.scope.paths() {
                paths.push(scope);
            }
            if let Some(code) = &region {
                let row = crate::models::regions::find(conn, code.as_str())?
                    .ok_or_else(|| ApiError::new(ErrorCode::RegionUnknown))?;
                paths.push(vec![row.path]);
            }
            let (cooperatives, names) = placed_cooperatives(conn, &paths)?;
            let visits = placed_visits(conn, &paths, &names)?;
            Ok(MapPoints {
                cooperatives,
                visits,
                tile_url,
            })
        })
        .await?;
    Ok(web::Json(points))
}

/// Cooperatives with a registered position (in WGS-84), and every listed cooperative's name by id.
fn placed_cooperatives(
    conn: &mut crate::db::DbConn,
    paths: &[Vec<String>],
) -> ApiResult<(Vec<MapCooperative>, HashMap<CooperativeId, String>)> {
    let mut places = cooperatives::table
        .filter(cooperatives::merged_into.is_null())
        .select((
            cooperatives::id,
            cooperatives::name,
            cooperatives::latitude,
            cooperatives::longitude,
            cooperatives::coordinate_system,
        ))
        .into_boxed();
    for subtree in paths {
        places = places.filter(cooperative_in_scope("id", subtree));
    }
    type Place = (
        CooperativeId,
        String,
        Option<f64>,
        Option<f64>,
        Option<String>,
    );
    let places: Vec<Place> = places.load(conn)?;
    let names: HashMap<CooperativeId, String> = places.iter().map(|p| (p.0, p.1.clone())).collect();
    let cooperatives = places
        .into_iter()
        .filter_map(|(id, name, lat, lon, system)| {
            let position = match system.as_deref() {
                Some("gcj02") => from_gcj02(lat?, lon?),
                _ => Wgs84 {
                    lat: lat?,
                    lon: lon?,
                },
            };
            Some(MapCooperative {
                id: id.uuid(),
                name,
                latitude: position.lat,
                longitude: position.lon,
            })
        })
        .collect();
    Ok((cooperatives, names))
}

/// The most recently submitted visits that recorded a position, with their review state and flag count.
fn placed_visits(
    conn: &mut crate::db::DbConn,
    paths: &[Vec<String>],
    names: &HashMap<CooperativeId, String>,
) -> ApiResult<Vec<MapVisit>> {
    let mut submitted = visits::table
        .filter(visits::submitted_at.is_not_null())
        .order(visits::submitted_at.desc())
        .limit(MAX_VISITS)
        .select((
            visits::id,
            visits::cooperative_id,
            visits::visit_date,
            visits::data,
        ))
        .into_boxed();
    for subtree in paths {
        submitted = submitted.filter(cooperative_in_scope("cooperative_id", subtree));
    }
    let submitted: Vec<(VisitId, CooperativeId, Option<String>, String)> = submitted.load(conn)?;
    let ids: Vec<VisitId> = submitted.iter().map(|v| v.0).collect();
    let states: HashMap<VisitId, String> = visit_reviews::table
        .filter(visit_reviews::visit_id.eq_any(&ids))
        .select((visit_reviews::visit_id, visit_reviews::state))
        .load::<(VisitId, String)>(conn)?
        .into_iter()
        .collect();
    let mut flags: HashMap<VisitId, u32> = HashMap::new();
    for visit in evidence_flags::table
        .filter(evidence_flags::visit_id.eq_any(&ids))
        .select(evidence_flags::visit_id)
        .load::<VisitId>(conn)?
    {
        *flags.entry(visit).or_insert(0) += 1;
    }
    let mut placed = Vec::with_capacity(submitted.len());
    for (id, cooperative, visit_date, data) in submitted {
        let content: serde_json::Value = crate::models::stored_json(&data)?;
        // Visits that recorded no position have no place on the map.
        let Some(position) = recorded_position(&content) else {
            continue;
        };
        placed.push(MapVisit {
            visit_id: id.uuid(),
            cooperative_id: cooperative.uuid(),
            cooperative_name: names.get(&cooperative).cloned().unwrap_or_default(),
            latitude: position.lat,
            longitude: position.lon,
            visit_date,
            state: states.get(&id).cloned(),
            evidence_flags: flags.get(&id).copied().unwrap_or(0),
        });
    }
    Ok(placed)
}

/// Where the visit's form says it was, in WGS-84.
fn recorded_position(content: &serde_json::Value) -> Option<Wgs84> {
    let geo = &content["meta"]["geo"];
    let (lat, lon) = (geo["lat"].as_f64()?, geo["lon"].as_f64()?);
    Some(match geo["datum"].as_str() {
        Some("gcj02") => from_gcj02(lat, lon),
        _ => Wgs84 { lat, lon },
    })
}
