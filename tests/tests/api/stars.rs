//! Star ratings end to end: an administrator opens the year's campaign; a counsellor's phone (the SDK) records a
//! visit that supervisors approve; the counsellor files the application and the server scores it from the approved
//! evidence; a supervisor scores the manual indicators with notes; the levels confirm in order; the star reaches the
//! registry, the history and the phone; the 公示 list, results and monthly report are exported and read back.
//! Revocation, bars and the 产业农合联 review up to the province are covered too.

use calamine::Reader;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::client::{ApiClient, ClientError, Export};
use hezuo_mobile_api::cooperatives::CreateCooperativeRequest;
use hezuo_mobile_api::stars::{
    Application, ApplicationQuery, ManualScore, ManualScores, OpenCampaign, OrgKind,
    RecordStarEvent, StarDecision,
};
use hezuo_mobile_api::{RegionCode, Uscc};
use hezuo_sync::model::{
    Bookkeeping, Certification, DemoLevel, Governance, Meeting, MeetingType, PartyOrganisation,
    Percent, Recognition, RegistrationCheck, Risk, Visit,
};
use hezuo_tests::{Fixture, HAISHU_VILLAGE, Persona, TestApp};
use uuid::Uuid;

use crate::cleanup::{approve, honest_visit, record};
use crate::code_of;

/// A well-run cooperative with a county 示范社 title and 85% unified sales: every computed indicator scores.
fn exemplary_visit(day: &str) -> Visit {
    let mut visit = honest_visit(day);
    visit.registration = Some(RegistrationCheck {
        reg_date: hezuo_sync::model::Day::parse("2015-04-01"),
        charter_based_on_model: Some(true),
        charter_on_file: Some(true),
        office_present: Some(true),
        bank_account_independent: Some(true),
        ..Default::default()
    });
    let membership = visit.membership.as_mut().expect("membership");
    membership.linked_nonmember_households = Some(1200);
    membership.smallholders_joined_12m = Some(5);
    visit.governance = Some(Governance {
        meetings: vec![Meeting {
            meeting_type: Some(MeetingType::GeneralMeeting),
            minutes_signed: Some(true),
            ..Default::default()
        }],
        conflict_roles_ok: Some(true),
        party_org: Some(PartyOrganisation::Own),
        ..Default::default()
    });
    let finance = visit.finance.as_mut().expect("finance");
    finance.bookkeeping = Some(Bookkeeping::Agency);
    finance.cashier_separate = Some(true);
    let operations = visit.operations.as_mut().expect("operations");
    operations.unified_input_purchase_pct = Percent::new(85.0);
    operations.unified_sales_pct = Percent::new(85.0);
    operations.brand_registered = Some(true);
    operations.certifications = vec![Certification::Organic];
    operations.traceability = Some(true);
    visit.risk = Some(Risk {
        env_or_quality_violation: Some(false),
        land_rent_or_wage_arrears: Some(false),
        ..Default::default()
    });
    visit.recognition = Some(Recognition {
        demo_level: Some(DemoLevel::County),
        ..Default::default()
    });
    visit
}

fn open(app: &TestApp, year: i32, kind: OrgKind) -> Uuid {
    app.client(Persona::Admin)
        .open_campaign(&OpenCampaign {
            year,
            kind,
            model_version: None,
            name: None,
        })
        .expect("open campaign")
        .id
}

/// The 高桥 fruit cooperative with an exemplary visit approved and its application filed by the county supervisor
/// in the 2026 campaign: the app, the counsellor's phone, the cooperative and the application.
pub fn filed_for_haishu_fruit() -> (TestApp, hezuo_tests::TestPhone, Uuid, Application) {
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let campaign = open(&app, 2026, OrgKind::Cooperative);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let visit = record(&mut phone, cooperative, exemplary_visit("2026-11-05"));
    approve(&app, visit);
    let filed = app
        .client(Persona::SupervisorHaishu)
        .file_application(campaign, cooperative)
        .expect("file");
    (app, phone, cooperative, filed)
}

/// Every manual indicator still pending, scored full with a note.
pub fn score_manual_in_full(client: &ApiClient, application: &Application) -> Application {
    let scores = application
        .result
        .categories
        .iter()
        .flat_map(|c| c.indicators.iter())
        .chain(&application.result.bonuses)
        .filter(|i| i.pending)
        .map(|i| {
            (
                i.code.to_string(),
                ManualScore {
                    points: i.max,
                    note: Some(format!("{}：材料齐全，现场核实", i.name_zh)),
                },
            )
        })
        .collect();
    client
        .score_manual(
            application.id,
            &ManualScores {
                version: application.version.clone(),
                scores,
            },
        )
        .expect("manual scores")
}

