//! The shell-cooperative clean-up end to end: counsellors' phones (the SDK) record visits, supervisors approve them,
//! the engine classifies each cooperative from its approved visits, imported registry facts and complaints, and
//! supervisors confirm or override, open disposal cases and track them to closing; phones learn re-visit dates; the
//! county reports and exports to Excel.

use calamine::Reader;
use diesel::prelude::*;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::cleanup::{
    ActionPlan, ActionUpdate, CaseQuery, Classification, CleanupQuery, DecisionRequest, OpenCase,
};
use hezuo_mobile_api::reviews::{AuditQuery, ReviewDecision};
use hezuo_sync::model::{
    Complaint, Day, Finance, Governance, InactiveReason, Meeting, Membership, Operations, Risk,
    SampledMember, Subsidy, Visit, VisitMeta, VisitType,
};
use hezuo_tests::{Fixture, Persona, TestApp, TestPhone};
use uuid::Uuid;

use crate::code_of;

/// An honest, well-run cooperative as a counsellor records it on `day`.
pub(crate) fn honest_visit(day: &str) -> Visit {
    Visit {
        notes: Some("理事长在场，账本齐全".to_owned()),
        meta: Some(VisitMeta {
            visit_date: Day::parse(day),
            visit_type: Some(VisitType::Routine),
            ..Default::default()
        }),
        membership: Some(Membership {
            members_total: Some(120),
            members_farmer: Some(110),
            members_verified_sample: (0..3)
                .map(|i| SampledMember {
                    name: Some(format!("成员{i}")),
                    contacted: Some(true),
                    knows_membership: Some(true),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }),
        governance: Some(Governance {
            meetings: vec![Meeting {
                minutes_signed: Some(true),
                ..Default::default()
            }],
            ..Default::default()
        }),
        finance: Some(Finance {
            member_accounts: Some(true),
            distributable_surplus: Some(100_000.0),
            rebate_by_transaction: Some(70_000.0),
            ..Default::default()
        }),
        operations: Some(Operations {
            last_substantive_transaction_date: Day::parse(&months_ago(1)),
            manager_willing_to_upgrade: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The day `months` months before today in China, as the server counts idle months, so that a scenario keeps its
/// state whenever the suite runs.
pub(crate) fn months_ago(months: u32) -> String {
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    today
        .checked_sub_months(chrono::Months::new(months))
        .expect("a date")
        .to_string()
}

pub(crate) fn idle_visit(day: &str, since: &str, reason: InactiveReason) -> Visit {
    let mut visit = honest_visit(day);
    let ops = visit.operations.as_mut().expect("operations");
    ops.last_substantive_transaction_date = Day::parse(since);
    ops.inactive_reason = Some(reason);
    visit
}

/// Records, submits and syncs a visit; returns its id.
pub(crate) fn record(phone: &mut TestPhone, cooperative: Uuid, visit: Visit) -> Uuid {
    let id = phone.new_visit(cooperative, visit).expect("visit");
    phone.submit_visit(cooperative, id).expect("submit");
    let report = phone.sync().expect("sync");
    assert!(report.problems.is_empty(), "{report:?}");
    id
}

/// The 高桥 fruit cooperative, idle for `months` months as a counsellor recorded it, with the visit approved.
fn idle_and_approved(months: u32, reason: InactiveReason) -> (TestApp, TestPhone, Uuid, Uuid) {
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let visit = record(
        &mut phone,
        cooperative,
        idle_visit("2026-11-10", &months_ago(months), reason),
    );
    approve(&app, visit);
    (app, phone, cooperative, visit)
}

/// The township, then the county, approve the visit.
pub(crate) fn approve(app: &TestApp, visit_id: Uuid) {
    for persona in [Persona::TownshipGaoqiao, Persona::SupervisorHaishu] {
        let version = app
            .client(Persona::Admin)
            .visit_review(visit_id)
            .expect("review")
            .review
            .version;
        app.client(persona)
            .decide_visit(
                visit_id,
                "approve",
                &ReviewDecision {
                    note: None,
                    level: None,
                    version: Some(version),
                },
            )
            .expect("approve");
    }
}

fn current(app: &TestApp, cooperative: Uuid) -> Classification {
    app.client(Persona::SupervisorHaishu)
        .cleanup_record(cooperative)
        .expect("record")
        .current
        .expect("a current classification")
}

/// The county supervisor confirms the classification.
fn confirm(app: &TestApp, cooperative: Uuid, classification: Uuid, reason: &str) -> Classification {
    app.client(Persona::SupervisorHaishu)
        .decide_cleanup(
            cooperative,
            &DecisionRequest {
                classification_id: classification,
                decision: "confirm".into(),
                state: None,
                reason: reason.into(),
            },
        )
        .expect("confirm")
}

fn flags(c: &Classification) -> Vec<&str> {
    c.flags.iter().map(|f| f.flag.as_str()).collect()
}

#[test]
fn each_state_and_flag_follows_the_latest_approved_visit_with_its_evidence() {
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);

    // Submitted but not approved: the engine does not see it.
    let first = record(&mut phone, cooperative, honest_visit("2026-11-01"));
    let supervisor = app.client(Persona::SupervisorHaishu);
    assert_eq!(
        supervisor
            .cleanup_record(cooperative)
            .expect("record")
            .current,
        None,
        "an unapproved visit changes nothing"
    );
    approve(&app, first);
    let honest = current(&app, cooperative);
    assert_eq!(honest.state, "active_standard", "{honest:?}");
    assert!(
        honest.flags.is_empty() && honest.gaps.is_empty(),
        "{honest:?}"
    );
    assert_eq!(honest.actions, vec!["apply_for_star_rating"]);
    assert_eq!(honest.rule_set_version, "rules-2026.1");
    assert_eq!(honest.inputs["visits"][0]["visit_id"], first.to_string());

    // Each approved visit after it speaks for the present; each scenario raises its flag with its evidence.
    let thin = {
        let mut visit = honest_visit("2026-11-02");
        visit
            .membership
            .as_mut()
            .expect("membership")
            .members_farmer = Some(60);
        visit
    };
    let unaware = {
        let mut visit = honest_visit("2026-11-03");
        for member in &mut visit
            .membership
            .as_mut()
            .expect("membership")
            .members_verified_sample
        {
            member.knows_membership = Some(false);
        }
        visit
    };
    let subsidy_unused = {
        let mut visit = honest_visit("2026-11-07");
        visit.finance.as_mut().expect("finance").subsidies_received = vec![Subsidy {
            project: Some("冷库建设".to_owned()),
            amount: Some(300_000.0),
            asset_exists: Some(false),
            ..Default::default()
        }];
        visit
    };
    let complaint = {
        let mut visit = honest_visit("2026-11-08");
        visit.risk = Some(Risk {
            complaints: vec![Complaint {
                source: Some("村委会".to_owned()),
                substantiated: Some(true),
                ..Default::default()
            }],
            ..Default::default()
        });
        visit
    };
    let finance = {
        let mut visit = honest_visit("2026-11-09");
        visit.risk = Some(Risk {
            illegal_finance_signs: Some(true),
            illegal_finance_notes: Some("以合作社名义吸收存款，承诺年息12%".to_owned()),
            ..Default::default()
        });
        visit
    };
    let no_accounts = {
        let mut visit = honest_visit("2026-11-10");
        visit.finance.as_mut().expect("finance").member_accounts = Some(false);
        visit
    };
    let scenarios: Vec<(Visit, &str, Vec<&str>, &str)> = vec![
        (thin, "shell", vec!["s1"], "membership.members_farmer"),
        (
            unaware,
            "shell",
            vec!["s1"],
            "membership.members_verified_sample",
        ),
        (
            idle_visit("2026-11-04", &months_ago(40), InactiveReason::None),
            "shell",
            vec!["s2"],
            "operations.last_substantive_transaction_date",
        ),
        (
            idle_visit("2026-11-05", &months_ago(40), InactiveReason::Market),
            "shell",
            vec!["s3"],
            "operations.last_substantive_transaction_date",
        ),
        (
            idle_visit("2026-11-06", &months_ago(19), InactiveReason::None),
            "dormant_recoverable",
            vec![],
            "",
        ),
        (
            subsidy_unused,
            "fraud_risk",
            vec!["s4"],
            "finance.subsidies_received[0]",
        ),
        (complaint, "fraud_risk", vec!["s5"], "risk.complaints[0]"),
        (
            finance,
            "fraud_risk",
            vec!["s6"],
            "risk.illegal_finance_signs",
        ),
        (no_accounts, "active_nonstandard", vec![], ""),
    ];
    let mut seen = 1;
    for (visit, state, expected_flags, field) in scenarios {
        let id = record(&mut phone, cooperative, visit);
        approve(&app, id);
        seen += 1;
        let c = current(&app, cooperative);
        assert_eq!(c.state, state, "{c:?}");
        assert_eq!(flags(&c), expected_flags, "{c:?}");
        if let Some(raised) = c.flags.first() {
            let evidence = &raised.evidence[0];
            assert_eq!(
                evidence.visit_id,
                Some(id),
                "the latest visit is the evidence"
            );
            assert_eq!(evidence.field, field);
            assert!(!evidence.note_zh.is_empty());
            assert!(c.explanation_zh.contains(&raised.label_zh), "{c:?}");
        }
        assert_eq!(c.inputs["visits"].as_array().map(Vec::len), Some(seen));
        match state {
            "shell" => assert_eq!(
                c.actions,
                vec![
                    "end_sponsorship",
                    "remove_nhl_membership",
                    "push_deregistration"
                ]
            ),
            "fraud_risk" => assert_eq!(c.actions, vec!["refer_for_investigation"]),
            "dormant_recoverable" => {
                assert_eq!(c.actions, vec!["targeted_assistance"]);
                assert!(
                    c.revisit_due.is_some(),
                    "a dormant cooperative is visited again"
                );
            }
            "active_nonstandard" => {
                assert_eq!(c.actions, vec!["standardise"]);
                assert_eq!(c.gaps[0].field, "finance.member_accounts");
                assert!(c.explanation_zh.contains("未建立成员账户"));
            }
            _ => {}
        }
    }
    let record = supervisor.cleanup_record(cooperative).expect("record");
    assert_eq!(
        record.history.len(),
        9,
        "each earlier classification is kept"
    );

    // The county withdraws its approval of the last visit: the one before speaks again.
    let last = record.current.as_ref().expect("current").inputs["visits"]
        .as_array()
        .expect("visits")
        .iter()
        .filter_map(|v| v["visit_id"].as_str()?.parse::<Uuid>().ok())
        .max()
        .expect("a visit");
    let version = supervisor
        .visit_review(last)
        .expect("review")
        .review
        .version;
    supervisor
        .decide_visit(
            last,
            "unapprove",
            &ReviewDecision {
                note: None,
                level: None,
                version: Some(version),
            },
        )
        .expect("unapprove");
    let c = current(&app, cooperative);
    assert_eq!((c.state.as_str(), flags(&c)), ("fraud_risk", vec!["s6"]));
    assert!(record.history.iter().all(|c| !c.current));

    // Another district's supervisor does not see it; the clean-up view lists it with its state.
    assert_eq!(
        code_of(
            app.client(Persona::SupervisorXiangshan)
                .cleanup_record(cooperative)
        ),
        ErrorCode::NotFound
    );
    let listed = supervisor
        .cleanup_list(&CleanupQuery {
            state: Some("fraud_risk".into()),
            ..Default::default()
        })
        .expect("list");
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].cooperative_id, cooperative);
    assert!(
        supervisor
            .cleanup_list(&CleanupQuery {
                flag: Some("s1".into()),
                ..Default::default()
            })
            .expect("list")
            .items
            .is_empty(),
        "the current classification raises no S1"
    );
    assert_eq!(
        code_of(supervisor.cleanup_list(&CleanupQuery {
            state: Some("zombie".into()),
            ..Default::default()
        })),
        ErrorCode::InvalidQuery
    );
}

#[test]
fn imported_registry_facts_and_complaints_carry_their_source_and_raise_flags() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let rice = app.cooperative_id(Fixture::HaishuRice);
    let fruit = app.cooperative_id(Fixture::HaishuFruit);
    let facts = format!(
        "统一社会信用代码,年报已报送,列入经营异常名录,列入原因,纳税申报\n{},否,是,未按期报送年报,否\n{},是,否,,是\n91330200MA2XXXXX0X,是,否,,是\n",
        Fixture::HaishuRice.uscc(),
        Fixture::HaishuFruit.uscc(),
    );
    let source = "宁波市海曙区市场监管局2026年名单";
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 7, 1);
    let report = admin
        .import_registry_facts(facts.as_bytes(), source, as_of)
        .expect("import");
    assert_eq!(report.inserted, 6, "{report:?}");
    assert_eq!(report.failed, 1, "{report:?}");
    assert_eq!(report.errors[0].row, 4);
    let again = admin
        .import_registry_facts(facts.as_bytes(), source, as_of)
        .expect("import again");
    assert_eq!((again.inserted, again.unchanged), (0, 6), "{again:?}");
    // Facts alone classify nothing: without an approved visit or a confirmed complaint there is nothing to decide on.
    let supervisor = app.client(Persona::SupervisorHaishu);
    assert_eq!(
        supervisor.cleanup_record(rice).expect("record").current,
        None
    );

    let complaints = format!(
        "统一社会信用代码,编号,受理日期,举报内容,核查结果\n{},12345-2026-0042,2026-09-12,以合作社名义高息揽储,属实\n{},12345-2026-0043,2026-10-02,冒领农机补贴,核查中\n",
        Fixture::HaishuRice.uscc(),
        Fixture::HaishuFruit.uscc(),
    );
    let report = admin
        .import_complaints(complaints.as_bytes(), "12345热线")
        .expect("complaints");
    assert_eq!((report.inserted, report.failed), (2, 0), "{report:?}");
    let c = current(&app, rice);
    assert_eq!(c.state, "fraud_risk");
    assert_eq!(flags(&c), vec!["s5"]);
    let evidence = &c.flags[0].evidence[0];
    assert_eq!(evidence.visit_id, None);
    assert_eq!(evidence.source.as_deref(), Some("12345热线"));
    assert_eq!(evidence.value, "12345-2026-0042");
    let gaps: Vec<(&str, Option<&str>)> = c
        .gaps
        .iter()
        .map(|g| (g.field.as_str(), g.source.as_deref()))
        .collect();
    assert_eq!(
        gaps,
        vec![
            ("registry.annual_report_filed", Some(source)),
            ("registry.on_abnormal_list", Some(source)),
            ("registry.tax_filed", Some(source)),
        ]
    );
    assert_eq!(c.gaps[0].as_of, as_of);
    assert!(c.gaps[1].note_zh.contains("未按期报送年报"));
    assert_eq!(
        supervisor.cleanup_record(fruit).expect("record").current,
        None,
        "a complaint under investigation raises nothing"
    );

    // The investigation concludes: importing the result again updates it.
    let concluded = complaints.replace("核查中", "属实");
    let report = admin
        .import_complaints(concluded.as_bytes(), "12345热线")
        .expect("complaints");
    assert_eq!((report.updated, report.unchanged), (1, 1), "{report:?}");
    assert_eq!(flags(&current(&app, fruit)), vec!["s5"]);

    assert_eq!(
        code_of(
            app.client(Persona::SupervisorHaishu)
                .import_complaints(complaints.as_bytes(), "x")
        ),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code_of(admin.import_complaints(complaints.as_bytes(), " ")),
        ErrorCode::ImportFileInvalid
    );
    let audit = admin
        .audit_log(&AuditQuery {
            action: Some("import.".into()),
            ..Default::default()
        })
        .expect("audit");
    assert_eq!(audit.items.len(), 4, "{audit:?}");
}

#[test]
fn a_supervisor_confirms_or_overrides_with_a_reason_and_phones_learn_the_revisit() {
    let (app, mut phone, cooperative, _) = idle_and_approved(19, InactiveReason::ManagerIncident);
    let dormant = current(&app, cooperative);
    assert_eq!(dormant.state, "dormant_recoverable");
    let confirm = |reason: &str| DecisionRequest {
        classification_id: dormant.id,
        decision: "confirm".into(),
        state: None,
        reason: reason.into(),
    };

    // Counsellors never decide; a decision needs a reason and the classification the supervisor looked at.
    assert_eq!(
        code_of(
            app.client(Persona::CounsellorHaishu)
                .decide_cleanup(cooperative, &confirm("属实"))
        ),
        ErrorCode::NotADecider
    );
    let supervisor = app.client(Persona::SupervisorHaishu);
    assert_eq!(
        code_of(supervisor.decide_cleanup(cooperative, &confirm("  "))),
        ErrorCode::ValidationFailed
    );
    assert_eq!(
        code_of(supervisor.decide_cleanup(
            cooperative,
            &DecisionRequest {
                classification_id: Uuid::now_v7(),
                ..confirm("属实")
            }
        )),
        ErrorCode::ClassificationStale
    );
    assert_eq!(
        code_of(supervisor.decide_cleanup(
            cooperative,
            &DecisionRequest {
                decision: "override".into(),
                ..confirm("属实")
            }
        )),
        ErrorCode::ValidationFailed,
        "an override names the state"
    );
    let confirmed = supervisor
        .decide_cleanup(cooperative, &confirm("理事长住院，家属愿意恢复经营"))
        .expect("confirm");
    let decision = confirmed.decision.expect("decided");
    assert_eq!(decision.decision, "confirmed");
    assert_eq!(decision.state, "dormant_recoverable");
    assert_eq!(
        decision.decided_by,
        app.user_id(Persona::SupervisorHaishu).to_string()
    );

    // The counsellor's phone learns at its next sync when to visit again, and why.
    phone.sync().expect("sync");
    let revisits = phone.revisits().expect("revisits");
    assert_eq!(revisits.len(), 1, "{revisits:?}");
    assert_eq!(revisits[0].cooperative_id, cooperative);
    assert_eq!(
        Some(revisits[0].due.as_str()),
        dormant.revisit_due.map(|d| d.to_string()).as_deref()
    );
    assert_eq!(revisits[0].state.as_deref(), Some("dormant_recoverable"));
    assert!(
        revisits[0]
            .note
            .as_deref()
            .is_some_and(|n| n.contains("理事长住院")),
        "{revisits:?}"
    );

    // Overriding: the supervisor knows better, and says why.
    let overridden = supervisor
        .decide_cleanup(
            cooperative,
            &DecisionRequest {
                decision: "override".into(),
                state: Some("shell".into()),
                ..confirm("走访核实：成员均已退出，无法恢复")
            },
        )
        .expect("override");
    assert_eq!(
        overridden.state, "dormant_recoverable",
        "the engine's view stays"
    );
    assert_eq!(overridden.decision.expect("decided").state, "shell");
    phone.sync().expect("sync");
    assert!(
        phone.revisits().expect("revisits").is_empty(),
        "a shell is not visited again"
    );
    let audit = app
        .client(Persona::Admin)
        .audit_log(&AuditQuery {
            action: Some("cleanup.".into()),
            ..Default::default()
        })
        .expect("audit");
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["cleanup.confirmed", "cleanup.overridden"]);
    let last = &audit.items[1];
    assert_eq!(last.entity_id, cooperative.to_string());
    assert_eq!(
        last.actor_user_id,
        Some(app.user_id(Persona::SupervisorHaishu).to_string())
    );
    let before = last.before.as_ref().expect("before");
    let after = last.after.as_ref().expect("after");
    assert_eq!(before["decided_state"], "dormant_recoverable");
    assert_eq!(after["decided_state"], "shell");
    assert_eq!(after["reason"], "走访核实：成员均已退出，无法恢复");
}

