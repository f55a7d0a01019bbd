//! `cargo build --release -p hezuo-server && cargo run --release -p hezuo-tests --bin bench-sync [-- --phones N]`
//!
//! Sync over weak links, measured against a release `hezuo serve` process (SQLite, or PostgreSQL when
//! `HEZUO_TEST_POSTGRES_URL` is set) through a byte-counting proxy, and printed:
//!
//! 1. uploading 10 new visits: bytes on the wire and round trips (target ≤ 4 KB, ≤ 2 round trips);
//! 2. reconnecting with 300 unchanged documents: bytes and round trips (target 1 round trip, ≤ 12 KB);
//! 3. fan-in: N phones (default 200), one township each, each with a day of offline work, reconnecting at once: time
//!    until everything is on the server and until every phone is up to date, requests per second, sync latency
//!    p50/p99, the server's CPU time and peak memory. The simulated phones write their files without fsync (they
//!    share one disk here); the server keeps full durability.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hezuo_mobile_api::client::{Phone, RecordStatus, SyncReport};
use hezuo_mobile_api::users::Role;
use hezuo_server::demo::{self, DemoLogin};
use hezuo_server::import;
use hezuo_server::models::Who;
use hezuo_sync::model::OperatingStatus;
use hezuo_tests::bench::{
    all_synced, cpu_seconds, held_documents, percentile, phone_for, realistic_visit,
};
use hezuo_tests::{
    CountingProxy, PASSWORD, SeededDatabase, ServerProcess, count_arg, peak_rss_kib,
};
use uuid::Uuid;

/// The cooperatives of the village whose counsellor benchmarks 1 and 2 measure.
const DOCUMENTS: usize = 300;
const VILLAGE: &str = "330203101202";
const VILLAGE_DISTRICT: &str = "330203";
/// Cooperatives generated over the city for the fan-in (those of the benchmark village's district are left out).
const CITY_COOPERATIVES: usize = 2400;

