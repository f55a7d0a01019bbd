//! Classifications in the database. [`refresh`] reads a cooperative's inputs (approved visits only, registry facts,
//! complaints), runs the engine under the active rule set and stores a new classification when the inputs or the
//! outcome changed; the older one stays, on the version it used, with any decision made on it.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hezuo_mobile_api::cooperatives::GxsRelation;
use hezuo_sync::model::{CoopState, ShellFlag, Visit};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::engine::{self, Classification, ComplaintFact, Fact, RegistryFacts, Ties};
use super::rule_sets;
use super::rules::RuleSet;
use crate::db::DbConn;
use crate::db::code::{Code, CodeList};
use crate::db::id::CooperativeId;
use crate::db::schema::{
    approved_visits, classifications, complaints, cooperatives, registry_facts,
};
use crate::models::stored_day;

/// Cooperatives read per round of queries.
const BATCH: usize = 500;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = classifications)]
pub struct ClassificationRow {
    pub id: String,
    pub cooperative_id: String,
    pub rule_set_version: String,
    pub state: Code<CoopState>,
    pub flags: CodeList<ShellFlag>,
    pub findings_json: String,
    pub actions_json: String,
    pub explanation_zh: String,
    pub inputs_json: String,
    pub digest: String,
    pub revisit_due: Option<String>,
    pub classified_at: NaiveDateTime,
    pub current: bool,
    pub decision: Option<String>,
    pub decided_state: Option<Code<CoopState>>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
}

impl ClassificationRow {
    /// The state a person decided, else the engine's.
    pub fn effective_state(&self) -> CoopState {
        *self.decided_state.unwrap_or(self.state)
    }

    pub fn flag_codes(&self) -> Vec<String> {
        self.flags
            .0
            .iter()
            .map(|flag| flag.as_str().to_owned())
            .collect()
    }

    pub fn actions(&self) -> QueryResult<Vec<String>> {
        crate::models::stored_json(&self.actions_json)
    }

    /// The ties the engine chose actions by; `None` for a classification stored before ties were recorded.
    pub fn ties(&self) -> QueryResult<Option<Ties>> {
        let inputs: serde_json::Value = crate::models::stored_json(&self.inputs_json)?;
        inputs
            .get("ties")
            .map(|ties| serde_json::from_value(ties.clone()))
            .transpose()
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
    }
}

/// What one cooperative's classification rests on.
#[derive(Debug, Default)]
pub struct Inputs {
    pub visits: Vec<(String, Visit)>,
    /// Visit id → the heads its approval saw.
    pub heads: BTreeMap<String, String>,
    pub registry: RegistryFacts,
}

/// Counts of one refresh.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Refreshed {
    pub cooperatives: u64,
    pub changed: u64,
    pub unchanged: u64,
}

/// The day in China, which due dates and idle months count in.
pub fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// Re-classifies `cooperative_ids` under the active rule set. Runs inside the caller's transaction.
pub fn refresh(conn: &mut DbConn, cooperative_ids: &[String]) -> QueryResult<Refreshed> {
    let rules = rule_sets::active(conn)?;
    rule_sets::record_defaults(conn, &rules)?;
    refresh_with(conn, cooperative_ids, &rules, today())
}

/// Every cooperative with something to classify on: approved visits, registry facts or complaints.
pub fn classifiable(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    let mut ids: Vec<String> = approved_visits::table
        .select(approved_visits::cooperative_id)
        .distinct()
        .load(conn)?;
    ids.extend(
        complaints::table
            .select(complaints::cooperative_id)
            .distinct()
            .load::<String>(conn)?,
    );
    ids.extend(
        classifications::table
            .filter(classifications::current.eq(true))
            .select(classifications::cooperative_id)
            .load::<String>(conn)?,
    );
    ids.sort();
    ids.dedup();
    Ok(ids)
}