const HAISHU_STRICTER: &str = "version = \"haishu-2027.1\"\ndormant_watch_months = 6\nshell_months = 18\n\
    farmer_share_min_pct = 80.0\nmember_sample_min = 3\nmember_sample_unaware_pct = 50.0\nrebate_min_pct = 60.0\n\
    dormant_revisit_months = 6\n";

#[test]
fn a_rule_set_change_reclassifies_and_keeps_earlier_decisions_on_their_version() {
    let (app, _, cooperative, _) = idle_and_approved(19, InactiveReason::None);
    let before = current(&app, cooperative);
    assert_eq!(before.state, "dormant_recoverable");
    confirm(&app, cooperative, before.id, "核实");

    let admin = app.client(Persona::Admin);
    let stricter = HAISHU_STRICTER;
    let report = admin.install_rule_set(stricter).expect("install");
    assert_eq!(report.rule_set_version, "haishu-2027.1");
    assert_eq!(report.changed, 1, "{report:?}");
    let after = current(&app, cooperative);
    assert_eq!(after.state, "shell");
    assert_eq!(flags(&after), vec!["s2"]);
    assert_eq!(after.rule_set_version, "haishu-2027.1");
    assert_eq!(
        after.decision, None,
        "a new classification waits for a person"
    );
    let record = app
        .client(Persona::SupervisorHaishu)
        .cleanup_record(cooperative)
        .expect("record");
    assert_eq!(record.history.len(), 1);
    assert_eq!(record.history[0].rule_set_version, "rules-2026.1");
    assert_eq!(
        record.history[0]
            .decision
            .as_ref()
            .map(|d| d.decision.as_str()),
        Some("confirmed"),
        "the earlier decision stays on the version it used"
    );

    // A version name means one set of thresholds; unknown rules are refused; only admins install.
    assert_eq!(
        code_of(
            admin.install_rule_set(&stricter.replace("shell_months = 18", "shell_months = 30"))
        ),
        ErrorCode::RuleSetVersionTaken
    );
    assert_eq!(
        code_of(admin.install_rule_set(&stricter.replace("shell_months", "shel_months"))),
        ErrorCode::RuleSetInvalid
    );
    assert_eq!(
        code_of(
            app.client(Persona::SupervisorHaishu)
                .install_rule_set(stricter)
        ),
        ErrorCode::Forbidden
    );
    let again = admin.install_rule_set(stricter).expect("same again");
    assert_eq!(again.changed, 0);
    let versions = admin.rule_sets().expect("versions");
    let listed: Vec<(&str, bool)> = versions
        .iter()
        .map(|v| (v.version.as_str(), v.active))
        .collect();
    assert_eq!(
        listed,
        vec![("haishu-2027.1", true), ("rules-2026.1", false)]
    );
    assert!(
        versions[0]
            .proposals
            .iter()
            .any(|p| p == "dormant_watch_months")
    );
    assert!(
        !versions[0].proposals.iter().any(|p| p == "shell_months"),
        "two years is the law's"
    );

    // Going back to the defaults re-activates them and re-classifies once more: the listed file installs as it is.
    let defaults = versions
        .iter()
        .find(|v| v.version == "rules-2026.1")
        .expect("defaults listed");
    let back = admin.install_rule_set(&defaults.rules_toml).expect("back");
    assert_eq!(back.changed, 1);
    assert_eq!(current(&app, cooperative).state, "dormant_recoverable");
}

