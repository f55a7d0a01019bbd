//! A server killed with SIGKILL in the middle of syncs keeps every change it acknowledged, and phones finish their
//! work after it restarts.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::prelude::*;
use hezuo_mobile_api::client::RecordStatus;
use hezuo_sync::model::{Visit, VisitMeta, VisitType};
use hezuo_tests::{Fixture, Persona, SeededDatabase, ServerProcess, TestPhone};
use uuid::Uuid;

const PHONES: usize = 4;

fn visit(n: usize) -> Visit {
    Visit {
        notes: Some(format!("第{n}次走访")),
        meta: Some(VisitMeta {
            visit_type: Some(VisitType::Routine),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Visits the phone knows the server has: marked synced after a sync the server answered.
fn acknowledged(phone: &TestPhone) -> BTreeSet<Uuid> {
    phone
        .visits()
        .expect("visits")
        .into_iter()
        .filter(|record| record.status == RecordStatus::Synced)
        .map(|record| record.id)
        .collect()
}

fn visits_on_server(database: &SeededDatabase) -> BTreeSet<Uuid> {
    use hezuo_server::db::schema::visits;
    visits::table
        .select(visits::id)
        .load::<String>(&mut database.pool.get().expect("connection"))
        .expect("visits")
        .into_iter()
        .filter_map(|id| Uuid::parse_str(&id).ok())
        .collect()
}

#[test]
fn a_server_killed_mid_sync_loses_nothing_it_acknowledged() {
    let database = SeededDatabase::create(|_| {});
    let mut server = ServerProcess::start(&database);
    let cooperatives = [
        database.cooperative_id(Fixture::HaishuFruit),
        database.cooperative_id(Fixture::HaishuRice),
    ];

    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..PHONES)
        .map(|index| {
            let mut phone = server.phone(Persona::CounsellorHaishu);
            phone.pull().expect("pull");
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut created = 0;
                while !stop.load(Ordering::SeqCst) {
                    phone
                        .new_visit(cooperatives[(index + created) % 2], visit(created))
                        .expect("saved on the phone");
                    created += 1;
                    if phone.sync().is_err() {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                (phone, created)
            })
        })
        .collect();

    std::thread::sleep(Duration::from_millis(1500));
    server.kill();
    stop.store(true, Ordering::SeqCst);
    let mut phones: Vec<(TestPhone, usize)> = workers
        .into_iter()
        .map(|w| w.join().expect("worker"))
        .collect();

    // With the server dead, the database must already hold everything a phone was told was received.
    let stored = visits_on_server(&database);
    let mut total_acknowledged = 0;
    for (phone, _) in &phones {
        let acked = acknowledged(phone);
        total_acknowledged += acked.len();
        let missing: Vec<_> = acked.difference(&stored).collect();
        assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    }
    assert!(
        total_acknowledged > 0,
        "the server acknowledged some visits before it was killed"
    );

    // After a restart every phone finishes, and everything written is on the server.
    server.restart();
    let mut written = 0;
    for (phone, created) in &mut phones {
        let mut attempts = 0;
        while phone
            .visits()
            .expect("visits")
            .iter()
            .any(|r| r.status != RecordStatus::Synced)
        {
            let _ = phone.sync();
            attempts += 1;
            assert!(attempts < 20, "the phone could not finish its sync");
        }
        written += *created;
    }
    assert_eq!(visits_on_server(&database).len(), written);
}
