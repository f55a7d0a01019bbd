//! Importing the facts the clean-up weighs besides visits (RULES.md §1.2 "desk/registry evidence"): the market-regulation
//! file of annual reports and the abnormal-operation list (with tax filing where the file has it), and the complaints
//! file. Every fact carries the source the importer names and the date it holds for. Rows name the cooperative by its
//! unified social credit code; importing the same file again changes nothing. Cooperatives whose facts changed are
//! re-classified.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;
use hezuo_mobile_api::Uscc;
use hezuo_mobile_api::imports::{ImportReport, RowError};
use uuid::Uuid;

use super::table::{self, Column};
use super::{BATCH_ROWS, FileError, ImportError, Progress, row_error};
use crate::db::id::CooperativeId;
use crate::db::schema::{complaints, cooperatives, registry_facts};
use crate::db::{DbConn, write_transaction};
use crate::models::Who;
use crate::models::audit::{self, Entry};
use crate::models::now;

/// Where the facts come from and the date they hold for when a row gives none.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// E.g. "宁波市市场监管局 2026年经营异常名录".
    pub source: String,
    pub as_of: NaiveDate,
}

impl Provenance {
    pub fn new(source: &str, as_of: NaiveDate) -> Result<Self, FileError> {
        let source = source.trim();
        if source.is_empty() || source.chars().count() > 200 {
            return Err(FileError::new(
                "须注明数据来源（200字以内）",
                "name the source of the file (at most 200 characters)",
            ));
        }
        Ok(Self {
            source: source.to_owned(),
            as_of,
        })
    }
}

const REGISTRY_COLUMNS: &[Column] = &[
    Column {
        key: "uscc",
        aliases: &["统一社会信用代码", "信用代码"],
        required: true,
    },
    Column {
        key: "annual_report_filed",
        aliases: &["年报已报送", "是否报送年报", "年报状态", "年度报告"],
        required: false,
    },
    Column {
        key: "on_abnormal_list",
        aliases: &["列入经营异常名录", "是否列入经营异常名录", "经营异常名录"],
        required: false,
    },
    Column {
        key: "abnormal_reason",
        aliases: &["列入原因", "列入经营异常名录原因", "异常原因"],
        required: false,
    },
    Column {
        key: "tax_filed",
        aliases: &["纳税申报", "是否纳税申报", "税务申报"],
        required: false,
    },
    Column {
        key: "as_of",
        aliases: &["日期", "数据日期", "列入日期"],
        required: false,
    },
];

const COMPLAINT_COLUMNS: &[Column] = &[
    Column {
        key: "uscc",
        aliases: &["统一社会信用代码", "信用代码"],
        required: true,
    },
    Column {
        key: "reference",
        aliases: &["编号", "举报编号", "工单编号"],
        required: true,
    },
    Column {
        key: "received_on",
        aliases: &["受理日期", "举报日期", "日期"],
        required: true,
    },
    Column {
        key: "summary",
        aliases: &["举报内容", "内容", "摘要"],
        required: true,
    },
    Column {
        key: "substantiated",
        aliases: &["核查结果", "是否属实", "查实"],
        required: false,
    },
];

/// 是/否 and the words registry files use for them; `None` for a blank or "under investigation".
fn yes_no(value: &str) -> Result<Option<bool>, ()> {
    match value.trim().to_lowercase().as_str() {
        "是" | "已报送" | "已报" | "正常" | "属实" | "查实" | "已申报" | "y" | "yes" | "true"
        | "1" => Ok(Some(true)),
        "否" | "未报送" | "未报" | "不属实" | "未查实" | "未申报" | "零申报" | "n" | "no"
        | "false" | "0" => Ok(Some(false)),
        "" | "核查中" | "待核查" | "调查中" => Ok(None),
        _ => Err(()),
    }
}

fn date(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(value, format).ok())
}