/// An empty or partial file would have put defaults in place of the rules an administrator set: it is refused, and the
/// active set, its classifications and the audit log stay as they were.
#[test]
fn an_empty_or_partial_rule_set_is_refused_and_changes_nothing() {
    let (app, _, cooperative, _) = idle_and_approved(19, InactiveReason::None);
    let admin = app.client(Persona::Admin);
    admin.install_rule_set(HAISHU_STRICTER).expect("install");
    let before = (admin.rule_sets().expect("sets"), current(&app, cooperative));
    let rule_audit = AuditQuery {
        action: Some("cleanup.rules".into()),
        ..Default::default()
    };
    let audited = admin.audit_log(&rule_audit).expect("audit").items.len();

    for (body, missing) in [
        ("", "version"),
        (
            "version = \"haishu-2027.2\"\nshell_months = 30\n",
            "dormant_watch_months",
        ),
    ] {
        let problem = match admin.install_rule_set(body) {
            Err(hezuo_mobile_api::client::ClientError::Api(problem)) => problem,
            other => panic!("{body:?} was not refused: {other:?}"),
        };
        assert_eq!(problem.code, ErrorCode::RuleSetInvalid);
        assert_eq!(problem.status, 422);
        assert!(
            problem.detail.as_deref().unwrap_or("").contains(missing),
            "the problem names what is missing: {problem:?}"
        );
    }

    let after = (admin.rule_sets().expect("sets"), current(&app, cooperative));
    assert_eq!(before.0, after.0, "the rule sets are unchanged");
    assert_eq!(before.1.id, after.1.id, "no re-classification");
    assert_eq!(
        admin.audit_log(&rule_audit).expect("audit").items.len(),
        audited
    );
}

