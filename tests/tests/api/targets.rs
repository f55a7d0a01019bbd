//! District targets (RULES.md §5.1): the Ningbo plan imported through the API, progress counted from the registry and
//! scoped to the caller's regions, the guard-rail against quotas on founding cooperatives, and the Excel export.

use calamine::Reader;
use hezuo_mobile_api::client::Export;
use hezuo_mobile_api::cooperatives::{CreateCooperativeRequest, GxsRelation};
use hezuo_mobile_api::stars::OrgKind;
use hezuo_mobile_api::{ErrorCode, RegionCode};
use hezuo_server::targets::{NINGBO_PLAN, NINGBO_PLAN_SOURCE};
use hezuo_tests::{HAISHU_VILLAGE, Persona, TestApp};

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
    assert!(
        NINGBO_PLAN_SOURCE
            .contains("《培育壮大农民专业合作社 打造服务“三农”主阵地三年行动计划(2023-2025年)》"),
        "the plan's title as published (seed 002)"
    );
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

/// Star targets count farmer cooperatives only: an 产业农合联's stars are another scale (RULES.md §2.5). "Sponsored"
/// counts every way the plan names: "通过出资入股、服务带动、引导创办等方式，实现参办领办" (seed 002 §一(三)).
#[test]
fn star_targets_count_cooperatives_only_and_sponsored_counts_every_way_the_plan_names() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    admin
        .import_targets(
            "区划代码,年度,指标,目标\n330203,2026,星级合作社,10\n330203,2026,领办参办合作社,10\n"
                .as_bytes(),
            "测试目标",
        )
        .expect("targets");
    let village = RegionCode::parse(HAISHU_VILLAGE).expect("code");
    let mut federation =
        CreateCooperativeRequest::new("宁波市海曙区草莓产业农合联", village.clone());
    federation.org_kind = OrgKind::IndustryFederation;
    federation.star_level = Some(4);
    federation.gxs_relation = GxsRelation::Led;
    admin.create_cooperative(&federation).expect("federation");
    for (name, relation) in [
        (
            "宁波市海曙区高桥服务带动专业合作社",
            GxsRelation::ServiceLinked,
        ),
        (
            "宁波市海曙区高桥引导创办专业合作社",
            GxsRelation::HelpedFound,
        ),
        ("宁波市海曙区高桥无关联专业合作社", GxsRelation::None),
    ] {
        let mut request = CreateCooperativeRequest::new(name, village.clone());
        request.gxs_relation = relation;
        admin.create_cooperative(&request).expect("cooperative");
    }
    let haishu: Vec<(String, u64)> = admin
        .target_progress(2026)
        .expect("progress")
        .into_iter()
        .map(|p| (p.metric, p.actual))
        .collect();
    assert_eq!(
        haishu,
        vec![("sponsored".to_owned(), 3), ("star_rated".to_owned(), 1)],
        "领办 fruit, 服务带动 and 引导创办 are sponsored; the federation's stars are not a cooperative's"
    );
    let month = (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m")
        .to_string();
    let report = admin
        .monthly_report(&month, Export::Xlsx)
        .expect("monthly report");
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(report)).expect("a workbook");
    let summary = workbook.worksheet_range("概况").expect("sheet");
    let starred = summary
        .rows()
        .find(|row| row[0] == "三星级及以上合作社（现有）")
        .map(|row| row[1].to_string());
    assert_eq!(
        starred.as_deref(),
        Some("2"),
        "the two starred fixtures, not the federation"
    );
}