pub fn decision(application: &Application, decision: &str) -> StarDecision {
    StarDecision {
        decision: decision.to_owned(),
        version: application.version.clone(),
        star: None,
        level: None,
        note: None,
    }
}

pub fn at_level(application: &Application, level: &str) -> StarDecision {
    StarDecision {
        level: Some(level.to_owned()),
        ..decision(application, "confirm")
    }
}

fn sheet(bytes: Vec<u8>, name: &str) -> Vec<Vec<String>> {
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a workbook");
    workbook
        .worksheet_range(name)
        .expect("sheet")
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[test]
fn a_cooperative_is_scored_from_approved_evidence_confirmed_by_level_and_published() {
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let admin = app.client(Persona::Admin);
    let counsellor = app.client(Persona::CounsellorHaishu);
    let county = app.client(Persona::SupervisorHaishu);
    let year = 2026;
    let campaign = open(&app, year, OrgKind::Cooperative);
    assert_eq!(
        open(&app, year, OrgKind::Cooperative),
        campaign,
        "opening again answers the open campaign"
    );
    let models = admin.scoring_models().expect("models");
    assert!(
        models.iter().all(|m| m.built_in) && models.len() == 2,
        "{models:?}"
    );

    // No approved visit: nothing to score.
    assert_eq!(
        code_of(counsellor.file_application(campaign, cooperative)),
        ErrorCode::StarEvidenceMissing
    );
    // A cooperative outside the caller's regions is bad input to an existing campaign, not a missing resource.
    let elsewhere = app.cooperative_id(Fixture::XiangshanFishery);
    match counsellor.file_application(campaign, elsewhere) {
        Err(ClientError::Api(problem)) => {
            assert_eq!(problem.code, ErrorCode::ValidationFailed, "{problem:?}");
            assert_eq!(problem.errors[0].field, "cooperative_id", "{problem:?}");
            assert_eq!(problem.errors[0].code, "unknown_cooperative", "{problem:?}");
        }
        other => panic!("expected a 422, got {other:?}"),
    }
    assert_eq!(
        code_of(counsellor.file_application(Uuid::now_v7(), cooperative)),
        ErrorCode::NotFound,
        "an unknown campaign is the missing resource"
    );
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let visit = record(&mut phone, cooperative, exemplary_visit("2026-11-05"));
    approve(&app, visit);

    let filed = counsellor
        .file_application(campaign, cooperative)
        .expect("file");
    let again = counsellor
        .file_application(campaign, cooperative)
        .expect("file again");
    assert_eq!(again.id, filed.id, "a retry files nothing new");
    assert_eq!(filed.status, "in_review");
    assert_eq!(filed.inputs["visit_id"], visit.to_string());
    assert_eq!(
        filed.inputs["subject"]["sources"]["registry.annual_report_filed"]
            .as_str()
            .map(|s| s.starts_with("合作社名录")),
        Some(true),
        "each registry input names its source: {}",
        filed.inputs["subject"]["sources"]
    );
    let organisation = &filed.result.categories[0];
    assert_eq!(
        (
            organisation.code.as_ref(),
            organisation.points,
            organisation.max
        ),
        ("A", 20.0, 20.0),
        "{organisation:?}"
    );
    let charter = organisation
        .indicators
        .iter()
        .find(|i| &*i.code == "A2")
        .expect("A2");
    assert_eq!(
        charter.evidence["registration.charter_based_on_model"],
        serde_json::json!(true)
    );
    assert!(!filed.result.pending_manual.is_empty());
    assert!(filed.result.explanation_zh.contains("待评审打分"));

    // Reviewers judge; counsellors do not, and nobody confirms with indicators unscored.
    assert_eq!(
        code_of(county.review_application(filed.id, &decision(&filed, "confirm"))),
        ErrorCode::StarScoresPending
    );
    let bad = ManualScores {
        version: filed.version.clone(),
        scores: [(
            "C1".to_owned(),
            ManualScore {
                points: 60.0,
                note: None,
            },
        )]
        .into(),
    };
    assert_eq!(
        code_of(counsellor.score_manual(filed.id, &bad)),
        ErrorCode::NotAReviewer
    );
    assert_eq!(
        code_of(county.score_manual(filed.id, &bad)),
        ErrorCode::ValidationFailed
    );
    let scored = score_manual_in_full(&county, &filed);
    assert_eq!(
        code_of(county.score_manual(filed.id, &bad)),
        ErrorCode::StarApplicationStale,
        "the version changed with the scores"
    );
    assert!(scored.result.pending_manual.is_empty());
    assert_eq!(
        scored.result.star,
        Some(4),
        "{}",
        scored.result.explanation_zh
    );
    assert_eq!(scored.total_bonus_checked(), 100.0);
    let five = &scored.result.levels[4];
    assert_eq!(
        five.failed_gates
            .iter()
            .map(|g| g.code.as_ref())
            .collect::<Vec<_>>(),
        vec!["G5a", "G5c"],
        "five stars need a city title and two years at four stars"
    );
    assert_eq!(scored.awaiting_level.as_deref(), Some("county"));
    assert_eq!(
        scored.manual["C1"].scored_by_name.as_deref(),
        Some("SupervisorHaishu")
    );

    // County, then city; the city lowers the star with a note.
    let township = app.client(Persona::TownshipGaoqiao);
    assert_eq!(
        code_of(township.review_application(scored.id, &decision(&scored, "confirm"))),
        ErrorCode::NotAReviewer,
        "townships do not review stars"
    );
    let at_county = county
        .review_application(scored.id, &decision(&scored, "confirm"))
        .expect("county");
    assert_eq!(at_county.awaiting_level.as_deref(), Some("city"));
    assert_eq!(
        code_of(county.review_application(scored.id, &decision(&at_county, "confirm"))),
        ErrorCode::StarNotAwaitingLevel
    );
    let mut higher = at_level(&at_county, "city");
    higher.star = Some(5);
    assert_eq!(
        code_of(admin.review_application(scored.id, &higher)),
        ErrorCode::ValidationFailed
    );
    let mut lower = at_level(&at_county, "city");
    lower.star = Some(3);
    assert_eq!(
        code_of(admin.review_application(scored.id, &lower)),
        ErrorCode::ValidationFailed,
        "lowering needs a note"
    );
    lower.note = Some("品牌建设材料不足，按三星级评定".to_owned());
    let rated = admin
        .review_application(scored.id, &lower)
        .expect("city confirms");
    assert_eq!(rated.status, "rated");
    assert_eq!(rated.awarded_star, Some(3));
    let levels: Vec<(&str, Option<u8>)> = rated
        .reviews
        .iter()
        .map(|r| (r.level.as_str(), r.star))
        .collect();
    assert_eq!(levels, vec![("county", Some(4)), ("city", Some(3))]);
    assert_eq!(
        code_of(admin.review_application(scored.id, &at_level(&rated, "city"))),
        ErrorCode::StarApplicationDecided
    );

    // The registry, the history and the phone know.
    assert_eq!(
        admin
            .get_cooperative(cooperative)
            .expect("cooperative")
            .star_level,
        Some(3)
    );
    let history = county.star_history(cooperative).expect("history");
    assert_eq!(history.current_star, Some(3));
    assert_eq!((history.awards[0].year, history.awards[0].star), (year, 3));
    phone.sync().expect("sync");
    let star = phone
        .star(cooperative)
        .expect("document")
        .expect("a record");
    assert_eq!(star.outcome.as_deref(), Some("3"));
    assert!(
        star.note.as_deref().is_some_and(|n| n.contains("2026年度")),
        "{star:?}"
    );

    // The queue, the 公示 list and the results, read back.
    let queue = county
        .applications(
            campaign,
            &ApplicationQuery {
                status: Some("rated".to_owned()),
                ..Default::default()
            },
        )
        .expect("applications");
    assert_eq!(queue.items.len(), 1);
    let notice = sheet(
        county
            .export_public_notice(campaign, Export::Xlsx)
            .expect("notice"),
        "公示名单",
    );
    assert_eq!(notice[0][1], "组织名称");
    assert_eq!(notice.len(), 2, "{notice:?}");
    assert_eq!(notice[1][1], Fixture::HaishuFruit.name());
    assert_eq!(notice[1][2], Fixture::HaishuFruit.uscc().as_str());
    assert_eq!(notice[1][5], "3星级");
    let csv = county
        .export_public_notice(campaign, Export::Csv)
        .expect("notice csv");
    let text = String::from_utf8(csv).expect("utf-8");
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains(Fixture::HaishuFruit.name()), "{text}");
    let results = sheet(
        admin
            .export_campaign_results(campaign, Export::Xlsx)
            .expect("results"),
        "评定结果",
    );
    assert_eq!(results[0][3], "组织建设（20分）");
    assert_eq!(results[1][3], "20");
    let report = admin
        .monthly_report(
            &(chrono::Utc::now() + chrono::Duration::hours(8))
                .format("%Y-%m")
                .to_string(),
            Export::Xlsx,
        )
        .expect("monthly report");
    let changes = sheet(report, "星级变动");
    for month in ["2999-01", "2026-13"] {
        assert_eq!(
            code_of(admin.monthly_report(month, Export::Csv)),
            ErrorCode::InvalidQuery,
            "{month}"
        );
    }
    admin
        .import_targets(
            "区划代码,年度,指标,目标\n330203,2026,星级合作社,100\n".as_bytes(),
            "测试目标",
        )
        .expect("targets");
    let haishu = admin
        .target_progress(i64::from(year))
        .expect("progress")
        .into_iter()
        .find(|p| p.region_code == hezuo_tests::HAISHU && p.metric == "star_rated")
        .expect("the Haishu target");
    assert_eq!(haishu.awarded_in_year, Some(1), "{haishu:?}");
    assert_eq!(
        haishu.actual,
        Some(1.0),
        "the registry holds the star awarded"
    );
    assert!(
        changes
            .iter()
            .any(|row| row[0] == Fixture::HaishuFruit.name()
                && row[1] == "合作社"
                && row[3] == "评定"),
        "{changes:?}"
    );
}