/// The 高桥 rice cooperative has no 供销 relation and no 农合联 membership: as a shell it is not told to end either,
/// and a case opened on the recommendation holds only 推动注销.
#[test]
fn a_shell_without_ties_is_only_pushed_to_deregister() {
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuRice);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let visit = record(
        &mut phone,
        cooperative,
        idle_visit("2026-11-10", &months_ago(40), InactiveReason::None),
    );
    approve(&app, visit);
    let shell = current(&app, cooperative);
    assert_eq!(shell.state, "shell");
    assert_eq!(shell.actions, vec!["push_deregistration"], "{shell:?}");
    assert_eq!(
        shell.inputs["ties"],
        serde_json::json!({"gxs_relation": false, "nhl_member": false})
    );
    confirm(&app, cooperative, shell.id, "两年以上无经营");
    let case = app
        .client(Persona::SupervisorHaishu)
        .open_case(&OpenCase {
            cooperative_id: cooperative,
            actions: None,
        })
        .expect("case");
    let actions: Vec<&str> = case.actions.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, vec!["push_deregistration"]);
}

#[test]
fn a_disposal_case_runs_to_closing_and_overdue_actions_are_listed_reported_and_exported() {
    let (app, _, cooperative, _) = idle_and_approved(40, InactiveReason::None);
    let shell = current(&app, cooperative);
    assert_eq!(shell.state, "shell");
    let supervisor = app.client(Persona::SupervisorHaishu);
    let open = OpenCase {
        cooperative_id: cooperative,
        actions: None,
    };
    assert_eq!(
        code_of(supervisor.open_case(&open)),
        ErrorCode::ClassificationUndecided,
        "a person decides before a case opens"
    );
    confirm(&app, cooperative, shell.id, "三年无经营，理事长同意注销");
    assert_eq!(
        code_of(app.client(Persona::CounsellorHaishu).open_case(&open)),
        ErrorCode::NotADecider
    );
    let case = supervisor.open_case(&open).expect("case");
    let actions: Vec<&str> = case.actions.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "end_sponsorship",
            "remove_nhl_membership",
            "push_deregistration"
        ]
    );
    assert_eq!(case.status, "open");
    assert_eq!(
        code_of(supervisor.open_case(&open)),
        ErrorCode::CaseAlreadyOpen
    );

    // One action is past its due date: it is overdue and the follow-up list shows the case.
    let yesterday = chrono::Utc::now().date_naive() - chrono::Duration::days(2);
    let deregistration = case.actions[2].id;
    let updated = supervisor
        .update_case_action(
            case.id,
            deregistration,
            &ActionUpdate {
                status: Some("referred".into()),
                referred_to: Some("海曙区市场监督管理局".into()),
                due_on: Some(yesterday),
                ..Default::default()
            },
        )
        .expect("update");
    assert!(updated.actions[2].overdue);
    assert_eq!(updated.overdue_actions, 1);
    let overdue = supervisor
        .cases(&CaseQuery {
            overdue: Some(true),
            ..Default::default()
        })
        .expect("cases");
    assert_eq!(overdue.items.len(), 1);
    assert_eq!(overdue.items[0].id, case.id);
    for wrong in [
        ActionUpdate {
            status: Some("finished".into()),
            ..Default::default()
        },
        ActionUpdate {
            assignee_user_id: Some(Uuid::now_v7().to_string()),
            ..Default::default()
        },
    ] {
        assert_eq!(
            code_of(supervisor.update_case_action(case.id, deregistration, &wrong)),
            ErrorCode::ValidationFailed
        );
    }

    // The county's report and export show the shell and its case.
    let report = supervisor.cleanup_report(None).expect("report");
    assert_eq!(report.total.by_state.get("shell"), Some(&1));
    assert_eq!(report.total.by_flag.get("s2"), Some(&1));
    assert_eq!(report.total.open_cases, 1);
    assert_eq!(report.total.overdue_actions, 1);
    let district = report
        .districts
        .iter()
        .find(|d| d.region_code == "330203")
        .expect("海曙区");
    assert_eq!(district.region_name, "海曙区");
    assert_eq!(district.cooperatives, 2);
    assert!(
        report
            .townships
            .iter()
            .any(|t| t.region_code == "330203101" && t.classified == 1)
    );
    assert_eq!(
        report.progress.iter().map(|p| p.cases_opened).sum::<u64>(),
        1
    );
    assert_eq!(
        code_of(supervisor.cleanup_report(Some("330225"))),
        ErrorCode::NotFound,
        "another district's report"
    );
    let workbook = supervisor.export_cleanup(None).expect("xlsx");
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(workbook)).expect("a workbook");
    let candidates = workbook.worksheet_range("清理对象").expect("sheet");
    let rows: Vec<Vec<String>> = candidates
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 2, "a header and one cooperative: {rows:?}");
    assert_eq!(rows[0][0], "合作社名称");
    assert_eq!(rows[1][0], Fixture::HaishuFruit.name());
    assert_eq!(rows[1][3], "空壳社");
    assert_eq!(rows[1][5], "无实质性生产经营活动");
    assert_eq!(rows[1][8], "已确认");
    let cases = workbook.worksheet_range("处置案件").expect("sheet");
    let rows: Vec<Vec<String>> = cases
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 4, "a header and three actions: {rows:?}");
    assert_eq!(rows[3][5], "推动注销");
    assert_eq!(rows[3][6], "已移交");
    assert_eq!(rows[3][8], "逾期");
    assert_eq!(rows[3][9], "海曙区市场监督管理局");

    // Closing waits for every action; then the case is closed and no longer overdue.
    assert_eq!(
        code_of(supervisor.close_case(case.id, "已办结")),
        ErrorCode::CaseActionsOpen
    );
    for (action, status) in [
        (case.actions[0].id, "done"),
        (case.actions[1].id, "done"),
        (deregistration, "cancelled"),
    ] {
        supervisor
            .update_case_action(
                case.id,
                action,
                &ActionUpdate {
                    status: Some(status.into()),
                    ..Default::default()
                },
            )
            .expect("update");
    }
    let closed = supervisor
        .close_case(
            case.id,
            "已解除领办关系，退出农合联；注销由市场监管另案办理",
        )
        .expect("close");
    assert_eq!(closed.status, "closed");
    assert!(closed.actions[0].completed_at.is_some());
    assert_eq!(
        code_of(supervisor.close_case(case.id, "again")),
        ErrorCode::CaseClosed
    );
    assert!(
        supervisor
            .cases(&CaseQuery {
                overdue: Some(true),
                ..Default::default()
            })
            .expect("cases")
            .items
            .is_empty()
    );
    let report = supervisor.cleanup_report(Some("330203")).expect("report");
    assert_eq!((report.total.open_cases, report.total.closed_cases), (0, 1));
    let progress: (u64, u64) = report.progress.iter().fold((0, 0), |(done, closed), p| {
        (done + p.actions_done, closed + p.cases_closed)
    });
    assert_eq!(progress, (2, 1));
    let audit = app
        .client(Persona::Admin)
        .audit_log(&AuditQuery {
            action: Some("cleanup.".into()),
            ..Default::default()
        })
        .expect("audit");
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "cleanup.confirmed",
            "cleanup.case_opened",
            "cleanup.action_updated",
            "cleanup.action_updated",
            "cleanup.action_updated",
            "cleanup.action_updated",
            "cleanup.case_closed",
        ]
    );
}

