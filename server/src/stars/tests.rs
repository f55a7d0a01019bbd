//! Scoring vectors per category, gates, vetoes, bonus cap and thresholds at their edges, on the built-in models.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use hezuo_sync::model::{
    Bookkeeping, Certification, DemoLevel, Finance, Governance, GxsLink, Loan, LoanStatus, Meeting,
    MeetingType, Membership, Operations, PartyOrganisation, Percent, Recognition,
    RegistrationCheck, Risk, SafetyIncident, Subsidy, Visit,
};
use serde_json::json;

use hezuo_mobile_api::stars::{ManualScore, StarResult};

use super::engine::score;
use super::model::ScoringModel;
use super::subject::{self, Inputs, Trigger};

fn day(text: &str) -> Option<hezuo_sync::model::Day> {
    hezuo_sync::model::Day::parse(text)
}

/// A cooperative that meets every computed indicator of the built-in model.
fn exemplary() -> Visit {
    Visit {
        registration: Some(RegistrationCheck {
            reg_date: day("2015-03-01"),
            annual_report_filed_last_year: Some(true),
            on_abnormal_list: Some(false),
            charter_on_file: Some(true),
            charter_based_on_model: Some(true),
            office_present: Some(true),
            bank_account_independent: Some(true),
            ..Default::default()
        }),
        membership: Some(Membership {
            members_total: Some(200),
            members_farmer: Some(190),
            smallholders_joined_12m: Some(12),
            linked_nonmember_households: Some(350),
            ..Default::default()
        }),
        governance: Some(Governance {
            meetings: vec![Meeting {
                meeting_type: Some(MeetingType::GeneralMeeting),
                minutes_signed: Some(true),
                ..Default::default()
            }],
            party_org: Some(PartyOrganisation::Own),
            conflict_roles_ok: Some(true),
            ..Default::default()
        }),
        finance: Some(Finance {
            bookkeeping: Some(Bookkeeping::FullTime),
            cashier_separate: Some(true),
            member_accounts: Some(true),
            distributable_surplus: Some(500_000.0),
            rebate_by_transaction: Some(350_000.0),
            subsidies_received: vec![Subsidy {
                quantified_to_members: Some(true),
                ..Default::default()
            }],
            loans: vec![Loan {
                status: Some(LoanStatus::Current),
                ..Default::default()
            }],
            ..Default::default()
        }),
        operations: Some(Operations {
            unified_input_purchase_pct: Percent::new(90.0),
            unified_sales_pct: Percent::new(85.0),
            brand_registered: Some(true),
            certifications: vec![Certification::Green],
            traceability: Some(true),
            digital_services_used: vec!["农资".into(), "金融".into(), "销售".into()],
            ..Default::default()
        }),
        gxs_link: Some(GxsLink::default()),
        risk: Some(Risk {
            env_or_quality_violation: Some(false),
            land_rent_or_wage_arrears: Some(false),
            ..Default::default()
        }),
        recognition: Some(Recognition {
            demo_level: Some(DemoLevel::City),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn full_manual(model: &ScoringModel) -> BTreeMap<String, ManualScore> {
    model
        .manual_indicators()
        .into_iter()
        .map(|i| {
            (
                i.code.to_string(),
                ManualScore {
                    points: i.points,
                    note: Some("评审打分".into()),
                },
            )
        })
        .collect()
}

struct Case {
    visit: Visit,
    history: Vec<(i32, u8)>,
    events: Vec<Trigger>,
    cleanup: Option<&'static str>,
    barred: bool,
}

impl Case {
    fn new(visit: Visit) -> Self {
        Self {
            visit,
            history: vec![(2024, 4), (2025, 4)],
            events: Vec::new(),
            cleanup: Some("active_standard"),
            barred: false,
        }
    }

    fn run(&self, model: &ScoringModel, manual: &BTreeMap<String, ManualScore>) -> StarResult {
        let subject = subject::build(&Inputs {
            visit: Some(("v1", &self.visit)),
            registry: None,
            cleanup_state: self.cleanup,
            history: &self.history,
            events: &self.events,
            falsification_barred: self.barred,
            year: 2026,
            as_of: NaiveDate::from_ymd_opt(2026, 1, 1),
        });
        score(model, &subject, manual)
    }
}

fn cooperative_model() -> ScoringModel {
    ScoringModel::cooperative_default().expect("built-in model")
}

fn category(result: &StarResult, code: &str) -> f64 {
    result
        .categories
        .iter()
        .find(|c| &*c.code == code)
        .map(|c| c.points)
        .expect("category")
}

#[test]
fn an_exemplary_cooperative_scores_full_marks_and_five_stars() {
    let model = cooperative_model();
    let result = Case::new(exemplary()).run(&model, &full_manual(&model));
    for (code, max) in [
        ("A", 20.0),
        ("B", 25.0),
        ("C", 25.0),
        ("D", 20.0),
        ("E", 10.0),
    ] {
        assert_eq!(category(&result, code), max, "{code}: {result:#?}");
    }
    assert_eq!(result.bonus, 8.0, "city 示范社 4 + brand 2 + case 2");
    assert_eq!(result.total, 100.0, "capped");
    assert!(result.vetoes.is_empty());
    assert_eq!(result.star, Some(5), "{}", result.explanation_zh);
    assert!(result.pending_manual.is_empty());
    assert!(result.explanation_zh.contains("达到5星级"));
}

/// The scored indicator with this code.
fn indicator<'a>(
    result: &'a StarResult,
    code: &str,
) -> &'a hezuo_mobile_api::stars::IndicatorScore {
    result
        .categories
        .iter()
        .flat_map(|c| c.indicators.iter())
        .find(|i| &*i.code == code)
        .expect("indicator")
}

#[test]
fn all_and_any_show_every_field_they_read_even_once_decided() {
    let model = cooperative_model();
    let manual = full_manual(&model);
    // A3 is all of office and bank account: the first fails, and the second is still read and shown.
    let mut visit = exemplary();
    visit.registration.as_mut().expect("r").office_present = Some(false);
    let result = Case::new(visit).run(&model, &manual);
    let a3 = indicator(&result, "A3");
    assert_eq!(a3.points, 0.0);
    assert_eq!(
        a3.evidence.keys().map(|k| &**k).collect::<Vec<_>>(),
        vec![
            "registration.bank_account_independent",
            "registration.office_present"
        ]
    );
    // D4 is any of three ways of drawing in small farmers: the first passes, and the other two are shown too.
    let result = Case::new(exemplary()).run(&model, &manual);
    let d4 = indicator(&result, "D4");
    assert_eq!(d4.points, 3.0);
    assert_eq!(d4.evidence.len(), 3, "{:?}", d4.evidence);
}

#[test]
fn each_category_scores_from_its_evidence() {
    let model = cooperative_model();
    let manual = full_manual(&model);
    // A: farmers at 70 % lose A5 (3); the evidence names the fields read.
    let mut visit = exemplary();
    visit.membership.as_mut().expect("m").members_farmer = Some(140);
    let result = Case::new(visit).run(&model, &manual);
    assert_eq!(category(&result, "A"), 17.0);
    let a5 = &result.categories[0].indicators[4];
    assert_eq!(&*a5.code, "A5");
    assert_eq!(a5.evidence["membership.members_farmer"], json!(140));
    // B: no member accounts (6) and a 50 % rebate (7).
    let mut visit = exemplary();
    let finance = visit.finance.as_mut().expect("f");
    finance.member_accounts = Some(false);
    finance.rebate_by_transaction = Some(250_000.0);
    let result = Case::new(visit).run(&model, &manual);
    assert_eq!(category(&result, "B"), 12.0);
    // C: bands at their edges — 80 % is full, just under is half, 50 % is half, under 50 is nothing.
    for (pct, points) in [(80.0, 4.0), (79.9, 2.0), (50.0, 2.0), (49.9, 0.0)] {
        let mut visit = exemplary();
        visit.operations.as_mut().expect("o").unified_sales_pct = Percent::new(pct);
        let result = Case::new(visit).run(&model, &manual);
        assert_eq!(
            category(&result, "C") - 21.0,
            points,
            "unified sales {pct}%"
        );
    }
    // D: the manual indicators count what the reviewer gave; an unscored one is pending and counts 0.
    let mut partial = manual.clone();
    partial.remove("D3");
    partial.insert(
        "D1".into(),
        ManualScore {
            points: 2.5,
            note: None,
        },
    );
    let result = Case::new(exemplary()).run(&model, &partial);
    assert_eq!(category(&result, "D"), 12.5);
    assert_eq!(result.pending_manual, vec!["D3"]);
    assert!(result.explanation_zh.contains("待评审打分：D3"));
    // E: a safety or quality incident costs 4; an overdue loan 2.
    let mut visit = exemplary();
    visit.risk.as_mut().expect("r").env_or_quality_violation = Some(true);
    visit.finance.as_mut().expect("f").loans[0].status = Some(LoanStatus::Overdue);
    let result = Case::new(visit).run(&model, &manual);
    assert_eq!(category(&result, "E"), 4.0);
}

#[test]
fn gates_hold_a_high_score_back_and_say_which() {
    let model = cooperative_model();
    let manual = full_manual(&model);
    // Not a city 示范社: 5 stars need it; a county one still gives 4 stars.
    let mut visit = exemplary();
    visit.recognition.as_mut().expect("r").demo_level = Some(DemoLevel::County);
    let result = Case::new(visit).run(&model, &manual);
    assert!(result.total >= 90.0, "{}", result.total);
    assert_eq!(result.star, Some(4));
    assert!(
        result.explanation_zh.contains("市级及以上示范社"),
        "{}",
        result.explanation_zh
    );
    // One year at four stars is not two consecutive.
    let mut case = Case::new(exemplary());
    case.history = vec![(2023, 4), (2025, 4)];
    assert_eq!(case.run(&model, &manual).star, Some(4));
    // No member accounts: the 3-star gate fails, so nothing above two stars whatever the score.
    let mut visit = exemplary();
    visit.finance.as_mut().expect("f").member_accounts = Some(false);
    let result = Case::new(visit).run(&model, &manual);
    assert!(result.total >= 85.0, "{}", result.total);
    assert_eq!(result.star, Some(2));
    let three = &result.levels[2];
    assert_eq!(&*three.failed_gates[0].code, "G3a");
}

#[test]
fn each_veto_makes_the_applicant_ineligible_and_says_why() {
    let model = cooperative_model();
    let manual = full_manual(&model);
    let vetoed = |case: Case, code: &str| {
        let result = case.run(&model, &manual);
        assert_eq!(result.star, None, "{code}");
        let codes: Vec<&str> = result.vetoes.iter().map(|v| v.code.as_ref()).collect();
        assert_eq!(codes, vec![code]);
        assert!(result.explanation_zh.contains("一票否决"));
    };
    for (trigger, code) in [
        (Trigger::IllegalOperation, "V1"),
        (Trigger::MajorSafetyAccident, "V2"),
        (Trigger::SeriousCreditOverdue, "V3"),
    ] {
        let mut case = Case::new(exemplary());
        case.events = vec![trigger];
        vetoed(case, code);
    }
    let mut visit = exemplary();
    visit.finance.as_mut().expect("f").loans[0].status = Some(LoanStatus::SeriouslyOverdue);
    vetoed(Case::new(visit), "V3");
    let mut visit = exemplary();
    visit.registration.as_mut().expect("r").on_abnormal_list = Some(true);
    vetoed(Case::new(visit), "V4");
    let mut case = Case::new(exemplary());
    case.cleanup = Some("shell");
    vetoed(case, "V5");
    let mut visit = exemplary();
    visit
        .registration
        .as_mut()
        .expect("r")
        .annual_report_filed_last_year = Some(false);
    let result = Case::new(visit).run(&model, &manual);
    assert!(result.vetoes.iter().any(|v| &*v.code == "V6"));
    let mut case = Case::new(exemplary());
    case.barred = true;
    vetoed(case, "V7");
}

#[test]
fn thresholds_at_their_edges() {
    // One manual indicator worth 100 makes the total exactly what the reviewer gives.
    let model = ScoringModel::from_toml(
        r#"
version = "edges"
kind = "cooperative"
name_zh = "edges"
total_cap = 100
[[categories]]
code = "M"
name_zh = "评审"
points = 100
[[categories.indicators]]
code = "M1"
name_zh = "评审"
points = 100
how = { test = "manual" }
[[stars]]
star = 1
min_score = 60
[[stars]]
star = 2
min_score = 70
[[stars]]
star = 3
min_score = 75
"#,
    )
    .expect("model");
    let subject = json!({});
    for (points, star) in [
        (59.99, None),
        (60.0, Some(1)),
        (69.99, Some(1)),
        (70.0, Some(2)),
        (74.99, Some(2)),
        (75.0, Some(3)),
        (140.0, Some(3)),
    ] {
        let manual = BTreeMap::from([("M1".to_owned(), ManualScore { points, note: None })]);
        let result = score(&model, &subject, &manual);
        assert_eq!(result.star, star, "{points}");
    }
}

#[test]
fn the_bonus_is_capped() {
    let model = cooperative_model();
    let mut visit = exemplary();
    visit.recognition.as_mut().expect("r").demo_level = Some(DemoLevel::National);
    let result = Case::new(visit).run(&model, &full_manual(&model));
    let raw: f64 = result.bonuses.iter().map(|b| b.points).sum();
    assert_eq!(raw, 12.0, "national 8 + brand 2 + case 2");
    assert_eq!(result.bonus, 10.0);
}

#[test]
fn a_federation_is_rated_three_to_five_stars_by_level() {
    let model = ScoringModel::federation_default().expect("built-in model");
    let mut manual = full_manual(&model);
    manual.insert(
        "F3a".into(),
        ManualScore {
            points: 0.0,
            note: Some("会员构成单一".into()),
        },
    );
    let mut visit = exemplary();
    visit
        .membership
        .as_mut()
        .expect("m")
        .linked_nonmember_households = Some(1200);
    let mut case = Case::new(visit);
    case.history = Vec::new();
    let result = case.run(&model, &manual);
    assert_eq!(result.total, 90.0, "{result:#?}");
    assert_eq!(
        result.star,
        Some(3),
        "a first application stops at three stars"
    );
    assert_eq!(result.levels[0].review_level.as_deref(), Some("county"));
    case.history = vec![(2025, 3)];
    assert_eq!(case.run(&model, &manual).star, Some(4));
    case.history = vec![(2024, 3), (2025, 4)];
    assert_eq!(case.run(&model, &manual).star, Some(5));
}

/// 全国供销合作社系统示范社 is a national title: the 5-star gate accepts it as the 4-star gate does.
#[test]
fn a_national_supply_and_marketing_model_cooperative_passes_the_five_star_gate() {
    let model = cooperative_model();
    let mut visit = exemplary();
    visit.recognition.as_mut().expect("r").demo_level = Some(DemoLevel::GxsNational);
    let result = Case::new(visit).run(&model, &full_manual(&model));
    assert_eq!(result.star, Some(5), "{}", result.explanation_zh);
}

/// A major safety incident the approved visit found is veto V2, for cooperatives and federations, even when no event
/// was recorded; a lesser incident is not.
#[test]
fn a_major_incident_seen_on_the_visit_is_veto_v2() {
    for model in [
        cooperative_model(),
        ScoringModel::federation_default().expect("built-in model"),
    ] {
        let manual = full_manual(&model);
        let with_incident = |incident| {
            let mut visit = exemplary();
            visit
                .risk
                .get_or_insert_with(Default::default)
                .safety_incident_12m = Some(incident);
            let mut case = Case::new(visit);
            case.history = vec![(2024, 4), (2025, 4)];
            case.run(&model, &manual)
        };
        let major = with_incident(SafetyIncident::Major);
        let codes: Vec<&str> = major.vetoes.iter().map(|v| v.code.as_ref()).collect();
        assert_eq!(codes, vec!["V2"], "{}", model.version);
        assert_eq!(major.star, None);
        let minor = with_incident(SafetyIncident::Minor);
        assert!(
            minor.vetoes.iter().all(|v| &*v.code != "V2"),
            "{}",
            model.version
        );
    }
}

/// Seed 000's four 科技对接 events a year are the province's task; no federation is scored against that count.
#[test]
fn no_federation_indicator_applies_the_provinces_yearly_count() {
    let model = ScoringModel::federation_default().expect("built-in model");
    let f3d = model
        .categories
        .iter()
        .flat_map(|c| &c.indicators)
        .find(|i| &*i.code == "F3d")
        .expect("F3d");
    assert!(!f3d.name_zh.contains('4'), "{}", f3d.name_zh);
    assert!(f3d.name_zh.contains("科技对接"), "{}", f3d.name_zh);
}