fn main() {
    let phones = count_arg("--phones", 200);
    let backend = hezuo_tests::bench::backend();
    println!(
        "hezuo sync benchmark — backend {backend}, release server process, phones through a byte-counting proxy"
    );

    let database = SeededDatabase::create(|config| config.database_pool_size = 8);
    let townships = {
        let mut conn = database.pool.get().expect("connection");
        // 1 and 2: one village of 海曙 holding 300 cooperatives, and a counsellor of that village.
        let mut village = demo::cooperatives(DOCUMENTS);
        for input in &mut village {
            input.region_code = hezuo_mobile_api::RegionCode::parse(VILLAGE).ok();
        }
        // 3: the rest of the city, where the fan-in's counsellors each look after one township.
        let taken: std::collections::HashSet<String> = village
            .iter()
            .filter_map(|input| input.uscc.as_ref().map(|u| u.as_str().to_owned()))
            .collect();
        let city: Vec<_> = demo::cooperatives(CITY_COOPERATIVES)
            .into_iter()
            .filter(|input| {
                input
                    .uscc
                    .as_ref()
                    .is_some_and(|u| !taken.contains(u.as_str()))
                    && input
                        .region_code
                        .as_ref()
                        .is_some_and(|r| !r.as_str().starts_with(VILLAGE_DISTRICT))
            })
            .collect();
        let townships: std::collections::BTreeSet<String> = city
            .iter()
            .filter_map(|input| input.region_code.as_ref())
            .map(|r| r.as_str()[..9].to_owned())
            .collect();
        village.extend(city);
        import::cooperatives::apply(&mut conn, village, &Who::system(), &mut |_, _| {})
            .expect("cooperatives");
        let townships: Vec<String> = townships.into_iter().collect();
        let hash = database.passwords.hash(PASSWORD).expect("hash");
        let mut logins = vec![DemoLogin {
            username: "bench.village".to_owned(),
            display_name: "压测村辅导员".to_owned(),
            role: Role::Counsellor,
            region_codes: vec![VILLAGE.to_owned()],
        }];
        logins.extend((0..phones).map(|i| DemoLogin {
            username: format!("bench.counsellor.{i}"),
            display_name: format!("压测辅导员{i}"),
            role: Role::Counsellor,
            region_codes: vec![townships[i % townships.len()].clone()],
        }));
        demo::create_logins(&mut conn, &logins, &hash).expect("counsellors");
        townships
    };
    let server = ServerProcess::start(&database);
    let proxy = CountingProxy::start(server.address.trim_start_matches("http://"));

    // --- 1 and 2: one phone holding 300 documents -------------------------------------------------------------
    let (mut phone, _dir) = phone_for(&proxy.address, "bench.village");
    let pulled = phone.pull().expect("pull");
    let ids = held_documents(&phone);
    // Give every document a history, as a season of visits would.
    for id in &ids {
        phone
            .edit_profile(*id, |p| {
                p.operating_status = Some(OperatingStatus::Operating)
            })
            .expect("edit");
    }
    phone.sync().expect("initial sync");
    phone.sync().expect("settle");

    let mut drafts = Vec::new();
    for (index, id) in ids.iter().take(10).enumerate() {
        drafts.push((
            *id,
            phone.new_visit(*id, realistic_visit(index)).expect("visit"),
        ));
    }
    proxy.reset();
    let report = phone.sync().expect("upload");
    let (up, down) = proxy.bytes();
    println!(
        "1. upload 10 new visits ({} documents): {:>6} B up + {:>6} B down = {:.2} KB, {} round trip(s)   [target ≤ 4 KB, ≤ 2]",
        report.sent.len(),
        up,
        down,
        (up + down) as f64 / 1024.0,
        report.round_trips
    );
    assert!(
        phone
            .visits()
            .expect("visits")
            .iter()
            .all(|v| v.status == RecordStatus::Synced)
    );

    for (id, visit) in &drafts {
        phone.submit_visit(*id, *visit).expect("submit");
    }
    proxy.reset();
    let report = phone.sync().expect("submit");
    let (up, down) = proxy.bytes();
    println!(
        "1b. submit those 10 visits (the reply carries the server's review records): {:>6} B up + {:>6} B down = {:.2} KB, {} round trip(s)",
        up,
        down,
        (up + down) as f64 / 1024.0,
        report.round_trips
    );

    phone.sync().expect("settle");
    proxy.reset();
    let report = phone.sync().expect("reconnect");
    let (up, down) = proxy.bytes();
    println!(
        "2. reconnect holding {} unchanged documents: {:>6} B up + {:>6} B down = {:.2} KB, {} round trip(s)   [target 1, ≤ 12 KB]",
        pulled.documents,
        up,
        down,
        (up + down) as f64 / 1024.0,
        report.round_trips
    );

    // --- 3: fan-in ---------------------------------------------------------------------------------------------
    println!(
        "3. fan-in: preparing {phones} phones, one township each ({} townships): each syncs its documents, then works a day offline (5 submitted visits, 1 observation of a cooperative its township colleagues also visit)…",
        townships.len()
    );
    // The simulated phones share this machine's one disk; without this their fsyncs, not the server, would be measured.
    // The server keeps its full durability.
    hezuo_mobile_api::client::simulate_many_phones_without_fsync();
    let prepared = Mutex::new(Vec::with_capacity(phones));
    let held = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for worker in 0..4 {
            let prepared = &prepared;
            let held = &held;
            let township_count = townships.len();
            let address = server.address.clone();
            scope.spawn(move || {
                for i in (worker..phones).step_by(4) {
                    let (mut phone, dir) = phone_for(&address, &format!("bench.counsellor.{i}"));
                    phone.pull().expect("pull");
                    for _ in 0..3 {
                        phone.sync().expect("download before going offline");
                    }
                    let ids = held_documents(&phone);
                    held.fetch_add(ids.len(), Ordering::Relaxed);
                    // A day offline: visits at cooperatives of the township, and one observation of the cooperative
                    // every colleague of the township also observes (concurrent edits of one document).
                    let colleague = i / township_count;
                    for v in 0..5 {
                        let cooperative = ids[(colleague * 5 + v) % ids.len()];
                        let visit = phone
                            .new_visit(cooperative, realistic_visit(v))
                            .expect("visit");
                        // Submitted at the end of the day: each enters review when it reaches the server.
                        phone.submit_visit(cooperative, visit).expect("submit");
                    }
                    phone
                        .edit_profile(ids[0], |p| p.notes = Some(format!("辅导员{i}的观察")))
                        .expect("edit");
                    if let Ok(mut list) = prepared.lock() {
                        list.push((phone, dir));
                    }
                }
            });
        }
    });
    let mut fleet = prepared.into_inner().unwrap_or_default();
    let fleet_size = fleet.len();
    println!(
        "   each phone holds {:.0} documents on average",
        held.load(Ordering::Relaxed) as f64 / fleet_size.max(1) as f64
    );
    let rss_before = server.pid().and_then(peak_rss_kib);
    let cpu_before = server.pid().and_then(cpu_seconds);
    let latencies = Mutex::new(Vec::new());
    let round_trips = AtomicUsize::new(0);
    let uploaded = AtomicUsize::new(0);
    let all_uploaded_at = Mutex::new(None);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for (phone, _) in &mut fleet {
            let (latencies, round_trips, uploaded, all_uploaded_at) =
                (&latencies, &round_trips, &uploaded, &all_uploaded_at);
            scope.spawn(move || {
                let sync = |phone: &mut Phone| -> Option<SyncReport> {
                    let began = Instant::now();
                    let report = phone.sync().ok()?;
                    latencies.lock().map(|mut l| l.push(began.elapsed())).ok();
                    round_trips.fetch_add(report.round_trips, Ordering::Relaxed);
                    Some(report)
                };
                // Until its own day of work is on the server, retrying with backoff as the SDK's loop does.
                let mut backoff = Duration::from_millis(200);
                loop {
                    if sync(phone).is_some() && all_synced(phone) {
                        break;
                    }
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
                if uploaded.fetch_add(1, Ordering::SeqCst) + 1 == fleet_size {
                    all_uploaded_at
                        .lock()
                        .map(|mut at| *at = Some(started.elapsed()))
                        .ok();
                }
                // Then syncing every few seconds, as `hezuo-field sync --watch` does, until the colleagues' work is
                // all here too: everybody has uploaded and a sync after that brought nothing new.
                loop {
                    let everybody = uploaded.load(Ordering::SeqCst) == fleet_size;
                    if let Some(report) = sync(phone)
                        && everybody
                        && report.updated.is_empty()
                        && all_synced(phone)
                    {
                        return;
                    }
                    std::thread::sleep(Duration::from_secs(2));
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let uploaded_in = all_uploaded_at
        .into_inner()
        .ok()
        .flatten()
        .unwrap_or(elapsed);
    let server_cpu = server
        .pid()
        .and_then(cpu_seconds)
        .zip(cpu_before)
        .map(|(after, before)| after - before)
        .unwrap_or(0.0);
    let mut samples = latencies.into_inner().unwrap_or_default();
    let requests = round_trips.load(Ordering::Relaxed);
    // Converged means every phone holds exactly the server's version of every document it holds.
    let differing = {
        let mut conn = database.pool.get().expect("connection");
        fleet
            .iter()
            .map(|(phone, _)| {
                let held = phone.cooperatives().expect("index");
                let ids: Vec<String> = held.keys().map(Uuid::to_string).collect();
                let server_heads = hezuo_server::documents::store::heads_of(&mut conn, &ids)
                    .expect("server heads");
                held.iter()
                    .filter(|(id, info)| {
                        let mut on_server: Vec<String> = server_heads
                            .get(&id.to_string())
                            .map(|(heads, _)| heads.iter().map(|h| h.to_string()).collect())
                            .unwrap_or_default();
                        let mut on_phone = info.heads.clone();
                        on_server.sort();
                        on_phone.sort();
                        on_server != on_phone
                    })
                    .count()
            })
            .sum::<usize>()
    };
    let visits_on_server = {
        use diesel::prelude::*;
        hezuo_server::db::schema::visits::table
            .count()
            .get_result::<i64>(&mut database.pool.get().expect("connection"))
            .expect("count")
    };
    println!(
        "   {phones} phones reconnecting at once: all work on the server after {:.2} s, every phone up to date after {:.2} s ({} documents differ from the server's)",
        uploaded_in.as_secs_f64(),
        elapsed.as_secs_f64(),
        differing,
    );
    println!(
        "   {} sync requests ({:.0} req/s), sync latency p50 {:.0} ms, p99 {:.0} ms; server CPU {:.1} s over the fan-in",
        requests,
        requests as f64 / elapsed.as_secs_f64(),
        percentile(&mut samples, 0.5).as_secs_f64() * 1000.0,
        percentile(&mut samples, 0.99).as_secs_f64() * 1000.0,
        server_cpu,
    );
    println!(
        "   visits on the server: {visits_on_server} (expected {}); server peak RSS {} MiB (before the fan-in {} MiB)",
        phones * 5 + 10,
        server
            .pid()
            .and_then(peak_rss_kib)
            .map(|k| k / 1024)
            .unwrap_or(0),
        rss_before.map(|k| k / 1024).unwrap_or(0)
    );
}
