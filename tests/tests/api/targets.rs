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
    assert_eq!((report.inserted, report.failed), (67, 0), "{report:?}");
    let again = admin
        .import_targets(NINGBO_PLAN.as_bytes(), NINGBO_PLAN_SOURCE)
        .expect("import again");
    assert_eq!((again.inserted, again.unchanged), (0, 67));

    // The city sees every district; the sums of 2025 reach the plan's city targets.
    let city = admin.target_progress(2025).expect("progress");
    let sum = |metric: &str| -> u64 {
        city.iter()
            .filter(|p| p.metric == metric && p.region_code != "330200")
            .map(|p| p.target)
            .sum()
    };
    assert_eq!((sum("star_rated"), sum("sponsored")), (1202, 803));

    // A district supervisor sees their district and the city-wide targets, with actuals from the registry: the
    // fixtures hold one 海曙 cooperative at three stars, 领办, county 规范社; an unsponsored 海曙 county 规范社; and a
    // five-star 参办 one in 象山, provincial 规范社 and 示范社; each with 120 members.
    let haishu = app
        .client(Persona::SupervisorHaishu)
        .target_progress(2025)
        .expect("progress");
    let rows: Vec<(&str, &str, u64, Option<f64>)> = haishu
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
            ("330200", "sponsored_five_star", 100, Some(1.0)),
            ("330200", "sponsored_share_guifan", 70, Some(66.7)),
            ("330200", "sponsored_share_national_demo", 90, Some(0.0)),
            ("330200", "sponsored_share_provincial_demo", 80, Some(100.0)),
            ("330200", "star_rated_members", 30000, Some(240.0)),
            ("330203", "sponsored", 43, Some(1.0)),
            ("330203", "star_rated", 100, Some(1.0)),
        ]
    );
    let star_rated = &haishu[6];
    assert_eq!(star_rated.attainment_pct, Some(1.0));
    assert_eq!(star_rated.source, NINGBO_PLAN_SOURCE);
    assert_eq!(star_rated.metric_zh, "三星级及以上合作社");
    assert_eq!(
        (star_rated.unit.as_str(), star_rated.entered),
        ("家", false)
    );
    assert_eq!(haishu[4].unit, "户");
    assert!(
        NINGBO_PLAN_SOURCE
            .contains("《培育壮大农民专业合作社 打造服务“三农”主阵地三年行动计划(2023-2025年)》"),
        "the plan's title as published (seed 002)"
    );

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
    assert_eq!(cells.len(), 8, "{cells:?}");
    assert_eq!(cells[0][3], "指标");
    assert_eq!(cells[7][1], "海曙区");
    assert_eq!(cells[7][5], "100");
    assert_eq!(cells[7][6], "1");
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
    let haishu: Vec<(String, Option<f64>)> = admin
        .target_progress(2026)
        .expect("progress")
        .into_iter()
        .map(|p| (p.metric, p.actual))
        .collect();
    assert_eq!(
        haishu,
        vec![
            ("sponsored".to_owned(), Some(3.0)),
            ("star_rated".to_owned(), Some(1.0))
        ],
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

/// Dianjiang's KPIs and Liaocheng's capacity targets load as shipped, each with its quoted source. Figures hezuo
/// cannot count are entered by a supervisor of the region with their source; the latest of the year is the actual.
/// Liaocheng's village share is counted from the region tree and the registry.
#[test]
fn shipped_plans_load_and_hand_entered_figures_count_with_their_sources() {
    use hezuo_mobile_api::targets::EnterValue;
    use hezuo_server::targets::{DIANJIANG_PLAN, LIAOCHENG_PLAN};

    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let regions = "code,name,parent_code\n500000,重庆市,\n500200,县,500000\n500231,垫江县,500200\n\
                   370000,山东省,\n371500,聊城市,370000\n371502,东昌府区,371500\n371503,茌平区,371500\n\
                   371521,阳谷县,371500\n371522,莘县,371500\n371524,东阿县,371500\n371525,冠县,371500\n\
                   371526,高唐县,371500\n371581,临清市,371500\n371522100,莘州街道,371522\n\
                   371522100201,甲村,371522100\n371522100202,乙村,371522100\n";
    admin.import_regions(regions.as_bytes()).expect("regions");
    let dianjiang = admin
        .import_targets(DIANJIANG_PLAN.as_bytes(), "垫江县")
        .expect("Dianjiang");
    assert_eq!(
        (dianjiang.inserted, dianjiang.failed),
        (16, 0),
        "{dianjiang:?}"
    );
    let liaocheng = admin
        .import_targets(LIAOCHENG_PLAN.as_bytes(), "聊城市")
        .expect("Liaocheng");
    assert_eq!(
        (liaocheng.inserted, liaocheng.failed),
        (62, 0),
        "{liaocheng:?}"
    );

    // Two months of service centres are entered (by an administrator here; supervisors enter their own regions'); the
    // later one is the actual.
    let supervisor = app.client(Persona::Admin);
    let enter = |month: &str, value: f64| EnterValue {
        region_code: "500231".into(),
        metric: "service_centres".into(),
        month: month.into(),
        value,
        source: format!("县供销社{month}统计月报"),
        note: None,
    };
    supervisor
        .enter_metric_value(&enter("2024-06", 2.0))
        .expect("June");
    supervisor
        .enter_metric_value(&enter("2024-11", 4.0))
        .expect("November");
    let counted = EnterValue {
        metric: "demo_cooperatives".into(),
        ..enter("2024-11", 4.0)
    };
    assert_eq!(
        code_of(supervisor.enter_metric_value(&counted)),
        ErrorCode::ValidationFailed,
        "a counted metric is not entered by hand"
    );
    assert_eq!(
        code_of(supervisor.enter_metric_value(&enter("2999-01", 1.0))),
        ErrorCode::ValidationFailed
    );
    let progress = admin.target_progress(2024).expect("progress");
    let centres = progress
        .iter()
        .find(|p| p.region_code == "500231" && p.metric == "service_centres")
        .expect("service centres");
    assert_eq!(centres.actual, Some(4.0));
    assert_eq!(centres.actual_month.as_deref(), Some("2024-11"));
    assert_eq!(
        centres.actual_source.as_deref(),
        Some("县供销社2024-11统计月报")
    );
    assert_eq!(centres.attainment_pct, Some(100.0));
    assert!(centres.entered);
    assert!(
        centres.source.contains("垫江府办发〔2024〕24号"),
        "{}",
        centres.source
    );
    let outlets = progress
        .iter()
        .find(|p| p.metric == "distribution_outlets")
        .expect("outlets");
    assert_eq!(
        (outlets.actual, outlets.attainment_pct),
        (None, None),
        "nothing entered yet"
    );
    let values = admin.metric_values(2024).expect("values");
    assert_eq!(values.len(), 2);

    // One of 莘县's two villages has a cooperative: 50 % of the city's villages.
    let mut request = CreateCooperativeRequest::new(
        "莘县甲村专业合作社",
        RegionCode::parse("371522100201").expect("code"),
    );
    request.gxs_relation = GxsRelation::Led;
    admin.create_cooperative(&request).expect("cooperative");
    let share = admin
        .target_progress(2025)
        .expect("progress")
        .into_iter()
        .find(|p| p.metric == "villages_with_cooperative")
        .expect("village share");
    assert_eq!((share.target, share.actual), (50, Some(50.0)));
    assert!(!share.entered);

    // The catalogue names every metric with its unit and source.
    let metrics = app
        .client(Persona::CounsellorHaishu)
        .target_metrics()
        .expect("catalogue");
    let credit = metrics
        .iter()
        .find(|m| m.code == "credit_leveraged")
        .expect("credit");
    assert_eq!((credit.unit.as_str(), credit.entered), ("亿元", true));
}

/// The catalogue is configuration: an administrator adds a metric; a catalogue that drops a metric in use, or sets a
/// quota on founding cooperatives, is refused and changes nothing.
#[test]
fn an_administrator_installs_a_catalogue_and_bad_ones_change_nothing() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    admin
        .import_targets(NINGBO_PLAN.as_bytes(), NINGBO_PLAN_SOURCE)
        .expect("plan");
    let built_in = hezuo_server::targets::catalogue::BUILT_IN;
    let added = format!(
        "{built_in}\n[[metrics]]\ncode = \"trained_chairs\"\nname_zh = \"理事长培训人次\"\nunit = \"人次\"\nsource = \"县供销社2027年工作要点\"\nmeasure = {{ kind = \"entered\" }}\n"
    );
    let installed = admin.install_target_metrics(&added).expect("install");
    assert!(
        installed
            .iter()
            .any(|m| m.code == "trained_chairs" && m.entered)
    );
    let without_stars = added.replacen("code = \"star_rated\"", "code = \"star_rated_old\"", 1);
    assert_eq!(
        code_of(admin.install_target_metrics(&without_stars)),
        ErrorCode::ValidationFailed,
        "targets still use star_rated"
    );
    let quota = format!(
        "{added}\n[[metrics]]\ncode = \"founded\"\nname_zh = \"新建合作社\"\nunit = \"家\"\nsource = \"x\"\nmeasure = {{ kind = \"entered\" }}\n"
    );
    assert_eq!(
        code_of(admin.install_target_metrics(&quota)),
        ErrorCode::ValidationFailed
    );
    assert_eq!(
        code_of(
            app.client(Persona::SupervisorHaishu)
                .install_target_metrics(&added)
        ),
        ErrorCode::Forbidden
    );
    let now = admin.target_metrics().expect("catalogue");
    assert!(now.iter().any(|m| m.code == "trained_chairs"));
    assert!(now.iter().any(|m| m.code == "star_rated"));
}

