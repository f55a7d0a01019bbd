//! Review of merged visits end to end: counsellors' phones (the SDK) submit, supervisors decide through the API at
//! township then county level, returned visits go back to the phone and come back resubmitted, edits after approval
//! reopen, conflicts are resolved by a server change every phone receives, duplicates merge, and the history, the
//! activity and the audit log show who did what.

use diesel::prelude::*;
use hezuo_mobile_api::reviews::{
    AuditQuery, BulkApproval, ConflictQuery, ConflictResolution, DiffQuery, MergeDuplicate,
    ReviewDecision, ReviewItem, ReviewQuery,
};
use hezuo_mobile_api::{ErrorCode, RegionLevel};
use hezuo_sync::model::{Membership, ReviewState, Visit, VisitMeta, VisitStatus, VisitType};
use hezuo_tests::{Fixture, Persona, TestApp, TestPhone};
use uuid::Uuid;

use crate::code_of;

fn visit(note: &str) -> Visit {
    Visit {
        notes: Some(note.to_owned()),
        meta: Some(VisitMeta {
            visit_date: hezuo_sync::model::Day::parse("2026-11-20"),
            visit_type: Some(VisitType::Routine),
            ..Default::default()
        }),
        membership: Some(Membership {
            members_total: Some(120),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A counsellor's phone with one visit to the 高桥 fruit cooperative, submitted and synced.
fn submitted_visit(app: &TestApp) -> (TestPhone, Uuid, Uuid) {
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let visit_id = phone
        .new_visit(cooperative, visit("理事长在场，账本齐全"))
        .expect("visit");
    phone.submit_visit(cooperative, visit_id).expect("submit");
    let report = phone.sync().expect("sync");
    assert!(report.problems.is_empty(), "{report:?}");
    (phone, cooperative, visit_id)
}

fn item(app: &TestApp, persona: Persona, visit_id: Uuid) -> ReviewItem {
    app.client(persona)
        .visit_review(visit_id)
        .expect("the visit in review")
        .review
}

fn decide(
    app: &TestApp,
    persona: Persona,
    visit_id: Uuid,
    decision: &str,
    note: Option<&str>,
) -> Result<ReviewItem, hezuo_mobile_api::client::ClientError> {
    let version = item(app, Persona::Admin, visit_id).version;
    app.client(persona).decide_visit(
        visit_id,
        decision,
        &ReviewDecision {
            note: note.map(str::to_owned),
            level: None,
            version: Some(version),
        },
    )
}

fn review_record(
    phone: &TestPhone,
    cooperative: Uuid,
    visit_id: Uuid,
) -> hezuo_sync::model::ReviewRecord {
    phone
        .document(cooperative)
        .expect("document")
        .review
        .get(&visit_id.to_string())
        .cloned()
        .unwrap_or_default()
}

#[test]
fn returned_for_correction_fixed_offline_resubmitted_then_township_and_county_approve() {
    let app = TestApp::spawn();
    let (mut phone, cooperative, visit_id) = submitted_visit(&app);

    // The township reviewer's queue holds it, waiting for their level; the other township's does not.
    let township = app.client(Persona::TownshipGaoqiao);
    let queue = township
        .review_queue(&ReviewQuery {
            awaiting: Some("mine".into()),
            ..Default::default()
        })
        .expect("queue");
    assert_eq!(queue.items.len(), 1, "{queue:?}");
    let first = &queue.items[0];
    assert_eq!(first.visit_id, visit_id);
    assert_eq!(first.state, "pending");
    assert_eq!(first.pending_reason.as_deref(), Some("submitted"));
    assert_eq!(first.awaiting_level, Some(RegionLevel::Township));
    assert_eq!(first.cooperative_name, Fixture::HaishuFruit.name());
    let elsewhere = app
        .client(Persona::TownshipJishigang)
        .review_queue(&ReviewQuery::default())
        .expect("queue");
    assert!(elsewhere.items.is_empty());

    // Nobody but the township may decide first; nobody outside its regions sees it; counsellors never review.
    assert_eq!(
        code_of(decide(
            &app,
            Persona::SupervisorHaishu,
            visit_id,
            "approve",
            None
        )),
        ErrorCode::ReviewNotYourTurn
    );
    assert_eq!(
        code_of(decide(
            &app,
            Persona::TownshipJishigang,
            visit_id,
            "approve",
            None
        )),
        ErrorCode::NotFound
    );
    assert_eq!(
        code_of(decide(
            &app,
            Persona::SupervisorXiangshan,
            visit_id,
            "return",
            Some("x")
        )),
        ErrorCode::NotFound
    );
    assert_eq!(
        code_of(decide(
            &app,
            Persona::CounsellorHaishu,
            visit_id,
            "approve",
            None
        )),
        ErrorCode::NotAReviewer
    );
    assert_eq!(
        code_of(decide(
            &app,
            Persona::TownshipGaoqiao,
            visit_id,
            "return",
            None
        )),
        ErrorCode::ValidationFailed,
        "a return needs a note"
    );

    // A mistyped body is refused and nothing happens.
    let garbage = township
        .raw(
            ureq::http::Method::POST,
            &format!("/api/v1/visits/{visit_id}/review/approve"),
            &[],
            &[],
            Some(("application/json", br#"{"verison": "x"}"#.as_slice())),
        )
        .expect("answer");
    assert_eq!(garbage.status, 400);
    let problem: hezuo_mobile_api::Problem = garbage.json().expect("problem");
    assert_eq!(problem.code, ErrorCode::InvalidJson);
    assert_eq!(item(&app, Persona::Admin, visit_id).state, "pending");

    // Returned with a note: the phone shows it as a task after its next sync.
    let note = "成员人数与名册不符，请核实后修改";
    let returned = decide(
        &app,
        Persona::TownshipGaoqiao,
        visit_id,
        "return",
        Some(note),
    )
    .expect("return");
    assert_eq!(returned.state, "returned");
    assert!(phone.tasks().expect("tasks").is_empty(), "not synced yet");
    phone.sync().expect("sync");
    let tasks = phone.tasks().expect("tasks");
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0].visit_id, visit_id);
    assert_eq!(tasks[0].note.as_deref(), Some(note));
    assert_eq!(tasks[0].reviewer_name.as_deref(), Some("TownshipGaoqiao"));
    assert!(!tasks[0].resubmitted);

    // Fixed offline (editing alone does not resubmit), then submitted again.
    phone
        .edit_visit(cooperative, visit_id, |v| {
            v.membership = Some(Membership {
                members_total: Some(96),
                ..Default::default()
            })
        })
        .expect("fix");
    phone.sync().expect("sync");
    assert_eq!(
        item(&app, Persona::Admin, visit_id).state,
        "returned",
        "still being fixed"
    );
    phone.submit_visit(cooperative, visit_id).expect("resubmit");
    assert!(phone.tasks().expect("tasks")[0].resubmitted);
    phone.sync().expect("sync");
    assert!(phone.tasks().expect("tasks").is_empty());
    let resubmitted = item(&app, Persona::TownshipGaoqiao, visit_id);
    assert_eq!(resubmitted.state, "pending");
    assert_eq!(resubmitted.pending_reason.as_deref(), Some("resubmitted"));
    assert_eq!(resubmitted.times_returned, 1);
    let queue = township
        .review_queue(&ReviewQuery {
            pending_reason: Some("resubmitted".into()),
            ..Default::default()
        })
        .expect("queue");
    assert_eq!(queue.items.len(), 1);

    // A decision on a version the reviewer did not see is refused.
    let stale = township.decide_visit(
        visit_id,
        "approve",
        &ReviewDecision {
            version: Some(first.version.clone()),
            ..Default::default()
        },
    );
    assert_eq!(code_of(stale), ErrorCode::ReviewStale);

    // Township, then county. Approving twice is harmless.
    let after_township =
        decide(&app, Persona::TownshipGaoqiao, visit_id, "approve", None).expect("township");
    assert_eq!(after_township.state, "pending");
    assert_eq!(after_township.approved_levels, vec![RegionLevel::Township]);
    assert_eq!(after_township.awaiting_level, Some(RegionLevel::County));
    let again = decide(&app, Persona::TownshipGaoqiao, visit_id, "approve", None).expect("again");
    assert_eq!(again.approved_levels, vec![RegionLevel::Township]);
    let approved =
        decide(&app, Persona::SupervisorHaishu, visit_id, "approve", None).expect("county");
    assert_eq!(approved.state, "approved");
    assert_eq!(
        approved.approved_levels,
        vec![RegionLevel::Township, RegionLevel::County]
    );

    // Only approved data feeds decisions, as approved.
    use hezuo_server::db::schema::approved_visits;
    let (data, heads): (String, String) = approved_visits::table
        .find(visit_id.to_string())
        .select((approved_visits::data, approved_visits::heads))
        .first(&mut app.conn())
        .expect("approved data");
    let approved_visit: Visit = serde_json::from_str(&data).expect("a visit");
    assert_eq!(
        approved_visit.membership.and_then(|m| m.members_total),
        Some(96)
    );
    assert!(!heads.is_empty());

    // The phone sees the approval.
    phone.sync().expect("sync");
    let record = review_record(&phone, cooperative, visit_id);
    assert_eq!(record.state, Some(ReviewState::Approved));
    assert_eq!(record.approved_levels, vec!["township", "county"]);
    assert!(!record.approved_heads.is_empty());

    // The activity tells the story in order.
    let kinds: Vec<String> = app
        .client(Persona::SupervisorHaishu)
        .visit_activity(visit_id)
        .expect("activity")
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            "submitted",
            "returned",
            "resubmitted",
            "approved",
            "approved"
        ],
        "{kinds:?}"
    );
}

#[test]
fn unapproval_goes_top_down_and_an_edit_after_approval_reopens() {
    let app = TestApp::spawn();
    let (mut phone, cooperative, visit_id) = submitted_visit(&app);
    decide(&app, Persona::TownshipGaoqiao, visit_id, "approve", None).expect("township");
    decide(&app, Persona::SupervisorHaishu, visit_id, "approve", None).expect("county");

    assert_eq!(
        code_of(decide(
            &app,
            Persona::TownshipGaoqiao,
            visit_id,
            "unapprove",
            None
        )),
        ErrorCode::ReviewUnapproveOrder
    );
    let county_withdrawn =
        decide(&app, Persona::SupervisorHaishu, visit_id, "unapprove", None).expect("county");
    assert_eq!(county_withdrawn.state, "pending");
    assert_eq!(
        county_withdrawn.pending_reason.as_deref(),
        Some("unapproved")
    );
    assert_eq!(
        county_withdrawn.approved_levels,
        vec![RegionLevel::Township]
    );
    let count_approved = |app: &TestApp| -> i64 {
        use hezuo_server::db::schema::approved_visits;
        approved_visits::table
            .count()
            .get_result(&mut app.conn())
            .expect("count")
    };
    assert_eq!(count_approved(&app), 0, "no longer approved data");
    decide(&app, Persona::SupervisorHaishu, visit_id, "approve", None).expect("county again");
    assert_eq!(count_approved(&app), 1);

    // The counsellor changes the approved visit on the phone: it reopens, and its data is no longer approved.
    phone.sync().expect("sync");
    phone
        .edit_visit(cooperative, visit_id, |v| {
            v.notes = Some("补充：理事长电话已更新".into())
        })
        .expect("edit");
    phone.sync().expect("sync");
    let reopened = item(&app, Persona::SupervisorHaishu, visit_id);
    assert_eq!(reopened.state, "pending");
    assert_eq!(
        reopened.pending_reason.as_deref(),
        Some("edited_after_approval")
    );
    assert!(reopened.approved_levels.is_empty());
    assert_eq!(reopened.awaiting_level, Some(RegionLevel::Township));
    assert_eq!(count_approved(&app), 0);
    // The phone learns it in the reply to the very sync that carried the edit.
    let record = review_record(&phone, cooperative, visit_id);
    assert_eq!(record.state, Some(ReviewState::Pending));
    assert_eq!(
        record.pending_reason,
        Some(hezuo_sync::model::PendingReason::EditedAfterApproval)
    );

    // Rejection is final.
    decide(
        &app,
        Persona::TownshipGaoqiao,
        visit_id,
        "reject",
        Some("照片与现场不符"),
    )
    .expect("reject");
    assert_eq!(
        code_of(decide(
            &app,
            Persona::TownshipGaoqiao,
            visit_id,
            "approve",
            None
        )),
        ErrorCode::ReviewNotPending
    );

    // Every decision is in the audit log, with who and before/after.
    let admin = app.client(Persona::Admin);
    let entries = admin
        .audit_log(&AuditQuery {
            action: Some("review.".into()),
            entity_id: Some(visit_id.to_string()),
            ..Default::default()
        })
        .expect("audit");
    let actions: Vec<&str> = entries.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "review.approved",
            "review.approved",
            "review.unapproved",
            "review.approved",
            "review.rejected"
        ]
    );
    let county = app.user_id(Persona::SupervisorHaishu).to_string();
    assert_eq!(
        entries.items[2].actor_user_id.as_deref(),
        Some(county.as_str())
    );
    assert_eq!(
        entries.items[2].before.as_ref().map(|b| b["state"].clone()),
        Some("approved".into())
    );
    assert_eq!(
        entries.items[2].after.as_ref().map(|a| a["state"].clone()),
        Some("pending".into())
    );
    assert_eq!(
        code_of(
            app.client(Persona::SupervisorHaishu)
                .audit_log(&AuditQuery::default())
        ),
        ErrorCode::Forbidden
    );
}

