//! The monthly reporting cycle (seed 004: a written report each month by the 15th): a township writes and files its
//! report on the month's frozen figures, the county returns it with a note, the township corrects and files it again,
//! the county acknowledges it; late and missing reports are listed; the report exports to Excel and to a printable
//! document that shows every text as text.

use calamine::Reader;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::reporting::{ReportAction, SaveReport, TypicalCase};
use hezuo_tests::{Fixture, HAISHU, HAISHU_GAOQIAO, HAISHU_JISHIGANG, Persona, TestApp};

use crate::code_of;

fn month_back(months: u32) -> String {
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let first = chrono::Datelike::with_day(&today, 1).expect("first");
    first
        .checked_sub_months(chrono::Months::new(months))
        .expect("month")
        .format("%Y-%m")
        .to_string()
}

fn action(action: &str, version: i64, note: Option<&str>) -> ReportAction {
    ReportAction {
        action: action.into(),
        note: note.map(str::to_owned),
        version,
    }
}

#[test]
fn a_township_files_its_report_and_the_county_returns_then_acknowledges_it() {
    let app = TestApp::spawn();
    let township = app.client(Persona::TownshipGaoqiao);
    let county = app.client(Persona::SupervisorHaishu);
    let month = month_back(1);
    let draft = SaveReport {
        narrative: "本月走访合作社12家，完成摸底排查8家。<script>alert(1)</script>".into(),
        cases: vec![TypicalCase {
            title: "绿源果蔬规范提升".into(),
            text: "指导建立成员账户，按交易量返还盈余。".into(),
            cooperative_id: Some(app.cooperative_id(Fixture::HaishuFruit)),
        }],
        version: None,
    };
    assert_eq!(
        code_of(township.save_unit_report(HAISHU_GAOQIAO, &month_back(0), &draft)),
        ErrorCode::ReportMonthOpen,
        "this month's report waits for the month to end"
    );
    assert_eq!(
        code_of(county.save_unit_report(HAISHU_GAOQIAO, &month, &draft)),
        ErrorCode::Forbidden,
        "the county does not write the township's report"
    );
    let saved = township
        .save_unit_report(HAISHU_GAOQIAO, &month, &draft)
        .expect("draft");
    assert_eq!((saved.status.as_str(), saved.version), ("draft", 1));
    assert!(saved.can_write && !saved.can_decide);
    assert_eq!(
        code_of(township.save_unit_report(HAISHU_GAOQIAO, &month, &draft)),
        ErrorCode::ReportStale,
        "a second first draft would overwrite the first"
    );

    let filed = township
        .act_on_unit_report(HAISHU_GAOQIAO, &month, &action("file", 1, None))
        .expect("file");
    assert_eq!(filed.status, "filed");
    assert!(filed.figures_frozen_at.is_some(), "filed on frozen figures");
    assert!(!filed.late, "filed before the 15th");
    let edit = SaveReport {
        version: Some(filed.version),
        ..draft.clone()
    };
    assert_eq!(
        code_of(township.save_unit_report(HAISHU_GAOQIAO, &month, &edit)),
        ErrorCode::ReportLocked
    );
    assert_eq!(
        code_of(township.act_on_unit_report(
            HAISHU_GAOQIAO,
            &month,
            &action("acknowledge", filed.version, None)
        )),
        ErrorCode::Forbidden,
        "a unit does not acknowledge its own report"
    );

    // The county returns it with a note; the township corrects and files it again; the county acknowledges.
    assert_eq!(
        code_of(county.act_on_unit_report(
            HAISHU_GAOQIAO,
            &month,
            &action("return", filed.version, None)
        )),
        ErrorCode::ValidationFailed
    );
    let returned = county
        .act_on_unit_report(
            HAISHU_GAOQIAO,
            &month,
            &action("return", filed.version, Some("请补充清理整治进展")),
        )
        .expect("return");
    assert_eq!(returned.status, "returned");
    assert_eq!(
        returned.decision_note.as_deref(),
        Some("请补充清理整治进展")
    );
    let corrected = township
        .save_unit_report(
            HAISHU_GAOQIAO,
            &month,
            &SaveReport {
                narrative: format!("{}清理整治：认定空壳社1家，已立案处置。", draft.narrative),
                cases: draft.cases.clone(),
                version: Some(returned.version),
            },
        )
        .expect("corrected");
    let refiled = township
        .act_on_unit_report(
            HAISHU_GAOQIAO,
            &month,
            &action("file", corrected.version, None),
        )
        .expect("filed again");
    let acknowledged = county
        .act_on_unit_report(
            HAISHU_GAOQIAO,
            &month,
            &action("acknowledge", refiled.version, None),
        )
        .expect("acknowledge");
    assert_eq!(acknowledged.status, "acknowledged");
    assert!(acknowledged.decided_by_name.is_some());

    // The county's own report goes to the city: the county cannot acknowledge it, an administrator can.
    let own = county
        .save_unit_report(
            HAISHU,
            &month,
            &SaveReport {
                narrative: "海曙区本月进展。".into(),
                cases: Vec::new(),
                version: None,
            },
        )
        .expect("county draft");
    let own = county
        .act_on_unit_report(HAISHU, &month, &action("file", own.version, None))
        .expect("county files");
    assert_eq!(
        code_of(county.act_on_unit_report(
            HAISHU,
            &month,
            &action("acknowledge", own.version, None)
        )),
        ErrorCode::Forbidden
    );
    app.client(Persona::Admin)
        .act_on_unit_report(HAISHU, &month, &action("acknowledge", own.version, None))
        .expect("the city acknowledges");

    // The printable document shows the text as text; the workbook holds the report and the frozen figures.
    let html = String::from_utf8(
        county
            .export_unit_report(HAISHU_GAOQIAO, &month, "html")
            .expect("html"),
    )
    .expect("utf-8");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>"));
    assert!(html.contains("绿源果蔬规范提升") && html.contains("概况"));
    let workbook = county
        .export_unit_report(HAISHU_GAOQIAO, &month, "xlsx")
        .expect("xlsx");
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(workbook)).expect("a workbook");
    let text = workbook.worksheet_range("月报").expect("sheet");
    assert!(text.rows().any(|row| row[1] == "已确认"));
    assert!(workbook.worksheet_range("概况").is_ok());
}