/// A past month's report shows the figures frozen when it ended: a star registered since changes this month's report,
/// not last month's.
#[test]
fn a_past_months_report_never_changes() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let this_month = today.format("%Y-%m").to_string();
    let last_month = (today - chrono::Days::new(u64::from(chrono::Datelike::day(&today))))
        .format("%Y-%m")
        .to_string();
    let starred = |month: &str| -> (String, String) {
        let report = admin
            .monthly_report(month, Export::Xlsx)
            .expect("monthly report");
        let mut workbook: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(report)).expect("a workbook");
        let summary = workbook.worksheet_range("概况").expect("sheet");
        let cell = |label: &str| {
            summary
                .rows()
                .find(|row| row[0] == label)
                .map(|row| row[1].to_string())
                .unwrap_or_default()
        };
        (cell("三星级及以上合作社（现有）"), cell("数据口径"))
    };
    let (before, basis) = starred(&last_month);
    assert_eq!(before, "2");
    assert!(basis.starts_with("月末冻结数据"), "{basis}");
    let mut request = CreateCooperativeRequest::new(
        "宁波市海曙区高桥新星专业合作社",
        RegionCode::parse(HAISHU_VILLAGE).expect("code"),
    );
    request.star_level = Some(4);
    admin.create_cooperative(&request).expect("cooperative");
    assert_eq!(
        starred(&last_month).0,
        "2",
        "last month's figures are frozen"
    );
    let (now, basis) = starred(&this_month);
    assert_eq!(now, "3", "this month's are live");
    assert_eq!(basis, "本月实时数据");
}