pub fn refresh_with(
    conn: &mut DbConn,
    cooperative_ids: &[String],
    rules: &RuleSet,
    today: NaiveDate,
) -> QueryResult<Refreshed> {
    let mut counts = Refreshed::default();
    for chunk in cooperative_ids.chunks(BATCH) {
        let mut inputs = load_inputs(conn, chunk)?;
        let current: HashMap<String, String> = classifications::table
            .filter(classifications::current.eq(true))
            .filter(classifications::cooperative_id.eq_any(chunk))
            .select((classifications::cooperative_id, classifications::digest))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect();
        let mut retired: Vec<&String> = Vec::new();
        let mut fresh: Vec<ClassificationRow> = Vec::new();
        for id in chunk {
            counts.cooperatives += 1;
            let input = inputs.remove(id).unwrap_or_default();
            let speaks = !input.visits.is_empty()
                || input
                    .registry
                    .complaints
                    .iter()
                    .any(|c| c.substantiated == Some(true));
            if !speaks {
                // Nothing to classify on (the last approved visit was withdrawn): no current classification.
                if current.contains_key(id) {
                    retired.push(id);
                    counts.changed += 1;
                } else {
                    counts.unchanged += 1;
                }
                continue;
            }
            let outcome = engine::classify(&input.visits, &input.registry, rules, today);
            let record = Record::new(&input, &outcome);
            if current.get(id) == Some(&record.digest) {
                counts.unchanged += 1;
                continue;
            }
            if current.contains_key(id) {
                retired.push(id);
            }
            fresh.push(row_of(id, &outcome, record));
            counts.changed += 1;
        }
        // One statement retires the batch's old rows (the multi-backend connection has no multi-row insert).
        diesel::update(
            classifications::table
                .filter(classifications::cooperative_id.eq_any(&retired))
                .filter(classifications::current.eq(true)),
        )
        .set(classifications::current.eq(false))
        .execute(conn)?;
        for row in &fresh {
            diesel::insert_into(classifications::table)
                .values(row)
                .execute(conn)?;
        }
    }
    Ok(counts)
}

/// The stored form of one outcome, and the digest that tells whether anything changed.
struct Record {
    inputs_json: String,
    findings_json: String,
    actions_json: String,
    digest: String,
}

