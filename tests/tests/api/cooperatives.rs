use hezuo_mobile_api::client::Conditional;
use hezuo_mobile_api::cooperatives::{
    CooperativeFilter, CooperativeSource, CreateCooperativeRequest, GxsRelation, Industry,
    NhlLevel, UpdateCooperativeRequest,
};
use hezuo_mobile_api::{ErrorCode, RegionCode, Uscc};
use hezuo_tests::{Fixture, HAISHU_VILLAGE, Persona, TestApp, XIANGSHAN_VILLAGE};
use ureq::http::Method;

use crate::code_of;

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).expect("region code")
}

fn full_request(uscc: Uscc) -> CreateCooperativeRequest {
    CreateCooperativeRequest {
        uscc: Some(uscc),
        legal_representative: Some("陈海波".to_owned()),
        registration_date: chrono::NaiveDate::from_ymd_opt(2018, 9, 1),
        address: Some("浙江省宁波市海曙区高桥镇".to_owned()),
        industry: Some(Industry::Planting),
        gxs_relation: GxsRelation::ServiceLinked,
        nhl_memberships: vec![NhlLevel::Township, NhlLevel::Industry],
        star_level: Some(4),
        annual_report_filed: Some(true),
        on_abnormal_list: Some(false),
        member_count: Some(88),
        ..CreateCooperativeRequest::new(
            "宁波市海曙区高桥甬丰草莓专业合作社",
            region(HAISHU_VILLAGE),
        )
    }
}

#[test]
fn a_supervisor_creates_reads_and_updates_a_cooperative() {
    let app = TestApp::spawn();
    let supervisor = app.client(Persona::SupervisorHaishu);
    let uscc = Uscc::from_body("93330203MA2H00099").expect("valid");
    let created = supervisor
        .create_cooperative(&full_request(uscc.clone()))
        .expect("create");
    assert_eq!(created.uscc, Some(uscc));
    assert!(
        created
            .region_full_name
            .starts_with("浙江省宁波市海曙区高桥镇"),
        "{}",
        created.region_full_name
    );
    assert!(created.region_full_name.ends_with('村'));
    assert_eq!(
        created.nhl_memberships,
        vec![NhlLevel::Township, NhlLevel::Industry]
    );
    assert_eq!(created.source, CooperativeSource::Manual);
    assert_eq!(created.version, 1);

    let counsellor = app.client(Persona::CounsellorHaishu);
    let read = counsellor
        .get_cooperative(created.id)
        .expect("counsellor reads it");
    assert_eq!(read, created);

    let patch = UpdateCooperativeRequest {
        star_level: Some(Some(5)),
        address: Some(None),
        ..UpdateCooperativeRequest::default()
    };
    let updated = supervisor
        .update_cooperative(created.id, &patch, None)
        .expect("update");
    assert_eq!(updated.star_level, Some(5));
    assert_eq!(updated.address, None, "null clears a field");
    assert_eq!(
        updated.legal_representative.as_deref(),
        Some("陈海波"),
        "absent fields stay"
    );
    assert_eq!(updated.version, 2);

    // The same patch again changes nothing and keeps the version.
    let again = supervisor
        .update_cooperative(created.id, &patch, None)
        .expect("no-op update");
    assert_eq!(again.version, 2);
}

#[test]
fn a_duplicate_credit_code_names_the_existing_cooperative() {
    let app = TestApp::spawn();
    let supervisor = app.client(Persona::SupervisorHaishu);
    let existing = app.cooperative_id(Fixture::HaishuFruit);
    let error = supervisor
        .create_cooperative(&full_request(Fixture::HaishuFruit.uscc()))
        .expect_err("duplicate");
    let problem = error.problem().expect("problem");
    assert_eq!(problem.status, 409);
    assert_eq!(problem.code, ErrorCode::UsccDuplicate);
    let named = problem.existing.clone().expect("existing named");
    assert_eq!(named.id, existing.to_string());
    assert_eq!(named.name, Fixture::HaishuFruit.name());
    assert!(
        problem
            .detail
            .clone()
            .unwrap_or_default()
            .contains(Fixture::HaishuFruit.name())
    );

    // A code registered outside the caller's regions is a conflict too, without the foreign entry's details.
    let error = supervisor
        .create_cooperative(&full_request(Fixture::XiangshanFishery.uscc()))
        .expect_err("duplicate");
    let problem = error.problem().expect("problem");
    assert_eq!(problem.code, ErrorCode::UsccDuplicate);
    assert_eq!(problem.existing, None);
    assert!(!problem.detail.clone().unwrap_or_default().contains("象山"));

    // Changing another cooperative's code to a taken one is refused the same way.
    let rice = app.cooperative_id(Fixture::HaishuRice);
    let patch = UpdateCooperativeRequest {
        uscc: Some(Some(Fixture::HaishuFruit.uscc())),
        ..UpdateCooperativeRequest::default()
    };
    assert_eq!(
        code_of(supervisor.update_cooperative(rice, &patch, None)),
        ErrorCode::UsccDuplicate
    );
}

