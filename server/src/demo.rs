//! Demo data: the Ningbo region tree from the 2023–2025 plan (seed 002), an admin, a supervisor and two counsellors
//! per district, and about 3,000 synthetic cooperatives with valid credit codes. Seeding is idempotent.

use anyhow::Context;
use hezuo_mobile_api::cooperatives::{GxsRelation, Industry, NhlLevel, TitleLevel};
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{RegionCode, Uscc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::auth::password::PasswordHasher;
use crate::db::code::Code;
use crate::db::{DbConn, write_transaction};
use crate::import::cooperatives::CooperativeInput;
use crate::import::regions::RegionInput;
use crate::models::Who;
use crate::models::users::{self, UserRow};
use crate::models::{now, settings};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "hezuo-demo";
const SEEDED_KEY: &str = "demo_seeded_at";
/// Set once the demo cooperatives have their counsellors; demo databases seeded before responsibility existed get
/// them on the next start.
const ASSIGNED_KEY: &str = "demo_assigned_at";

pub struct District {
    pub code: &'static str,
    pub name: &'static str,
    pub pinyin: &'static str,
    /// 2025 target of cooperatives at three stars or more (seed 002), used to spread the demo cooperatives.
    pub star_target_2025: u32,
    /// (3-digit suffix, name): 0xx 街道, 1xx 镇, 2xx 乡, as in the statistical division codes.
    pub townships: &'static [(&'static str, &'static str)],
}

pub const DISTRICTS: &[District] = &[
    District {
        code: "330203",
        name: "海曙区",
        pinyin: "haishu",
        star_target_2025: 100,
        townships: &[
            ("010", "石碶街道"),
            ("101", "高桥镇"),
            ("102", "集士港镇"),
            ("201", "龙观乡"),
        ],
    },
    District {
        code: "330205",
        name: "江北区",
        pinyin: "jiangbei",
        star_target_2025: 37,
        townships: &[("004", "庄桥街道"), ("005", "洪塘街道"), ("101", "慈城镇")],
    },
    District {
        code: "330206",
        name: "北仑区",
        pinyin: "beilun",
        star_target_2025: 70,
        townships: &[
            ("002", "大碶街道"),
            ("006", "柴桥街道"),
            ("010", "春晓街道"),
        ],
    },
    District {
        code: "330211",
        name: "镇海区",
        pinyin: "zhenhai",
        star_target_2025: 40,
        townships: &[("003", "庄市街道"), ("101", "九龙湖镇"), ("102", "澥浦镇")],
    },
    District {
        code: "330212",
        name: "鄞州区",
        pinyin: "yinzhou",
        star_target_2025: 85,
        townships: &[
            ("101", "姜山镇"),
            ("104", "咸祥镇"),
            ("105", "塘溪镇"),
            ("106", "东吴镇"),
        ],
    },
    District {
        code: "330213",
        name: "奉化区",
        pinyin: "fenghua",
        star_target_2025: 140,
        townships: &[("007", "莼湖街道"), ("101", "溪口镇"), ("103", "大堰镇")],
    },
    District {
        code: "330225",
        name: "象山县",
        pinyin: "xiangshan",
        star_target_2025: 230,
        townships: &[
            ("101", "石浦镇"),
            ("102", "西周镇"),
            ("104", "墙头镇"),
            ("106", "定塘镇"),
        ],
    },
    District {
        code: "330226",
        name: "宁海县",
        pinyin: "ninghai",
        star_target_2025: 240,
        townships: &[
            ("101", "西店镇"),
            ("104", "长街镇"),
            ("105", "前童镇"),
            ("107", "桑洲镇"),
        ],
    },
    District {
        code: "330281",
        name: "余姚市",
        pinyin: "yuyao",
        star_target_2025: 110,
        townships: &[("102", "梁弄镇"), ("105", "泗门镇"), ("108", "马渚镇")],
    },
    District {
        code: "330282",
        name: "慈溪市",
        pinyin: "cixi",
        star_target_2025: 150,
        townships: &[("101", "周巷镇"), ("104", "观海卫镇"), ("107", "龙山镇")],
    },
];

const VILLAGES: &[&str] = &[
    "东岙村",
    "西山村",
    "前王村",
    "后周村",
    "上林村",
    "下陈村",
    "新桥村",
    "岭头村",
    "塘湾村",
    "大岙村",
    "横山村",
    "溪口村",
];

/// The demo region tree: province, city, the ten districts, their townships and three villages each.
pub fn regions() -> Vec<RegionInput> {
    let mut out = Vec::new();
    let mut push = |code: &str, name: &str, parent: Option<&str>| {
        out.push(RegionInput {
            row: out.len() as u64 + 2,
            code: RegionCode::parse(code).expect("demo region codes are well formed"),
            name: name.to_owned(),
            parent: parent
                .map(|p| RegionCode::parse(p).expect("demo region codes are well formed")),
        });
    };
    push("330000", "浙江省", None);
    push("330200", "宁波市", Some("330000"));
    let mut village_name = VILLAGES.iter().cycle();
    for district in DISTRICTS {
        push(district.code, district.name, Some("330200"));
        for (suffix, name) in district.townships {
            let township = format!("{}{suffix}", district.code);
            push(&township, name, Some(district.code));
            for n in 0..3 {
                let village = format!("{township}{}", 201 + n);
                push(
                    &village,
                    village_name.next().unwrap_or(&"新村"),
                    Some(&township),
                );
            }
        }
    }
    out
}

/// One demo account.
pub struct DemoLogin {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region_codes: Vec<String>,
}

/// `admin`; per district `supervisor.<pinyin>` (who reviews at county level), `township.<pinyin>.<n>` for its n-th
/// township (who reviews first), and `counsellor.<pinyin>.1`/`.2`, the counsellors splitting the district's townships
/// between them.
pub fn logins() -> Vec<DemoLogin> {
    let mut out = vec![DemoLogin {
        username: "admin".to_owned(),
        display_name: "系统管理员".to_owned(),
        role: Role::Admin,
        region_codes: Vec::new(),
    }];
    for district in DISTRICTS {
        out.push(DemoLogin {
            username: format!("supervisor.{}", district.pinyin),
            display_name: format!("{}审核主管", district.name),
            role: Role::Supervisor,
            region_codes: vec![district.code.to_owned()],
        });
        for (index, (suffix, township)) in district.townships.iter().enumerate() {
            out.push(DemoLogin {
                username: format!("township.{}.{}", district.pinyin, index + 1),
                display_name: format!("{township}审核员"),
                role: Role::Supervisor,
                region_codes: vec![format!("{}{suffix}", district.code)],
            });
        }
        for n in 1..=2 {
            out.push(DemoLogin {
                username: format!("counsellor.{}.{n}", district.pinyin),
                display_name: format!("{}辅导员{n}", district.name),
                role: Role::Counsellor,
                region_codes: district
                    .townships
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % 2 == n - 1)
                    .map(|(_, (suffix, _))| format!("{}{suffix}", district.code))
                    .collect(),
            });
        }
    }
    out
}