#[test]
fn two_phones_conflict_a_supervisor_resolves_and_both_phones_receive_it() {
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let mut first = app.pulled_phone(Persona::CounsellorHaishu);
    let mut second = app.pulled_phone(Persona::CounsellorHaishu);
    first
        .edit_profile(cooperative, |p| p.member_count = Some(80))
        .expect("edit");
    second
        .edit_profile(cooperative, |p| p.member_count = Some(95))
        .expect("edit");
    for _ in 0..2 {
        first.sync().expect("sync");
        second.sync().expect("sync");
    }

    let supervisor = app.client(Persona::SupervisorHaishu);
    let open = supervisor
        .conflicts(&ConflictQuery {
            cooperative_id: Some(cooperative),
            ..Default::default()
        })
        .expect("conflicts");
    assert_eq!(open.items.len(), 1, "{open:?}");
    let conflict = &open.items[0];
    assert_eq!(conflict.path, "profile.member_count");
    assert_eq!(conflict.candidates.len(), 2);
    assert!(
        conflict
            .candidates
            .iter()
            .all(|c| c.device_id.is_some() && c.received_at.is_some() && c.claimed_at.is_some())
    );
    let pick = conflict
        .candidates
        .iter()
        .position(|c| c.value == serde_json::json!(95))
        .expect("95 is a candidate");

    // Out of reach for another district; counsellors do not resolve.
    let resolution = ConflictResolution {
        candidate: Some(pick),
        value: None,
        note: Some("以成员名册为准".into()),
    };
    assert_eq!(
        code_of(
            app.client(Persona::SupervisorXiangshan)
                .resolve_conflict(conflict.id, &resolution)
        ),
        ErrorCode::NotFound
    );
    assert_eq!(
        code_of(
            app.client(Persona::CounsellorHaishu)
                .resolve_conflict(conflict.id, &resolution)
        ),
        ErrorCode::NotAReviewer
    );
    let bad = ConflictResolution {
        candidate: None,
        value: Some(serde_json::json!("很多")),
        note: None,
    };
    assert_eq!(
        code_of(supervisor.resolve_conflict(conflict.id, &bad)),
        ErrorCode::ConflictValueUnfit
    );

    let resolved = supervisor
        .resolve_conflict(conflict.id, &resolution)
        .expect("resolve");
    assert!(resolved.resolved_at.is_some());
    assert_eq!(
        resolved.resolved_by,
        Some(app.user_id(Persona::SupervisorHaishu).to_string())
    );
    assert_eq!(
        code_of(supervisor.resolve_conflict(conflict.id, &resolution)),
        ErrorCode::ConflictResolved
    );

    for phone in [&mut first, &mut second] {
        phone.sync().expect("sync");
        let document = phone.document(cooperative).expect("document");
        assert_eq!(document.profile.member_count, Some(95));
    }
    assert_eq!(
        first.document(cooperative).expect("doc"),
        second.document(cooperative).expect("doc")
    );
    assert!(
        supervisor
            .conflicts(&ConflictQuery::default())
            .expect("conflicts")
            .items
            .is_empty()
    );
    let activity = supervisor
        .cooperative_activity(cooperative)
        .expect("activity");
    assert!(
        activity
            .iter()
            .any(|e| e.kind == "conflict_resolved" && e.note.as_deref() == Some("以成员名册为准"))
    );
    let audited = app
        .client(Persona::Admin)
        .audit_log(&AuditQuery {
            action: Some("conflict.resolve".into()),
            ..Default::default()
        })
        .expect("audit");
    assert_eq!(audited.items.len(), 1);
}

