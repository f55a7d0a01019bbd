//! `cargo build --release -p hezuo-server && cargo run --release -p hezuo-tests --bin bench-photos [-- --photos N]`
//!
//! Photo uploads over an emulated weak link (256 kbit/s each way, 600 ms round trip, small handset socket buffers),
//! cut three times, against a release `hezuo serve` process (SQLite, or PostgreSQL when `HEZUO_TEST_POSTGRES_URL` is
//! set). N phone photos (default 20, about 4 MB camera originals) are shrunk by the SDK and uploaded:
//!
//! 1. by the SDK (tus, resuming each photo where the link dropped it);
//! 2. by a naive client that starts a photo over from its first byte after a drop (another set of photos of the same
//!    kind, so the server has none of them yet).
//!
//! For each it prints the photo bytes, the time that many bytes take at the link's bandwidth, the time taken and the
//! ratio of the two, the bytes the phone sent, and the bytes sent again per cut.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hezuo_mobile_api::client::{ApiClient, Phone, PhotoOptions};
use hezuo_sync::model::{Day, Visit, VisitMeta, VisitType};
use hezuo_tests::{
    Fixture, PASSWORD, Persona, SeededDatabase, ServerProcess, WeakLink, count_arg, phone_info,
};

const BITS_PER_SECOND: u64 = 256_000;
const RTT: Duration = Duration::from_millis(600);
const CUTS: u32 = 3;

/// A 12-megapixel "camera original" with smooth regions, edges and sensor grain, at the quality phones save.
fn camera_original(seed: u32) -> Vec<u8> {
    let (width, height) = (4000u32, 3000u32);
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let grain =
            (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503) ^ seed.wrapping_mul(97))
                .rotate_left(11);
        let block = ((x / 160 + y / 120 + seed) % 5) as u8 * 30;
        image::Rgb([
            ((x * 255 / width) as u8).wrapping_add(block) ^ (grain & 0x0f) as u8,
            ((y * 255 / height) as u8).wrapping_add(block / 2) ^ ((grain >> 8) & 0x0f) as u8,
            (((x + y) / 40) as u8).wrapping_add(seed as u8) ^ ((grain >> 16) & 0x0f) as u8,
        ])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out, 90,
        ))
        .expect("encode");
    out
}

fn originals(dir: &Path, count: usize, first_seed: u32) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            let path = dir.join(format!("IMG_{first_seed}_{i:04}.jpg"));
            std::fs::write(&path, camera_original(first_seed + i as u32)).expect("write original");
            path
        })
        .collect()
}

struct Run {
    photo_bytes: u64,
    elapsed: Duration,
    /// Photo bytes the client handed to its socket (some never left the phone before a drop).
    sent: u64,
    /// Bytes that went over the air towards the server, HTTP requests and headers included.
    on_air: u64,
}

impl Run {
    fn print(&self, label: &str) {
        let ideal = self.photo_bytes as f64 * 8.0 / BITS_PER_SECOND as f64;
        let resent = self.sent.saturating_sub(self.photo_bytes);
        println!("{label}");
        println!("  photo bytes                 {:>10}", self.photo_bytes);
        println!("  bytes / bandwidth           {ideal:>10.1} s");
        println!(
            "  total time                  {:>10.1} s",
            self.elapsed.as_secs_f64()
        );
        println!(
            "  ratio                       {:>10.3}×",
            self.elapsed.as_secs_f64() / ideal
        );
        let again_on_air = self.on_air.saturating_sub(self.photo_bytes);
        println!("  photo bytes into the socket {:>10}", self.sent);
        println!(
            "    of which again            {resent:>10} ({:.1} KiB per cut)",
            resent as f64 / 1024.0 / f64::from(CUTS)
        );
        println!("  bytes over the air          {:>10}", self.on_air);
        println!(
            "    beyond the photos         {again_on_air:>10} ({:.1} KiB per cut, requests and headers included; \
             server piece 64 KiB)",
            again_on_air as f64 / 1024.0 / f64::from(CUTS)
        );
    }
}

