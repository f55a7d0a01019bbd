//! What the benchmarks share: a realistic visit, a small cooperative document, CPU and memory of a process from
//! `/proc`, percentiles.

use hezuo_mobile_api::client::{DocStatus, Phone, RecordStatus};
use hezuo_sync::model::*;
use uuid::Uuid;

use crate::{PASSWORD, phone_info};

/// Cooperative `id`'s document after a profile and `visits` short routine visits, written by a phone: the n-th of
/// many that benchmarks store or cache.
pub fn small_document(id: Uuid, n: usize, visits: usize) -> automerge::Automerge {
    let mut doc = hezuo_sync::document::genesis(id).with_actor(automerge::ActorId::random());
    let profile = Profile {
        member_count: Some(40 + (n % 200) as u32),
        notes: Some(format!("第{n}号合作社：主营水果，理事长常驻。")),
        ..Default::default()
    };
    let _ = hezuo_sync::document::put_profile(&mut doc, &profile, 1_700_000_000_000);
    for k in 0..visits {
        let visit = Visit {
            notes: Some(format!("第{k}次走访：账簿齐全，成员知情。")),
            meta: Some(VisitMeta {
                visit_type: Some(VisitType::Routine),
                ..Default::default()
            }),
            ..Default::default()
        };
        let _ = hezuo_sync::document::put_visit(
            &mut doc,
            Uuid::new_v4(),
            &visit,
            1_700_000_000_000 + k as i64,
        );
    }
    doc
}

/// A visit as a counsellor fills it in on site: about fifty fields over most sections of the form.
pub fn realistic_visit(n: usize) -> Visit {
    let day = Day::parse("2026-11-20");
    Visit {
        notes: Some(format!(
            "第{n}户：理事长在场，挂牌和办公室都在，账簿齐全，成员抽查三人均知情。"
        )),
        meta: Some(VisitMeta {
            visit_date: day.clone(),
            visit_type: Some(VisitType::Baseline),
            geo: Some(GeoPoint {
                lat: Some(29.8712 + n as f64 * 0.0003),
                lon: Some(121.4421),
                datum: Some(Datum::Wgs84),
                accuracy_m: Some(12.0),
            }),
            interviewees: vec![Interviewee {
                role: Some(IntervieweeRole::Chair),
                name: Some("王建国".into()),
                phone: Some("13805740000".into()),
            }],
        }),
        registration: Some(RegistrationCheck {
            reg_status: Some(RegistrationStatus::Active),
            annual_report_filed_last_year: Some(true),
            on_abnormal_list: Some(false),
            tax_filing_status: Some(TaxFilingStatus::Normal),
            charter_on_file: Some(true),
            office_present: Some(true),
            bank_account_independent: Some(true),
            ..Default::default()
        }),
        membership: Some(Membership {
            members_total: Some(126),
            members_farmer: Some(118),
            members_verified_sample: (0..3)
                .map(|i| SampledMember {
                    name: Some(format!("成员{i}")),
                    contacted: Some(true),
                    knows_membership: Some(true),
                    contributed_capital: Some(i != 2),
                    traded_last_12m: Some(true),
                })
                .collect(),
            capital_total: Some(1_200_000.0),
            ..Default::default()
        }),
        governance: Some(Governance {
            board_exists: Some(true),
            supervisor_type: Some(SupervisorType::SingleSupervisor),
            meetings: vec![Meeting {
                meeting_type: Some(MeetingType::GeneralMeeting),
                date: Day::parse("2026-03-15"),
                attendees: Some(87),
                minutes_signed: Some(true),
                photos: vec![],
            }],
            affairs_disclosed: Some(true),
            ..Default::default()
        }),
        finance: Some(Finance {
            bookkeeping: Some(Bookkeeping::Agency),
            member_accounts: Some(true),
            revenue_last_year: Some(3_850_000.0),
            distributable_surplus: Some(210_000.0),
            rebate_by_transaction: Some(140_000.0),
            ..Default::default()
        }),
        operations: Some(Operations {
            last_substantive_transaction_date: day,
            base_area_mu: Some(320.0),
            base_in_use: Some(true),
            unified_sales_pct: Percent::new(65.0),
            certifications: vec![Certification::Green],
            ..Default::default()
        }),
        gxs_link: Some(GxsLink {
            gxs_relation: Some(GxsRelation::Led),
            nhl_membership: vec![NhlLevel::County],
            ..Default::default()
        }),
        assessment: Some(Assessment {
            coop_state: Some(CoopState::ActiveStandard),
            recommended_actions: vec![RecommendedAction::ApplyForStarRating],
            counsellor_signed: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The sample at quantile `p` (0.5 the median); `T::default()` when there is none.
pub fn percentile<T: PartialOrd + Copy + Default>(samples: &mut [T], p: f64) -> T {
    if samples.is_empty() {
        return T::default();
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

/// CPU time (user + system) a process has used, from `/proc/<pid>/stat` in Linux's fixed 100 ticks per second.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th of the whole line.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// A process's resident memory now (`VmRSS`), in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

/// A memory figure of `/proc/<pid>/status`, in KiB.
pub(crate) fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

/// The database the benchmark runs on, as `HEZUO_TEST_POSTGRES_URL` decides.
pub fn backend() -> &'static str {
    if std::env::var("HEZUO_TEST_POSTGRES_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    }
}

/// The cooperatives whose documents the phone holds.
pub fn held_documents(phone: &Phone) -> Vec<Uuid> {
    phone
        .cooperatives()
        .expect("index")
        .keys()
        .copied()
        .collect()
}

/// The phone's own work is all acknowledged by the server.
pub fn all_synced(phone: &Phone) -> bool {
    phone
        .visits()
        .expect("visits")
        .iter()
        .all(|v| v.status == RecordStatus::Synced)
        && phone
            .cooperatives()
            .expect("index")
            .values()
            .all(|d| d.status == DocStatus::Synced)
}

/// A phone of its own, logged in as `username`.
pub fn phone_for(address: &str, username: &str) -> (Phone, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let mut phone = Phone::open(dir.path(), phone_info()).expect("phone");
    phone.login(address, username, PASSWORD).expect("login");
    (phone, dir)
}
