use hezuo_mobile_api::Uscc;
use hezuo_mobile_api::cooperatives::{
    CooperativeFilter, CooperativeSource, CoordinateSystem, GxsRelation,
};
use hezuo_mobile_api::imports::ImportReport;
use hezuo_tests::{Fixture, Persona, TestApp};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn code(n: u32) -> String {
    Uscc::from_body(&format!("93330225MA2K{n:05}"))
        .expect("valid")
        .to_string()
}

fn errors(report: &ImportReport) -> Vec<(u64, String)> {
    report
        .errors
        .iter()
        .map(|e| (e.row, e.code.clone()))
        .collect()
}

fn total(app: &TestApp) -> usize {
    let admin = app.client(Persona::Admin);
    let mut count = 0;
    let mut cursor = None;
    loop {
        let page = admin
            .list_cooperatives(&CooperativeFilter {
                cursor: cursor.clone(),
                limit: Some(500),
                ..Default::default()
            })
            .expect("list");
        count += page.items.len();
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return count,
        }
    }
}

fn register_csv() -> String {
    let bad_check = {
        let mut c = code(4);
        let last = if c.ends_with('0') { '1' } else { '0' };
        c.pop();
        c.push(last);
        c
    };
    format!(
        "企业名称,统一社会信用代码,法定代表人,成立日期,住所,行政区划代码,是否年报,是否列入经营异常名录\n\
         象山县石浦一号水产专业合作社,{},张一,2016-05-01,象山县石浦镇,330225101201,是,否\n\
         象山县石浦二号水产专业合作社,{},张二,2017/6/2,象山县石浦镇,330225101,否,是\n\
         象山县石浦三号水产专业合作社,{},张三,2018年7月3日,,330225101202,,\n\
         象山县坏码合作社,{bad_check},李四,2019-01-01,象山县,330225101201,是,否\n\
         ,{},无名,2019-01-01,象山县,330225101201,是,否\n\
         象山县外地合作社,{},王五,2019-01-01,北京,110101001001,是,否\n\
         象山县日期合作社,{},赵六,昨天,象山县,330225101201,是,否\n\
         象山县重复合作社,{},钱七,2019-01-01,象山县,330225101201,是,否\n\
         象山县标志合作社,{},孙八,2019-01-01,象山县,330225101201,也许,否\n",
        code(1),
        code(2),
        code(3),
        code(5),
        code(6),
        code(7),
        code(1),
        code(8),
    )
}

#[test]
fn a_register_with_good_and_bad_rows_imports_the_good_and_reports_the_bad() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let before = total(&app);
    let report = admin
        .import_cooperatives(register_csv().as_bytes())
        .expect("import");
    assert_eq!(report.rows, 9);
    assert_eq!(report.inserted, 3);
    assert_eq!(report.failed, 6);
    assert_eq!(
        errors(&report),
        vec![
            (5, "uscc_invalid".to_owned()),
            (6, "required".to_owned()),
            (7, "region_unknown".to_owned()),
            (8, "invalid_date".to_owned()),
            (9, "duplicate_in_file".to_owned()),
            (10, "invalid_flag".to_owned()),
        ]
    );
    let duplicate = &report.errors[4];
    assert!(duplicate.message.contains("第2行"), "{}", duplicate.message);
    assert_eq!(report.errors[0].column.as_deref(), Some("uscc"));
    assert!(report.errors[0].message.contains("校验码"));
    assert_eq!(total(&app), before + 3);

    let imported = admin
        .list_cooperatives(&CooperativeFilter {
            q: Some("石浦二号".into()),
            ..Default::default()
        })
        .expect("search")
        .items;
    assert_eq!(imported.len(), 1);
    let second = &imported[0];
    assert_eq!(
        second.registration_date,
        chrono::NaiveDate::from_ymd_opt(2017, 6, 2)
    );
    assert_eq!(second.annual_report_filed, Some(false));
    assert_eq!(second.on_abnormal_list, Some(true));
    assert_eq!(second.region_full_name, "浙江省宁波市象山县石浦镇");
    assert_eq!(second.source, CooperativeSource::RegistryImport);
}