#[test]
fn history_shows_each_version_with_its_author_and_a_field_diff() {
    let app = TestApp::spawn();
    let (mut phone, cooperative, visit_id) = submitted_visit(&app);
    phone
        .edit_visit(cooperative, visit_id, |v| {
            v.notes = Some("复核：账本缺两个月".into());
            v.membership = Some(Membership {
                members_total: Some(118),
                ..Default::default()
            });
        })
        .expect("edit");
    phone.sync().expect("sync");

    let supervisor = app.client(Persona::SupervisorHaishu);
    let history = supervisor.visit_history(visit_id).expect("history");
    let counsellor = app.user_id(Persona::CounsellorHaishu).to_string();
    let device = phone
        .session()
        .and_then(|s| s.device.as_ref())
        .map(|d| d.id.to_string())
        .expect("device");
    let by_phone: Vec<_> = history.versions.iter().filter(|v| !v.by_server).collect();
    assert_eq!(by_phone.len(), 3, "created, submitted, edited: {history:?}");
    for version in &by_phone {
        assert_eq!(version.user_id.as_deref(), Some(counsellor.as_str()));
        assert_eq!(version.device_id.as_deref(), Some(device.as_str()));
        assert!(version.received_at.is_some() && version.claimed_at.is_some());
    }

    let diff = supervisor
        .visit_diff(
            visit_id,
            &DiffQuery {
                from: Some(by_phone[1].version.clone()),
                to: Some(by_phone[2].version.clone()),
            },
        )
        .expect("diff");
    let fields: Vec<&str> = diff.fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(fields, vec!["membership.members_total", "notes"]);
    assert_eq!(diff.fields[0].before, Some(serde_json::json!(120)));
    assert_eq!(diff.fields[0].after, Some(serde_json::json!(118)));
    assert_eq!(diff.fields[0].changed_by.len(), 1);
    assert_eq!(diff.fields[0].changed_by[0].version, by_phone[2].version);
    assert_eq!(
        diff.fields[0].changed_by[0].user_id.as_deref(),
        Some(counsellor.as_str())
    );

    let everything = supervisor
        .visit_diff(visit_id, &DiffQuery::default())
        .expect("diff from nothing");
    assert!(everything.fields.iter().any(|f| f.path == "status"
        && f.after == Some(serde_json::json!(VisitStatus::Submitted.as_str()))));
    assert_eq!(
        code_of(supervisor.visit_diff(
            visit_id,
            &DiffQuery {
                from: Some("00".repeat(32)),
                to: None
            }
        )),
        ErrorCode::VersionUnknown
    );
    assert_eq!(
        code_of(
            app.client(Persona::SupervisorXiangshan)
                .visit_history(visit_id)
        ),
        ErrorCode::NotFound
    );
}

