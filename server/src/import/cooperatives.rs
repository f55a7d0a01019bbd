//! Importing the cooperative register (the market-regulation export) from CSV or XLSX.
//!
//! Required columns: name, USCC, region code. Known optional columns: legal representative, registration date,
//! address, annual report filed, on the abnormal-operation list, the 供销 fields (industry, 供销社 relation, star
//! level, 农合联 memberships, member count), and the registered location (纬度, 经度, 坐标系). A column left out of
//! the file leaves that field as it is; a blank cell in a present column clears it. Rows match existing entries by
//! USCC, so re-importing updates.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use hezuo_mobile_api::cooperatives::{
    CooperativeSource, CoordinateSystem, GxsRelation, Industry, NhlLevel, RegisteredLocation,
    TitleLevel, Verification,
};
use hezuo_mobile_api::imports::ImportReport;
use hezuo_mobile_api::stars::OrgKind;
use hezuo_mobile_api::{RegionCode, Uscc};

use super::table::{self, Column};
use super::{BATCH_ROWS, ImportError, Progress, row_error};
use crate::db::code::Code;
use crate::db::{DbConn, write_transaction};
use crate::models::Who;
use crate::models::audit::{self, Entry};
use crate::models::cooperatives::{self, CooperativeRow, format_date};
use crate::models::{now, regions};

const COLUMNS: &[Column] = &[
    Column {
        key: "name",
        aliases: &["名称", "企业名称", "合作社名称", "主体名称", "市场主体名称"],
        required: true,
    },
    Column {
        key: "uscc",
        aliases: &["统一社会信用代码", "社会信用代码", "信用代码"],
        required: true,
    },
    Column {
        key: "region_code",
        aliases: &["行政区划代码", "区划代码", "所在地区划代码", "所属区划代码"],
        required: true,
    },
    Column {
        key: "legal_representative",
        aliases: &["法定代表人", "法定代表人(负责人)", "法人代表", "负责人"],
        required: false,
    },
    Column {
        key: "registration_date",
        aliases: &["成立日期", "登记日期", "注册日期", "设立日期"],
        required: false,
    },
    Column {
        key: "address",
        aliases: &["住所", "地址", "注册地址", "住所(经营场所)", "经营场所"],
        required: false,
    },
    Column {
        key: "annual_report_filed",
        aliases: &["是否年报", "年报", "年报情况", "是否已年报", "年度报告"],
        required: false,
    },
    Column {
        key: "on_abnormal_list",
        aliases: &[
            "是否列入经营异常名录",
            "经营异常",
            "经营异常名录",
            "异常名录",
            "是否经营异常",
        ],
        required: false,
    },
    Column {
        key: "industry",
        aliases: &["行业", "所属行业", "产业"],
        required: false,
    },
    Column {
        key: "gxs_relation",
        aliases: &["供销社关系", "供销关系", "参办领办"],
        required: false,
    },
    Column {
        key: "star_level",
        aliases: &["星级"],
        required: false,
    },
    Column {
        key: "nhl_memberships",
        aliases: &["农合联", "农合联会员"],
        required: false,
    },
    Column {
        key: "member_count",
        aliases: &["成员数", "成员人数", "社员数"],
        required: false,
    },
    Column {
        key: "latitude",
        aliases: &["纬度", "lat"],
        required: false,
    },
    Column {
        key: "longitude",
        aliases: &["经度", "lon", "lng"],
        required: false,
    },
    Column {
        key: "coordinate_system",
        aliases: &["坐标系", "坐标系统"],
        required: false,
    },
    Column {
        key: "guifan_level",
        aliases: &["规范社级别", "规范社"],
        required: false,
    },
    Column {
        key: "demo_level",
        aliases: &["示范社级别", "示范社"],
        required: false,
    },
    Column {
        key: "demo_year",
        aliases: &["示范社年度", "示范社认定年度"],
        required: false,
    },
];

/// Registers geocoded with Chinese web maps carry GCJ-02; a file says otherwise in its 坐标系 column.
const DEFAULT_COORDINATE_SYSTEM: CoordinateSystem = CoordinateSystem::Gcj02;

