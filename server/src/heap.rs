//! What the heap really holds for a value. The process's allocator counts, per thread, the bytes and blocks allocated
//! and freed (`alloc-metrics`), so code can measure what building a value left behind: the document cache's budget is
//! this measure, not a guess from the saved size. The count costs a thread-local addition per allocation.

use alloc_metrics::{MetricAlloc, thread_metrics};

/// mimalloc rather than glibc's malloc: glibc gives each thread that allocates its own arena and keeps what was freed
/// in it, so a burst of WebSocket readers (each reply a transient copy) left the process several MiB larger per
/// connection after the burst; mimalloc reuses and returns freed pages.
#[global_allocator]
static ALLOCATOR: MetricAlloc<mimalloc::MiMalloc> = MetricAlloc::new(mimalloc::MiMalloc);

/// What the allocator itself spends per block, on average: rounding up to its size class.
const OVERHEAD_PER_BLOCK: usize = 16;

/// Runs `build` and answers what it returned with the heap bytes it left allocated on this thread (its blocks'
/// overhead included), which is what the value holds when `build` keeps nothing else.
pub fn retained_by<T>(build: impl FnOnce() -> T) -> (T, usize) {
    let before = thread_metrics();
    let value = build();
    let after = thread_metrics();
    let bytes = usize::try_from(after.allocated_bytes - before.allocated_bytes).unwrap_or(0);
    let blocks = usize::try_from(after.allocations - before.allocations).unwrap_or(0);
    (value, bytes + blocks * OVERHEAD_PER_BLOCK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_value_holds_is_counted_and_temporaries_are_not() {
        let (kept, held) = retained_by(|| {
            let scratch = vec![1u8; 1 << 20];
            drop(scratch);
            vec![7u8; 100_000]
        });
        assert_eq!(kept.len(), 100_000);
        assert!((100_000..100_100).contains(&held), "{held}");
        let (_, nothing) = retained_by(|| 5);
        assert_eq!(nothing, 0);
    }
}