#[test]
fn targeted_assistance_plans_a_revisit_that_reaches_the_phone() {
    let (app, mut phone, cooperative, _) = idle_and_approved(15, InactiveReason::Market);
    let supervisor = app.client(Persona::SupervisorHaishu);
    let dormant = current(&app, cooperative);
    confirm(
        &app,
        cooperative,
        dormant.id,
        "市场行情下跌，理事长有意恢复",
    );
    let soon = chrono::Utc::now().date_naive() + chrono::Duration::days(30);
    let case = supervisor
        .open_case(&OpenCase {
            cooperative_id: cooperative,
            actions: Some(vec![ActionPlan {
                action: "targeted_assistance".into(),
                assignee_user_id: Some(app.user_id(Persona::CounsellorHaishu).to_string()),
                due_on: None,
                revisit_on: Some(soon),
                referred_to: None,
                note: Some("对接电商渠道".into()),
            }]),
        })
        .expect("case");
    assert_eq!(case.actions[0].revisit_on, Some(soon));
    phone.sync().expect("sync");
    let revisits = phone.revisits().expect("revisits");
    assert_eq!(revisits.len(), 1);
    assert_eq!(
        revisits[0].due,
        soon.to_string(),
        "the plan's date comes before the six-month one"
    );
    assert!(
        revisits[0]
            .note
            .as_deref()
            .is_some_and(|n| n.contains("专项帮扶：对接电商渠道")),
        "{revisits:?}"
    );
    assert_eq!(
        code_of(supervisor.open_case(&OpenCase {
            cooperative_id: cooperative,
            actions: Some(vec![ActionPlan {
                action: "apply_for_star_rating".into(),
                assignee_user_id: None,
                due_on: None,
                revisit_on: None,
                referred_to: None,
                note: None,
            }]),
        })),
        ErrorCode::ValidationFailed,
        "star rating is not a disposal"
    );
    // Decisions and cases do not classify again: one classification so far.
    let stored: i64 = hezuo_server::db::schema::classifications::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(stored, 1);
}
