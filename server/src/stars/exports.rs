//! A star campaign's exports: the public-notice (公示) list and the results, as tables for XLSX or CSV.

use super::status::ApplicationStatus;
use super::{applications, store, view};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::xlsx::{Cell, Table};

/// Every organisation of the campaign awarded a star in `scope`, by region, with its credit code, star and score; only
/// applications decided by every level. Returns the campaign's year and the table.
pub fn public_notice(
    conn: &mut DbConn,
    id: &str,
    scope: Option<&[String]>,
) -> ApiResult<(i64, Table)> {
    let campaign = store::campaign(conn, id)?;
    let (rows, registry) = view::campaign_rows(conn, id, scope)?;
    let titles = [
        "序号",
        "组织名称",
        "统一社会信用代码",
        "所在地区",
        "区划代码",
        "评定星级",
        "总分",
        "评定年度",
    ];
    let rows: Vec<Vec<Cell>> = rows
        .iter()
        .filter(|row| *row.status == ApplicationStatus::Rated)
        .enumerate()
        .map(|(index, row)| {
            let (name, uscc, code, region) = registry
                .get(&row.cooperative_id)
                .cloned()
                .unwrap_or_default();
            let stars = row.awarded_star.unwrap_or_default();
            vec![
                Cell::Number(index as f64 + 1.0),
                name.into(),
                uscc.into(),
                region.into(),
                code.into(),
                format!("{stars}星级").into(),
                row.total.into(),
                Cell::Number(campaign.year as f64),
            ]
        })
        .collect();
    Ok((
        campaign.year,
        Table {
            sheet: "公示名单".to_owned(),
            titles: titles.iter().map(|t| (*t).to_owned()).collect(),
            rows,
        },
    ))
}

/// Every application in `scope` with its score per category, the capped bonus, the total, vetoes, the star computed,
/// proposed and awarded, the status and level awaited, and the explanation.
pub fn results(conn: &mut DbConn, id: &str, scope: Option<&[String]>) -> ApiResult<(i64, Table)> {
    let campaign = store::campaign(conn, id)?;
    let model = store::campaign_model(conn, &campaign)?;
    let (rows, registry) = view::campaign_rows(conn, id, scope)?;
    let mut titles: Vec<String> = ["组织名称", "统一社会信用代码", "所在地区"]
        .iter()
        .map(|t| (*t).to_owned())
        .collect();
    for category in &model.categories {
        titles.push(format!("{}（{}分）", category.name_zh, category.points));
    }
    for title in [
        "加分",
        "总分",
        "一票否决",
        "计算星级",
        "拟评星级",
        "评定星级",
        "状态",
        "待审层级",
        "说明",
    ] {
        titles.push(title.to_owned());
    }
    let mut cells = Vec::with_capacity(rows.len());
    for row in &rows {
        let result = row.result()?;
        let (name, uscc, _, region) = registry
            .get(&row.cooperative_id)
            .cloned()
            .unwrap_or_default();
        let mut line: Vec<Cell> = vec![name.into(), uscc.into(), region.into()];
        line.extend(result.categories.iter().map(|c| Cell::Number(c.points)));
        let vetoes: Vec<&str> = result.vetoes.iter().map(|v| &*v.name_zh).collect();
        let star = |value: Option<i64>| value.map(|s| s as f64);
        line.extend([
            Cell::Number(result.bonus),
            Cell::Number(row.total),
            vetoes.join("、").into(),
            star(row.computed_star).into(),
            star(row.proposed_star).into(),
            star(row.awarded_star).into(),
            row.status.label_zh().into(),
            row.awaiting_level
                .as_deref()
                .map(applications::level_zh)
                .into(),
            row.explanation_zh.clone().into(),
        ]);
        cells.push(line);
    }
    Ok((
        campaign.year,
        Table {
            sheet: "评定结果".to_owned(),
            titles,
            rows: cells,
        },
    ))
}