#[test]
fn importing_again_updates_instead_of_duplicating() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    admin
        .import_cooperatives(register_csv().as_bytes())
        .expect("first import");
    let after_first = total(&app);

    let again = admin
        .import_cooperatives(register_csv().as_bytes())
        .expect("same file again");
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 3));
    assert_eq!(total(&app), after_first);

    let changed = register_csv().replace("张一", "张一一");
    let report = admin
        .import_cooperatives(changed.as_bytes())
        .expect("changed file");
    assert_eq!(
        (report.inserted, report.updated, report.unchanged),
        (0, 1, 2)
    );
    assert_eq!(total(&app), after_first);
    let updated = admin
        .list_cooperatives(&CooperativeFilter {
            q: Some("张一一".into()),
            ..Default::default()
        })
        .expect("search")
        .items;
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0].version, 2);
}

#[test]
fn a_register_update_leaves_the_fields_the_file_does_not_have() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let csv = format!(
        "名称,统一社会信用代码,行政区划代码,是否列入经营异常名录\n{},{},330203101201,是\n",
        Fixture::HaishuFruit.name(),
        Fixture::HaishuFruit.uscc()
    );
    let report = admin.import_cooperatives(csv.as_bytes()).expect("import");
    assert_eq!(report.updated, 1, "{report:?}");
    let cooperative = admin.get_cooperative(id).expect("read");
    assert_eq!(cooperative.on_abnormal_list, Some(true));
    assert_eq!(
        cooperative.gxs_relation,
        GxsRelation::Led,
        "not in the file, so unchanged"
    );
    assert_eq!(cooperative.star_level, Some(3));
    assert_eq!(cooperative.legal_representative.as_deref(), Some("王建国"));
}

#[test]
fn an_excel_register_with_numeric_codes_and_date_cells_imports() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let headers = [
        "企业名称",
        "统一社会信用代码",
        "法定代表人（负责人）",
        "成立日期",
        "住所",
        "行政区划代码",
        "年报",
        "经营异常",
    ];
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string(0, col as u16, *header).expect("header");
    }
    let rows = [
        (
            "象山县表格一号专业合作社",
            code(11),
            330225101201.0,
            (2015, 3, 5),
            "是",
        ),
        (
            "象山县表格二号专业合作社",
            code(12),
            330225102.0,
            (2020, 12, 31),
            "否",
        ),
        (
            "象山县表格坏码合作社",
            "91330225MA2K0001X9".to_owned(),
            330225101201.0,
            (2020, 1, 1),
            "是",
        ),
    ];
    for (i, (name, uscc, region, (y, m, d), filed)) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, *name).expect("cell");
        sheet.write_string(row, 1, uscc).expect("cell");
        sheet.write_string(row, 2, "周建华").expect("cell");
        let date = ExcelDateTime::from_ymd(*y, *m, *d).expect("date");
        sheet
            .write_datetime_with_format(row, 3, &date, &date_format)
            .expect("cell");
        sheet.write_string(row, 4, "象山县").expect("cell");
        sheet.write_number(row, 5, *region).expect("cell");
        sheet.write_string(row, 6, *filed).expect("cell");
        sheet.write_string(row, 7, "否").expect("cell");
    }
    let bytes = workbook.save_to_buffer().expect("xlsx");
    let report = admin.import_cooperatives(&bytes).expect("import");
    assert_eq!(report.inserted, 2, "{report:?}");
    assert_eq!(errors(&report), vec![(4, "uscc_invalid".to_owned())]);
    let found = admin
        .list_cooperatives(&CooperativeFilter {
            q: Some("表格二号".into()),
            ..Default::default()
        })
        .expect("search")
        .items;
    assert_eq!(
        found[0].registration_date,
        chrono::NaiveDate::from_ymd_opt(2020, 12, 31)
    );
    assert_eq!(found[0].region_code.as_str(), "330225102");
    assert_eq!(found[0].legal_representative.as_deref(), Some("周建华"));
}

#[test]
fn a_gb18030_csv_from_chinese_office_software_imports() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let text = format!(
        "名称,统一社会信用代码,行政区划代码\n象山县编码测试专业合作社,{},330225101201\n",
        code(21)
    );
    let bytes = gb18030(&text);
    let report = admin.import_cooperatives(&bytes).expect("import");
    assert_eq!(report.inserted, 1, "{report:?}");
    let found = admin
        .list_cooperatives(&CooperativeFilter {
            q: Some("编码测试".into()),
            ..Default::default()
        })
        .expect("search")
        .items;
    assert_eq!(found.len(), 1);
}

