//! Responsibility for cooperatives ("供销专干属地负责", seed 002) and visit coverage: a supervisor assigns a counsellor
//! and a 供销专干 with history; approved visits count towards the baseline survey, recency and overdue re-visits, per
//! district, township and counsellor; a counsellor lists their own overdue cooperatives; the workbook exports it all.

use calamine::Reader;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::coverage::{AssignRequest, CoverageQuery};
use hezuo_sync::model::VisitType;
use hezuo_tests::{Fixture, HAISHU, Persona, TestApp};

use crate::cleanup::{approve, honest_visit, months_ago, record};
use crate::code_of;

fn today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string()
}

#[test]
fn a_supervisor_assigns_counsellors_with_history_and_only_within_their_regions() {
    let app = TestApp::spawn();
    let supervisor = app.client(Persona::SupervisorHaishu);
    let fruit = app.cooperative_id(Fixture::HaishuFruit);
    let counsellor = app.user_id(Persona::CounsellorHaishu);
    let officer = app.user_id(Persona::TownshipGaoqiao);
    let assign = |officer_user_id| AssignRequest {
        counsellor_user_id: counsellor,
        officer_user_id,
        note: Some("属地负责".into()),
    };

    let first = supervisor
        .assign_responsibility(fruit, &assign(None))
        .expect("assign");
    assert_eq!(
        first.current.as_ref().map(|a| a.counsellor_user_id),
        Some(counsellor)
    );
    let again = supervisor
        .assign_responsibility(fruit, &assign(None))
        .expect("the same again");
    assert_eq!(
        again.history.len(),
        1,
        "a retried assignment adds no history"
    );
    let with_officer = supervisor
        .assign_responsibility(fruit, &assign(Some(officer)))
        .expect("with the 供销专干");
    assert_eq!(with_officer.history.len(), 2);
    let current = with_officer.current.expect("current");
    assert_eq!(current.officer_user_id, Some(officer));
    assert!(!current.officer_name.unwrap_or_default().is_empty());
    assert!(with_officer.history[1].ended_at.is_some());

    // Not a counsellor, a counsellor of another county, a foreign cooperative, a counsellor assigning.
    let supervisor_as_counsellor = AssignRequest {
        counsellor_user_id: app.user_id(Persona::SupervisorHaishu),
        officer_user_id: None,
        note: None,
    };
    assert_eq!(
        code_of(supervisor.assign_responsibility(fruit, &supervisor_as_counsellor)),
        ErrorCode::ValidationFailed
    );
    let foreign_counsellor = AssignRequest {
        counsellor_user_id: app.user_id(Persona::CounsellorXiangshan),
        officer_user_id: None,
        note: None,
    };
    assert_eq!(
        code_of(supervisor.assign_responsibility(fruit, &foreign_counsellor)),
        ErrorCode::ValidationFailed
    );
    let fishery = app.cooperative_id(Fixture::XiangshanFishery);
    assert_eq!(
        code_of(supervisor.assign_responsibility(fishery, &assign(None))),
        ErrorCode::NotFound
    );
    assert_eq!(
        code_of(
            app.client(Persona::CounsellorHaishu)
                .assign_responsibility(fruit, &assign(None))
        ),
        ErrorCode::Forbidden
    );
    // The counsellor reads who answers for the cooperative.
    let seen = app
        .client(Persona::CounsellorHaishu)
        .responsibility(fruit)
        .expect("read");
    assert_eq!(seen.history.len(), 2);

    let ended = supervisor.end_responsibility(fruit).expect("end");
    assert!(ended.current.is_none());
    assert!(ended.history.iter().all(|a| a.ended_at.is_some()));
    assert_eq!(
        supervisor
            .end_responsibility(fruit)
            .expect("again")
            .history
            .len(),
        2
    );
}