trait TotalCheck {
    fn total_bonus_checked(&self) -> f64;
}

impl TotalCheck for Application {
    /// The total, after checking it is the categories plus the capped bonus, capped at 100.
    fn total_bonus_checked(&self) -> f64 {
        let categories: f64 = self.result.categories.iter().map(|c| c.points).sum();
        assert_eq!(
            self.result.total,
            (categories + self.result.bonus).min(100.0)
        );
        self.result.total
    }
}

#[test]
fn a_revocation_removes_the_star_at_once_and_bars_reapplying() {
    let (app, mut phone, cooperative, filed) = filed_for_haishu_fruit();
    let county = app.client(Persona::SupervisorHaishu);

    let event = |cause: &str, occurred_on: &str| RecordStarEvent {
        cause: cause.to_owned(),
        occurred_on: chrono::NaiveDate::parse_from_str(occurred_on, "%Y-%m-%d").expect("day"),
        description: "冷库氨气泄漏致2人受伤".to_owned(),
        source: "区应急管理局事故调查报告".to_owned(),
    };
    assert_eq!(
        code_of(county.record_star_event(cooperative, &event("fire", "2026-10-08"))),
        ErrorCode::ValidationFailed
    );
    assert_eq!(
        code_of(
            county.record_star_event(cooperative, &event("major_safety_accident", "2999-01-01"))
        ),
        ErrorCode::ValidationFailed
    );
    assert_eq!(
        code_of(
            app.client(Persona::CounsellorHaishu)
                .record_star_event(cooperative, &event("major_safety_accident", "2026-10-08"))
        ),
        ErrorCode::NotAReviewer
    );

    // The registry's three stars go at once; the history keeps what happened; re-applying is barred for a year.
    let recorded = county
        .record_star_event(cooperative, &event("major_safety_accident", "2026-10-08"))
        .expect("record");
    assert_eq!(recorded.revoked_star, Some(3));
    assert_eq!(recorded.applications_rescored, 1);
    assert_eq!(recorded.event.cause_zh, "发生重大安全事故");
    assert_eq!(
        recorded.event.revoked_star,
        Some(3),
        "the event keeps what it revoked"
    );
    assert_eq!(recorded.history.current_star, None);
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let until = today
        .checked_add_months(chrono::Months::new(12))
        .and_then(|d| d.pred_opt())
        .expect("a day");
    assert_eq!(recorded.history.barred_until, Some(until));
    assert_eq!(recorded.history.bars[0].reason, "revoked");
    assert_eq!(
        app.client(Persona::Admin)
            .get_cooperative(cooperative)
            .expect("cooperative")
            .star_level,
        None
    );

    // Sent again (the answer was lost on the way): the same event, nothing recorded twice.
    let again = county
        .record_star_event(cooperative, &event("major_safety_accident", "2026-10-08"))
        .expect("again");
    assert_eq!(again.event.id, recorded.event.id);
    assert_eq!(again.revoked_star, Some(3), "what the event revoked");
    assert_eq!(
        (again.history.events.len(), again.history.bars.len()),
        (1, 1)
    );

    // The application under review now carries the veto.
    let vetoed = county.application(filed.id).expect("application");
    let vetoes: Vec<&str> = vetoed
        .result
        .vetoes
        .iter()
        .map(|v| v.code.as_ref())
        .collect();
    assert_eq!(vetoes, vec!["V2"]);
    assert_eq!(vetoed.proposed_star, None);
    assert!(vetoed.result.explanation_zh.contains("一票否决"));

    // Phones learn it.
    phone.sync().expect("sync");
    let star = phone
        .star(cooperative)
        .expect("document")
        .expect("a star record");
    assert_eq!(star.outcome.as_deref(), Some("revoked"));
    assert!(
        star.note
            .as_deref()
            .is_some_and(|n| n.contains("发生重大安全事故")),
        "{star:?}"
    );

    // Barred from the next campaign.
    let next = open(&app, 2027, OrgKind::Cooperative);
    assert_eq!(
        code_of(county.file_application(next, cooperative)),
        ErrorCode::StarBarred
    );
}

