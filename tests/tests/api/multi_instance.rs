//! Two server processes on one database: phones connected to either converge. (On PostgreSQL when
//! `HEZUO_TEST_POSTGRES_URL` is set; otherwise two processes share one SQLite file.)

use diesel::prelude::*;
use hezuo_sync::model::{Visit, VisitMeta, VisitType};
use hezuo_tests::{Fixture, Persona, SeededDatabase, ServerProcess};

fn visit(note: &str) -> Visit {
    Visit {
        notes: Some(note.to_owned()),
        meta: Some(VisitMeta {
            visit_type: Some(VisitType::Baseline),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn phones_on_different_instances_converge() {
    let database = SeededDatabase::create(|_| {});
    let first = ServerProcess::start(&database);
    let second = ServerProcess::start(&database);
    let cooperative = database.cooperative_id(Fixture::HaishuFruit);
    let mut on_first = first.phone(Persona::CounsellorHaishu);
    let mut on_second = second.phone(Persona::CounsellorHaishu);
    on_first.pull().expect("pull");
    on_second.pull().expect("pull");

    // The first instance caches the document now; the second changes it behind its back.
    on_first
        .new_visit(cooperative, visit("经一号实例"))
        .expect("visit");
    on_first.sync().expect("sync");
    on_second
        .new_visit(cooperative, visit("经二号实例"))
        .expect("visit");
    on_second
        .edit_profile(cooperative, |p| p.member_count = Some(77))
        .expect("edit");
    on_second.sync().expect("sync");

    // Each phone hears the other's work through its own instance.
    on_first.sync().expect("sync");
    on_second.sync().expect("sync");
    let seen_by_first = on_first.document(cooperative).expect("document");
    let seen_by_second = on_second.document(cooperative).expect("document");
    assert_eq!(seen_by_first, seen_by_second);
    assert_eq!(seen_by_first.visits.len(), 2);
    assert_eq!(seen_by_first.profile.member_count, Some(77));

    use hezuo_server::db::schema::visits;
    let rows: i64 = visits::table
        .filter(visits::cooperative_id.eq(cooperative.to_string()))
        .count()
        .get_result(&mut database.pool.get().expect("connection"))
        .expect("count");
    assert_eq!(rows, 2);
}

#[test]
fn concurrent_writes_through_both_instances_lose_nothing() {
    let database = SeededDatabase::create(|_| {});
    let first = ServerProcess::start(&database);
    let second = ServerProcess::start(&database);
    let cooperative = database.cooperative_id(Fixture::HaishuRice);
    let workers: Vec<_> = [&first, &second, &first, &second]
        .into_iter()
        .enumerate()
        .map(|(index, server)| {
            let mut phone = server.phone(Persona::CounsellorHaishu);
            phone.pull().expect("pull");
            std::thread::spawn(move || {
                for n in 0..5 {
                    phone
                        .new_visit(cooperative, visit(&format!("{index}-{n}")))
                        .expect("visit");
                    let report = phone.sync().expect("sync through a busy document");
                    // Contention may ask a phone to come back later, never refuse it.
                    for status in report.problems.values() {
                        assert!(
                            matches!(status, hezuo_mobile_api::client::DocStatus::Error { .. }),
                            "{status:?}"
                        );
                    }
                }
                phone
            })
        })
        .collect();
    let mut phones: Vec<_> = workers
        .into_iter()
        .map(|w| w.join().expect("worker"))
        .collect();
    // Two passes: the first brings every phone's last changes up, the second brings everyone's down.
    for _ in 0..2 {
        for phone in &mut phones {
            phone.sync().expect("final sync");
        }
    }
    let expected = phones[0].document(cooperative).expect("document");
    assert_eq!(
        expected.visits.len(),
        20,
        "every visit written through either instance is kept"
    );
    for phone in &phones {
        assert_eq!(phone.document(cooperative).expect("document"), expected);
    }
}