/// Cooperative ids by credit code, for the codes in `codes`.
fn cooperatives_by_uscc(
    conn: &mut DbConn,
    codes: &[String],
) -> QueryResult<HashMap<String, String>> {
    let mut found = HashMap::new();
    for chunk in codes.chunks(BATCH_ROWS) {
        found.extend(
            cooperatives::table
                .filter(cooperatives::uscc.eq_any(chunk))
                .filter(cooperatives::merged_into.is_null())
                .select((cooperatives::uscc.assume_not_null(), cooperatives::id))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(found)
}

fn credit_code(row: u64, value: Option<&str>) -> Result<String, RowError> {
    let value =
        value.ok_or_else(|| row_error(row, Some("uscc"), "required", "统一社会信用代码为空"))?;
    Uscc::parse(value)
        .map(|u| u.as_str().to_owned())
        .map_err(|e| row_error(row, Some("uscc"), "uscc_invalid", e.message_zh()))
}

struct FactInput {
    row: u64,
    uscc: String,
    fact: &'static str,
    value: bool,
    detail: Option<String>,
    as_of: NaiveDate,
}

/// Imports the annual-report / abnormal-list file.
pub fn import_registry_facts(
    conn: &mut DbConn,
    bytes: &[u8],
    provenance: &Provenance,
    actor: &Who,
    progress: Progress<'_>,
) -> Result<ImportReport, ImportError> {
    let table = table::read(bytes)?;
    let positions = table::locate(&table.headers, REGISTRY_COLUMNS)?;
    if !["annual_report_filed", "on_abnormal_list", "tax_filed"]
        .iter()
        .any(|key| positions.contains_key(key))
    {
        return Err(FileError::new(
            "文件须有“年报已报送”“列入经营异常名录”或“纳税申报”中的至少一列",
            "the file needs an annual-report, abnormal-list or tax-filing column",
        )
        .into());
    }
    let mut report = ImportReport {
        rows: table.rows.len() as u64,
        ..ImportReport::default()
    };
    let mut inputs = Vec::new();
    for (row, cells) in &table.rows {
        match fact_row(*row, cells, &positions, provenance) {
            Ok(facts) => inputs.extend(facts),
            Err(errors) => report.errors.extend(errors),
        }
    }
    let touched = apply_rows(
        conn,
        &inputs,
        |fact: &FactInput| (fact.row, fact.uscc.as_str()),
        &mut report,
        progress,
        |conn, fact, cooperative_id| store_fact(conn, fact, cooperative_id, provenance),
    )?;
    finish(
        conn,
        &mut report,
        touched,
        actor,
        audit::Action::ImportRegistryFacts,
        provenance,
    )?;
    Ok(report)
}

struct ComplaintInput {
    row: u64,
    uscc: String,
    reference: String,
    received_on: NaiveDate,
    summary: String,
    substantiated: Option<bool>,
}

/// Imports the complaints file.
pub fn import_complaints(
    conn: &mut DbConn,
    bytes: &[u8],
    provenance: &Provenance,
    actor: &Who,
    progress: Progress<'_>,
) -> Result<ImportReport, ImportError> {
    let table = table::read(bytes)?;
    let positions = table::locate(&table.headers, COMPLAINT_COLUMNS)?;
    let mut report = ImportReport {
        rows: table.rows.len() as u64,
        ..ImportReport::default()
    };
    let mut inputs = Vec::new();
    for (row, cells) in &table.rows {
        let parsed = complaint_row(*row, cells, &positions);
        match parsed {
            Ok(input) => inputs.push(input),
            Err(error) => report.errors.push(error),
        }
    }
    let touched = apply_rows(
        conn,
        &inputs,
        |complaint: &ComplaintInput| (complaint.row, complaint.uscc.as_str()),
        &mut report,
        progress,
        |conn, complaint, cooperative_id| {
            store_complaint(conn, complaint, cooperative_id, provenance)
        },
    )?;
    finish(
        conn,
        &mut report,
        touched,
        actor,
        audit::Action::ImportComplaints,
        provenance,
    )?;
    Ok(report)
}

/// One row of the registry-facts file: a fact per filled column; every unreadable cell is reported.
fn fact_row(
    row: u64,
    cells: &[String],
    positions: &std::collections::HashMap<&'static str, usize>,
    provenance: &Provenance,
) -> Result<Vec<FactInput>, Vec<RowError>> {
    let value = |key: &str| table::cell(cells, positions, key);
    let uscc = credit_code(row, value("uscc")).map_err(|error| vec![error])?;
    let as_of = match value("as_of") {
        None => provenance.as_of,
        Some(text) => date(text).ok_or_else(|| {
            vec![row_error(
                row,
                Some("as_of"),
                "date_invalid",
                "日期格式应为 YYYY-MM-DD",
            )]
        })?,
    };
    let mut facts = Vec::new();
    let mut errors = Vec::new();
    for key in ["annual_report_filed", "on_abnormal_list", "tax_filed"] {
        let Some(text) = value(key) else { continue };
        match yes_no(text) {
            Ok(Some(flag)) => facts.push((key, flag)),
            Ok(None) => {}
            Err(()) => errors.push(row_error(
                row,
                Some(key),
                "invalid",
                format!("无法识别“{text}”，应为 是 或 否"),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(facts
        .into_iter()
        .map(|(fact, flag)| FactInput {
            row,
            uscc: uscc.clone(),
            fact,
            value: flag,
            detail: (fact == "on_abnormal_list" && flag)
                .then(|| value("abnormal_reason").map(str::to_owned))
                .flatten(),
            as_of,
        })
        .collect())
}

/// Stores one fact: the same fact, day and source again is unchanged, a new value updates it.
fn store_fact(
    conn: &mut DbConn,
    fact: &FactInput,
    cooperative_id: &str,
    provenance: &Provenance,
) -> QueryResult<Applied> {
    let stored: Option<(String, bool, Option<String>)> = registry_facts::table
        .filter(registry_facts::cooperative_id.eq(cooperative_id))
        .filter(registry_facts::fact.eq(fact.fact))
        .filter(registry_facts::as_of.eq(fact.as_of.to_string()))
        .filter(registry_facts::source.eq(&provenance.source))
        .select((
            registry_facts::id,
            registry_facts::value,
            registry_facts::detail,
        ))
        .first(conn)
        .optional()?;
    match stored {
        Some((_, value, detail)) if value == fact.value && detail == fact.detail => {
            Ok(Applied::Unchanged)
        }
        Some((id, ..)) => {
            diesel::update(registry_facts::table.find(id))
                .set((
                    registry_facts::value.eq(fact.value),
                    registry_facts::detail.eq(&fact.detail),
                    registry_facts::imported_at.eq(now()),
                ))
                .execute(conn)?;
            Ok(Applied::Updated(None))
        }
        None => {
            diesel::insert_into(registry_facts::table)
                .values((
                    registry_facts::id.eq(Uuid::now_v7().to_string()),
                    registry_facts::cooperative_id.eq(cooperative_id),
                    registry_facts::fact.eq(fact.fact),
                    registry_facts::value.eq(fact.value),
                    registry_facts::detail.eq(&fact.detail),
                    registry_facts::as_of.eq(fact.as_of.to_string()),
                    registry_facts::source.eq(&provenance.source),
                    registry_facts::imported_at.eq(now()),
                ))
                .execute(conn)?;
            Ok(Applied::Inserted)
        }
    }
}

/// One row of the complaints file.
fn complaint_row(
    row: u64,
    cells: &[String],
    positions: &std::collections::HashMap<&'static str, usize>,
) -> Result<ComplaintInput, RowError> {
    let value = |key: &str| table::cell(cells, positions, key);
    let uscc = credit_code(row, value("uscc"))?;
    let reference = value("reference")
        .filter(|r| r.chars().count() <= 100)
        .ok_or_else(|| {
            row_error(
                row,
                Some("reference"),
                "required",
                "编号为空或超过100个字符",
            )
        })?;
    let received_on = value("received_on").and_then(date).ok_or_else(|| {
        row_error(
            row,
            Some("received_on"),
            "date_invalid",
            "受理日期为空或格式不对（YYYY-MM-DD）",
        )
    })?;
    let summary = value("summary")
        .filter(|s| s.chars().count() <= 2000)
        .ok_or_else(|| {
            row_error(
                row,
                Some("summary"),
                "required",
                "举报内容为空或超过2000个字符",
            )
        })?;
    let substantiated = yes_no(value("substantiated").unwrap_or("")).map_err(|()| {
        row_error(
            row,
            Some("substantiated"),
            "invalid",
            "核查结果应为 属实、不属实 或 核查中",
        )
    })?;
    Ok(ComplaintInput {
        row,
        uscc,
        reference: reference.to_owned(),
        received_on,
        summary: summary.to_owned(),
        substantiated,
    })
}

/// Stores one complaint, found again by its source and reference (it may have moved to another cooperative).
fn store_complaint(
    conn: &mut DbConn,
    complaint: &ComplaintInput,
    cooperative_id: &str,
    provenance: &Provenance,
) -> QueryResult<Applied> {
    type Stored = (String, String, String, String, Option<bool>);
    let stored: Option<Stored> = complaints::table
        .filter(complaints::source.eq(&provenance.source))
        .filter(complaints::reference.eq(&complaint.reference))
        .select((
            complaints::id,
            complaints::cooperative_id,
            complaints::received_on,
            complaints::summary,
            complaints::substantiated,
        ))
        .first(conn)
        .optional()?;
    let received_on = complaint.received_on.to_string();
    match stored {
        Some((_, coop, day, summary, substantiated))
            if coop == *cooperative_id
                && day == received_on
                && summary == complaint.summary
                && substantiated == complaint.substantiated =>
        {
            Ok(Applied::Unchanged)
        }
        Some((id, previous, ..)) => {
            diesel::update(complaints::table.find(id))
                .set((
                    complaints::cooperative_id.eq(cooperative_id),
                    complaints::received_on.eq(&received_on),
                    complaints::summary.eq(&complaint.summary),
                    complaints::substantiated.eq(complaint.substantiated),
                    complaints::imported_at.eq(now()),
                ))
                .execute(conn)?;
            Ok(Applied::Updated(Some(previous)))
        }
        None => {
            diesel::insert_into(complaints::table)
                .values((
                    complaints::id.eq(Uuid::now_v7().to_string()),
                    complaints::cooperative_id.eq(cooperative_id),
                    complaints::source.eq(&provenance.source),
                    complaints::reference.eq(&complaint.reference),
                    complaints::received_on.eq(&received_on),
                    complaints::summary.eq(&complaint.summary),
                    complaints::substantiated.eq(complaint.substantiated),
                    complaints::imported_at.eq(now()),
                ))
                .execute(conn)?;
            Ok(Applied::Inserted)
        }
    }
}

/// What storing one row did.
enum Applied {
    Inserted,
    /// Updated; a complaint moved from another cooperative names it, to re-classify that one too.
    Updated(Option<String>),
    Unchanged,
}

/// Stores rows a transaction per batch: each row's cooperative is found by its credit code (an unknown one is a row
/// error) and `apply` stores it. Returns the cooperatives whose facts changed.
fn apply_rows<I>(
    conn: &mut DbConn,
    inputs: &[I],
    row_and_code: impl Fn(&I) -> (u64, &str),
    report: &mut ImportReport,
    progress: Progress<'_>,
    mut apply: impl FnMut(&mut DbConn, &I, &str) -> QueryResult<Applied>,
) -> QueryResult<BTreeSet<String>> {
    let codes: BTreeSet<String> = inputs
        .iter()
        .map(|input| row_and_code(input).1.to_owned())
        .collect();
    let known = cooperatives_by_uscc(conn, &codes.into_iter().collect::<Vec<_>>())?;
    let total = inputs.len() as u64;
    let mut touched = BTreeSet::new();
    for (batch, chunk) in inputs.chunks(BATCH_ROWS).enumerate() {
        write_transaction(conn, |conn| -> QueryResult<()> {
            for input in chunk {
                let (row, uscc) = row_and_code(input);
                let Some(cooperative_id) = known.get(uscc) else {
                    report.errors.push(unknown_cooperative(row, uscc));
                    continue;
                };
                match apply(conn, input, cooperative_id)? {
                    Applied::Unchanged => {
                        report.unchanged += 1;
                        continue;
                    }
                    Applied::Inserted => report.inserted += 1,
                    Applied::Updated(previous) => {
                        report.updated += 1;
                        touched.extend(previous);
                    }
                }
                touched.insert(cooperative_id.clone());
            }
            Ok(())
        })?;
        progress((batch * BATCH_ROWS + chunk.len()) as u64, total);
    }
    Ok(touched)
}

fn unknown_cooperative(row: u64, uscc: &str) -> RowError {
    row_error(
        row,
        Some("uscc"),
        "cooperative_unknown",
        format!("名录中没有统一社会信用代码为{uscc}的合作社"),
    )
}

/// Re-classifies what changed (and scores its open star applications again), records the import in the audit log and
/// orders the errors.
fn finish(
    conn: &mut DbConn,
    report: &mut ImportReport,
    touched: BTreeSet<String>,
    actor: &Who,
    action: audit::Action,
    provenance: &Provenance,
) -> Result<(), ImportError> {
    let touched: Vec<CooperativeId> = touched
        .iter()
        .map(|id| crate::models::stored_uuid(id).map(CooperativeId::from))
        .collect::<QueryResult<_>>()?;
    for chunk in touched.chunks(BATCH_ROWS) {
        write_transaction(conn, |conn| {
            crate::evidence::approved_evidence_changed(conn, chunk)
        })?;
    }
    report.errors.sort_by_key(|e| e.row);
    report.failed = report.errors.len() as u64;
    write_transaction(conn, |conn| {
        audit::record(
            conn,
            actor,
            Entry {
                action,
                entity_type: "import",
                entity_id: &provenance.source,
            },
            audit::NONE,
            Some(&serde_json::json!({
                "source": provenance.source,
                "as_of": provenance.as_of,
                "summary": report.summary_zh(),
            })),
        )
    })?;
    Ok(())
}