/// Creates the given accounts with one shared password hash; existing usernames are left alone.
pub fn create_logins(
    conn: &mut DbConn,
    logins: &[DemoLogin],
    password_hash: &str,
) -> anyhow::Result<()> {
    write_transaction(conn, |conn| {
        for login in logins {
            if users::find_by_username(conn, &login.username)?.is_some() {
                continue;
            }
            let created = now();
            let row = UserRow {
                id: crate::db::id::UserId::generate(),
                username: login.username.clone(),
                display_name: login.display_name.clone(),
                role: Code(login.role),
                password_hash: password_hash.to_owned(),
                phone: None,
                is_active: true,
                failed_logins: 0,
                locked_until: None,
                created_at: created,
                updated_at: created,
            };
            diesel::RunQueryDsl::execute(
                diesel::insert_into(crate::db::schema::users::table).values(&row),
                conn,
            )?;
            users::set_regions(conn, row.id, &login.region_codes)?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(())
}

const WORDS: &[&str] = &[
    "绿源", "丰收", "金穗", "青山", "富民", "兴农", "惠农", "绿野", "鑫农", "田园", "四季", "海韵",
    "山海", "甬丰", "康农",
];
const PRODUCTS: &[(&str, Industry)] = &[
    ("水稻", Industry::Planting),
    ("果蔬", Industry::Planting),
    ("茶叶", Industry::Planting),
    ("杨梅", Industry::Planting),
    ("草莓", Industry::Planting),
    ("柑橘", Industry::Planting),
    ("竹笋", Industry::Forestry),
    ("花卉苗木", Industry::Forestry),
    ("水产", Industry::Fishery),
    ("生猪", Industry::Livestock),
    ("畜禽", Industry::Livestock),
    ("农机", Industry::Machinery),
    ("植保", Industry::Services),
    ("食用菌", Industry::Planting),
    ("农产品加工", Industry::Processing),
    ("休闲观光", Industry::Leisure),
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "陈", "刘", "杨", "黄", "吴", "周", "徐", "孙", "胡", "朱", "林", "何", "郭",
    "罗", "郑", "谢", "沈", "蒋", "叶", "余", "潘", "戴", "夏", "钟", "汪", "姚", "邵", "应", "鲍",
    "俞", "竺", "童", "史", "孔", "毛", "邬", "翁",
];
const GIVEN_NAMES: &[&str] = &[
    "建国", "国强", "志明", "海波", "立新", "秀英", "美华", "伟", "芳", "军", "丽萍", "永康",
    "德明", "春燕", "学军", "爱国", "红梅", "明华", "建华", "小平", "雪芬", "亚飞", "杰", "静",
    "宏伟",
];
/// The USCC alphabet; demo organisation codes draw from it so the whole code stays in it.
const CODE_SYMBOLS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Demo 规范社 and 示范社 titles, likelier the more stars a cooperative holds.
fn titles(rng: &mut StdRng, star: Option<u8>) -> (Option<TitleLevel>, Option<(TitleLevel, u16)>) {
    let star = star.unwrap_or(0);
    let guifan = (star >= 2 && rng.random_bool(0.6)).then(|| {
        *pick(
            rng,
            &[
                TitleLevel::County,
                TitleLevel::County,
                TitleLevel::City,
                TitleLevel::Province,
            ],
        )
    });
    let demo = (star >= 4 && rng.random_bool(0.5)).then(|| {
        let level = *pick(
            rng,
            &[
                TitleLevel::City,
                TitleLevel::Province,
                TitleLevel::Province,
                TitleLevel::National,
            ],
        );
        (level, rng.random_range(2015..=2025))
    });
    (guifan, demo)
}

/// A farmer cooperative's credit code registered in `county`: authority 9 (market regulation), category 3
/// (farmer cooperative), the county code, an organisation code with its GB 11714 check digit, and the USCC check.
fn synthetic_uscc(rng: &mut StdRng, county: &str) -> Uscc {
    const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let body: Vec<u8> = (0..8)
        .map(|_| CODE_SYMBOLS[rng.random_range(0..CODE_SYMBOLS.len())])
        .collect();
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| (c as char).to_digit(36).unwrap_or(0) * w)
        .sum();
    let check = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        digit => char::from_digit(digit, 10).unwrap_or('0'),
    };
    let organisation = format!("{}{check}", String::from_utf8_lossy(&body));
    Uscc::from_body(&format!("93{county}{organisation}")).expect("demo codes use the USCC alphabet")
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// `count` cooperatives spread over the districts by their 2025 star targets, deterministic for a given count.
pub fn cooperatives(count: usize) -> Vec<CooperativeInput> {
    let mut rng = StdRng::seed_from_u64(2026);
    let mut title_rng = StdRng::seed_from_u64(2027);
    let total_weight: u32 = DISTRICTS.iter().map(|d| d.star_target_2025).sum();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(count);
    for (index, district) in DISTRICTS.iter().enumerate() {
        let share = if index + 1 == DISTRICTS.len() {
            count - out.len()
        } else {
            count * district.star_target_2025 as usize / total_weight as usize
        };
        let prefix = if district.name.ends_with('区') {
            format!("宁波市{}", district.name)
        } else {
            district.name.to_owned()
        };
        for _ in 0..share {
            let (suffix, township) = *pick(&mut rng, district.townships);
            let township_code = format!("{}{suffix}", district.code);
            let region = if rng.random_bool(0.8) {
                format!("{township_code}{}", 201 + rng.random_range(0..3))
            } else {
                township_code
            };
            let uscc = loop {
                let candidate = synthetic_uscc(&mut rng, district.code);
                if seen.insert(candidate.clone()) {
                    break candidate;
                }
            };
            let (product, industry) = *pick(&mut rng, PRODUCTS);
            let word = *pick(&mut rng, WORDS);
            let short_township = township
                .trim_end_matches(['镇', '乡'])
                .trim_end_matches("街道");
            let name = format!("{prefix}{short_township}{word}{product}专业合作社");
            let registered = chrono::NaiveDate::from_ymd_opt(
                rng.random_range(2008..=2024),
                rng.random_range(1..=12),
                rng.random_range(1..=28),
            );
            let relation = match rng.random_range(0..100) {
                0..10 => GxsRelation::Led,
                10..27 => GxsRelation::CoRun,
                27..47 => GxsRelation::ServiceLinked,
                47..52 => GxsRelation::HelpedFound,
                _ => GxsRelation::None,
            };
            let star = match rng.random_range(0..100) {
                0..55 => None,
                55..63 => Some(1),
                63..73 => Some(2),
                73..88 => Some(3),
                88..96 => Some(4),
                _ => Some(5),
            };
            // Titles from a stream of their own, so the other fields stay what they were before titles existed.
            let (guifan, demo) = titles(&mut title_rng, star);
            let mut nhl = Vec::new();
            for (level, chance) in [
                (NhlLevel::County, 0.3),
                (NhlLevel::Township, 0.25),
                (NhlLevel::Industry, 0.15),
            ] {
                if rng.random_bool(chance) {
                    nhl.push(level);
                }
            }
            out.push(CooperativeInput {
                row: out.len() as u64 + 2,
                uscc: Some(uscc),
                name,
                region_code: RegionCode::parse(&region).ok(),
                legal_representative: Some(Some(format!(
                    "{}{}",
                    pick(&mut rng, SURNAMES),
                    pick(&mut rng, GIVEN_NAMES)
                ))),
                registration_date: Some(registered),
                address: Some(Some(format!(
                    "浙江省宁波市{}{township}{}号",
                    district.name,
                    rng.random_range(1..300)
                ))),
                annual_report_filed: Some(Some(rng.random_bool(0.85))),
                on_abnormal_list: Some(Some(rng.random_bool(0.06))),
                industry: Some(Some(industry)),
                gxs_relation: Some(relation),
                star_level: Some(star),
                nhl_memberships: Some(nhl),
                member_count: Some(Some(rng.random_range(5..400))),
                // Synthetic cooperatives have no real place; a made-up one would raise false location flags.
                location: None,
                guifan_level: Some(guifan),
                demo_level: Some(demo.map(|(level, _)| level)),
                demo_year: Some(demo.map(|(_, year)| year)),
            });
        }
    }
    out
}

/// What seeding did.
pub struct Seeded {
    pub regions: u64,
    pub users: usize,
    pub cooperatives: u64,
}

/// Seeds the demo data unless it was seeded before; returns `None` then.
pub fn seed(
    conn: &mut DbConn,
    passwords: &PasswordHasher,
    cooperative_count: usize,
) -> anyhow::Result<Option<Seeded>> {
    if settings::get(conn, SEEDED_KEY)?.is_some() {
        assign_counsellors(conn)?;
        return Ok(None);
    }
    let actor = Who::system();
    let region_report = crate::import::regions::apply(conn, regions(), &actor, &mut |_, _| {})?;
    let hash = passwords.hash(DEMO_PASSWORD)?;
    let accounts = logins();
    create_logins(conn, &accounts, &hash)?;
    let cooperative_report = crate::import::cooperatives::apply(
        conn,
        cooperatives(cooperative_count),
        &actor,
        &mut |_, _| {},
    )
    .context("seeding demo cooperatives")?;
    // The Ningbo plan's district targets (seed 002) are the demo default.
    crate::targets::import_file(
        conn,
        crate::targets::NINGBO_PLAN.as_bytes(),
        crate::targets::NINGBO_PLAN_SOURCE,
        &actor,
    )
    .context("seeding the Ningbo plan targets")?;
    settings::set(conn, SEEDED_KEY, &now().to_string())?;
    assign_counsellors(conn)?;
    Ok(Some(Seeded {
        regions: region_report.inserted + region_report.updated + region_report.unchanged,
        users: accounts.len(),
        cooperatives: cooperative_report.inserted + cooperative_report.updated,
    }))
}

/// Makes each demo cooperative the responsibility of the demo counsellor whose townships hold it, under its
/// township's reviewer as 供销专干 ("供销专干属地负责"), assigned by `admin`.
fn assign_counsellors(conn: &mut DbConn) -> anyhow::Result<()> {
    use diesel::prelude::*;

    use crate::db::id::CooperativeId;
    use crate::db::schema::{cooperative_assignments, cooperatives};

    if settings::get(conn, ASSIGNED_KEY)?.is_some() {
        return Ok(());
    }
    let Some(admin) = users::find_by_username(conn, "admin")? else {
        return Ok(());
    };
    // Township code → (counsellor, township reviewer), from the demo logins.
    let mut by_township: std::collections::HashMap<String, (Option<UserRow>, Option<UserRow>)> =
        std::collections::HashMap::new();
    for login in logins().into_iter().filter(|l| l.role != Role::Admin) {
        let Some(user) = users::find_by_username(conn, &login.username)? else {
            continue;
        };
        for code in login.region_codes.iter().filter(|c| c.len() == 9) {
            let entry = by_township.entry(code.clone()).or_default();
            match login.role {
                Role::Counsellor => entry.0 = Some(user.clone()),
                _ => entry.1 = Some(user.clone()),
            }
        }
    }
    let coops: Vec<(CooperativeId, String)> = cooperatives::table
        .filter(cooperatives::merged_into.is_null())
        .select((cooperatives::id, cooperatives::region_code))
        .load(conn)?;
    let assigned = crate::responsibility::current_counsellors(conn)?;
    write_transaction(conn, |conn| {
        for (id, region) in coops.iter().filter(|(id, _)| !assigned.contains_key(id)) {
            let Some((Some(counsellor), officer)) =
                region.get(..9).and_then(|t| by_township.get(t))
            else {
                continue;
            };
            let row = crate::responsibility::AssignmentRow::starting(
                *id,
                counsellor.id,
                officer.as_ref().map(|o| o.id),
                Some("演示数据".to_owned()),
                admin.id,
            );
            diesel::insert_into(cooperative_assignments::table)
                .values(&row)
                .execute(conn)?;
        }
        settings::set(conn, ASSIGNED_KEY, &now().to_string())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_regions_are_well_formed_and_nested() {
        let regions = regions();
        for region in &regions {
            if let Some(parent) = &region.parent {
                assert!(
                    parent.may_contain(&region.code),
                    "{} under {}",
                    region.code,
                    parent
                );
            }
        }
        assert!(regions.iter().any(|r| r.code.as_str() == "330225"));
    }

    #[test]
    fn demo_cooperatives_have_unique_valid_codes_and_known_regions() {
        let regions: std::collections::HashSet<String> = super::regions()
            .into_iter()
            .map(|r| r.code.as_str().to_owned())
            .collect();
        let cooperatives = cooperatives(3000);
        assert_eq!(cooperatives.len(), 3000);
        let codes: std::collections::HashSet<_> =
            cooperatives.iter().filter_map(|c| c.uscc.clone()).collect();
        assert_eq!(codes.len(), 3000);
        for cooperative in &cooperatives {
            let region = cooperative.region_code.as_ref().expect("region");
            assert!(regions.contains(region.as_str()));
            let uscc = cooperative.uscc.as_ref().expect("uscc");
            assert!(region.as_str().starts_with(uscc.region_digits()));
        }
    }

    #[test]
    fn every_district_has_a_supervisor_township_reviewers_and_two_counsellors() {
        let logins = logins();
        let townships: usize = DISTRICTS.iter().map(|d| d.townships.len()).sum();
        assert_eq!(logins.len(), 1 + 3 * DISTRICTS.len() + townships);
        assert!(logins.iter().any(|l| l.username == "township.haishu.1"));
        assert!(logins.iter().any(|l| l.username == "counsellor.haishu.1"));
        assert!(
            logins
                .iter()
                .filter(|l| l.role == Role::Counsellor)
                .all(|l| !l.region_codes.is_empty())
        );
    }
}
