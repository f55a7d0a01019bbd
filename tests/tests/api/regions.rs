use hezuo_mobile_api::client::ApiClient;
use hezuo_mobile_api::{ErrorCode, RegionLevel};
use hezuo_tests::{Persona, TestApp};
use ureq::http::Method;

use crate::code_of;

#[test]
fn the_tree_is_browsable_from_the_top() {
    let app = TestApp::spawn();
    let client = app.client(Persona::CounsellorHaishu);
    let roots = client.list_regions(None).expect("roots");
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].name, "浙江省");
    assert_eq!(roots[0].level, RegionLevel::Province);

    let districts = client.list_regions(Some("330200")).expect("districts");
    assert_eq!(districts.len(), 10);
    let haishu = districts
        .iter()
        .find(|d| d.code.as_str() == "330203")
        .expect("海曙");
    assert_eq!(haishu.full_name, vec!["浙江省", "宁波市", "海曙区"]);
    assert_eq!(haishu.level, RegionLevel::County);
    assert_eq!(haishu.child_count, 4);

    let village = client.get_region("330203101201").expect("village");
    assert_eq!(village.level, RegionLevel::Village);
    assert_eq!(village.full_name.len(), 5);
    assert_eq!(village.child_count, 0);

    assert_eq!(code_of(client.get_region("330203999")), ErrorCode::NotFound);
    assert_eq!(
        code_of(client.get_region("3302")),
        ErrorCode::RegionCodeInvalid
    );
    assert_eq!(
        code_of(client.list_regions(Some("330299"))),
        ErrorCode::NotFound
    );
}

#[test]
fn region_reads_carry_etags() {
    let app = TestApp::spawn();
    let client = app.client(Persona::Admin);
    let first = client
        .raw(Method::GET, "/api/v1/regions/330225", &[], &[], None)
        .expect("read");
    let tag = first.header("etag").expect("etag").to_owned();
    let again = client
        .raw(
            Method::GET,
            "/api/v1/regions/330225",
            &[],
            &[("If-None-Match", &tag)],
            None,
        )
        .expect("conditional read");
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
}

fn import(client: &ApiClient, csv: &str) -> hezuo_mobile_api::imports::ImportReport {
    client.import_regions(csv.as_bytes()).expect("import")
}

#[test]
fn importing_regions_reports_bad_rows_and_imports_the_rest() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let csv = "code,name,parent_code\n\
               330227,测试县,330200\n\
               330227101,测试镇,330227\n\
               330227101201,测试村,330227101\n\
               33022710,坏代码,330227\n\
               330228101,孤儿镇,330228\n\
               330227102,,330227\n\
               330225102201,错位村,330227101\n\
               330227101,重复镇,330227\n";
    let report = import(&admin, csv);
    assert_eq!(report.rows, 8);
    assert_eq!(report.inserted, 3);
    assert_eq!(report.failed, 5);
    let problems: Vec<(u64, &str)> = report
        .errors
        .iter()
        .map(|e| (e.row, e.code.as_str()))
        .collect();
    assert_eq!(
        problems,
        vec![
            (5, "region_code_invalid"),
            (6, "parent_unknown"),
            (7, "required"),
            (8, "parent_mismatch"),
            (9, "duplicate_in_file"),
        ]
    );
    assert!(report.errors.iter().all(|e| !e.message.is_empty()));
    let village = admin.get_region("330227101201").expect("imported");
    assert_eq!(
        village.full_name,
        vec!["浙江省", "宁波市", "测试县", "测试镇", "测试村"]
    );

    // Importing again changes nothing; a renamed row is updated.
    let again = import(
        &admin,
        "代码,名称,上级代码\n330227,测试县,330200\n330227101,测试新镇,330227\n",
    );
    assert_eq!((again.unchanged, again.updated, again.inserted), (1, 1, 0));
    assert_eq!(
        admin.get_region("330227101").expect("renamed").name,
        "测试新镇"
    );
}

#[test]
fn a_region_imported_alone_moves_under_its_parent_later_with_its_cooperatives() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    // A county imported without a parent first …
    let report = import(
        &admin,
        "code,name,parent_code\n340102,瑶海区,\n340102001,明光路街道,340102\n",
    );
    assert_eq!(report.inserted, 2, "{report:?}");
    let request = hezuo_mobile_api::cooperatives::CreateCooperativeRequest::new(
        "瑶海测试合作社",
        hezuo_mobile_api::RegionCode::parse("340102001").expect("code"),
    );
    let cooperative = admin.create_cooperative(&request).expect("create");
    assert_eq!(cooperative.region_full_name, "瑶海区明光路街道");
    // … then its province and city.
    let report = import(
        &admin,
        "code,name,parent_code\n340000,安徽省,\n340100,合肥市,340000\n340102,瑶海区,340100\n",
    );
    assert_eq!((report.inserted, report.updated), (2, 1), "{report:?}");
    let township = admin.get_region("340102001").expect("moved");
    assert_eq!(
        township.full_name,
        vec!["安徽省", "合肥市", "瑶海区", "明光路街道"]
    );
    let cooperative = admin.get_cooperative(cooperative.id).expect("still there");
    assert_eq!(cooperative.region_full_name, "安徽省合肥市瑶海区明光路街道");
    let listed = admin
        .list_cooperatives(&hezuo_mobile_api::cooperatives::CooperativeFilter {
            region: Some("340100".into()),
            ..Default::default()
        })
        .expect("list by the new ancestor");
    assert_eq!(listed.items.len(), 1);
}

#[test]
fn a_file_without_the_required_columns_is_refused_as_a_whole() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let error = admin
        .import_regions("编号,地名\n330227,测试县\n".as_bytes())
        .expect_err("refused");
    let problem = error.problem().expect("problem");
    assert_eq!(problem.code, ErrorCode::ImportFileInvalid);
    assert!(
        problem
            .detail
            .clone()
            .unwrap_or_default()
            .contains("区划代码")
    );
}