#[test]
fn invalid_credit_codes_and_fields_are_refused_with_reasons() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let mut body = serde_json::to_value(full_request(Fixture::HaishuFruit.uscc())).expect("json");
    body["uscc"] = serde_json::json!("91350100M000100Y44");
    let response = admin
        .raw(
            Method::POST,
            "/api/v1/cooperatives",
            &[],
            &[],
            Some((
                "application/json",
                &serde_json::to_vec(&body).expect("json"),
            )),
        )
        .expect("answer");
    assert_eq!(response.status, 422);
    let problem: hezuo_mobile_api::Problem = response.json().expect("problem");
    assert_eq!(problem.code, ErrorCode::ValidationFailed);
    assert!(
        problem
            .detail
            .unwrap_or_default()
            .contains("check character")
    );

    let mut request = full_request(Uscc::from_body("93330203MA2H00098").expect("valid"));
    request.name = " ".to_owned();
    request.star_level = Some(7);
    let problem = admin
        .create_cooperative(&request)
        .expect_err("invalid")
        .problem()
        .cloned()
        .expect("problem");
    let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, vec!["name", "star_level"]);
    assert_eq!(problem.errors[0].message, "不能为空");

    let unknown_region = CreateCooperativeRequest::new("无名合作社", region("330203999201"));
    assert_eq!(
        code_of(admin.create_cooperative(&unknown_region)),
        ErrorCode::RegionUnknown
    );
}

#[test]
fn filters_combine_and_search_finds_names_codes_and_people() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let names = |filter: CooperativeFilter| -> Vec<String> {
        let mut names: Vec<String> = admin
            .list_cooperatives(&filter)
            .expect("list")
            .items
            .into_iter()
            .map(|c| c.name)
            .collect();
        names.sort();
        names
    };
    let all = || CooperativeFilter::default();
    assert_eq!(
        names(CooperativeFilter {
            region: Some("330225".into()),
            ..all()
        }),
        vec![Fixture::XiangshanFishery.name()]
    );
    assert_eq!(
        names(CooperativeFilter {
            region: Some("330200".into()),
            ..all()
        })
        .len(),
        3
    );
    assert_eq!(
        names(CooperativeFilter {
            industry: Some(Industry::Fishery),
            ..all()
        }),
        vec![Fixture::XiangshanFishery.name()]
    );
    assert_eq!(
        names(CooperativeFilter {
            gxs_relation: Some(GxsRelation::Led),
            ..all()
        }),
        vec![Fixture::HaishuFruit.name()]
    );
    assert_eq!(
        names(CooperativeFilter {
            nhl_member: Some(false),
            ..all()
        }),
        vec![Fixture::HaishuRice.name()]
    );
    assert_eq!(
        names(CooperativeFilter {
            nhl_level: Some(NhlLevel::Industry),
            ..all()
        }),
        vec![Fixture::XiangshanFishery.name()]
    );
    assert_eq!(
        names(CooperativeFilter {
            star_level: Some(3),
            ..all()
        }),
        vec![Fixture::HaishuFruit.name()]
    );
    assert_eq!(
        names(CooperativeFilter {
            star_min: Some(3),
            ..all()
        })
        .len(),
        2
    );
    assert_eq!(
        names(CooperativeFilter {
            on_abnormal_list: Some(true),
            ..all()
        }),
        vec![Fixture::HaishuRice.name()]
    );
    assert_eq!(
        names(CooperativeFilter {
            star_min: Some(3),
            region: Some("330203".into()),
            ..all()
        }),
        vec![Fixture::HaishuFruit.name()]
    );
    assert_eq!(
        names(CooperativeFilter {
            q: Some("水稻".into()),
            ..all()
        }),
        vec![Fixture::HaishuRice.name()]
    );
    let code_fragment = Fixture::XiangshanFishery.uscc().as_str()[12..].to_lowercase();
    assert_eq!(
        names(CooperativeFilter {
            q: Some(code_fragment),
            ..all()
        }),
        vec![Fixture::XiangshanFishery.name()]
    );
    assert_eq!(
        names(CooperativeFilter {
            q: Some("王建国".into()),
            ..all()
        })
        .len(),
        3
    );
    assert!(
        names(CooperativeFilter {
            q: Some("100%".into()),
            ..all()
        })
        .is_empty(),
        "wildcards are literal"
    );

    let bad = admin.list_cooperatives(&CooperativeFilter {
        star_min: Some(9),
        ..all()
    });
    assert_eq!(code_of(bad), ErrorCode::InvalidQuery);
    let bad_region = admin.list_cooperatives(&CooperativeFilter {
        region: Some("33".into()),
        ..all()
    });
    assert_eq!(code_of(bad_region), ErrorCode::RegionCodeInvalid);
}

