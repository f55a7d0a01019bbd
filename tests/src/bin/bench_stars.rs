//! Scores N synthetic star-rating applications (`--applications`, default 100,000) with the built-in cooperative model:
//! for each, the subject is built from its latest approved visit and star history, then scored with the reviewers'
//! manual scores. Prints the time, applications/s, the mix of stars and vetoes, and the process's peak memory. The
//! visits are generated in batches outside the timed part, as a real run would read them from the database. Runs
//! `--rounds` times (default 3) and prints each time and the median.
//!
//! `cargo run --release -p hezuo-tests --bin bench-stars`

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use hezuo_mobile_api::stars::ManualScore;
use hezuo_server::stars::engine::score;
use hezuo_server::stars::model::ScoringModel;
use hezuo_server::stars::subject::{self, Inputs, Trigger};
use hezuo_sync::model::{
    Bookkeeping, Certification, DemoLevel, Finance, Governance, Meeting, MeetingType, Membership,
    Operations, Percent, Recognition, RegistrationCheck, Risk, Visit,
};
use hezuo_tests::{count_arg, peak_rss_kib};

/// Application `n`: a deterministic mix from bare to exemplary, with some on the abnormal list.
fn synthetic_visit(n: usize) -> Visit {
    let grade = n % 10;
    Visit {
        registration: Some(RegistrationCheck {
            reg_date: hezuo_sync::model::Day::parse(&format!("{}-05-01", 2010 + n % 15)),
            annual_report_filed_last_year: Some(!n.is_multiple_of(17)),
            on_abnormal_list: Some(n.is_multiple_of(23)),
            charter_based_on_model: Some(grade > 2),
            office_present: Some(grade > 1),
            bank_account_independent: Some(grade > 1),
            ..Default::default()
        }),
        membership: Some(Membership {
            members_total: Some(100 + (n % 300) as u32),
            members_farmer: Some(80 + (n % 300) as u32),
            linked_nonmember_households: Some((n % 400) as u32),
            ..Default::default()
        }),
        governance: Some(Governance {
            meetings: vec![Meeting {
                meeting_type: Some(MeetingType::GeneralMeeting),
                minutes_signed: Some(grade > 3),
                ..Default::default()
            }],
            conflict_roles_ok: Some(true),
            ..Default::default()
        }),
        finance: Some(Finance {
            bookkeeping: Some(if grade > 2 {
                Bookkeeping::Agency
            } else {
                Bookkeeping::None
            }),
            cashier_separate: Some(grade > 4),
            member_accounts: Some(grade > 4),
            distributable_surplus: Some(100_000.0),
            rebate_by_transaction: Some(grade as f64 * 10_000.0),
            ..Default::default()
        }),
        operations: Some(Operations {
            unified_input_purchase_pct: Percent::new((grade * 10) as f64),
            unified_sales_pct: Percent::new((grade * 10) as f64),
            brand_registered: Some(grade > 6),
            certifications: if grade > 7 {
                vec![Certification::Organic]
            } else {
                Vec::new()
            },
            traceability: Some(grade > 5),
            ..Default::default()
        }),
        risk: Some(Risk {
            env_or_quality_violation: Some(n.is_multiple_of(97)),
            land_rent_or_wage_arrears: Some(false),
            ..Default::default()
        }),
        recognition: Some(Recognition {
            demo_level: Some(match grade {
                9 => DemoLevel::City,
                7 | 8 => DemoLevel::County,
                _ => DemoLevel::None,
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn main() {
    let applications = count_arg("--applications", 100_000);
    let model = match ScoringModel::cooperative_default() {
        Ok(model) => model,
        Err(error) => {
            eprintln!("built-in model: {error}");
            std::process::exit(1);
        }
    };
    let manual: BTreeMap<String, ManualScore> = model
        .manual_indicators()
        .into_iter()
        .map(|i| {
            (
                i.code.to_string(),
                ManualScore {
                    points: i.points * 0.8,
                    note: None,
                },
            )
        })
        .collect();
    let rounds = count_arg("--rounds", 3).max(1);
    let mut times = Vec::with_capacity(rounds);
    let mut mix = None;
    for _ in 0..rounds {
        let (timed, stars, vetoed) = round(&model, &manual, applications);
        times.push(timed.as_secs_f64());
        mix.get_or_insert((stars, vetoed));
    }
    let (stars, vetoed) = mix.unwrap_or_default();
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    println!(
        "hezuo star-rating benchmark — {applications} applications, model {}",
        model.version
    );
    let each: Vec<String> = times.iter().map(|t| format!("{t:.2}")).collect();
    println!(
        "scored in {median:.2} s, median of {rounds} rounds ({} s) ({:.0} applications/s)   [target ≤ 2 s for 100,000]",
        each.join(", "),
        applications as f64 / median.max(1e-9)
    );
    println!("stars: {stars:?}; vetoed: {vetoed}");
    let peak = peak_rss_kib(std::process::id()).unwrap_or(0);
    println!(
        "peak memory of the process: {:.0} MiB",
        peak as f64 / 1024.0
    );
}

/// Scores `applications` synthetic applications once: the time spent scoring, the stars given and how many were vetoed.
fn round(
    model: &ScoringModel,
    manual: &BTreeMap<String, ManualScore>,
    applications: usize,
) -> (Duration, BTreeMap<String, usize>, usize) {
    let as_of = NaiveDate::from_ymd_opt(2026, 1, 1);
    let history = [(2024, 4u8), (2025, 4u8)];
    let accident = [Trigger::MajorSafetyAccident];
    const BATCH: usize = 1_000;
    let mut timed = Duration::ZERO;
    let mut stars = BTreeMap::<String, usize>::new();
    let mut vetoed = 0usize;
    for start in (0..applications).step_by(BATCH) {
        let batch: Vec<(String, Visit)> = (start..(start + BATCH).min(applications))
            .map(|n| (format!("visit-{n}"), synthetic_visit(n)))
            .collect();
        let began = Instant::now();
        let results: Vec<_> = batch
            .iter()
            .enumerate()
            .map(|(i, (id, visit))| {
                let subject = subject::build(&Inputs {
                    visit: Some((id.as_str(), visit)),
                    registry: None,
                    cleanup_state: Some("active_standard"),
                    history: if i.is_multiple_of(3) { &history } else { &[] },
                    events: if (start + i).is_multiple_of(501) {
                        &accident
                    } else {
                        &[]
                    },
                    falsification_barred: false,
                    year: 2026,
                    as_of,
                });
                score(model, &subject, manual)
            })
            .collect();
        timed += began.elapsed();
        for result in &results {
            let key = result
                .star
                .map_or_else(|| "none".to_owned(), |s| format!("{s}★"));
            *stars.entry(key).or_default() += 1;
            vetoed += usize::from(!result.vetoes.is_empty());
        }
    }
    (timed, stars, vetoed)
}