#[test]
fn a_revoked_award_stays_in_the_history_and_phones_see_it_revoked() {
    let (app, mut phone, cooperative, filed) = filed_for_haishu_fruit();
    let county = app.client(Persona::SupervisorHaishu);
    let admin = app.client(Persona::Admin);
    let scored = score_manual_in_full(&county, &filed);
    let at_county = county
        .review_application(scored.id, &decision(&scored, "confirm"))
        .expect("county");
    admin
        .review_application(scored.id, &at_level(&at_county, "city"))
        .expect("city");
    phone.sync().expect("sync");
    assert_eq!(
        phone
            .star(cooperative)
            .expect("doc")
            .and_then(|s| s.outcome),
        Some("4".to_owned())
    );

    let recorded = county
        .record_star_event(
            cooperative,
            &RecordStarEvent {
                cause: "serious_credit_overdue".to_owned(),
                occurred_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("day"),
                description: "贷款逾期超过90天".to_owned(),
                source: "人民银行征信报告".to_owned(),
            },
        )
        .expect("record");
    assert_eq!(recorded.revoked_star, Some(4));
    let award = &recorded.history.awards[0];
    assert_eq!((award.year, award.star), (2026, 4));
    assert!(award.revoked_at.is_some());
    assert_eq!(award.revoked_by_event, Some(recorded.event.id));
    phone.sync().expect("sync");
    let star = phone
        .star(cooperative)
        .expect("doc")
        .expect("a star record");
    assert_eq!(star.outcome.as_deref(), Some("revoked"));
    let note = star.note.unwrap_or_default();
    assert!(
        note.contains("信贷信用严重逾期") && note.contains("前不得申报"),
        "{note}"
    );
}

