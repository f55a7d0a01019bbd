//! Touches N cooperative documents (`--documents`, default 100,000) through the server's document cache with its
//! default budget (128 MiB, `--budget-mb`), as a server reading every cooperative of a province in turn would, and
//! prints the process's resident memory every 10,000 documents, the cache's own count, and what one document holds in
//! memory against its saved size. Each document is a real one: the genesis, a profile and two visits, saved and loaded
//! again as the server loads it from the database.
//!
//! With `--estimate`, the cache is charged the old estimate (eight times the saved size) instead of what each
//! document was measured to hold, to show what that budget really allowed.
//!
//! `cargo run --release -p hezuo-tests --bin bench-cache [-- --documents 100000] [--estimate]`

use std::sync::Arc;
use std::time::Instant;

use automerge::Automerge;
use hezuo_server::documents::cache::DocCache;
use hezuo_server::heap::retained_by;
use hezuo_tests::bench::small_document;
use hezuo_tests::count_arg;
use uuid::Uuid;

/// A cooperative's document as the server stores it after a visit or two.
fn saved_document(n: usize) -> Vec<u8> {
    let id = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 + n as u128);
    small_document(id, n, 2).save()
}

fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn main() {
    let documents = count_arg("--documents", 100_000);
    let budget_mb = count_arg("--budget-mb", 128);
    let estimate = std::env::args().any(|a| a == "--estimate");
    let cache = DocCache::new(budget_mb * 1024 * 1024);
    // A handful of distinct documents, loaded afresh for each id as the server loads from the database.
    let samples: Vec<Vec<u8>> = (0..16).map(saved_document).collect();
    println!(
        "{documents} documents through a {budget_mb} MiB cache, charged {}",
        if estimate {
            "the old estimate (8 × saved size)"
        } else {
            "what each document holds"
        }
    );
    println!("documents  resident MiB  cached  cache's count MiB");
    let started_at = resident_mib();
    let started = Instant::now();
    let mut measured = Vec::new();
    for n in 0..documents {
        let saved = &samples[n % samples.len()];
        let (doc, cost) = retained_by(|| Arc::new(Automerge::load(saved).unwrap_or_default()));
        if n < 1_000 {
            measured.push((cost, saved.len()));
        }
        let charged = if estimate { saved.len() * 8 } else { cost };
        let id = Uuid::from_u128(n as u128 + 1);
        cache.put(id, 1, doc, saved.len(), charged);
        if (n + 1) % 10_000 == 0 || n + 1 == documents {
            let usage = cache.usage();
            let (held, used) = (usage.documents, usage.bytes);
            println!(
                "{:>9}  {:>12.0}  {held:>6}  {:>17.0}",
                n + 1,
                resident_mib(),
                used as f64 / (1024.0 * 1024.0)
            );
        }
    }
    measured.sort_unstable();
    let (cost, saved) = measured[measured.len() / 2];
    println!(
        "one document: saved {saved} bytes, holds {cost} bytes in memory ({:.0} ×); resident {:.0} MiB at start, \
         {:.0} MiB at the end; {:.1} s",
        cost as f64 / saved as f64,
        started_at,
        resident_mib(),
        started.elapsed().as_secs_f64()
    );
}