#[test]
fn coverage_counts_approved_visits_by_region_and_counsellor_and_lists_what_is_due() {
    let app = TestApp::spawn();
    let supervisor = app.client(Persona::SupervisorHaishu);
    let fruit = app.cooperative_id(Fixture::HaishuFruit);
    let rice = app.cooperative_id(Fixture::HaishuRice);
    let counsellor = app.user_id(Persona::CounsellorHaishu);
    supervisor
        .assign_responsibility(
            fruit,
            &AssignRequest {
                counsellor_user_id: counsellor,
                officer_user_id: None,
                note: None,
            },
        )
        .expect("assign");

    let before = supervisor
        .coverage(&CoverageQuery::default())
        .expect("coverage");
    assert_eq!(before.total.cooperatives, 2, "{before:?}");
    assert_eq!(before.total.never_visited, 2);
    assert_eq!(
        before.total.baseline_required, 1,
        "the 领办 county-member fruit cooperative must be surveyed; the rice one has no ties"
    );
    assert_eq!(before.total.overdue, 2, "never visited is due now");
    assert_eq!(before.total.unassigned, 1);

    // A baseline survey of the fruit cooperative today; a routine visit to the rice one 14 months ago.
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let mut baseline = honest_visit(&today());
    baseline.meta.as_mut().expect("meta").visit_type = Some(VisitType::Baseline);
    let baseline = record(&mut phone, fruit, baseline);
    approve(&app, baseline);
    let old = record(&mut phone, rice, honest_visit(&months_ago(14)));
    approve(&app, old);

    let after = supervisor
        .coverage(&CoverageQuery::default())
        .expect("coverage");
    let total = &after.total;
    assert_eq!(
        (
            total.never_visited,
            total.baseline_done,
            total.visited_within_3m,
            total.visited_over_12m,
            total.overdue
        ),
        (0, 1, 1, 1, 1),
        "{total:?}"
    );
    let district = after
        .regions
        .iter()
        .find(|r| r.region_code == HAISHU)
        .expect("海曙区");
    assert_eq!(district.level, "county");
    assert_eq!(district.counts, after.total);
    assert!(after.regions.iter().any(|r| r.level == "township"));
    let mine = after
        .counsellors
        .iter()
        .find(|c| c.counsellor_user_id == counsellor)
        .expect("the counsellor");
    assert_eq!(mine.counts.cooperatives, 1);
    let this_month = &today()[..7];
    let month = mine.visits_by_month.last().expect("months");
    assert_eq!((month.month.as_str(), month.visits), (this_month, 1));
    assert_eq!(
        mine.visits_by_month.iter().map(|m| m.visits).sum::<u64>(),
        1,
        "the visit 14 months ago is outside the twelve months"
    );

    // The overdue list, soonest due first; the counsellor's own list holds only their cooperative.
    let overdue = supervisor
        .coverage_cooperatives(&CoverageQuery {
            status: Some("overdue".into()),
            ..Default::default()
        })
        .expect("overdue");
    let ids: Vec<_> = overdue.items.iter().map(|c| c.cooperative_id).collect();
    assert_eq!(ids, vec![rice]);
    assert!(overdue.items[0].days_since_last_visit.unwrap_or(0) > 365);
    let own = app
        .client(Persona::CounsellorHaishu)
        .coverage_cooperatives(&CoverageQuery {
            counsellor: Some("me".into()),
            ..Default::default()
        })
        .expect("mine");
    assert_eq!(own.items.len(), 1);
    assert_eq!(own.items[0].cooperative_id, fruit);
    assert!(own.items[0].baseline_done && !own.items[0].overdue);
    let page = supervisor
        .coverage_cooperatives(&CoverageQuery {
            limit: Some(1),
            ..Default::default()
        })
        .expect("page");
    let next = supervisor
        .coverage_cooperatives(&CoverageQuery {
            limit: Some(1),
            cursor: page.next_cursor.clone(),
            ..Default::default()
        })
        .expect("next page");
    assert_eq!(
        vec![page.items[0].cooperative_id, next.items[0].cooperative_id],
        vec![rice, fruit]
    );
    assert!(next.next_cursor.is_none());
    assert_eq!(
        code_of(supervisor.coverage_cooperatives(&CoverageQuery {
            status: Some("late".into()),
            ..Default::default()
        })),
        ErrorCode::InvalidQuery
    );
    assert_eq!(
        code_of(supervisor.coverage(&CoverageQuery {
            region: Some(hezuo_tests::XIANGSHAN.into()),
            ..Default::default()
        })),
        ErrorCode::RegionOutOfScope
    );

    let workbook = supervisor
        .export_coverage(&CoverageQuery::default())
        .expect("xlsx");
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(workbook)).expect("a workbook");
    let due = workbook.worksheet_range("待走访").expect("sheet");
    let rows: Vec<Vec<String>> = due
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][0], Fixture::HaishuRice.name());
    let regions = workbook.worksheet_range("地区覆盖").expect("sheet");
    assert!(regions.rows().any(|row| row[1] == "合计"));
    assert!(workbook.worksheet_range("辅导员覆盖").is_ok());
}