#[test]
fn a_falsified_application_bars_the_cooperative_for_two_years() {
    let (app, mut phone, cooperative, first) = filed_for_haishu_fruit();
    let county = app.client(Persona::SupervisorHaishu);

    // A later approved visit speaks for the cooperative: the application under review follows it.
    let later = record(&mut phone, cooperative, honest_visit("2026-11-12"));
    approve(&app, later);
    let filed = county.application(first.id).expect("application");
    assert_eq!(filed.inputs["visit_id"], later.to_string());
    assert!(
        filed.result.total < first.result.total,
        "{}",
        filed.result.explanation_zh
    );
    assert_ne!(filed.version, first.version);
    assert_eq!(
        code_of(county.review_application(filed.id, &decision(&first, "reject"))),
        ErrorCode::StarApplicationStale
    );
    assert_eq!(
        code_of(county.review_application(filed.id, &decision(&filed, "falsified"))),
        ErrorCode::ValidationFailed,
        "a finding of falsification needs a note"
    );
    let mut falsified = decision(&filed, "falsified");
    falsified.note = Some("成员名册中32人未入社，与实际不符".to_owned());
    let found = county
        .review_application(filed.id, &falsified)
        .expect("falsified");
    assert_eq!(found.status, "falsified");
    let history = county.star_history(cooperative).expect("history");
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let until = today
        .checked_add_months(chrono::Months::new(24))
        .and_then(|d| d.pred_opt())
        .expect("a day");
    assert_eq!(history.barred_until, Some(until));
    assert_eq!(history.bars[0].reason, "falsified");
    let next = open(&app, 2027, OrgKind::Cooperative);
    assert_eq!(
        code_of(county.file_application(next, cooperative)),
        ErrorCode::StarBarred
    );
    phone.sync().expect("sync");
    assert_eq!(
        phone
            .star(cooperative)
            .expect("doc")
            .and_then(|s| s.outcome),
        Some("barred".to_owned())
    );
}