#[test]
fn pages_follow_the_cursor_without_gaps_or_repeats() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    for n in 0..7 {
        let request = CreateCooperativeRequest::new(
            format!("翻页测试{n}号专业合作社"),
            region(XIANGSHAN_VILLAGE),
        );
        admin.create_cooperative(&request).expect("create");
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = admin
            .list_cooperatives(&CooperativeFilter {
                limit: Some(3),
                cursor: cursor.clone(),
                ..CooperativeFilter::default()
            })
            .expect("page");
        pages += 1;
        seen.extend(page.items.into_iter().map(|c| c.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(seen.len(), 10);
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 10);

    let garbage = admin.list_cooperatives(&CooperativeFilter {
        cursor: Some("!!!".into()),
        ..CooperativeFilter::default()
    });
    assert_eq!(code_of(garbage), ErrorCode::InvalidCursor);
}

#[test]
fn etags_spare_a_slow_link_the_body_and_guard_concurrent_edits() {
    let app = TestApp::spawn();
    let supervisor = app.client(Persona::SupervisorHaishu);
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let Conditional::Modified { value, etag } = supervisor
        .get_cooperative_if_changed(id, None)
        .expect("read")
    else {
        panic!("first read has a body");
    };
    let etag = etag.expect("an ETag");
    assert_eq!(
        supervisor
            .get_cooperative_if_changed(id, Some(&etag))
            .expect("conditional read"),
        Conditional::NotModified
    );

    // Someone else edits it: the old tag no longer matches, for reads and for writes.
    let admin = app.client(Persona::Admin);
    admin
        .update_cooperative(
            id,
            &UpdateCooperativeRequest {
                member_count: Some(Some(200)),
                ..Default::default()
            },
            None,
        )
        .expect("admin edit");
    let Conditional::Modified {
        value: fresh,
        etag: fresh_tag,
    } = supervisor
        .get_cooperative_if_changed(id, Some(&etag))
        .expect("conditional read")
    else {
        panic!("changed since the tag");
    };
    assert_eq!(fresh.member_count, Some(200));
    assert_ne!(fresh.version, value.version);

    let stale = supervisor.update_cooperative(
        id,
        &UpdateCooperativeRequest {
            star_level: Some(Some(4)),
            ..Default::default()
        },
        Some(&etag),
    );
    assert_eq!(code_of(stale), ErrorCode::PreconditionFailed);
    let current = supervisor
        .update_cooperative(
            id,
            &UpdateCooperativeRequest {
                star_level: Some(Some(4)),
                ..Default::default()
            },
            fresh_tag.as_deref(),
        )
        .expect("current tag");
    assert_eq!(current.star_level, Some(4));
}

#[test]
fn ids_that_are_not_uuids_name_nothing() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let response = admin
        .raw(
            Method::GET,
            "/api/v1/cooperatives/not-a-uuid",
            &[],
            &[],
            None,
        )
        .expect("answer");
    assert_eq!(response.status, 404);
}
