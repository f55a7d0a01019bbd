//! Importing who answers for each cooperative (统一社会信用代码, 辅导员账号, 供销专干账号, 备注) from CSV or XLSX. Each row
//! is one assignment, checked as the API checks it, inside the importer's regions; importing the same file again
//! changes nothing.

use std::collections::HashMap;

use hezuo_mobile_api::Lang;
use hezuo_mobile_api::coverage::AssignRequest;
use hezuo_mobile_api::imports::{ImportReport, RowError};

use super::table::{self, Column};
use super::{ImportError, row_error};
use crate::auth::Authenticated;
use crate::db::{DbConn, write_transaction};
use crate::error::ApiError;
use crate::models::{cooperatives, users};

const COLUMNS: &[Column] = &[
    Column {
        key: "uscc",
        aliases: &["统一社会信用代码", "信用代码"],
        required: true,
    },
    Column {
        key: "counsellor",
        aliases: &["辅导员账号", "辅导员", "辅导员用户名"],
        required: true,
    },
    Column {
        key: "officer",
        aliases: &["供销专干账号", "供销专干", "供销专干用户名"],
        required: false,
    },
    Column {
        key: "note",
        aliases: &["备注"],
        required: false,
    },
];

/// Imports the file as `caller`; rows outside the caller's regions fail as if the cooperative did not exist.
pub fn import_file(
    conn: &mut DbConn,
    bytes: &[u8],
    caller: &Authenticated,
) -> Result<ImportReport, ImportError> {
    let table = table::read(bytes)?;
    let positions = table::locate(&table.headers, COLUMNS)?;
    let mut report = ImportReport {
        rows: table.rows.len() as u64,
        ..ImportReport::default()
    };
    let mut accounts: HashMap<String, Option<uuid::Uuid>> = HashMap::new();
    for (row, cells) in &table.rows {
        let value = |key: &str| table::cell(cells, &positions, key).unwrap_or_default();
        let row = Row {
            number: *row,
            uscc: value("uscc"),
            counsellor: value("counsellor"),
            officer: Some(value("officer")).filter(|o| !o.is_empty()),
            note: Some(value("note")).filter(|n| !n.is_empty()),
        };
        match import_row(conn, caller, &row, &mut accounts)? {
            Ok(true) => report.inserted += 1,
            Ok(false) => report.unchanged += 1,
            Err(error) => report.errors.push(error),
        }
    }
    report.failed = report.errors.len() as u64;
    Ok(report)
}

struct Row<'a> {
    number: u64,
    uscc: &'a str,
    counsellor: &'a str,
    officer: Option<&'a str>,
    note: Option<&'a str>,
}

/// One row: whether it made a new assignment, or why it was refused. Database failures stop the import.
fn import_row(
    conn: &mut DbConn,
    caller: &Authenticated,
    row: &Row<'_>,
    accounts: &mut HashMap<String, Option<uuid::Uuid>>,
) -> Result<Result<bool, RowError>, ImportError> {
    let Some(cooperative) = cooperatives::find_by_uscc(conn, row.uscc)?
        .filter(|c| caller.scope.covers_path(&c.region_path))
    else {
        return Ok(Err(row_error(
            row.number,
            Some("uscc"),
            "not_found",
            format!("您负责的区域内没有统一社会信用代码为{}的合作社", row.uscc),
        )));
    };
    let mut account =
        |column: &str, username: &str| -> Result<Result<uuid::Uuid, RowError>, ImportError> {
            if !accounts.contains_key(username) {
                let found = users::find_by_username(conn, username)?.map(|u| u.uuid());
                accounts.insert(username.to_owned(), found);
            }
            Ok(accounts.get(username).copied().flatten().ok_or_else(|| {
                row_error(
                    row.number,
                    Some(column),
                    "unknown_user",
                    format!("没有账号{username}"),
                )
            }))
        };
    let counsellor = match account("counsellor", row.counsellor)? {
        Ok(id) => id,
        Err(error) => return Ok(Err(error)),
    };
    let officer = match row
        .officer
        .map(|officer| account("officer", officer))
        .transpose()?
    {
        Some(Err(error)) => return Ok(Err(error)),
        Some(Ok(id)) => Some(id),
        None => None,
    };
    let request = AssignRequest {
        counsellor_user_id: counsellor,
        officer_user_id: officer,
        note: row.note.map(str::to_owned),
    };
    let before = crate::responsibility::history(conn, cooperative.id)?
        .history
        .len();
    match write_transaction(conn, |conn| {
        crate::responsibility::assign(conn, caller, &cooperative, &request)
    }) {
        Ok(after) => Ok(Ok(after.history.len() != before)),
        Err(error) if error.code.status() < 500 => Ok(Err(refused(row.number, &error))),
        Err(error) => Err(ImportError::Follow(error)),
    }
}

/// A refusal of the assignment as a row error, with the field and message the API would give.
fn refused(row: u64, error: &ApiError) -> RowError {
    let problem = error.to_problem(Lang::Zh, None);
    match problem.errors.first() {
        Some(field) => {
            let column = match field.field.as_str() {
                "counsellor_user_id" => "counsellor",
                "officer_user_id" => "officer",
                other => other,
            };
            row_error(row, Some(column), &field.code, field.message.clone())
        }
        None => row_error(
            row,
            None,
            problem.code.as_str(),
            problem.detail.unwrap_or(problem.title),
        ),
    }
}
