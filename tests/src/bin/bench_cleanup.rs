//! Classifies N synthetic cooperatives (`--cooperatives`, default 100,000), each with a history of approved visits
//! (`--visits`, default 3), with the clean-up engine, and prints the time the classification took, its rate, the mix
//! of states, and the process's peak memory. The visits are generated in batches outside the timed part, as a real run
//! would stream them from the database.
//!
//! With `--database`, it then stores the same histories as approved visits in a fresh SQLite database under a temporary
//! directory and times the whole re-classification the server runs (`hezuo classify`): reading the approved visits,
//! registry facts and complaints, classifying, and writing the classifications, a transaction per 500 cooperatives.
//!
//! `cargo run --release -p hezuo-tests --bin bench-cleanup [-- --database]`

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use hezuo_server::cleanup::engine::{Fact, RegistryFacts, classify};
use hezuo_server::cleanup::rules::RuleSet;
use hezuo_sync::model::{
    Complaint, Day, Finance, Governance, InactiveReason, Meeting, Membership, Operations, Risk,
    SampledMember, Subsidy, Visit, VisitMeta,
};
use hezuo_tests::{count_arg, peak_rss_kib};

/// A visit of cooperative `n`, the `k`-th of its history; a deterministic mix of honest, idle, thin-membership and
/// risky cooperatives.
fn synthetic_visit(n: usize, k: usize) -> Visit {
    let kind = n % 20;
    let month = 1 + (k * 4 + n) % 12;
    let last_trade = match kind {
        0..=1 => "2023-06-01",
        2..=3 => "2025-09-01",
        _ => "2026-10-01",
    };
    Visit {
        notes: Some(format!("第{k}次走访：理事长在场。")),
        meta: Some(VisitMeta {
            visit_date: Day::parse(&format!("{}-{month:02}-15", 2024 + k.min(2))),
            ..Default::default()
        }),
        membership: Some(Membership {
            members_total: Some(100),
            members_farmer: Some(if kind == 4 { 50 } else { 92 }),
            members_verified_sample: (0..3)
                .map(|i| SampledMember {
                    name: Some(format!("成员{i}")),
                    contacted: Some(true),
                    knows_membership: Some(!(kind == 5 && i < 2)),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }),
        governance: Some(Governance {
            meetings: vec![Meeting {
                minutes_signed: Some(kind != 6),
                ..Default::default()
            }],
            ..Default::default()
        }),
        finance: Some(Finance {
            member_accounts: Some(kind != 7),
            distributable_surplus: Some(80_000.0),
            rebate_by_transaction: Some(56_000.0),
            subsidies_received: vec![Subsidy {
                project: Some("冷库".into()),
                asset_exists: Some(kind != 8),
                asset_in_use: Some(true),
                ..Default::default()
            }],
            ..Default::default()
        }),
        operations: Some(Operations {
            last_substantive_transaction_date: Day::parse(last_trade),
            inactive_reason: Some(if kind == 1 {
                InactiveReason::NaturalDisaster
            } else {
                InactiveReason::None
            }),
            manager_willing_to_upgrade: Some(kind != 9),
            ..Default::default()
        }),
        risk: Some(Risk {
            complaints: vec![Complaint {
                substantiated: Some(kind == 10),
                ..Default::default()
            }],
            illegal_finance_signs: Some(kind == 11),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn fact(value: bool) -> Fact {
    Fact {
        value,
        as_of: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap_or_default(),
        source: "市场监管局名单".to_owned(),
        detail: None,
    }
}

/// Seeds the approved visits into a new SQLite database and times a full re-classification through it.
fn through_the_database(cooperatives: usize, visits: usize, rules: &RuleSet, today: NaiveDate) {
    use diesel::prelude::*;
    use hezuo_server::db::schema::{approved_visits, classifications};
    use hezuo_server::db::{self, write_transaction};

    let dir = std::env::temp_dir().join(format!("hezuo-bench-cleanup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let pool = db::build_pool(&url, 1).expect("database");
    let mut conn = pool.get().expect("connection");
    db::run_migrations(&mut conn).expect("migrations");
    let seeding = Instant::now();
    let ids: Vec<String> = (0..cooperatives).map(|n| format!("{n:08}-bench")).collect();
    for chunk in (0..cooperatives).collect::<Vec<_>>().chunks(500) {
        write_transaction(&mut conn, |conn| -> QueryResult<()> {
            for &n in chunk {
                for k in 0..visits {
                    let data = serde_json::to_string(&synthetic_visit(n, k)).expect("json");
                    diesel::insert_into(approved_visits::table)
                        .values((
                            approved_visits::visit_id.eq(format!("{n}-{k}")),
                            approved_visits::cooperative_id.eq(&ids[n]),
                            approved_visits::data.eq(data),
                            approved_visits::heads.eq("h"),
                            approved_visits::approved_by.eq("bench"),
                            approved_visits::approved_at.eq(chrono::Utc::now().naive_utc()),
                        ))
                        .execute(conn)?;
                }
            }
            Ok(())
        })
        .expect("seed");
    }
    println!(
        "seeded {} approved visits in {:.1} s (not timed below)",
        cooperatives * visits,
        seeding.elapsed().as_secs_f64()
    );
    let began = Instant::now();
    for chunk in ids.chunks(500) {
        write_transaction(&mut conn, |conn| {
            hezuo_server::cleanup::store::refresh_with(conn, chunk, rules, today)
        })
        .expect("classify");
    }
    let elapsed = began.elapsed();
    let stored: i64 = classifications::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    println!(
        "through SQLite (read visits, classify, store): {:.2} s ({:.0} cooperatives/s), {stored} classifications stored",
        elapsed.as_secs_f64(),
        cooperatives as f64 / elapsed.as_secs_f64().max(1e-9)
    );
    let again = Instant::now();
    for chunk in ids.chunks(500) {
        write_transaction(&mut conn, |conn| {
            hezuo_server::cleanup::store::refresh_with(conn, chunk, rules, today)
        })
        .expect("classify");
    }
    println!(
        "again with nothing changed: {:.2} s",
        again.elapsed().as_secs_f64()
    );
    drop(conn);
    drop(pool);
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    let cooperatives = count_arg("--cooperatives", 100_000);
    let visits = count_arg("--visits", 3);
    let rules = RuleSet::default();
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default();
    const BATCH: usize = 1_000;
    let mut timed = Duration::ZERO;
    let mut states = std::collections::BTreeMap::<&str, usize>::new();
    let mut flags = 0usize;
    for start in (0..cooperatives).step_by(BATCH) {
        let batch: Vec<(Vec<(String, Visit)>, RegistryFacts)> = (start
            ..(start + BATCH).min(cooperatives))
            .map(|n| {
                let history = (0..visits)
                    .map(|k| (format!("{n}-{k}"), synthetic_visit(n, k)))
                    .collect();
                let registry = RegistryFacts {
                    annual_report_filed: Some(fact(n % 7 != 0)),
                    on_abnormal_list: Some(fact(n % 13 == 0)),
                    ..Default::default()
                };
                (history, registry)
            })
            .collect();
        let began = Instant::now();
        let results: Vec<_> = batch
            .iter()
            .map(|(history, registry)| classify(history, registry, &rules, today))
            .collect();
        timed += began.elapsed();
        for result in &results {
            *states.entry(result.state.as_str()).or_default() += 1;
            flags += result.flags.len();
        }
    }
    println!(
        "hezuo clean-up benchmark — {cooperatives} cooperatives × {visits} approved visits, rule set {}",
        rules.version
    );
    println!(
        "classified in {:.2} s ({:.0} cooperatives/s)   [target ≤ 2 s for 100,000]",
        timed.as_secs_f64(),
        cooperatives as f64 / timed.as_secs_f64().max(1e-9)
    );
    println!("states: {states:?}; flags raised: {flags}");
    if std::env::args().any(|a| a == "--database") {
        through_the_database(cooperatives, visits, &rules, today);
    }
    let peak = peak_rss_kib(std::process::id()).unwrap_or(0);
    println!(
        "peak memory of the process: {:.0} MiB",
        peak as f64 / 1024.0
    );
}
