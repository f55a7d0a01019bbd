//! Star campaigns (RULES.md §2.1): one per year and kind of organisation, scored with one model version, open for
//! applications until closed.

use diesel::prelude::*;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::stars::{Campaign, OpenCampaign};
use uuid::Uuid;

use super::status::CampaignStatus;
use super::store::{self, CampaignRow};
use super::view;
use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::db::code::Code;
use crate::db::schema::star_campaigns;
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};

/// Opens the year's campaign for a kind, with the named model version or the built-in one. Opening again answers the
/// campaign there is (`false`); one with another model is refused.
pub fn open(
    conn: &mut DbConn,
    caller: &Authenticated,
    request: &OpenCampaign,
) -> ApiResult<(bool, Campaign)> {
    let version = match &request.model_version {
        Some(version) => version.clone(),
        None => store::built_in()
            .map_err(ApiError::internal)?
            .iter()
            .find(|(model, _)| model.kind == request.kind)
            .map(|(model, _)| model.version.clone())
            .ok_or_else(|| ApiError::new(ErrorCode::StarModelUnknown))?,
    };
    let model = store::model(conn, &version)?
        .filter(|model| model.kind == request.kind)
        .ok_or_else(|| ApiError::new(ErrorCode::StarModelUnknown))?;
    let existing = |conn: &mut DbConn| -> QueryResult<Option<CampaignRow>> {
        star_campaigns::table
            .filter(star_campaigns::year.eq(i64::from(request.year)))
            .filter(star_campaigns::kind.eq(request.kind.as_str()))
            .select(CampaignRow::as_select())
            .first(conn)
            .optional()
    };
    if let Some(existing) = existing(conn)? {
        if existing.model_version != model.version {
            return Err(ApiError::new(ErrorCode::StarCampaignExists).with_detail(
                format!("该年度评定已使用模型 {}", existing.model_version),
                format!("the campaign uses model {}", existing.model_version),
            ));
        }
        let scope = caller.scope.paths();
        return Ok((false, view::campaign(conn, existing, scope.as_deref())?));
    }
    let name = request
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}年度{}星级评定", request.year, request.kind.label_zh()));
    let row = CampaignRow {
        id: Uuid::now_v7().to_string(),
        year: i64::from(request.year),
        kind: Code(request.kind),
        model_version: model.version.clone(),
        name,
        status: Code(CampaignStatus::Open),
        opened_by: caller.user.id,
        opened_at: crate::models::now(),
        closed_at: None,
    };
    let inserted = crate::with_backend!(conn, |c| diesel::insert_into(star_campaigns::table)
        .values(&row)
        .on_conflict_do_nothing()
        .execute(c))?;
    if inserted == 0 {
        // Opened twice at once and the other got there first: answer with it, as opening again does.
        let campaign = existing(conn)?.ok_or_else(ApiError::not_found)?;
        let scope = caller.scope.paths();
        return Ok((false, view::campaign(conn, campaign, scope.as_deref())?));
    }
    audit::record(
        conn,
        &caller.who(),
        Entry {
            action: crate::models::audit::Action::StarCampaignOpened,
            entity_type: "star_campaign",
            entity_id: &row.id,
        },
        audit::NONE,
        Some(&serde_json::json!({
            "year": row.year, "kind": row.kind, "model_version": row.model_version, "name": row.name,
        })),
    )?;
    Ok((true, view::campaign(conn, row, None)?))
}

/// Closes a campaign: no more applications, scores or decisions. Closing a closed one changes nothing.
pub fn close(conn: &mut DbConn, caller: &Authenticated, id: &str) -> ApiResult<Campaign> {
    let mut row = store::campaign(conn, id)?;
    if *row.status == CampaignStatus::Open {
        let at = crate::models::now();
        diesel::update(star_campaigns::table.find(id))
            .set((
                star_campaigns::status.eq(CampaignStatus::Closed.as_str()),
                star_campaigns::closed_at.eq(Some(at)),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            &caller.who(),
            Entry {
                action: crate::models::audit::Action::StarCampaignClosed,
                entity_type: "star_campaign",
                entity_id: &id,
            },
            Some(&serde_json::json!({ "status": "open" })),
            Some(&serde_json::json!({ "status": "closed" })),
        )?;
        row.status = Code(CampaignStatus::Closed);
        row.closed_at = Some(at);
    }
    view::campaign(conn, row, None)
}