/// One register entry to import. For optional fields the outer `None` means "the file has no such column".
#[derive(Debug, Clone, Default)]
pub struct CooperativeInput {
    pub row: u64,
    pub uscc: Option<Uscc>,
    pub name: String,
    pub region_code: Option<RegionCode>,
    pub legal_representative: Option<Option<String>>,
    pub registration_date: Option<Option<NaiveDate>>,
    pub address: Option<Option<String>>,
    pub annual_report_filed: Option<Option<bool>>,
    pub on_abnormal_list: Option<Option<bool>>,
    pub industry: Option<Option<Industry>>,
    pub gxs_relation: Option<GxsRelation>,
    pub star_level: Option<Option<u8>>,
    pub nhl_memberships: Option<Vec<NhlLevel>>,
    pub member_count: Option<Option<u32>>,
    pub location: Option<Option<RegisteredLocation>>,
    pub guifan_level: Option<Option<TitleLevel>>,
    pub demo_level: Option<Option<TitleLevel>>,
    pub demo_year: Option<Option<u16>>,
}

/// Reads and imports a file.
pub fn import_file(
    conn: &mut DbConn,
    bytes: &[u8],
    actor: &Who,
    progress: Progress<'_>,
) -> Result<ImportReport, ImportError> {
    let table = table::read(bytes)?;
    let positions = table::locate(&table.headers, COLUMNS)?;
    let mut report = ImportReport {
        rows: table.rows.len() as u64,
        ..ImportReport::default()
    };
    let mut inputs = Vec::with_capacity(table.rows.len());
    for (row, cells) in &table.rows {
        match parse_row(*row, cells, &positions) {
            Ok(input) => inputs.push(input),
            Err(error) => report.errors.push(error),
        }
    }
    let applied = apply(conn, inputs, actor, progress)?;
    report.inserted = applied.inserted;
    report.updated = applied.updated;
    report.unchanged = applied.unchanged;
    report.errors.extend(applied.errors);
    report.errors.sort_by_key(|e| e.row);
    report.failed = report.errors.len() as u64;
    Ok(report)
}

type Positions = HashMap<&'static str, usize>;

fn parse_row(
    row: u64,
    cells: &[String],
    positions: &Positions,
) -> Result<CooperativeInput, hezuo_mobile_api::imports::RowError> {
    let cells = Cells {
        row,
        cells,
        positions,
    };
    let name = cells.required("name", "名称为空")?;
    if name.chars().count() > 200 {
        return Err(row_error(
            row,
            Some("name"),
            "too_long",
            "名称超过200个字符",
        ));
    }
    let uscc = Uscc::parse(cells.required("uscc", "统一社会信用代码为空")?)
        .map_err(|e| row_error(row, Some("uscc"), "uscc_invalid", e.message_zh()))?;
    let region =
        RegionCode::parse(cells.required("region_code", "行政区划代码为空")?).map_err(|e| {
            row_error(
                row,
                Some("region_code"),
                "region_code_invalid",
                e.message_zh(),
            )
        })?;
    let gxs_relation = match cells.value("gxs_relation") {
        Some(v) => Some(GxsRelation::parse(v).ok_or_else(|| {
            row_error(
                row,
                Some("gxs_relation"),
                "invalid_relation",
                format!("未知供销社关系“{v}”"),
            )
        })?),
        None if cells.present("gxs_relation") => Some(GxsRelation::None),
        None => None,
    };
    Ok(CooperativeInput {
        row,
        uscc: Some(uscc),
        name: name.to_owned(),
        region_code: Some(region),
        legal_representative: cells.text("legal_representative", 64)?,
        registration_date: cells.parsed("registration_date", parse_date, "invalid_date", |v| {
            format!("无法识别的日期“{v}”")
        })?,
        address: cells.text("address", 300)?,
        annual_report_filed: cells.parsed(
            "annual_report_filed",
            parse_flag,
            "invalid_flag",
            |v| format!("“{v}”不是“是”或“否”"),
        )?,
        on_abnormal_list: cells.parsed("on_abnormal_list", parse_flag, "invalid_flag", |v| {
            format!("“{v}”不是“是”或“否”")
        })?,
        industry: cells.parsed("industry", Industry::parse, "invalid_industry", |v| {
            format!("未知行业“{v}”")
        })?,
        gxs_relation,
        star_level: cells.parsed("star_level", parse_stars, "invalid_star", |v| {
            format!("无法识别的星级“{v}”（应为0到5）")
        })?,
        nhl_memberships: cells.nhl_memberships()?,
        member_count: cells.parsed(
            "member_count",
            |v| v.parse::<u32>().ok(),
            "invalid_number",
            |v| format!("成员数“{v}”不是整数"),
        )?,
        location: cells.location()?,
        guifan_level: cells.parsed("guifan_level", TitleLevel::parse, "invalid_level", |v| {
            format!("无法识别的规范社级别“{v}”（应为县级、市级、省级或国家级）")
        })?,
        demo_level: cells.parsed("demo_level", TitleLevel::parse, "invalid_level", |v| {
            format!("无法识别的示范社级别“{v}”（应为县级、市级、省级、国家级或全国供销系统）")
        })?,
        demo_year: cells.parsed(
            "demo_year",
            |v| v.parse::<u16>().ok().filter(|y| (1990..=2100).contains(y)),
            "invalid_year",
            |v| format!("示范社年度“{v}”不是1990至2100之间的年份"),
        )?,
    })
}