#[test]
fn an_industry_federation_is_confirmed_up_to_the_level_of_its_star() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let county = app.client(Persona::SupervisorHaishu);
    let mut request = CreateCooperativeRequest::new(
        "宁波市海曙区草莓产业农合联",
        RegionCode::parse(HAISHU_VILLAGE).expect("code"),
    );
    request.org_kind = OrgKind::IndustryFederation;
    request.uscc = Uscc::from_body("93330203MA2H00009");
    let federation = admin.create_cooperative(&request).expect("federation").id;
    let cooperative_campaign = open(&app, 2024, OrgKind::Cooperative);
    assert_eq!(
        code_of(county.file_application(cooperative_campaign, federation)),
        ErrorCode::StarKindMismatch
    );
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let visit = record(&mut phone, federation, exemplary_visit("2026-11-05"));
    approve(&app, visit);

    // Year by year: three stars (county), four (county, city), five (county, city, province); each level needs the
    // star below held the year before.
    let mut awarded = Vec::new();
    for (year, levels) in [
        (2024, vec!["county"]),
        (2025, vec!["county", "city"]),
        (2026, vec!["county", "city", "province"]),
    ] {
        let campaign = open(&app, year, OrgKind::IndustryFederation);
        let filed = county.file_application(campaign, federation).expect("file");
        let mut application = score_manual_in_full(&county, &filed);
        for (index, level) in levels.iter().enumerate() {
            assert_eq!(application.awaiting_level.as_deref(), Some(*level));
            if *level == "county" {
                application = county
                    .review_application(application.id, &decision(&application, "confirm"))
                    .expect("county");
            } else {
                assert_eq!(
                    code_of(
                        county.review_application(application.id, &at_level(&application, level))
                    ),
                    ErrorCode::ReviewLevelMismatch,
                    "a county supervisor does not act at the {level} level"
                );
                if let Some(above) = levels.get(index + 1) {
                    assert_eq!(
                        code_of(
                            admin
                                .review_application(application.id, &at_level(&application, above))
                        ),
                        ErrorCode::StarNotAwaitingLevel
                    );
                }
                application = admin
                    .review_application(application.id, &at_level(&application, level))
                    .expect(level);
            }
        }
        assert_eq!(application.status, "rated", "{year}");
        awarded.push(application.awarded_star);
    }
    assert_eq!(awarded, vec![Some(3), Some(4), Some(5)]);
    let history = county.star_history(federation).expect("history");
    assert_eq!(history.kind, OrgKind::IndustryFederation);
    assert_eq!(history.current_star, Some(5));
    assert_eq!(history.awards.len(), 3);

    // The monthly report counts the federation's stars apart from cooperatives' stars.
    let month = (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m")
        .to_string();
    let report = admin
        .monthly_report(&month, Export::Xlsx)
        .expect("monthly report");
    let summary = sheet(report.clone(), "概况");
    let count = |label: &str| {
        summary
            .iter()
            .find(|row| row[0] == label)
            .map(|row| row[1].clone())
    };
    assert_eq!(
        count("本月评定星级合作社").as_deref(),
        Some("0"),
        "{summary:?}"
    );
    assert_eq!(count("本月评定星级产业农合联").as_deref(), Some("3"));
    let changes = sheet(report, "星级变动");
    assert!(
        changes
            .iter()
            .skip(1)
            .all(|row| row[1] == "产业农合联" && row[0] == "宁波市海曙区草莓产业农合联"),
        "{changes:?}"
    );
}