#[test]
fn bulk_approval_comments_and_audit_export() {
    let app = TestApp::spawn();
    let (mut phone, cooperative, first) = submitted_visit(&app);
    let second = phone
        .new_visit(cooperative, visit("第二次走访"))
        .expect("visit");
    phone.submit_visit(cooperative, second).expect("submit");
    let draft = phone.new_visit(cooperative, visit("草稿")).expect("draft");
    phone.sync().expect("sync");

    let township = app.client(Persona::TownshipGaoqiao);
    let comments = township
        .comment_on_visit(first, "照片清晰，数据完整")
        .expect("comment");
    assert_eq!(comments.last().map(|c| c.kind.as_str()), Some("comment"));
    let result = township
        .bulk_approve(&BulkApproval {
            visit_ids: vec![first, second, draft],
            level: None,
        })
        .expect("bulk");
    assert_eq!(result.approved, 2);
    assert_eq!(
        result.outcomes[2].error.as_deref(),
        Some("review_not_pending")
    );
    let county_queue = app
        .client(Persona::SupervisorHaishu)
        .review_queue(&ReviewQuery {
            awaiting: Some("mine".into()),
            ..Default::default()
        })
        .expect("queue");
    assert_eq!(county_queue.items.len(), 2);

    let admin = app.client(Persona::Admin);
    let csv = admin
        .raw(
            ureq::http::Method::GET,
            "/api/v1/audit/export",
            &[("action".into(), "review.".into())],
            &[],
            None,
        )
        .expect("csv");
    assert_eq!(csv.status, 200);
    let text = String::from_utf8(csv.body).expect("utf-8");
    assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
    assert_eq!(text.matches("review.approved").count(), 2, "{text}");
    assert_eq!(text.matches("review.comment").count(), 1);
    assert!(!text.contains("user.create"), "only the actions asked for");
    let xlsx = admin
        .raw(
            ureq::http::Method::GET,
            "/api/v1/audit/export",
            &[("format".into(), "xlsx".into())],
            &[],
            None,
        )
        .expect("xlsx");
    assert_eq!(xlsx.status, 200);
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.body)).expect("a workbook");
    use calamine::Reader;
    let sheet = workbook.worksheet_range("审计日志").expect("sheet");
    let actions: Vec<String> = sheet.rows().skip(1).map(|row| row[4].to_string()).collect();
    assert!(actions.iter().any(|a| a == "review.comment"));
    assert_eq!(
        actions.iter().filter(|a| *a == "review.approved").count(),
        2
    );
}