#[test]
fn late_and_missing_reports_are_listed_first() {
    let app = TestApp::spawn();
    let township = app.client(Persona::TownshipGaoqiao);
    let county = app.client(Persona::SupervisorHaishu);
    // Two months back the due day has passed: a report filed now is late, one never written is missing and late.
    let month = month_back(2);
    let saved = township
        .save_unit_report(
            HAISHU_GAOQIAO,
            &month,
            &SaveReport {
                narrative: "补报。".into(),
                cases: Vec::new(),
                version: None,
            },
        )
        .expect("draft");
    let filed = township
        .act_on_unit_report(HAISHU_GAOQIAO, &month, &action("file", saved.version, None))
        .expect("file");
    assert!(filed.late, "filed after the 15th of the next month");
    let units = county.report_status(&month).expect("status");
    let of = |code: &str| units.iter().find(|u| u.region_code == code).expect(code);
    assert_eq!(of(HAISHU).level, "county");
    assert_eq!(of(HAISHU_JISHIGANG).status, "missing");
    assert!(of(HAISHU_JISHIGANG).late);
    assert_eq!(of(HAISHU_GAOQIAO).status, "filed");
    assert!(of(HAISHU_GAOQIAO).can_decide);
    assert!(units.iter().all(|u| u.region_code.starts_with(HAISHU)));
    assert!(
        units
            .iter()
            .position(|u| !u.late)
            .is_none_or(|first_on_time| units[..first_on_time].iter().all(|u| u.late)),
        "late ones first"
    );
    assert_eq!(
        code_of(county.unit_report("330203101201", &month)),
        ErrorCode::NotReportingUnit,
        "a village does not report"
    );
    assert_eq!(
        code_of(county.unit_report(hezuo_tests::XIANGSHAN, &month)),
        ErrorCode::NotFound
    );
}