#[test]
fn a_county_installs_its_own_model_as_a_new_version_and_a_campaign_scores_with_it() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let built_in = admin
        .scoring_models()
        .expect("models")
        .into_iter()
        .find(|m| m.kind == OrgKind::Cooperative)
        .expect("the built-in cooperative model");
    let own = built_in
        .model_toml
        .replace("coop-stars-2026.2", "haishu-2027.1")
        .replace("min_score = 75", "min_score = 78");
    assert_eq!(
        code_of(
            app.client(Persona::SupervisorHaishu)
                .install_scoring_model(&own)
        ),
        ErrorCode::Forbidden
    );
    let installed = admin.install_scoring_model(&own).expect("install");
    assert!(!installed.built_in);
    assert_eq!(installed.stars[2].min_score, 78.0);
    assert_eq!(
        admin.install_scoring_model(&own).expect("again").version,
        "haishu-2027.1"
    );
    let changed = own.replace("min_score = 78", "min_score = 77");
    assert_eq!(
        code_of(admin.install_scoring_model(&changed)),
        ErrorCode::StarModelVersionTaken
    );
    let broken = own.replace("bonus_cap = 10", "bonus_cap = 10\nbonus_kap = 2");
    assert_eq!(
        code_of(admin.install_scoring_model(&broken)),
        ErrorCode::StarModelInvalid
    );
    let open_with = |model_version: &str| {
        admin.open_campaign(&OpenCampaign {
            year: 2027,
            kind: OrgKind::Cooperative,
            model_version: Some(model_version.to_owned()),
            name: None,
        })
    };
    assert_eq!(
        code_of(open_with("federation-stars-2026.2")),
        ErrorCode::StarModelUnknown,
        "a federation model does not rate cooperatives"
    );
    let campaign = open_with("haishu-2027.1").expect("open");
    assert_eq!(campaign.model_version, "haishu-2027.1");
    assert_eq!(campaign.name, "2027年度农民专业合作社星级评定");
    assert_eq!(
        code_of(open_with("coop-stars-2026.2")),
        ErrorCode::StarCampaignExists
    );
    let closed = admin.close_campaign(campaign.id).expect("close");
    assert_eq!(closed.status, "closed");
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let visit = record(&mut phone, cooperative, exemplary_visit("2026-11-05"));
    approve(&app, visit);
    assert_eq!(
        code_of(
            app.client(Persona::CounsellorHaishu)
                .file_application(campaign.id, cooperative)
        ),
        ErrorCode::StarCampaignClosed
    );
}

/// Four requests sent at the same moment, each on its own thread: their answers.
fn at_once<T: Send>(request: impl Fn() -> T + Sync) -> Vec<T> {
    const COUNT: usize = 4;
    let start = std::sync::Barrier::new(COUNT);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..COUNT)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    request()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("request thread"))
            .collect()
    })
}

/// Reviewers at one level pressing confirm at the same moment (or one reviewer twice): `count` requests at once.
/// Exactly one may succeed; the others must be told the application moved on with one of `told` (no server error,
/// no second confirmation). Returns the application as the winner left it.
fn one_of_many_wins(
    client: &ApiClient,
    application: &Application,
    request: &StarDecision,
    told: &[ErrorCode],
) -> Application {
    let answers = at_once(|| {
        client
            .review_application(application.id, request)
            .map_err(|error| code_of::<()>(Err(error)))
    });
    let brief: Vec<String> = answers
        .iter()
        .map(|answer| match answer {
            Ok(a) => format!("{} awaiting {:?}", a.status, a.awaiting_level),
            Err(code) => code.to_string(),
        })
        .collect();
    let (won, lost): (Vec<_>, Vec<_>) = answers.into_iter().partition(Result::is_ok);
    assert_eq!(won.len(), 1, "{brief:?}");
    assert!(
        lost.iter()
            .all(|answer| answer.as_ref().is_err_and(|code| told.contains(code))),
        "{brief:?}"
    );
    won.into_iter()
        .next()
        .and_then(Result::ok)
        .expect("the winner")
}

#[test]
fn reviewers_confirming_at_once_decide_once() {
    let (app, _phone, cooperative, filed) = filed_for_haishu_fruit();
    let county = app.client(Persona::SupervisorHaishu);
    let admin = app.client(Persona::Admin);
    let scored = score_manual_in_full(&county, &filed);

    let moved_on = [
        ErrorCode::StarNotAwaitingLevel,
        ErrorCode::StarApplicationStale,
    ];
    let after_county = one_of_many_wins(&county, &scored, &decision(&scored, "confirm"), &moved_on);
    assert_eq!(after_county.awaiting_level.as_deref(), Some("city"));
    let decided = [
        ErrorCode::StarApplicationDecided,
        ErrorCode::StarApplicationStale,
    ];
    let rated = one_of_many_wins(
        &admin,
        &after_county,
        &at_level(&after_county, "city"),
        &decided,
    );
    assert_eq!(rated.status, "rated");

    let levels: Vec<&str> = rated.reviews.iter().map(|r| r.level.as_str()).collect();
    assert_eq!(levels, vec!["county", "city"], "one confirmation per level");
    let history = county.star_history(cooperative).expect("history");
    assert_eq!(history.awards.len(), 1);
    assert_eq!(history.current_star, Some(4));
}