/// GB18030 encoding of `text`, done by hand for the characters used here so the test does not share the server's
/// decoder: each code point is looked up in a small table taken from the GB18030 standard.
fn gb18030(text: &str) -> Vec<u8> {
    let table: &[(char, [u8; 2])] = &[
        ('名', [0xC3, 0xFB]),
        ('称', [0xB3, 0xC6]),
        ('统', [0xCD, 0xB3]),
        ('一', [0xD2, 0xBB]),
        ('社', [0xC9, 0xE7]),
        ('会', [0xBB, 0xE1]),
        ('信', [0xD0, 0xC5]),
        ('用', [0xD3, 0xC3]),
        ('代', [0xB4, 0xFA]),
        ('码', [0xC2, 0xEB]),
        ('行', [0xD0, 0xD0]),
        ('政', [0xD5, 0xFE]),
        ('区', [0xC7, 0xF8]),
        ('划', [0xBB, 0xAE]),
        ('象', [0xCF, 0xF3]),
        ('山', [0xC9, 0xBD]),
        ('县', [0xCF, 0xD8]),
        ('编', [0xB1, 0xE0]),
        ('测', [0xB2, 0xE2]),
        ('试', [0xCA, 0xD4]),
        ('专', [0xD7, 0xA8]),
        ('业', [0xD2, 0xB5]),
        ('合', [0xBA, 0xCF]),
        ('作', [0xD7, 0xF7]),
    ];
    let mut out = Vec::new();
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c as u8);
        } else {
            let bytes = table
                .iter()
                .find(|(k, _)| *k == c)
                .map(|(_, b)| *b)
                .unwrap_or_else(|| panic!("no GB18030 entry for {c}"));
            out.extend_from_slice(&bytes);
        }
    }
    out
}

#[test]
fn a_file_that_is_not_a_register_is_refused_with_a_reason() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let problem = admin
        .import_cooperatives("姓名,电话\n张三,138\n".as_bytes())
        .expect_err("refused")
        .problem()
        .cloned()
        .expect("problem");
    assert_eq!(problem.code, hezuo_mobile_api::ErrorCode::ImportFileInvalid);
    let detail = problem.detail.unwrap_or_default();
    assert!(
        detail.contains("名称") && detail.contains("统一社会信用代码"),
        "{detail}"
    );

    let broken_zip = b"PK\x03\x04 this is not really a workbook";
    let problem = admin
        .import_cooperatives(broken_zip)
        .expect_err("refused")
        .problem()
        .cloned()
        .expect("problem");
    assert_eq!(problem.code, hezuo_mobile_api::ErrorCode::ImportFileInvalid);
}

#[test]
fn a_register_with_coordinates_sets_the_registered_location_and_its_datum() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let fruit = app.cooperative_id(Fixture::HaishuFruit);
    let rice = app.cooperative_id(Fixture::HaishuRice);
    let csv = format!(
        "名称,统一社会信用代码,行政区划代码,纬度,经度,坐标系\n\
         {},{},330203101201,29.8711,121.5487,GCJ-02\n\
         {},{},330203101201,29.8683,121.5440,WGS-84\n\
         第三家合作社,{},330203101201,29.8,,GCJ-02\n",
        Fixture::HaishuFruit.name(),
        Fixture::HaishuFruit.uscc(),
        Fixture::HaishuRice.name(),
        Fixture::HaishuRice.uscc(),
        code(7),
    );
    let report = admin.import_cooperatives(csv.as_bytes()).expect("import");
    assert_eq!(report.updated, 2, "{report:?}");
    assert_eq!(
        errors(&report),
        vec![(4, "invalid_location".to_owned())],
        "half a position is refused"
    );
    let location = |id| {
        admin
            .get_cooperative(id)
            .expect("read")
            .location
            .expect("location")
    };
    assert_eq!(location(fruit).coordinate_system, CoordinateSystem::Gcj02);
    assert_eq!(location(rice).coordinate_system, CoordinateSystem::Wgs84);
    assert!((location(rice).latitude - 29.8683).abs() < 1e-9);
}