/// One row's cells by column key.
struct Cells<'a> {
    row: u64,
    cells: &'a [String],
    positions: &'a Positions,
}

type RowResult<T> = Result<T, hezuo_mobile_api::imports::RowError>;

impl<'a> Cells<'a> {
    fn present(&self, key: &str) -> bool {
        self.positions.contains_key(key)
    }

    fn value(&self, key: &str) -> Option<&'a str> {
        table::cell(self.cells, self.positions, key)
    }

    fn required(&self, key: &str, missing: &str) -> RowResult<&'a str> {
        self.value(key)
            .ok_or_else(|| row_error(self.row, Some(key), "required", missing))
    }

    /// A column that may be absent (`None`: leave as is), empty (`Some(None)`: clear) or a value to parse.
    fn parsed<T>(
        &self,
        key: &str,
        parse: impl Fn(&str) -> Option<T>,
        code: &str,
        message: impl Fn(&str) -> String,
    ) -> RowResult<Option<Option<T>>> {
        if !self.present(key) {
            return Ok(None);
        }
        match self.value(key) {
            None => Ok(Some(None)),
            Some(v) => parse(v)
                .map(|parsed| Some(Some(parsed)))
                .ok_or_else(|| row_error(self.row, Some(key), code, message(v))),
        }
    }

    /// A text column of at most `max` characters.
    fn text(&self, key: &str, max: usize) -> RowResult<Option<Option<String>>> {
        self.parsed(
            key,
            |v| (v.chars().count() <= max).then(|| v.to_owned()),
            "too_long",
            |_| format!("超过{max}个字符"),
        )
    }

    /// 农合联 levels, separated by any usual separator; 无 is none.
    fn nhl_memberships(&self) -> RowResult<Option<Vec<NhlLevel>>> {
        if !self.present("nhl_memberships") {
            return Ok(None);
        }
        self.value("nhl_memberships")
            .unwrap_or("")
            .split([',', ';', '、', '，', '；', '/'])
            .map(str::trim)
            .filter(|p| !p.is_empty() && *p != "无")
            .map(|part| {
                NhlLevel::parse(part).ok_or_else(|| {
                    row_error(
                        self.row,
                        Some("nhl_memberships"),
                        "invalid_nhl",
                        format!("未知农合联层级“{part}”"),
                    )
                })
            })
            .collect::<RowResult<Vec<_>>>()
            .map(Some)
    }

    /// Latitude and longitude, both or neither, in the named (or default) coordinate system.
    fn location(&self) -> RowResult<Option<Option<RegisteredLocation>>> {
        if !(self.present("latitude") && self.present("longitude")) {
            return Ok(None);
        }
        let (lat, lon) = match (self.value("latitude"), self.value("longitude")) {
            (None, None) => return Ok(Some(None)),
            (Some(lat), Some(lon)) => (lat, lon),
            _ => {
                return Err(row_error(
                    self.row,
                    Some("latitude"),
                    "invalid_location",
                    "经度和纬度须同时填写".to_owned(),
                ));
            }
        };
        let system = match self.value("coordinate_system") {
            None => DEFAULT_COORDINATE_SYSTEM,
            Some(v) => parse_coordinate_system(v).ok_or_else(|| {
                row_error(
                    self.row,
                    Some("coordinate_system"),
                    "invalid_coordinate_system",
                    format!("未知坐标系“{v}”（应为 WGS-84 或 GCJ-02）"),
                )
            })?,
        };
        let location = lat
            .parse::<f64>()
            .ok()
            .zip(lon.parse::<f64>().ok())
            .map(|(latitude, longitude)| RegisteredLocation {
                latitude,
                longitude,
                coordinate_system: system,
            })
            .filter(RegisteredLocation::is_valid)
            .ok_or_else(|| {
                row_error(
                    self.row,
                    Some("latitude"),
                    "invalid_location",
                    format!("经纬度“{lat}, {lon}”无效"),
                )
            })?;
        Ok(Some(Some(location)))
    }
}