fn main() {
    let count = count_arg("--photos", 20);
    let database = SeededDatabase::create(|config| config.access_token_ttl_secs = 3 * 3600);
    let rice = database.cooperative_id(Fixture::HaishuRice);
    let server = ServerProcess::start(&database);
    let link = WeakLink::start(&server.address.replace("http://", ""), BITS_PER_SECOND, RTT);
    let work = tempfile::tempdir().expect("dir");

    let mut phone = Phone::open(work.path().join("phone"), phone_info()).expect("phone");
    phone
        .login(
            &link.address,
            Persona::CounsellorHaishu.username(),
            PASSWORD,
        )
        .expect("login");
    phone.pull().expect("pull");

    println!("generating {} camera originals of 4000×3000 ...", count * 2);
    let set_a = originals(work.path(), count, 1);
    let set_b = originals(work.path(), count, 1000);
    let original_bytes: u64 = set_a
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();

    let visit = |phone: &mut Phone| {
        phone
            .new_visit(
                rice,
                Visit {
                    meta: Some(VisitMeta {
                        visit_date: Day::parse("2026-11-20"),
                        visit_type: Some(VisitType::Routine),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            )
            .expect("visit")
    };
    let visit_a = visit(&mut phone);
    let shrinking = Instant::now();
    phone
        .attach_photos(rice, visit_a, &set_a, None, PhotoOptions::default())
        .expect("attach A");
    let shrink_ms = shrinking.elapsed().as_secs_f64() * 1000.0 / count as f64;
    phone.sync().expect("the visit syncs before any photo");
    let bytes_a: u64 = phone
        .photo_queue()
        .expect("queue")
        .iter()
        .map(|q| q.bytes)
        .sum();
    println!(
        "photos: {count} per run; originals {:.2} MB on average, shrunk to {:.0} KB (long edge 1600 px, JPEG quality \
         80) in {shrink_ms:.0} ms each",
        original_bytes as f64 / count as f64 / 1e6,
        bytes_a as f64 / count as f64 / 1e3,
    );
    println!(
        "link: {} kbit/s each way, {} ms round trip, cut {CUTS} times per run\n",
        BITS_PER_SECOND / 1000,
        RTT.as_millis()
    );

    // 1. The SDK.
    let ideal_a = Duration::from_secs_f64(bytes_a as f64 * 8.0 / BITS_PER_SECOND as f64);
    let air_before = link.sent_up();
    let started = Instant::now();
    let sdk = std::thread::scope(|scope| {
        let cutter = scope.spawn(|| {
            for n in 1..=CUTS {
                let at = ideal_a.mul_f64(f64::from(n) / f64::from(CUTS + 1));
                std::thread::sleep(at.saturating_sub(started.elapsed()));
                link.cut();
            }
        });
        let mut sent = 0;
        loop {
            let report = phone.upload_photos().expect("upload round");
            sent += report.bytes_sent;
            for (hash, why) in &report.failed {
                println!(
                    "  {:>6.1} s  {} interrupted: {why}",
                    started.elapsed().as_secs_f64(),
                    &hash[..8]
                );
            }
            if report.remaining == 0 {
                break;
            }
            let next = phone
                .photo_queue()
                .expect("queue")
                .iter()
                .filter_map(|p| p.retry_at_ms)
                .min()
                .unwrap_or(0);
            let wait = (next - chrono::Utc::now().timestamp_millis()).clamp(50, 300_000);
            std::thread::sleep(Duration::from_millis(wait as u64));
        }
        let elapsed = started.elapsed();
        let _ = cutter.join();
        Run {
            photo_bytes: bytes_a,
            elapsed,
            sent,
            on_air: link.sent_up() - air_before,
        }
    });
    sdk.print("resumable upload (SDK, tus)");

    // 2. The naive client: the same protocol, but a drop means starting the photo over. Its photos are named by a
    // visit of their own (synced first) and taken out of the SDK's queue.
    let visit_b = visit(&mut phone);
    let set_b_hashes = phone
        .attach_photos(rice, visit_b, &set_b, None, PhotoOptions::default())
        .expect("attach B");
    phone.sync().expect("the visit syncs");
    let bytes_b: u64 = phone
        .photo_queue()
        .expect("queue")
        .iter()
        .map(|q| q.bytes)
        .sum();
    let token = phone
        .session()
        .and_then(|s| s.access_token.clone())
        .expect("token");
    let mut client = ApiClient::new(&link.address);
    client.set_token(Some(token));
    let photos_b: Vec<(String, Vec<u8>)> = set_b_hashes
        .iter()
        .map(|hash| {
            let bytes = std::fs::read(work.path().join("phone/photos").join(format!("{hash}.jpg")))
                .expect("shrunk photo");
            (hash.clone(), bytes)
        })
        .collect();
    let ideal_b = Duration::from_secs_f64(bytes_b as f64 * 8.0 / BITS_PER_SECOND as f64);
    let air_before = link.sent_up();
    let started = Instant::now();
    let naive = std::thread::scope(|scope| {
        let cutter = scope.spawn(|| {
            for n in 1..=CUTS {
                let at = ideal_b.mul_f64(f64::from(n) / f64::from(CUTS + 1));
                std::thread::sleep(at.saturating_sub(started.elapsed()));
                link.cut();
            }
        });
        let sent = Cell::new(0u64);
        for (hash, bytes) in &photos_b {
            let mut abandoned: Option<String> = None;
            loop {
                if let Some(location) = abandoned.take()
                    && client.terminate_upload(&location).is_err()
                {
                    abandoned = Some(location);
                    std::thread::sleep(Duration::from_millis(500));
                    continue;
                }
                let Ok(created) = client.create_upload(hash, bytes.len() as u64, "naive.jpg")
                else {
                    std::thread::sleep(Duration::from_millis(500));
                    continue;
                };
                if created.is_complete() {
                    break;
                }
                let mut body = Counting {
                    inner: &bytes[..],
                    read: &sent,
                };
                match client.append_upload(&created.location, 0, &mut body, bytes.len() as u64) {
                    Ok(_) => break,
                    Err(_) => {
                        abandoned = Some(created.location);
                        std::thread::sleep(Duration::from_millis(500));
                    }
                }
            }
        }
        let elapsed = started.elapsed();
        let _ = cutter.join();
        Run {
            photo_bytes: bytes_b,
            elapsed,
            sent: sent.get(),
            on_air: link.sent_up() - air_before,
        }
    });
    naive.print("naive upload (starts a photo over after a drop)");
    drop(server);
}

struct Counting<'a> {
    inner: &'a [u8],
    read: &'a Cell<u64>,
}

impl std::io::Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = std::io::Read::read(&mut self.inner, buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}