#[test]
fn duplicate_cooperatives_created_offline_are_merged_and_phones_are_told() {
    let app = TestApp::spawn();
    let registered = app.cooperative_id(Fixture::HaishuRice);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    // Found "new" in the field, with the credit code of one already registered.
    let duplicate = phone
        .create_cooperative(
            "高桥金穗水稻合作社",
            hezuo_tests::HAISHU_VILLAGE,
            Some(&Fixture::HaishuRice.uscc()),
        )
        .expect("create");
    let visit_id = phone
        .new_visit(duplicate, visit("新发现的合作社"))
        .expect("visit");
    phone.submit_visit(duplicate, visit_id).expect("submit");
    phone.sync().expect("sync");

    let supervisor = app.client(Persona::SupervisorHaishu);
    let pairs = supervisor.duplicates().expect("duplicates");
    assert_eq!(pairs.items.len(), 1, "{pairs:?}");
    assert_eq!(pairs.items[0].cooperative_id, duplicate);
    assert_eq!(pairs.items[0].duplicate_of, registered);
    let merged = supervisor
        .merge_duplicate(pairs.items[0].id, &MergeDuplicate::default())
        .expect("merge");
    assert_eq!(merged.survivor, registered);
    assert_eq!(merged.visits_moved, vec![visit_id]);
    assert_eq!(
        code_of(supervisor.merge_duplicate(pairs.items[0].id, &MergeDuplicate::default())),
        ErrorCode::DuplicateResolved
    );

    let listed = supervisor.duplicates().expect("duplicates");
    assert!(listed.items.is_empty(), "merged pairs leave the list");

    // The visit now lives in the survivor, with its review.
    let review = item(&app, Persona::SupervisorHaishu, visit_id);
    assert_eq!(review.cooperative_id, registered);
    assert_eq!(review.state, "pending");

    // The phone is told: the duplicate leaves its documents, the survivor carries the visit.
    let report = phone.sync().expect("sync");
    assert!(
        report
            .problems
            .get(&duplicate)
            .is_some_and(|status| format!("{status:?}").contains(&registered.to_string())),
        "{report:?}"
    );
    // The survivor comes as data too, not only inside the message.
    assert!(
        matches!(
            report.problems.get(&duplicate),
            Some(hezuo_mobile_api::client::DocStatus::Merged { into, .. }) if *into == registered
        ),
        "{report:?}"
    );
    let pulled = phone.pull().expect("pull");
    assert!(pulled.removed >= 1, "{pulled:?}");
    let survivor = phone.document(registered).expect("survivor");
    assert!(survivor.visits.contains_key(&visit_id.to_string()));
    assert!(survivor.review.contains_key(&visit_id.to_string()));

    // A pair that is two cooperatives after all is dismissed; both stay.
    let mistyped = phone
        .create_cooperative(
            "高桥另一家果蔬合作社",
            hezuo_tests::HAISHU_VILLAGE,
            Some(&Fixture::HaishuFruit.uscc()),
        )
        .expect("create");
    phone.sync().expect("sync");
    let pair = supervisor.duplicates().expect("duplicates").items.remove(0);
    assert_eq!(pair.cooperative_id, mistyped);
    assert_eq!(
        code_of(
            app.client(Persona::SupervisorXiangshan)
                .dismiss_duplicate(pair.id)
        ),
        ErrorCode::NotFound
    );
    let dismissed = supervisor.dismiss_duplicate(pair.id).expect("dismiss");
    assert_eq!(dismissed.outcome.as_deref(), Some("dismissed"));
    assert_eq!(
        code_of(supervisor.merge_duplicate(pair.id, &MergeDuplicate::default())),
        ErrorCode::DuplicateResolved
    );
    assert!(supervisor.get_cooperative(mistyped).is_ok());

    let audited: Vec<String> = app
        .client(Persona::Admin)
        .audit_log(&AuditQuery {
            action: Some("cooperative.".into()),
            ..Default::default()
        })
        .expect("audit")
        .items
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        audited.contains(&"cooperative.merge".to_owned()),
        "{audited:?}"
    );
    assert!(
        audited.contains(&"cooperative.duplicate_dismiss".to_owned()),
        "{audited:?}"
    );
}