#[test]
fn assignments_are_imported_row_by_row_inside_the_importers_regions() {
    let app = TestApp::spawn();
    let supervisor = app.client(Persona::SupervisorHaishu);
    let file = format!(
        "统一社会信用代码,辅导员账号,供销专干账号,备注\n{},{},{},属地负责\n{},{},,\n{},{},,\n{},nobody,,\n",
        Fixture::HaishuFruit.uscc().as_str(),
        Persona::CounsellorHaishu.username(),
        Persona::TownshipGaoqiao.username(),
        Fixture::HaishuRice.uscc().as_str(),
        Persona::SupervisorHaishu.username(),
        Fixture::XiangshanFishery.uscc().as_str(),
        Persona::CounsellorHaishu.username(),
        Fixture::HaishuRice.uscc().as_str(),
    );
    let report = supervisor
        .import_responsibility(file.as_bytes())
        .expect("import");
    assert_eq!((report.inserted, report.failed), (1, 3), "{report:?}");
    let codes: Vec<(u64, Option<&str>, &str)> = report
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_deref(), e.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        vec![
            (3, Some("counsellor"), "not_a_counsellor"),
            (4, Some("uscc"), "not_found"),
            (5, Some("counsellor"), "unknown_user"),
        ]
    );
    let again = supervisor
        .import_responsibility(file.as_bytes())
        .expect("again");
    assert_eq!((again.inserted, again.unchanged), (0, 1));
    let fruit = supervisor
        .responsibility(app.cooperative_id(Fixture::HaishuFruit))
        .expect("read");
    let current = fruit.current.expect("assigned");
    assert_eq!(
        current.counsellor_user_id,
        app.user_id(Persona::CounsellorHaishu)
    );
    assert_eq!(
        current.officer_user_id,
        Some(app.user_id(Persona::TownshipGaoqiao))
    );
    assert_eq!(current.note.as_deref(), Some("属地负责"));
    assert_eq!(
        code_of(
            app.client(Persona::CounsellorHaishu)
                .import_responsibility(file.as_bytes())
        ),
        ErrorCode::Forbidden
    );
}

/// The counsellor's phone keeps the cooperatives they answer for: `hf list` puts them first, and `hf revisits`
/// (`Phone::revisits`) adds the overdue ones to the clean-up re-visits, also without a link.
#[test]
fn a_counsellors_phone_lists_their_overdue_cooperatives() {
    let app = TestApp::spawn();
    let fruit = app.cooperative_id(Fixture::HaishuFruit);
    let rice = app.cooperative_id(Fixture::HaishuRice);
    app.client(Persona::SupervisorHaishu)
        .assign_responsibility(
            fruit,
            &AssignRequest {
                counsellor_user_id: app.user_id(Persona::CounsellorHaishu),
                officer_user_id: None,
                note: None,
            },
        )
        .expect("assign");
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let mine = phone.my_cooperatives().expect("mine");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].cooperative_id, fruit);
    let due = phone.revisits().expect("revisits");
    let ids: Vec<_> = due.iter().map(|r| r.cooperative_id).collect();
    assert_eq!(ids, vec![fruit], "the rice cooperative is not theirs");
    assert!(
        due[0]
            .note
            .as_deref()
            .unwrap_or_default()
            .contains("从未走访")
    );
    assert!(!ids.contains(&rice));

    // After a visit is approved and the phone pulls again, the cooperative is no longer due.
    let visit = record(&mut phone, fruit, honest_visit(&today()));
    approve(&app, visit);
    phone.pull().expect("pull");
    assert!(phone.revisits().expect("revisits").is_empty());
    let mine = phone.my_cooperatives().expect("mine");
    assert_eq!(mine[0].last_visit.map(|d| d.to_string()), Some(today()));
}
