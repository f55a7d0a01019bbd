//! Importing the region tree from CSV/XLSX with the columns `code,name,parent_code` (Chinese headers accepted).
//!
//! Rows may come in any order: parents are imported before their children. A region whose parent changes (e.g. a
//! city imported on its own first, its province later) moves with its whole subtree.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use hezuo_mobile_api::RegionCode;
use hezuo_mobile_api::imports::{ImportReport, RowError};

use super::table::{self, Column};
use super::{BATCH_ROWS, ImportError, Progress, row_error};
use crate::db::code::Code;
use crate::db::schema::{cooperatives, regions};
use crate::db::{DbConn, write_transaction};
use crate::models::Who;
use crate::models::audit::{self, Entry};
use crate::models::now;
use crate::models::regions::{self as region_model, RegionRow, child_path};

const COLUMNS: &[Column] = &[
    Column {
        key: "code",
        aliases: &["区划代码", "代码", "行政区划代码", "统计用区划代码"],
        required: true,
    },
    Column {
        key: "name",
        aliases: &["名称", "区划名称", "行政区划名称"],
        required: true,
    },
    Column {
        key: "parent_code",
        aliases: &["上级代码", "上级区划代码", "parent"],
        required: false,
    },
];

/// One region to import.
#[derive(Debug, Clone)]
pub struct RegionInput {
    pub row: u64,
    pub code: RegionCode,
    pub name: String,
    pub parent: Option<RegionCode>,
}

/// Reads and imports a file.
pub fn import_file(
    conn: &mut DbConn,
    bytes: &[u8],
    actor: &Who,
    progress: Progress<'_>,
) -> Result<ImportReport, ImportError> {
    let table = table::read(bytes)?;
    let positions = table::locate(&table.headers, COLUMNS)?;
    let mut errors = Vec::new();
    let mut inputs = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (row, cells) in &table.rows {
        let row = *row;
        let code = match table::cell(cells, &positions, "code").map(RegionCode::parse) {
            None => {
                errors.push(row_error(row, Some("code"), "required", "区划代码为空"));
                continue;
            }
            Some(Err(e)) => {
                errors.push(row_error(
                    row,
                    Some("code"),
                    "region_code_invalid",
                    e.message_zh(),
                ));
                continue;
            }
            Some(Ok(code)) => code,
        };
        let Some(name) = table::cell(cells, &positions, "name") else {
            errors.push(row_error(row, Some("name"), "required", "名称为空"));
            continue;
        };
        let parent = match table::cell(cells, &positions, "parent_code").map(RegionCode::parse) {
            None => None,
            Some(Err(e)) => {
                errors.push(row_error(
                    row,
                    Some("parent_code"),
                    "region_code_invalid",
                    e.message_zh(),
                ));
                continue;
            }
            Some(Ok(parent)) => Some(parent),
        };
        if let Some(first) = seen.get(code.as_str()) {
            errors.push(row_error(
                row,
                Some("code"),
                "duplicate_in_file",
                format!("区划代码{code}与第{first}行重复"),
            ));
            continue;
        }
        seen.insert(code.as_str().to_owned(), row);
        inputs.push(RegionInput {
            row,
            code,
            name: name.to_owned(),
            parent,
        });
    }
    let rows = table.rows.len() as u64;
    let mut report = apply(conn, inputs, actor, progress)?;
    report.rows = rows;
    report.errors.extend(errors);
    report.errors.sort_by_key(|e| e.row);
    report.failed = report.errors.len() as u64;
    Ok(report)
}