/// `WGS-84` (GPS) or `GCJ-02` (Chinese web maps), in the spellings spreadsheets use.
fn parse_coordinate_system(value: &str) -> Option<CoordinateSystem> {
    let normal: String = value
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || !c.is_ascii())
        .collect();
    match normal.as_str() {
        "wgs84" | "gps" => Some(CoordinateSystem::Wgs84),
        "gcj02" | "火星坐标" | "国测局" | "高德" | "腾讯" => {
            Some(CoordinateSystem::Gcj02)
        }
        _ => None,
    }
}

/// "是/否" in the spellings registry exports use.
fn parse_flag(value: &str) -> Option<bool> {
    const YES: &[&str] = &[
        "是",
        "y",
        "yes",
        "true",
        "1",
        "已",
        "已报",
        "已报送",
        "已年报",
        "已公示",
        "列入",
        "已列入",
        "有",
    ];
    const NO: &[&str] = &[
        "否",
        "n",
        "no",
        "false",
        "0",
        "未",
        "未报",
        "未报送",
        "未年报",
        "未公示",
        "未列入",
        "已移出",
        "移出",
        "无",
    ];
    let value = value.trim().to_lowercase();
    if YES.contains(&value.as_str()) {
        Some(true)
    } else if NO.contains(&value.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// Dates as registry exports and hand-made sheets write them.
fn parse_date(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    let date_part = value.split([' ', 'T']).next().unwrap_or(value);
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(date_part, format).ok())
}

/// "3", "三星", "三星级", "★★★".
fn parse_stars(value: &str) -> Option<u8> {
    let value = value.trim().trim_end_matches('级').trim_end_matches('星');
    if let Ok(n) = value.parse::<u8>() {
        return (n <= 5).then_some(n);
    }
    if !value.is_empty() && value.chars().all(|c| c == '★') {
        let n = value.chars().count();
        return (n <= 5).then_some(n as u8);
    }
    ["零", "一", "二", "三", "四", "五"]
        .iter()
        .position(|numeral| *numeral == value)
        .map(|n| n as u8)
}

/// Writes validated entries, matching existing ones by USCC. Entries of unknown regions and repeated codes are
/// reported, the rest imported.
pub fn apply(
    conn: &mut DbConn,
    inputs: Vec<CooperativeInput>,
    actor: &Who,
    progress: Progress<'_>,
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport {
        rows: inputs.len() as u64,
        ..ImportReport::default()
    };
    let known_regions = existing_regions(conn, &inputs)?;
    let mut first_row_of: HashMap<String, u64> = HashMap::new();
    let mut valid = Vec::with_capacity(inputs.len());
    for input in inputs {
        let (Some(uscc), Some(region)) = (&input.uscc, &input.region_code) else {
            report.errors.push(row_error(
                input.row,
                None,
                "required",
                "缺少统一社会信用代码或行政区划代码",
            ));
            continue;
        };
        if !known_regions.contains_key(region.as_str()) {
            report.errors.push(row_error(
                input.row,
                Some("region_code"),
                "region_unknown",
                format!("行政区划{region}不存在，请先导入区划"),
            ));
            continue;
        }
        if let Some(first) = first_row_of.get(uscc.as_str()) {
            report.errors.push(row_error(
                input.row,
                Some("uscc"),
                "duplicate_in_file",
                format!("统一社会信用代码{uscc}与第{first}行重复"),
            ));
            continue;
        }
        first_row_of.insert(uscc.as_str().to_owned(), input.row);
        valid.push(input);
    }

    let total = valid.len() as u64;
    let mut done = 0u64;
    for batch in valid.chunks(BATCH_ROWS) {
        let counts = write_transaction(conn, |conn| {
            let mut counts = (0u64, 0u64, 0u64);
            for input in batch {
                match upsert(conn, input, &known_regions, actor)? {
                    Upserted::Inserted => counts.0 += 1,
                    Upserted::Updated => counts.1 += 1,
                    Upserted::Unchanged => counts.2 += 1,
                }
            }
            Ok::<_, diesel::result::Error>(counts)
        })?;
        report.inserted += counts.0;
        report.updated += counts.1;
        report.unchanged += counts.2;
        for _ in batch {
            done += 1;
            progress(done, total);
        }
    }
    report.errors.sort_by_key(|e| e.row);
    report.failed = report.errors.len() as u64;
    Ok(report)
}

/// Paths of the regions the inputs name, by code.
fn existing_regions(
    conn: &mut DbConn,
    inputs: &[CooperativeInput],
) -> diesel::QueryResult<HashMap<String, String>> {
    let codes: HashSet<String> = inputs
        .iter()
        .filter_map(|i| i.region_code.as_ref().map(|c| c.as_str().to_owned()))
        .collect();
    let codes: Vec<String> = codes.into_iter().collect();
    let mut found = HashMap::new();
    for chunk in codes.chunks(BATCH_ROWS) {
        found.extend(
            regions::find_many(conn, chunk)?
                .into_iter()
                .map(|r| (r.code, r.path)),
        );
    }
    Ok(found)
}

enum Upserted {
    Inserted,
    Updated,
    Unchanged,
}

fn upsert(
    conn: &mut DbConn,
    input: &CooperativeInput,
    region_paths: &HashMap<String, String>,
    actor: &Who,
) -> diesel::QueryResult<Upserted> {
    let uscc = input.uscc.as_ref().map(|u| u.as_str().to_owned());
    let existing = match &uscc {
        Some(code) => cooperatives::find_by_uscc(conn, code)?,
        None => None,
    };
    let is_new = existing.is_none();
    let at = now();
    let base = existing
        .clone()
        .unwrap_or_else(|| new_row(uscc.clone(), at));
    let mut row = base.clone();
    apply_input(&mut row, input, region_paths);

    if is_new {
        cooperatives::insert(conn, &row)?;
        record(
            conn,
            actor,
            audit::Action::CooperativeImportInsert,
            &row,
            None,
        )?;
        return Ok(Upserted::Inserted);
    }
    if row.same_content(&base) {
        return Ok(Upserted::Unchanged);
    }
    row.version = base.version + 1;
    row.updated_at = at;
    cooperatives::save(conn, &row)?;
    record(
        conn,
        actor,
        audit::Action::CooperativeImportUpdate,
        &row,
        Some(&base),
    )?;
    Ok(Upserted::Updated)
}

/// A register entry not seen before, before the row's fields are taken in.
fn new_row(uscc: Option<String>, at: chrono::NaiveDateTime) -> CooperativeRow {
    CooperativeRow {
        id: crate::db::id::CooperativeId::generate(),
        uscc: uscc.clone(),
        name: String::new(),
        legal_representative: None,
        registration_date: None,
        address: None,
        region_code: String::new(),
        region_path: String::new(),
        industry: None,
        gxs_relation: Code(GxsRelation::None),
        nhl_county: false,
        nhl_township: false,
        nhl_industry: false,
        star_level: None,
        annual_report_filed: None,
        on_abnormal_list: None,
        member_count: None,
        source: Code(CooperativeSource::RegistryImport),
        version: 1,
        created_at: at,
        updated_at: at,
        verification: Code(Verification::Registered),
        claimed_uscc: None,
        org_kind: Code(OrgKind::Cooperative),
        guifan_level: None,
        demo_level: None,
        demo_year: None,
        latitude: None,
        longitude: None,
        coordinate_system: None,
        merged_into: None,
    }
}

/// Takes the row's columns that the file has into the entry; columns the file lacks stay.
fn apply_input(
    row: &mut CooperativeRow,
    input: &CooperativeInput,
    region_paths: &HashMap<String, String>,
) {
    row.name = input.name.clone();
    if let Some(region) = &input.region_code {
        row.region_code = region.as_str().to_owned();
        row.region_path = region_paths
            .get(region.as_str())
            .cloned()
            .unwrap_or_default();
    }
    if let Some(value) = &input.legal_representative {
        row.legal_representative = value.clone();
    }
    if let Some(value) = input.registration_date {
        row.registration_date = value.map(format_date);
    }
    if let Some(value) = &input.address {
        row.address = value.clone();
    }
    if let Some(value) = input.annual_report_filed {
        row.annual_report_filed = value;
    }
    if let Some(value) = input.on_abnormal_list {
        row.on_abnormal_list = value;
    }
    if let Some(value) = input.industry {
        row.industry = value.map(|i| i.as_str().to_owned());
    }
    if let Some(value) = input.gxs_relation {
        row.gxs_relation = Code(value);
    }
    if let Some(value) = input.star_level {
        row.star_level = value.map(i64::from);
    }
    if let Some(levels) = &input.nhl_memberships {
        row.set_nhl_memberships(levels);
    }
    if let Some(value) = input.member_count {
        row.member_count = value.map(i64::from);
    }
    if let Some(location) = input.location {
        row.set_registered_location(location);
    }
    if let Some(level) = input.guifan_level {
        row.guifan_level = level.map(Code);
    }
    if let Some(level) = input.demo_level {
        row.demo_level = level.map(Code);
    }
    if let Some(year) = input.demo_year {
        row.demo_year = year.map(i64::from);
    }
}

fn record(
    conn: &mut DbConn,
    actor: &Who,
    action: audit::Action,
    after: &CooperativeRow,
    before: Option<&CooperativeRow>,
) -> diesel::QueryResult<()> {
    audit::record(
        conn,
        actor,
        Entry {
            action,
            entity_type: "cooperative",
            entity_id: &after.id,
        },
        before,
        Some(after),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_dates_and_stars_in_common_spellings() {
        assert_eq!(parse_flag("是"), Some(true));
        assert_eq!(parse_flag("未年报"), Some(false));
        assert_eq!(parse_flag("Y"), Some(true));
        assert_eq!(parse_flag("也许"), None);
        let date = NaiveDate::from_ymd_opt(2019, 3, 5);
        for text in [
            "2019-03-05",
            "2019/3/5",
            "2019.03.05",
            "20190305",
            "2019年3月5日",
            "2019-03-05 00:00:00",
        ] {
            assert_eq!(parse_date(text), date, "{text}");
        }
        assert_eq!(parse_date("05/03/2019"), None);
        assert_eq!(parse_stars("3"), Some(3));
        assert_eq!(parse_stars("四星级"), Some(4));
        assert_eq!(parse_stars("★★★★★"), Some(5));
        assert_eq!(parse_stars("6"), None);
    }
}
