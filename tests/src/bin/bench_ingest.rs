//! `cargo build --release -p hezuo-server && cargo run --release -p hezuo-tests --bin bench-ingest
//! [-- --phones 100] [--visits 10] [--rounds 3] [--restart-every N]`
//!
//! Ingest: how many submitted visits a release `hezuo serve` process (SQLite, or PostgreSQL when
//! `HEZUO_TEST_POSTGRES_URL` is set; two workers, pinned to two cores where the machine has more) takes in per
//! second. Each round, every phone (one counsellor of a township of the city each) records `--visits` visits offline at
//! cooperatives of its township and submits them, so each enters review when it reaches the server; then all the
//! phones sync at once. Printed per round: the time until every visit is stored, visits per second, and the server's
//! CPU time per visit, with what that CPU cost allows on two cores, and its resident memory after the round (with many
//! `--rounds`, a soak of the write path). Target: ≥ 500 visits/s, ≤ 4 ms of CPU per visit.
//!
//! With `--restart-every N` the server is killed and started again after every N rounds, on the same database. A cost
//! that grows with what the process has been through falls back after a restart; one that follows the size of the
//! documents and tables does not (the round right after a restart also reads its documents from storage again).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use hezuo_mobile_api::users::Role;
use hezuo_server::db::schema::{visit_reviews, visits};
use hezuo_server::demo::{self, DemoLogin};
use hezuo_server::import;
use hezuo_server::models::Who;
use hezuo_tests::bench::{
    all_synced, cpu_seconds, held_documents, percentile, phone_for, realistic_visit, rss_kib,
};
use hezuo_tests::{PASSWORD, SeededDatabase, ServerProcess, count_arg};

const CITY_COOPERATIVES: usize = 2400;

/// Pins every thread of the process to the first two cores, when the machine has more.
fn pin_to_two_cores(pid: u32) -> &'static str {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores <= 2 {
        return "the machine's two cores";
    }
    let pinned = std::process::Command::new("taskset")
        .args(["-a", "-pc", "0,1", &pid.to_string()])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if pinned {
        "cores 0-1 (taskset)"
    } else {
        "all cores (taskset failed)"
    }
}

fn count(database: &SeededDatabase) -> (i64, i64) {
    let mut conn = database.pool.get().expect("connection");
    let stored = visits::table
        .count()
        .get_result::<i64>(&mut conn)
        .expect("visits");
    let in_review = visit_reviews::table
        .count()
        .get_result::<i64>(&mut conn)
        .expect("reviews");
    (stored, in_review)
}

fn main() {
    let phones = count_arg("--phones", 100);
    let visits_each = count_arg("--visits", 10);
    let rounds = count_arg("--rounds", 3);
    let restart_every = count_arg("--restart-every", 0);
    let backend = hezuo_tests::bench::backend();

    let database = SeededDatabase::create(|config| config.database_pool_size = 8);
    let townships = {
        let mut conn = database.pool.get().expect("connection");
        let city = demo::cooperatives(CITY_COOPERATIVES);
        let townships: Vec<String> = city
            .iter()
            .filter_map(|input| input.region_code.as_ref())
            .map(|r| r.as_str()[..9].to_owned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        import::cooperatives::apply(&mut conn, city, &Who::system(), &mut |_, _| {})
            .expect("cooperatives");
        let hash = database.passwords.hash(PASSWORD).expect("hash");
        let logins: Vec<DemoLogin> = (0..phones)
            .map(|i| DemoLogin {
                username: format!("bench.ingest.{i}"),
                display_name: format!("压测辅导员{i}"),
                role: Role::Counsellor,
                region_codes: vec![townships[i % townships.len()].clone()],
            })
            .collect();
        demo::create_logins(&mut conn, &logins, &hash).expect("counsellors");
        townships
    };
    let mut server = ServerProcess::start(&database);
    let mut pid = server.pid().expect("pid");
    let pinned = pin_to_two_cores(pid);
    println!(
        "hezuo ingest benchmark — backend {backend}, release server with 2 workers on {pinned}; {phones} phones over {} townships, {visits_each} submitted visits each per round, review tracking on",
        townships.len()
    );

    // Every phone holds its township's documents before going offline.
    hezuo_mobile_api::client::simulate_many_phones_without_fsync();
    let prepared = Mutex::new(Vec::with_capacity(phones));
    std::thread::scope(|scope| {
        for worker in 0..4 {
            let (prepared, address) = (&prepared, server.address.clone());
            scope.spawn(move || {
                for i in (worker..phones).step_by(4) {
                    let (mut phone, dir) = phone_for(&address, &format!("bench.ingest.{i}"));
                    phone.pull().expect("pull");
                    for _ in 0..3 {
                        phone.sync().expect("download before going offline");
                    }
                    if let Ok(mut list) = prepared.lock() {
                        list.push((phone, dir));
                    }
                }
            });
        }
    });
    let mut fleet = prepared.into_inner().unwrap_or_default();

    let mut rates = Vec::new();
    let mut costs = Vec::new();
    for round in 0..rounds {
        let restarted = restart_every > 0 && round > 0 && round % restart_every == 0;
        if restarted {
            server.kill();
            server.restart();
            pid = server.pid().expect("pid");
            pin_to_two_cores(pid);
        }
        std::thread::scope(|scope| {
            for (index, chunk) in fleet.chunks_mut(phones.div_ceil(4).max(1)).enumerate() {
                scope.spawn(move || {
                    for (offset, (phone, _)) in chunk.iter_mut().enumerate() {
                        let ids = held_documents(phone);
                        for v in 0..visits_each {
                            let at = ids[(round * visits_each + v + index + offset) % ids.len()];
                            let visit = phone.new_visit(at, realistic_visit(v)).expect("visit");
                            phone.submit_visit(at, visit).expect("submit");
                        }
                    }
                });
            }
        });
        let (stored_before, _) = count(&database);
        let expected = (phones * visits_each) as i64;
        let cpu_before = cpu_seconds(pid).unwrap_or(0.0);
        let started = Instant::now();
        std::thread::scope(|scope| {
            for (phone, _) in &mut fleet {
                scope.spawn(move || {
                    let mut backoff = Duration::from_millis(200);
                    while !(phone.sync().is_ok() && all_synced(phone)) {
                        std::thread::sleep(backoff);
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                    }
                });
            }
        });
        let elapsed = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds(pid).unwrap_or(0.0) - cpu_before;
        let (stored, in_review) = count(&database);
        let arrived = stored - stored_before;
        assert_eq!(arrived, expected, "every visit stored once");
        let rate = arrived as f64 / elapsed;
        let cost_ms = cpu * 1000.0 / arrived as f64;
        println!(
            "round {}{}: {arrived} visits from {phones} phones at once stored in {elapsed:.2} s = {rate:.0} visits/s; server CPU {cpu:.2} s = {cost_ms:.2} ms per visit, so 2 cores allow {:.0} visits/s; {in_review} visits in review; server RSS {:.1} MiB",
            round + 1,
            if restarted {
                " (server just restarted)"
            } else {
                ""
            },
            2000.0 / cost_ms,
            rss_kib(pid).unwrap_or(0) as f64 / 1024.0,
        );
        rates.push(rate);
        costs.push(cost_ms);
    }
    let cost = percentile(&mut costs, 0.5);
    println!(
        "median of {rounds} rounds: {:.0} visits/s measured (phones and server share this machine), {cost:.2} ms of server CPU per visit = {:.0} visits/s on 2 cores   [target ≥ 500 visits/s, ≤ 4 ms per visit]",
        percentile(&mut rates, 0.5),
        2000.0 / cost,
    );
}