#[test]
fn the_queue_finds_by_name_code_type_and_date_sorts_and_counts_by_state() {
    let app = TestApp::spawn();
    let fruit = app.cooperative_id(Fixture::HaishuFruit);
    let rice = app.cooperative_id(Fixture::HaishuRice);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let mut dated = |cooperative: Uuid, day: &str, kind: VisitType| {
        let mut content = visit(day);
        let meta = content.meta.as_mut().expect("meta");
        meta.visit_date = hezuo_sync::model::Day::parse(day);
        meta.visit_type = Some(kind);
        let id = phone.new_visit(cooperative, content).expect("visit");
        phone.submit_visit(cooperative, id).expect("submit");
        id
    };
    let early = dated(fruit, "2026-10-02", VisitType::Baseline);
    let late = dated(fruit, "2026-11-25", VisitType::Routine);
    let middle = dated(rice, "2026-11-03", VisitType::Routine);
    phone.sync().expect("sync");
    decide(
        &app,
        Persona::TownshipGaoqiao,
        early,
        "return",
        Some("补充材料"),
    )
    .expect("returned");

    let supervisor = app.client(Persona::SupervisorHaishu);
    let ids = |query: ReviewQuery| -> Vec<Uuid> {
        supervisor
            .review_queue(&query)
            .expect("queue")
            .items
            .iter()
            .map(|i| i.visit_id)
            .collect()
    };
    let all = || ReviewQuery {
        state: Some("all".into()),
        ..Default::default()
    };
    let rice_name = supervisor.get_cooperative(rice).expect("rice").name;
    let part_of_name: String = rice_name.chars().skip(6).take(3).collect();
    assert_eq!(
        ids(ReviewQuery {
            q: Some(part_of_name),
            ..all()
        }),
        vec![middle]
    );
    assert_eq!(
        ids(ReviewQuery {
            q: Some(Fixture::HaishuRice.uscc().as_str()[10..].to_lowercase()),
            ..all()
        }),
        vec![middle],
        "the credit code, in part and in any case"
    );
    assert_eq!(
        ids(ReviewQuery {
            visit_type: Some("baseline".into()),
            ..all()
        }),
        vec![early]
    );
    assert_eq!(
        ids(ReviewQuery {
            visit_date_from: Some("2026-11-01".into()),
            visit_date_to: Some("2026-11-30".into()),
            sort: Some("visit_date".into()),
            ..all()
        }),
        vec![middle, late]
    );
    assert_eq!(
        ids(ReviewQuery {
            sort: Some("-visit_date".into()),
            ..all()
        }),
        vec![late, middle, early]
    );

    // Sorted pages follow one another without repeats.
    let first = supervisor
        .review_queue(&ReviewQuery {
            sort: Some("-visit_date".into()),
            limit: Some(2),
            ..all()
        })
        .expect("page");
    let rest = supervisor
        .review_queue(&ReviewQuery {
            sort: Some("-visit_date".into()),
            limit: Some(2),
            cursor: first.next_cursor.clone(),
            ..all()
        })
        .expect("page");
    let paged: Vec<Uuid> = first
        .items
        .iter()
        .chain(&rest.items)
        .map(|i| i.visit_id)
        .collect();
    assert_eq!(paged, vec![late, middle, early]);
    assert_eq!(rest.next_cursor, None);

    let counts = supervisor
        .review_counts(&ReviewQuery::default())
        .expect("counts");
    assert_eq!(
        (counts.pending, counts.returned, counts.approved, counts.all),
        (2, 1, 0, 3)
    );
    assert_eq!(
        counts.awaiting_mine,
        Some(0),
        "nothing has passed the townships yet"
    );
    let township = app
        .client(Persona::TownshipGaoqiao)
        .review_counts(&ReviewQuery::default())
        .expect("counts");
    assert_eq!(
        township.awaiting_mine,
        Some(2),
        "both pending visits wait for their township"
    );
    assert_eq!(
        code_of(supervisor.review_queue(&ReviewQuery {
            sort: Some("rank".into()),
            ..all()
        })),
        ErrorCode::InvalidQuery
    );
    assert_eq!(
        code_of(supervisor.review_queue(&ReviewQuery {
            visit_date_from: Some("11/03/2026".into()),
            ..all()
        })),
        ErrorCode::InvalidQuery
    );
    let first_item = &first.items[0];
    assert_eq!(first_item.region_name.as_deref(), Some("高桥镇 › 后周村"));
}