#[test]
fn a_campaign_opened_and_a_filing_sent_several_times_at_once_make_one_each() {
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let opened: std::collections::BTreeSet<Uuid> =
        at_once(|| open(&app, 2026, OrgKind::Cooperative))
            .into_iter()
            .collect();
    assert_eq!(opened.len(), 1, "{opened:?}");
    let campaign = opened.into_iter().next().expect("the campaign");
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let visit = record(&mut phone, cooperative, exemplary_visit("2026-11-05"));
    approve(&app, visit);

    let counsellor = app.client(Persona::CounsellorHaishu);
    let filed = at_once(|| counsellor.file_application(campaign, cooperative));
    let ids: std::collections::BTreeSet<Uuid> = filed
        .into_iter()
        .map(|answer| {
            answer
                .expect("every request answers with the application")
                .id
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let listed = app
        .client(Persona::SupervisorHaishu)
        .applications(campaign, &ApplicationQuery::default())
        .expect("applications");
    assert_eq!(listed.items.len(), 1);
}

/// A duplicate merge moves approved visits into the survivor: its open star application is scored again with them
/// (issue 18: the merge refreshed the clean-up but not the stars).
#[test]
fn a_duplicate_merge_rescores_the_survivors_open_application() {
    use hezuo_mobile_api::reviews::MergeDuplicate;
    let app = TestApp::spawn();
    let survivor = app.cooperative_id(Fixture::HaishuRice);
    let campaign = open(&app, 2026, OrgKind::Cooperative);
    let supervisor = app.client(Persona::SupervisorHaishu);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let plain = record(&mut phone, survivor, honest_visit("2026-11-01"));
    approve(&app, plain);
    let before = supervisor
        .file_application(campaign, survivor)
        .expect("file on a plain visit");

    // Later evidence was recorded on a duplicate the phone created with the survivor's credit code, and approved there.
    let duplicate = phone
        .create_cooperative(
            "高桥金穗水稻合作社",
            HAISHU_VILLAGE,
            Some(&Fixture::HaishuRice.uscc()),
        )
        .expect("create");
    let visit = record(&mut phone, duplicate, exemplary_visit("2026-11-05"));
    approve(&app, visit);
    assert_eq!(
        supervisor
            .application(before.id)
            .expect("application")
            .result
            .total,
        before.result.total,
        "evidence of another cooperative does not count"
    );

    let pair = supervisor.duplicates().expect("duplicates").items.remove(0);
    supervisor
        .merge_duplicate(pair.id, &MergeDuplicate::default())
        .expect("merge");
    let after = supervisor.application(before.id).expect("application");
    assert!(
        after.result.total > before.result.total,
        "the merged evidence is scored: {} then {}",
        before.result.total,
        after.result.total
    );
    assert_ne!(after.version, before.version);
}

#[test]
fn imported_registry_facts_score_an_open_application_again() {
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuRice);
    let campaign = open(&app, 2026, OrgKind::Cooperative);
    let supervisor = app.client(Persona::SupervisorHaishu);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let visit = record(&mut phone, cooperative, exemplary_visit("2026-11-01"));
    approve(&app, visit);
    let before = supervisor
        .file_application(campaign, cooperative)
        .expect("file");
    let codes = |vetoes: &[hezuo_mobile_api::stars::CheckOutcome]| -> Vec<String> {
        vetoes.iter().map(|v| v.code.as_ref().to_owned()).collect()
    };
    // The registration the register holds: on the abnormal-operations list, last year's report missing.
    assert_eq!(codes(&before.result.vetoes), vec!["V4", "V6"]);

    // The market regulator's newer list: the report was filed and the cooperative is off the list.
    let facts = format!(
        "统一社会信用代码,年报已报送,列入经营异常名录,列入原因,纳税申报\n{},是,否,,是\n",
        Fixture::HaishuRice.uscc(),
    );
    app.client(Persona::Admin)
        .import_registry_facts(
            facts.as_bytes(),
            "宁波市海曙区市场监管局2026年名单",
            chrono::NaiveDate::from_ymd_opt(2026, 11, 20),
        )
        .expect("import");
    let after = supervisor.application(before.id).expect("application");
    assert_eq!(codes(&after.result.vetoes), Vec::<String>::new());
    assert!(
        after.result.total > before.result.total,
        "the filed report scores"
    );
    assert_ne!(after.version, before.version);
}
