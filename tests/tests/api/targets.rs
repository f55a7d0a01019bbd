//! District targets (RULES.md §5.1): the Ningbo plan imported through the API, progress counted from the registry and
//! scoped to the caller's regions, the guard-rail against quotas on founding cooperatives, and the Excel export.

use calamine::Reader;
use hezuo_mobile_api::ErrorCode;
use hezuo_server::targets::{NINGBO_PLAN, NINGBO_PLAN_SOURCE};
use hezuo_tests::{Persona, TestApp};

use crate::code_of;

#[test]
fn the_ningbo_plan_is_imported_and_progress_is_counted_from_the_registry() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let report = admin
        .import_targets(NINGBO_PLAN.as_bytes(), NINGBO_PLAN_SOURCE)
        .expect("import");
    assert_eq!((report.inserted, report.failed), (63, 0), "{report:?}");
    let again = admin
        .import_targets(NINGBO_PLAN.as_bytes(), NINGBO_PLAN_SOURCE)
        .expect("import again");
    assert_eq!((again.inserted, again.unchanged), (0, 63));

    // The city sees every district; the sums of 2025 reach the plan's city targets.
    let city = admin.target_progress(2025).expect("progress");
    let sum = |metric: &str| -> u64 {
        city.iter()
            .filter(|p| p.metric == metric && p.region_code != "330200")
            .map(|p| p.target)
            .sum()
    };
    assert_eq!((sum("star_rated"), sum("sponsored")), (1202, 803));

    // A district supervisor sees their district and the city-wide five-star target, with actuals from the registry:
    // the fixtures hold one 海曙 cooperative at three stars, 领办, and a five-star 参办 one in 象山.
    let haishu = app
        .client(Persona::SupervisorHaishu)
        .target_progress(2025)
        .expect("progress");
    let rows: Vec<(&str, &str, u64, u64)> = haishu
        .iter()
        .map(|p| {
            (
                p.region_code.as_str(),
                p.metric.as_str(),
                p.target,
                p.actual,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("330200", "sponsored_five_star", 100, 1),
            ("330203", "sponsored", 43, 1),
            ("330203", "star_rated", 100, 1),
        ]
    );
    assert_eq!(haishu[2].attainment_pct, 1.0);
    assert_eq!(haishu[2].source, NINGBO_PLAN_SOURCE);
    assert_eq!(haishu[2].metric_zh, "三星级及以上合作社");

    let workbook = app
        .client(Persona::SupervisorHaishu)
        .export_target_progress(2025)
        .expect("xlsx");
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(workbook)).expect("a workbook");
    let sheet = workbook.worksheet_range("目标进度").expect("sheet");
    let cells: Vec<Vec<String>> = sheet
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(cells.len(), 4, "{cells:?}");
    assert_eq!(cells[0][3], "指标");
    assert_eq!(cells[3][1], "海曙区");
    assert_eq!(cells[3][4], "100");
    assert_eq!(cells[3][5], "1");
}

#[test]
fn quotas_on_founding_cooperatives_and_unknown_regions_are_refused_by_row() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let file = "区划代码,年度,指标,目标\n330203,2025,新建合作社,20\n999999,2025,星级合作社,5\n330203,2025,领办参办合作社,-1\n330203,2025,星级合作社,100\n";
    let report = admin
        .import_targets(file.as_bytes(), "测试")
        .expect("import");
    assert_eq!(report.inserted, 1);
    let codes: Vec<(u64, &str)> = report
        .errors
        .iter()
        .map(|e| (e.row, e.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        vec![
            (2, "metric_forbidden"),
            (3, "region_unknown"),
            (4, "invalid")
        ]
    );
    assert!(report.errors[0].message.contains("中农发〔2019〕18号"));
    assert_eq!(
        code_of(
            app.client(Persona::SupervisorHaishu)
                .import_targets(file.as_bytes(), "测试")
        ),
        ErrorCode::Forbidden
    );
}
