//! Reads N cooperative documents (`--documents`, default 100,000) through a release `hezuo serve` with its default
//! document cache budget, as a phone syncing a whole province once would, and prints the server's resident memory
//! every 10,000 documents, then again after reading the first 10,000 a second time. Each document holds a profile and
//! a visit, stored as the server stores them; one phone of an admin asks for them over HTTP batch sync, `--per-request`
//! (500) at a time, each as a phone holding only the document's genesis.
//!
//! `cargo build --release -p hezuo-server && cargo run --release -p hezuo-tests --bin bench-documents
//! [-- --documents 100000] [--per-request 500]`

use std::time::Instant;

use automerge::sync::State;
use diesel::prelude::*;
use hezuo_mobile_api::client::ApiClient;
use hezuo_mobile_api::sync::{DocEntry, SYNC_PROTOCOL, SyncRequest};
use hezuo_mobile_api::users::Role;
use hezuo_server::db::schema::{cooperatives, documents};
use hezuo_server::demo::{self, DemoLogin};
use hezuo_server::import;
use hezuo_server::models::Who;
use hezuo_sync::document;
use hezuo_sync::engine;
use hezuo_tests::bench::{cpu_seconds, phone_for, rss_kib, small_document};
use hezuo_tests::{PASSWORD, SeededDatabase, ServerProcess, count_arg};
use uuid::Uuid;

/// Rows written to the database per transaction while seeding.
const SEED_BATCH: usize = 500;

/// The stored form of a cooperative's document after one visit: genesis, profile, visit.
fn stored_document(id: Uuid, n: usize) -> (String, Vec<u8>) {
    let doc = small_document(id, n, 1);
    let heads = hezuo_server::documents::store::encode_heads(&doc.get_heads());
    (heads, document::save(&doc))
}

/// Stores a document for every cooperative, a transaction per [`SEED_BATCH`] rows.
fn seed_documents(database: &SeededDatabase, ids: &[Uuid]) {
    let mut conn = database.pool.get().expect("connection");
    let at = chrono::Utc::now().naive_utc();
    for (batch, chunk) in ids.chunks(SEED_BATCH).enumerate() {
        conn.transaction(|conn| {
            for (i, id) in chunk.iter().enumerate() {
                let (heads, snapshot) = stored_document(*id, batch * SEED_BATCH + i);
                diesel::insert_into(documents::table)
                    .values((
                        documents::cooperative_id.eq(id.to_string()),
                        documents::heads.eq(heads),
                        documents::version.eq(1_i64),
                        documents::snapshot_bytes.eq(snapshot.len() as i64),
                        documents::snapshot.eq(Some(snapshot)),
                        documents::chunk_bytes.eq(0_i64),
                        documents::created_at.eq(at),
                        documents::updated_at.eq(at),
                    ))
                    .execute(conn)?;
            }
            diesel::QueryResult::Ok(())
        })
        .expect("documents");
    }
}

/// A batch sync request asking for `ids` as a phone holding only their genesis would.
fn request_for(ids: &[Uuid]) -> SyncRequest {
    SyncRequest {
        protocol: SYNC_PROTOCOL,
        docs: ids
            .iter()
            .map(|id| DocEntry {
                id: id.as_bytes().to_vec(),
                heads_digest: None,
                message: engine::generate(&document::genesis(*id), &mut State::new()),
            })
            .collect(),
        summary: None,
    }
}

fn main() {
    let wanted = count_arg("--documents", 100_000);
    let per_request = count_arg("--per-request", 500);
    let backend = hezuo_tests::bench::backend();
    let database = SeededDatabase::create(|config| config.database_pool_size = 8);
    let seeding = Instant::now();
    let ids: Vec<Uuid> = {
        let mut conn = database.pool.get().expect("connection");
        import::cooperatives::apply(
            &mut conn,
            demo::cooperatives(wanted),
            &Who::system(),
            &mut |_, _| {},
        )
        .expect("cooperatives");
        let hash = database.passwords.hash(PASSWORD).expect("hash");
        let login = DemoLogin {
            username: "bench.documents".to_owned(),
            display_name: "压测管理员".to_owned(),
            role: Role::Admin,
            region_codes: Vec::new(),
        };
        demo::create_logins(&mut conn, &[login], &hash).expect("admin");
        cooperatives::table
            .select(cooperatives::id)
            .load::<String>(&mut conn)
            .expect("ids")
            .iter()
            .filter_map(|id| Uuid::parse_str(id).ok())
            .collect()
    };
    seed_documents(&database, &ids);
    println!(
        "hezuo document-read benchmark — backend {backend}, release server, default cache budget; {} cooperatives with a stored document each (seeded in {:.0} s), read {per_request} per request by one phone",
        ids.len(),
        seeding.elapsed().as_secs_f64()
    );

    let server = ServerProcess::start(&database);
    let pid = server.pid().expect("pid");
    let (phone, _dir) = phone_for(&server.address, "bench.documents");
    let token = phone.session().expect("session").access_token.clone();
    let mut client = ApiClient::new(&server.address);
    client.set_token(token);

    let report = |read: usize, started: &Instant, cpu_before: f64| {
        println!(
            "{read:>7} documents read  {:>6.1} s  server CPU {:>6.1} s  server RSS {:>6.1} MiB",
            started.elapsed().as_secs_f64(),
            cpu_seconds(pid).unwrap_or(0.0) - cpu_before,
            rss_kib(pid).unwrap_or(0) as f64 / 1024.0
        );
    };
    println!(
        "      0 documents read  server RSS {:>6.1} MiB",
        rss_kib(pid).unwrap_or(0) as f64 / 1024.0
    );
    let cpu_before = cpu_seconds(pid).unwrap_or(0.0);
    let started = Instant::now();
    let mut read = 0;
    for chunk in ids.chunks(per_request) {
        let reply = client.sync_batch(&request_for(chunk)).expect("sync");
        let answered = reply
            .docs
            .iter()
            .filter(|doc| doc.error.is_none() && doc.message.is_some())
            .count();
        assert_eq!(answered, chunk.len(), "every document is sent");
        let before = read;
        read += chunk.len();
        if read / 10_000 != before / 10_000 || read == ids.len() {
            report(read, &started, cpu_before);
        }
    }
    let again = ids.len().min(10_000);
    for chunk in ids[..again].chunks(per_request) {
        client.sync_batch(&request_for(chunk)).expect("sync");
    }
    print!("again the first {again}: ");
    report(read + again, &started, cpu_before);
    println!(
        "server CPU per document read: {:.2} ms",
        (cpu_seconds(pid).unwrap_or(0.0) - cpu_before) * 1000.0 / (read + again) as f64
    );
}