impl Record {
    fn new(input: &Inputs, outcome: &Classification) -> Record {
        let inputs = serde_json::json!({
            "visits": input.heads.iter().map(|(id, heads)| serde_json::json!({"visit_id": id, "heads": heads})).collect::<Vec<_>>(),
            "registry": {
                "annual_report_filed": input.registry.annual_report_filed,
                "on_abnormal_list": input.registry.on_abnormal_list,
                "tax_filed": input.registry.tax_filed,
            },
            "complaints": input.registry.complaints.iter().map(|c| serde_json::json!({
                "id": c.id, "reference": c.reference, "source": c.source, "substantiated": c.substantiated,
            })).collect::<Vec<_>>(),
        });
        // The ties are kept for the disposal case but stay out of the digest: they only matter through the actions,
        // which are in it, so classifications stored before ties were recorded are not re-opened by the upgrade.
        let mut kept = inputs.clone();
        kept["ties"] = serde_json::json!(outcome.ties);
        let findings = serde_json::json!({ "flags": outcome.flags, "gaps": outcome.gaps });
        let actions: Vec<&str> = outcome.actions.iter().map(|a| a.as_str()).collect();
        // The explanation and re-visit date move with the calendar; what is decided on does not.
        let mut hasher = Sha256::new();
        for part in [
            outcome.rule_set_version.as_str(),
            outcome.state.as_str(),
            &inputs.to_string(),
            &findings.to_string(),
            &actions.join(","),
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        Record {
            inputs_json: kept.to_string(),
            findings_json: findings.to_string(),
            actions_json: serde_json::to_string(&actions).unwrap_or_else(|_| "[]".to_owned()),
            digest: hex::encode(hasher.finalize()),
        }
    }
}

fn row_of(cooperative_id: &str, outcome: &Classification, record: Record) -> ClassificationRow {
    let flags: Vec<ShellFlag> = outcome.flags.iter().map(|f| f.flag).collect();
    ClassificationRow {
        id: Uuid::now_v7().to_string(),
        cooperative_id: cooperative_id.to_owned(),
        rule_set_version: outcome.rule_set_version.clone(),
        state: Code(outcome.state),
        flags: CodeList(flags),
        findings_json: record.findings_json,
        actions_json: record.actions_json,
        explanation_zh: outcome.explanation_zh.clone(),
        inputs_json: record.inputs_json,
        digest: record.digest,
        revisit_due: outcome.revisit_due.map(|d| d.to_string()),
        classified_at: crate::models::now(),
        current: true,
        decision: None,
        decided_state: None,
        decision_reason: None,
        decided_by: None,
        decided_at: None,
    }
}

/// Approved visits, the latest registry fact of each kind, and complaints, for `ids`.
pub fn load_inputs(conn: &mut DbConn, ids: &[String]) -> QueryResult<HashMap<String, Inputs>> {
    let mut inputs: HashMap<String, Inputs> = HashMap::new();
    add_approved_visits(conn, ids, &mut inputs)?;
    add_register(conn, ids, &mut inputs)?;
    add_registry_facts(conn, ids, &mut inputs)?;
    add_complaints(conn, ids, &mut inputs)?;
    Ok(inputs)
}

/// A stored day; one that does not parse is corrupt data.
fn add_approved_visits(
    conn: &mut DbConn,
    ids: &[String],
    inputs: &mut HashMap<String, Inputs>,
) -> QueryResult<()> {
    let approved: Vec<(String, String, String, String)> = approved_visits::table
        .filter(approved_visits::cooperative_id.eq_any(ids))
        .select((
            approved_visits::visit_id,
            approved_visits::cooperative_id,
            approved_visits::data,
            approved_visits::heads,
        ))
        .load(conn)?;
    for (visit_id, cooperative_id, data, heads) in approved {
        let visit: Visit = serde_json::from_str(&data)
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
        let entry = inputs.entry(cooperative_id).or_default();
        entry.heads.insert(visit_id.clone(), heads);
        entry.visits.push((visit_id, visit));
    }
    Ok(())
}

/// The register's own columns, which speak until a dated fact is imported.
fn add_register(
    conn: &mut DbConn,
    ids: &[String],
    inputs: &mut HashMap<String, Inputs>,
) -> QueryResult<()> {
    type Register = (String, Option<bool>, Option<bool>, NaiveDateTime, String);
    let register: Vec<(Register, RegisterTies)> = cooperatives::table
        .filter(cooperatives::id.eq_any(ids))
        .select((
            (
                cooperatives::id,
                cooperatives::annual_report_filed,
                cooperatives::on_abnormal_list,
                cooperatives::updated_at,
                cooperatives::source,
            ),
            RegisterTies::as_select(),
        ))
        .load(conn)?;
    for ((id, filed, abnormal, updated, source), ties) in register {
        let fact = |value: bool| Fact {
            value,
            as_of: updated.date(),
            source: format!("合作社名录（{source}）"),
            detail: None,
        };
        let entry = inputs.entry(id).or_default();
        entry.registry.annual_report_filed = filed.map(fact);
        entry.registry.on_abnormal_list = abnormal.map(fact);
        entry.registry.ties = ties.ties();
    }
    Ok(())
}

/// The register's columns that say whether a cooperative has 供销 ties.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = cooperatives)]
pub struct RegisterTies {
    gxs_relation: Code<GxsRelation>,
    nhl_county: bool,
    nhl_township: bool,
    nhl_industry: bool,
}

impl RegisterTies {
    fn ties(&self) -> Ties {
        Ties {
            gxs_relation: self.gxs_relation.is_tie(),
            nhl_member: self.nhl_county || self.nhl_township || self.nhl_industry,
        }
    }
}

/// The register's ties of one cooperative.
pub fn register_ties(conn: &mut DbConn, id: &str) -> QueryResult<Ties> {
    let ties: RegisterTies = cooperatives::table
        .find(id)
        .select(RegisterTies::as_select())
        .get_result(conn)?;
    Ok(ties.ties())
}

/// Imported facts, oldest first: the latest of each kind is the one left.
fn add_registry_facts(
    conn: &mut DbConn,
    ids: &[String],
    inputs: &mut HashMap<String, Inputs>,
) -> QueryResult<()> {
    let facts: Vec<(String, String, bool, Option<String>, String, String)> = registry_facts::table
        .filter(registry_facts::cooperative_id.eq_any(ids))
        .order((
            registry_facts::as_of.asc(),
            registry_facts::imported_at.asc(),
        ))
        .select((
            registry_facts::cooperative_id,
            registry_facts::fact,
            registry_facts::value,
            registry_facts::detail,
            registry_facts::as_of,
            registry_facts::source,
        ))
        .load(conn)?;
    for (cooperative_id, kind, value, detail, as_of, source) in facts {
        let fact = Some(Fact {
            value,
            as_of: stored_day(&as_of)?,
            source,
            detail,
        });
        let registry = &mut inputs.entry(cooperative_id).or_default().registry;
        match kind.as_str() {
            "annual_report_filed" => registry.annual_report_filed = fact,
            "on_abnormal_list" => registry.on_abnormal_list = fact,
            "tax_filed" => registry.tax_filed = fact,
            _ => {}
        }
    }
    Ok(())
}

fn add_complaints(
    conn: &mut DbConn,
    ids: &[String],
    inputs: &mut HashMap<String, Inputs>,
) -> QueryResult<()> {
    type ComplaintRow = (String, String, String, String, String, String, Option<bool>);
    let rows: Vec<ComplaintRow> = complaints::table
        .filter(complaints::cooperative_id.eq_any(ids))
        .order(complaints::received_on.asc())
        .select((
            complaints::id,
            complaints::cooperative_id,
            complaints::reference,
            complaints::received_on,
            complaints::source,
            complaints::summary,
            complaints::substantiated,
        ))
        .load(conn)?;
    for (id, cooperative_id, reference, received_on, source, summary, substantiated) in rows {
        let complaint = ComplaintFact {
            id,
            reference,
            received_on: stored_day(&received_on)?,
            source,
            summary,
            substantiated,
        };
        inputs
            .entry(cooperative_id)
            .or_default()
            .registry
            .complaints
            .push(complaint);
    }
    Ok(())
}

/// The current classification of a cooperative.
pub fn current(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
) -> QueryResult<Option<ClassificationRow>> {
    classifications::table
        .filter(classifications::cooperative_id.eq(cooperative_id))
        .filter(classifications::current.eq(true))
        .select(ClassificationRow::as_select())
        .first(conn)
        .optional()
}

/// Re-classifies every cooperative with something to classify on under the active rule set, a batch per transaction
/// so that phones syncing meanwhile wait for one batch at most. Run after a rule-set change and as time passes
/// (idle months grow): `POST /cleanup/classify` or `hezuo classify`.
pub fn refresh_all(conn: &mut DbConn) -> QueryResult<(RuleSet, Refreshed)> {
    let rules = crate::db::write_transaction(conn, |conn| {
        let rules = rule_sets::active(conn)?;
        rule_sets::record_defaults(conn, &rules)?;
        Ok::<_, diesel::result::Error>(rules)
    })?;
    let ids = classifiable(conn)?;
    let today = today();
    let mut total = Refreshed::default();
    for chunk in ids.chunks(BATCH) {
        let counts =
            crate::db::write_transaction(conn, |conn| refresh_with(conn, chunk, &rules, today))?;
        total.cooperatives += counts.cooperatives;
        total.changed += counts.changed;
        total.unchanged += counts.unchanged;
    }
    Ok((rules, total))
}