/// Checks the tree rules and writes the regions; failed rows are reported, the rest imported.
pub fn apply(
    conn: &mut DbConn,
    mut inputs: Vec<RegionInput>,
    actor: &Who,
    progress: Progress<'_>,
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport {
        rows: inputs.len() as u64,
        ..ImportReport::default()
    };
    // Parents first: a lower level always has a longer or larger code.
    inputs
        .sort_by(|a, b| (a.code.level(), a.code.as_str()).cmp(&(b.code.level(), b.code.as_str())));
    let total = inputs.len() as u64;
    let mut paths: HashMap<String, String> = HashMap::new();
    let mut failed: HashSet<String> = HashSet::new();
    let mut done = 0u64;
    for batch in inputs.chunks(BATCH_ROWS) {
        let outcomes = write_transaction(conn, |conn| {
            let mut outcomes = Vec::with_capacity(batch.len());
            for input in batch {
                outcomes.push(apply_one(conn, input, &mut paths)?);
            }
            Ok::<_, diesel::result::Error>(outcomes)
        })?;
        for (input, outcome) in batch.iter().zip(outcomes) {
            match outcome {
                Outcome::Inserted => report.inserted += 1,
                Outcome::Updated => report.updated += 1,
                Outcome::Unchanged => report.unchanged += 1,
                Outcome::Failed(error) => {
                    failed.insert(input.code.as_str().to_owned());
                    report.errors.push(error);
                }
            }
            done += 1;
            progress(done, total);
        }
    }
    report.failed = report.errors.len() as u64;
    audit::record(
        conn,
        actor,
        Entry {
            action: crate::models::audit::Action::RegionsImport,
            entity_type: "region",
            entity_id: &"*",
        },
        audit::NONE,
        Some(&serde_json::json!({
            "inserted": report.inserted, "updated": report.updated, "unchanged": report.unchanged, "failed": report.failed
        })),
    )?;
    Ok(report)
}

enum Outcome {
    Inserted,
    Updated,
    Unchanged,
    Failed(RowError),
}

fn apply_one(
    conn: &mut DbConn,
    input: &RegionInput,
    paths: &mut HashMap<String, String>,
) -> QueryResult<Outcome> {
    let code = input.code.as_str();
    let parent_path = match &input.parent {
        None => None,
        Some(parent) => {
            if !parent.may_contain(&input.code) {
                return Ok(Outcome::Failed(row_error(
                    input.row,
                    Some("parent_code"),
                    "parent_mismatch",
                    format!(
                        "上级区划{parent}（{}）不能包含{code}（{}）",
                        parent.level().name_zh(),
                        input.code.level().name_zh()
                    ),
                )));
            }
            let known = match paths.get(parent.as_str()) {
                Some(path) => Some(path.clone()),
                None => region_model::find(conn, parent.as_str())?.map(|r| r.path),
            };
            match known {
                Some(path) => Some(path),
                None => {
                    return Ok(Outcome::Failed(row_error(
                        input.row,
                        Some("parent_code"),
                        "parent_unknown",
                        format!("上级区划{parent}不存在（文件中也没有有效的该行）"),
                    )));
                }
            }
        }
    };
    let path = child_path(parent_path.as_deref(), code);
    let outcome = match region_model::find(conn, code)? {
        None => {
            let created = now();
            let row = RegionRow {
                code: code.to_owned(),
                name: input.name.clone(),
                level: Code(input.code.level()),
                parent_code: input.parent.as_ref().map(|p| p.as_str().to_owned()),
                path: path.clone(),
                created_at: created,
                updated_at: created,
            };
            diesel::insert_into(regions::table)
                .values(&row)
                .execute(conn)?;
            Outcome::Inserted
        }
        Some(existing) if existing.path == path && existing.name == input.name => {
            Outcome::Unchanged
        }
        Some(existing) => {
            if existing.path != path {
                move_subtree(conn, &existing.path, &path)?;
            }
            diesel::update(regions::table.find(code))
                .set((
                    regions::name.eq(&input.name),
                    regions::parent_code.eq(input.parent.as_ref().map(|p| p.as_str())),
                    regions::updated_at.eq(now()),
                ))
                .execute(conn)?;
            Outcome::Updated
        }
    };
    paths.insert(code.to_owned(), path);
    Ok(outcome)
}

diesel::define_sql_function!(fn substr(text: Text, start: Integer) -> Text);

/// Rewrites the paths of a region and all its descendants from `old` to `new`, and the copies on cooperatives
/// (portable `||` and `substr`).
fn move_subtree(conn: &mut DbConn, old: &str, new: &str) -> QueryResult<()> {
    let keep_from = old.chars().count() as i32 + 1;
    diesel::update(regions::table.filter(regions::path.like(format!("{old}%"))))
        .set(
            regions::path.eq(new
                .to_owned()
                .into_sql::<Text>()
                .concat(substr(regions::path, keep_from))),
        )
        .execute(conn)?;
    diesel::update(cooperatives::table.filter(cooperatives::region_path.like(format!("{old}%"))))
        .set(
            cooperatives::region_path.eq(new
                .to_owned()
                .into_sql::<Text>()
                .concat(substr(cooperatives::region_path, keep_from))),
        )
        .execute(conn)?;
    Ok(())
}
