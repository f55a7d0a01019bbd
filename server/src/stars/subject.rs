//! What an application is scored on, as one JSON object the model's dotted paths read: the latest approved visit's
//! fields at the top level (`finance.member_accounts`), `registry.*` (imported facts, else what the visit saw),
//! `cleanup.state`, `derived.*` (figures computed from the visit), `history.*` (the star record), `events.*` (revocation
//! triggers recorded this year), `bars.*`, and `sources` (where each group comes from).

use chrono::{Datelike, NaiveDate};
use hezuo_sync::model::{LoanStatus, MeetingType, Visit};
use serde_json::{Map, Value, json};

use crate::cleanup::engine::RegistryFacts;

/// A revocation trigger (浙农合发〔2022〕5号) recorded against the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    IllegalOperation,
    MajorSafetyAccident,
    SeriousCreditOverdue,
}

impl Trigger {
    pub const ALL: [Trigger; 3] = [
        Trigger::IllegalOperation,
        Trigger::MajorSafetyAccident,
        Trigger::SeriousCreditOverdue,
    ];

    pub fn parse(text: &str) -> Option<Trigger> {
        Self::ALL.into_iter().find(|t| t.key() == text)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Trigger::IllegalOperation => "违法违规经营",
            Trigger::MajorSafetyAccident => "发生重大安全事故",
            Trigger::SeriousCreditOverdue => "信贷信用严重逾期",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Trigger::IllegalOperation => "illegal_operation",
            Trigger::MajorSafetyAccident => "major_safety_accident",
            Trigger::SeriousCreditOverdue => "serious_credit_overdue",
        }
    }
}

/// The inputs of one application.
#[derive(Debug, Clone, Default)]
pub struct Inputs<'a> {
    /// The latest approved visit and its id.
    pub visit: Option<(&'a str, &'a Visit)>,
    pub registry: Option<&'a RegistryFacts>,
    /// The decided clean-up state, else the engine's.
    pub cleanup_state: Option<&'a str>,
    /// Stars held in earlier years: (year, star).
    pub history: &'a [(i32, u8)],
    /// Triggers recorded in the rating period.
    pub events: &'a [Trigger],
    /// A falsification bar is in force.
    pub falsification_barred: bool,
    /// The campaign's year; history counts the years just before it.
    pub year: i32,
    /// The day registration age is counted to.
    pub as_of: Option<NaiveDate>,
}

/// The subject object the model reads.
pub fn build(inputs: &Inputs<'_>) -> Value {
    let mut subject = match inputs.visit.map(|(_, visit)| serde_json::to_value(visit)) {
        Some(Ok(Value::Object(map))) => map,
        _ => Map::new(),
    };
    let visit = inputs.visit.map(|(_, v)| v);
    let mut sources = Map::new();
    if let Some((id, _)) = inputs.visit {
        sources.insert(
            "visit".to_owned(),
            json!(format!("审核通过的走访记录 {id}")),
        );
    }
    subject.insert("registry".to_owned(), registry(inputs, &mut sources));
    subject.insert(
        "cleanup".to_owned(),
        json!({ "state": inputs.cleanup_state }),
    );
    subject.insert("derived".to_owned(), derived(visit, inputs.as_of));
    subject.insert("history".to_owned(), history(inputs));
    let mut events = Map::new();
    for trigger in [
        Trigger::IllegalOperation,
        Trigger::MajorSafetyAccident,
        Trigger::SeriousCreditOverdue,
    ] {
        events.insert(
            trigger.key().to_owned(),
            json!(inputs.events.contains(&trigger)),
        );
    }
    subject.insert("events".to_owned(), Value::Object(events));
    subject.insert(
        "bars".to_owned(),
        json!({ "falsification": inputs.falsification_barred }),
    );
    subject.insert(
        "campaign".to_owned(),
        json!({ "year": inputs.year, "as_of_year": inputs.as_of.map(|d| d.year()) }),
    );
    subject.insert("sources".to_owned(), Value::Object(sources));
    Value::Object(subject)
}

/// Registry facts: imported ones speak first, then what the visit saw in the registry; each with its source.
fn registry(inputs: &Inputs<'_>, sources: &mut Map<String, Value>) -> Value {
    let registration = inputs.visit.and_then(|(_, v)| v.registration.as_ref());
    let fact = |pick: fn(&RegistryFacts) -> Option<&crate::cleanup::engine::Fact>| {
        inputs.registry.and_then(pick)
    };
    let mut registry = Map::new();
    for (key, imported, seen) in [
        (
            "annual_report_filed",
            fact(|r| r.annual_report_filed.as_ref()),
            registration.and_then(|r| r.annual_report_filed_last_year),
        ),
        (
            "on_abnormal_list",
            fact(|r| r.on_abnormal_list.as_ref()),
            registration.and_then(|r| r.on_abnormal_list),
        ),
        ("tax_filed", fact(|r| r.tax_filed.as_ref()), None),
    ] {
        if let Some(imported) = imported {
            registry.insert(key.to_owned(), json!(imported.value));
            sources.insert(
                format!("registry.{key}"),
                json!(format!("{}（{}）", imported.source, imported.as_of)),
            );
        } else if let Some(seen) = seen {
            registry.insert(key.to_owned(), json!(seen));
            sources.insert(format!("registry.{key}"), json!("走访记录中的登记信息"));
        }
    }
    Value::Object(registry)
}

/// Figures derived from the visit: years since registration, signed general meetings, subsidies and loans.
fn derived(visit: Option<&Visit>, as_of: Option<NaiveDate>) -> Value {
    let registered_years = visit
        .and_then(|v| v.registration.as_ref())
        .and_then(|r| r.reg_date.as_ref())
        .and_then(|d| NaiveDate::parse_from_str(d.as_str(), "%Y-%m-%d").ok())
        .zip(as_of)
        .map(|(registered, as_of)| (as_of - registered).num_days() as f64 / 365.25);
    let signed_general_meetings = visit.and_then(|v| v.governance.as_ref()).map(|g| {
        g.meetings
            .iter()
            .filter(|m| {
                matches!(
                    m.meeting_type,
                    Some(MeetingType::GeneralMeeting | MeetingType::RepresentativeAssembly)
                ) && m.minutes_signed == Some(true)
            })
            .count()
    });
    let finance = visit.and_then(|v| v.finance.as_ref());
    let subsidies_quantified = finance.map(|f| {
        f.subsidies_received
            .iter()
            .all(|s| s.quantified_to_members == Some(true))
    });
    let loans_in_good_standing = finance.map(|f| {
        f.loans
            .iter()
            .all(|l| l.status == Some(LoanStatus::Current))
    });
    let no_serious_overdue_loans = finance.map(|f| {
        !f.loans
            .iter()
            .any(|l| l.status == Some(LoanStatus::SeriouslyOverdue))
    });
    json!({
        "registered_years": registered_years,
        "signed_general_meetings": signed_general_meetings,
        "subsidies_quantified": subsidies_quantified,
        "loans_in_good_standing": loans_in_good_standing,
        "no_serious_overdue_loans": no_serious_overdue_loans,
    })
}

/// The star history: consecutive years just before the campaign at three and four stars or more, and the last star.
fn history(inputs: &Inputs<'_>) -> Value {
    let held_for = |least: u8| {
        (1..)
            .map(|back| inputs.year - back)
            .take_while(|year| {
                inputs
                    .history
                    .iter()
                    .any(|(held_year, star)| held_year == year && *star >= least)
            })
            .count()
    };
    json!({
        "years_at_three_plus": held_for(3),
        "years_at_four_plus": held_for(4),
        "last_star": inputs.history.iter().max_by_key(|(year, _)| *year).map(|(_, star)| star),
    })
}
