//! Photos over weak links: a visit names its photos and syncs at once, the phone uploads them by tus whenever there
//! is a link and resumes where a dropped link stopped, the server checks, decodes (within limits) and serves them
//! without metadata, and flags evidence that looks reused or faked. Real JPEGs with real EXIF (`fixtures/photos`).

use std::path::PathBuf;

use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::client::{ApiClient, PhotoOptions};
use hezuo_mobile_api::cooperatives::{
    CoordinateSystem, RegisteredLocation, UpdateCooperativeRequest,
};
use hezuo_mobile_api::photos::{VisitPhotos, tus};
use hezuo_server::photos::geo::{Wgs84, to_gcj02};
use hezuo_sync::model::{Datum, Day, GeoPoint, PhotoHash, Visit, VisitMeta, VisitType};
use hezuo_sync::photo::{ExifFacts, sha256_hex};
use hezuo_tests::{CountingProxy, Fixture, Persona, TestApp, TestPhone};
use uuid::Uuid;

use crate::code_of;

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/photos")
        .join(name)
}

/// Where the 海曙 rice cooperative really is (WGS-84), and where its sign photo was taken.
const RICE_COOPERATIVE: Wgs84 = Wgs84 {
    lat: 29.8683,
    lon: 121.5440,
};

fn visit_on(day: &str, geo: Option<Wgs84>) -> Visit {
    Visit {
        meta: Some(VisitMeta {
            visit_date: Day::parse(day),
            visit_type: Some(VisitType::Routine),
            geo: geo.map(|p| GeoPoint {
                lat: Some(p.lat),
                lon: Some(p.lon),
                datum: Some(Datum::Wgs84),
                accuracy_m: Some(15.0),
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A counsellor's visit with these fixture photos attached, synced; the photos are queued, not uploaded.
fn visit_with_photos(
    phone: &mut TestPhone,
    cooperative: Uuid,
    visit: Visit,
    photos: &[&str],
) -> (Uuid, Vec<String>) {
    let visit_id = phone.new_visit(cooperative, visit).expect("new visit");
    let files: Vec<PathBuf> = photos.iter().map(|name| fixture(name)).collect();
    let hashes = phone
        .attach_photos(
            cooperative,
            visit_id,
            &files,
            Some("现场照片"),
            PhotoOptions::default(),
        )
        .expect("attach");
    phone.submit_visit(cooperative, visit_id).expect("submit");
    phone.sync().expect("sync");
    (visit_id, hashes)
}

/// Names photos in a visit by their hashes, as a client uploading unshrunk originals would, and syncs the visit.
pub(crate) fn name_photos(
    phone: &mut TestPhone,
    cooperative: Uuid,
    visit: Uuid,
    hashes: &[String],
) {
    phone
        .edit_visit(cooperative, visit, |v| {
            for hash in hashes {
                v.expected_photos
                    .push(PhotoHash::parse(hash).expect("hash"));
            }
        })
        .expect("name");
    phone.sync().expect("sync");
}

pub(crate) fn token_of(phone: &TestPhone) -> String {
    phone
        .session()
        .and_then(|s| s.access_token.clone())
        .expect("logged in")
}

/// A raw API client with the phone's token (device-bound), for speaking tus by hand.
pub(crate) fn raw_client(app: &TestApp, phone: &TestPhone) -> ApiClient {
    let mut client = app.anonymous();
    client.set_token(Some(token_of(phone)));
    client
}

fn photos_of(app: &TestApp, persona: Persona, visit: Uuid) -> VisitPhotos {
    app.client(persona)
        .visit_photos(visit)
        .expect("visit photos")
}

/// A camera-sized photo with detail everywhere (so it compresses like a real one), as JPEG.
pub fn camera_photo(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let noise = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503) ^ seed).rotate_left(7);
        image::Rgb([
            ((x / 7 + seed) % 256) as u8 ^ (noise & 0x3f) as u8,
            ((y / 5) % 256) as u8 ^ ((noise >> 8) & 0x3f) as u8,
            (((x + y) / 9) % 256) as u8 ^ ((noise >> 16) & 0x3f) as u8,
        ])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out, 92,
        ))
        .expect("encode");
    out
}

#[test]
fn a_visit_syncs_at_once_and_its_photos_arrive_later() {
    let app = TestApp::spawn();
    let rice = app.cooperative_id(Fixture::HaishuRice);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let (visit, hashes) = visit_with_photos(
        &mut phone,
        rice,
        visit_on("2026-11-20", Some(RICE_COOPERATIVE)),
        &["sign.jpg", "ledger-rotated.jpg"],
    );
    assert_eq!(phone.photo_queue().expect("queue").len(), 2);

    // The supervisor sees the visit with two photos expected, none arrived.
    let before = photos_of(&app, Persona::SupervisorHaishu, visit);
    assert_eq!((before.expected, before.received), (2, 0));
    assert!(
        before
            .photos
            .iter()
            .all(|p| !p.received && p.photo.is_none())
    );
    let sign = before
        .photos
        .iter()
        .find(|p| p.sha256 == hashes[0])
        .expect("sign listed");
    // The phone read the camera's EXIF before shrinking: 2026-11-20 10:15 +08:00, in Yinzhou.
    assert_eq!(
        sign.device_taken_at.map(|t| t.to_rfc3339()),
        Some("2026-11-20T02:15:00+00:00".to_owned())
    );
    let position = sign.device_position.expect("position");
    assert!((position.latitude - 29.8683).abs() < 1e-4);
    assert_eq!(sign.caption.as_deref(), Some("现场照片"));

    let report = phone.upload_photos().expect("upload");
    assert_eq!(report.completed.len(), 2);
    assert_eq!(report.remaining, 0);
    assert!(phone.photo_queue().expect("queue").is_empty());

    let after = photos_of(&app, Persona::SupervisorHaishu, visit);
    assert_eq!((after.expected, after.received), (2, 2));
    let ledger = after
        .photos
        .iter()
        .find(|p| p.sha256 == hashes[1])
        .and_then(|p| p.photo.clone())
        .expect("ledger arrived");
    // Turned upright on the phone: stored landscape with orientation 6, it arrives portrait.
    assert_eq!((ledger.width, ledger.height), (600, 800));
    assert!(
        after.photos.iter().all(|p| p.flags.is_empty()),
        "{after:#?}"
    );

    // Served without metadata, cacheable for good, and region-scoped.
    let supervisor = app.client(Persona::SupervisorHaishu);
    let small = supervisor
        .raw(ureq::http::Method::GET, &ledger.urls.small, &[], &[], None)
        .expect("thumbnail");
    assert_eq!(small.status, 200);
    assert_eq!(small.header("content-type"), Some("image/jpeg"));
    assert!(
        small
            .header("cache-control")
            .unwrap_or("")
            .contains("immutable")
    );
    let thumbnail = image::load_from_memory(&small.body).expect("a JPEG");
    assert_eq!((thumbnail.width(), thumbnail.height()), (240, 320));
    assert_eq!(ExifFacts::read(&small.body), ExifFacts::default());
    let etag = small.header("etag").expect("etag").to_owned();
    let again = supervisor
        .raw(
            ureq::http::Method::GET,
            &ledger.urls.small,
            &[],
            &[("If-None-Match", &etag)],
            None,
        )
        .expect("conditional");
    assert_eq!(again.status, 304);
    let stranger = app.client(Persona::SupervisorXiangshan);
    assert_eq!(code_of(stranger.visit_photos(visit)), ErrorCode::NotFound);
    let denied = stranger
        .raw(ureq::http::Method::GET, &ledger.urls.full, &[], &[], None)
        .expect("answer");
    assert_eq!(denied.status, 404);
}

#[test]
fn a_link_cut_mid_photo_resumes_where_it_stopped() {
    let app = TestApp::spawn();
    let rice = app.cooperative_id(Fixture::HaishuRice);
    let link = CountingProxy::start(&app.address.replace("http://", ""));
    let mut phone = app.new_phone();
    phone
        .login(
            &link.address,
            Persona::CounsellorHaishu.username(),
            hezuo_tests::PASSWORD,
        )
        .expect("login");
    phone.pull().expect("pull");
    let dir = tempfile::tempdir().expect("dir");
    let original = dir.path().join("base.jpg");
    std::fs::write(&original, camera_photo(2400, 1800, 7)).expect("write");
    let visit = phone
        .new_visit(rice, visit_on("2026-11-20", None))
        .expect("visit");
    let hashes = phone
        .attach_photos(rice, visit, &[original], None, PhotoOptions::default())
        .expect("attach");
    phone.sync().expect("sync");
    let length = phone.photo_queue().expect("queue")[0].bytes;
    assert!(length > 200_000, "a photo worth resuming: {length} bytes");

    // The link drops after about 80 % of the photo has crossed it (headers included).
    link.reset();
    let cut_at = length * 8 / 10;
    link.drop_after(Some(cut_at), None);
    let first = phone.upload_photos().expect("round runs");
    assert_eq!(first.completed.len(), 0);
    assert_eq!(first.failed.len(), 1, "{first:?}");
    link.drop_after(None, None);

    // The server kept what arrived (once it noticed the drop; the phone's first retry waits as long).
    std::thread::sleep(std::time::Duration::from_millis(700));
    let queued = phone.photo_queue().expect("queue")[0].clone();
    let url = queued.upload_url.clone().expect("the upload was created");
    let stored = raw_client(&app, &phone).upload_offset(&url).expect("HEAD");
    // What was lost is what was in flight: under two pieces of 64 KiB (the one being gathered, and socket buffers).
    assert!(
        stored.offset <= cut_at && cut_at - stored.offset < 2 * 64 * 1024,
        "resumes near the cut at {cut_at}: {} of {length}",
        stored.offset
    );

    // The app restarts; the queue remembers the upload, and the next round sends only the rest.
    let mut restarted =
        hezuo_mobile_api::client::Phone::open(phone.state_dir(), hezuo_tests::phone_info())
            .expect("reopen");
    let second = restarted.upload_photos().expect("resume");
    assert_eq!(second.completed, hashes);
    assert_eq!(second.bytes_sent, length - stored.offset);
    let arrived = photos_of(&app, Persona::SupervisorHaishu, visit);
    assert_eq!(arrived.received, 1);
}

#[test]
fn the_tus_protocol_by_hand() {
    let app = TestApp::spawn();
    let rice = app.cooperative_id(Fixture::HaishuRice);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let original = std::fs::read(fixture("sign.jpg")).expect("fixture");
    let sha = sha256_hex(&original);
    // The visit names the camera original itself, as a client uploading unshrunk photos would.
    let visit = phone
        .new_visit(rice, visit_on("2026-11-20", Some(RICE_COOPERATIVE)))
        .expect("visit");
    name_photos(&mut phone, rice, visit, std::slice::from_ref(&sha));
    let client = raw_client(&app, &phone);

    // Discovery needs no login.
    let options = app
        .anonymous()
        .raw(
            ureq::http::Method::OPTIONS,
            "/api/v1/uploads",
            &[],
            &[],
            None,
        )
        .expect("options");
    assert_eq!(options.status, 204);
    assert_eq!(options.header("tus-version"), Some("1.0.0"));
    assert!(
        options
            .header("tus-extension")
            .unwrap_or("")
            .contains("checksum")
    );
    assert_eq!(options.header("tus-checksum-algorithm"), Some("sha256"));

    // A photo no visit names is refused before any byte is sent.
    assert_eq!(
        code_of(client.create_upload(&"0".repeat(64), 10, "x.jpg")),
        ErrorCode::PhotoNotExpected
    );

    let length = original.len() as u64;
    let created = client
        .create_upload(&sha, length, "sign.jpg")
        .expect("create");
    assert_eq!(created.offset, 0);
    // A first part, then a retried creation (the answer was lost) finds the same upload and its offset.
    let first = client
        .append_upload(&created.location, 0, &mut &original[..10_000], 10_000)
        .expect("first part");
    assert_eq!(first, 10_000);
    let again = client
        .create_upload(&sha, length, "sign.jpg")
        .expect("create again");
    assert_eq!(
        (again.location.as_str(), again.offset),
        (created.location.as_str(), 10_000)
    );

    // Wrong offset: 409, nothing kept.
    assert_eq!(
        code_of(client.append_upload(
            &created.location,
            5_000,
            &mut &original[5_000..6_000],
            1_000
        )),
        ErrorCode::UploadOffsetMismatch
    );
    // A checksum that does not match: 460, nothing kept.
    let bad = client
        .raw(
            ureq::http::Method::PATCH,
            &created.location,
            &[],
            &[
                (tus::RESUMABLE, tus::VERSION),
                (tus::OFFSET, "10000"),
                (
                    tus::CHECKSUM,
                    "sha256 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                ),
            ],
            Some((tus::CONTENT_TYPE, &original[10_000..20_000])),
        )
        .expect("answer");
    assert_eq!(bad.status, 460);
    assert_eq!(
        client
            .upload_offset(&created.location)
            .expect("head")
            .offset,
        10_000
    );
    // The rest with a good checksum completes the photo.
    use base64::Engine;
    use sha2::Digest;
    let rest = &original[10_000..];
    let digest = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(rest));
    let good = client
        .raw(
            ureq::http::Method::PATCH,
            &created.location,
            &[],
            &[
                (tus::RESUMABLE, tus::VERSION),
                (tus::OFFSET, "10000"),
                (tus::CHECKSUM, &format!("sha256 {digest}")),
            ],
            Some((tus::CONTENT_TYPE, rest)),
        )
        .expect("answer");
    assert_eq!(good.status, 204, "{}", String::from_utf8_lossy(&good.body));
    assert_eq!(
        good.header("upload-offset"),
        Some(length.to_string().as_str())
    );

    // The server read the original's EXIF: time and GPS.
    let listed = photos_of(&app, Persona::SupervisorHaishu, visit);
    let photo = listed.photos[0].photo.clone().expect("arrived");
    assert_eq!(
        photo.exif_taken_at.map(|t| t.to_rfc3339()),
        Some("2026-11-20T02:15:00+00:00".to_owned())
    );
    let gps = photo.exif_position.expect("gps");
    assert!((gps.latitude - 29.8683).abs() < 1e-4 && (gps.longitude - 121.5440).abs() < 1e-4);
    // ...and serves it without: the full image has no EXIF and no GPS.
    let full = client
        .raw(ureq::http::Method::GET, &photo.urls.full, &[], &[], None)
        .expect("full");
    assert_eq!(full.status, 200);
    assert_eq!(ExifFacts::read(&full.body), ExifFacts::default());
    assert!(image::load_from_memory(&full.body).is_ok());

    // The photo is known now: another upload of it completes at creation.
    let other = client
        .create_upload(&sha, length, "sign.jpg")
        .expect("dedupe");
    assert_ne!(other.location, created.location);
    assert!(other.is_complete());

    // Termination of an unfinished upload; another device cannot see this device's upload.
    let ledger = std::fs::read(fixture("ledger-rotated.jpg")).expect("fixture");
    let ledger_sha = sha256_hex(&ledger);
    name_photos(&mut phone, rice, visit, std::slice::from_ref(&ledger_sha));
    let pending = client
        .create_upload(&ledger_sha, ledger.len() as u64, "ledger.jpg")
        .expect("create");
    let mut second_phone = app.pulled_phone(Persona::CounsellorHaishu);
    second_phone.pull().expect("pull");
    assert_eq!(
        code_of(raw_client(&app, &second_phone).upload_offset(&pending.location)),
        ErrorCode::NotFound
    );
    client
        .terminate_upload(&pending.location)
        .expect("terminate");
    assert_eq!(
        code_of(client.upload_offset(&pending.location)),
        ErrorCode::NotFound
    );
}

#[test]
fn bytes_that_do_not_hash_to_the_named_photo_are_refused_and_dropped() {
    let app = TestApp::spawn();
    let rice = app.cooperative_id(Fixture::HaishuRice);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let named = std::fs::read(fixture("sign.jpg")).expect("fixture");
    let other = std::fs::read(fixture("old-base.jpg")).expect("fixture");
    let sha = sha256_hex(&named);
    let visit = phone
        .new_visit(rice, visit_on("2026-11-20", None))
        .expect("visit");
    name_photos(&mut phone, rice, visit, std::slice::from_ref(&sha));
    let client = raw_client(&app, &phone);
    let created = client
        .create_upload(&sha, other.len() as u64, "fake.jpg")
        .expect("create");
    assert_eq!(
        code_of(client.append_upload(&created.location, 0, &mut &other[..], other.len() as u64)),
        ErrorCode::PhotoHashMismatch
    );
    assert_eq!(
        code_of(client.upload_offset(&created.location)),
        ErrorCode::NotFound
    );
    assert_eq!(photos_of(&app, Persona::Admin, visit).received, 0);
}

/// A photo cut short on the phone (a camera app killed mid-write) is refused when its upload completes, with a clear
/// code, and nothing of it is kept: the visit still waits for the photo.
#[test]
fn a_truncated_jpeg_is_refused_at_upload_completion() {
    let app = TestApp::spawn();
    let rice = app.cooperative_id(Fixture::HaishuRice);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let whole = std::fs::read(fixture("sign.jpg")).expect("fixture");
    let cut = &whole[..whole.len() * 3 / 4];
    let sha = sha256_hex(cut);
    let visit = phone
        .new_visit(rice, visit_on("2026-11-20", None))
        .expect("visit");
    name_photos(&mut phone, rice, visit, std::slice::from_ref(&sha));
    let client = raw_client(&app, &phone);
    let created = client
        .create_upload(&sha, cut.len() as u64, "cut.jpg")
        .expect("create");
    assert_eq!(
        code_of(client.append_upload(&created.location, 0, &mut &cut[..], cut.len() as u64)),
        ErrorCode::PhotoUnreadable
    );
    let photos = photos_of(&app, Persona::Admin, visit);
    assert_eq!((photos.expected, photos.received), (1, 0));
}

/// A PNG that claims `width`×`height` grey pixels, all zero: a few hundred kilobytes that would decode to gigabytes.
fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    use std::io::Write;
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let row = vec![0u8; width as usize + 1];
    for _ in 0..height {
        encoder.write_all(&row).expect("deflate");
    }
    chunk(&mut out, b"IDAT", &encoder.finish().expect("deflate"));
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A small real JPEG whose frame header claims 60000×60000 pixels.
fn jpeg_claiming_huge_dimensions() -> Vec<u8> {
    let mut jpeg = std::fs::read(fixture("no-exif.jpg")).expect("fixture");
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("baseline frame header");
    jpeg[sof + 5..sof + 7].copy_from_slice(&60_000u16.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&60_000u16.to_be_bytes());
    jpeg
}

fn peak_memory_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[test]
fn decompression_bombs_are_refused_with_bounded_memory() {
    let database = hezuo_tests::SeededDatabase::create(|_| {});
    let rice = database.cooperative_id(Fixture::HaishuRice);
    let server = hezuo_tests::ServerProcess::start(&database);
    let mut phone = server.phone(Persona::CounsellorHaishu);
    phone.pull().expect("pull");
    // 20000×20000 is 400 megapixels (1.2 GB decoded), 7000×7000 is within each side's limit but over the pixel limit.
    let bombs = [
        png_bomb(20_000, 20_000),
        png_bomb(7_000, 7_500),
        jpeg_claiming_huge_dimensions(),
    ];
    let visit = phone
        .new_visit(rice, visit_on("2026-11-20", None))
        .expect("visit");
    name_photos(
        &mut phone,
        rice,
        visit,
        &bombs.iter().map(|b| sha256_hex(b)).collect::<Vec<_>>(),
    );
    let pid = server.pid().expect("running");
    let before = peak_memory_kib(pid);
    let mut client = ApiClient::new(&server.address);
    client.set_token(Some(token_of(&phone)));
    for bomb in &bombs {
        let created = client
            .create_upload(&sha256_hex(bomb), bomb.len() as u64, "bomb")
            .expect("create");
        let refused = client.append_upload(&created.location, 0, &mut &bomb[..], bomb.len() as u64);
        assert_eq!(code_of(refused), ErrorCode::PhotoTooLarge);
    }
    let grown_mib = (peak_memory_kib(pid).saturating_sub(before)) / 1024;
    assert!(grown_mib < 64, "peak memory grew by {grown_mib} MiB");
}

#[test]
fn integrity_flags_are_raised_by_suspicious_evidence_and_not_by_an_honest_visit() {
    let app = TestApp::spawn();
    let rice = app.cooperative_id(Fixture::HaishuRice);
    let fruit = app.cooperative_id(Fixture::HaishuFruit);
    // The registry has the rice cooperative's location from a web map, in GCJ-02.
    let (lat, lon) = to_gcj02(RICE_COOPERATIVE);
    let admin = app.client(Persona::Admin);
    admin
        .update_cooperative(
            rice,
            &UpdateCooperativeRequest {
                location: Some(Some(RegisteredLocation {
                    latitude: lat,
                    longitude: lon,
                    coordinate_system: CoordinateSystem::Gcj02,
                })),
                ..Default::default()
            },
            None,
        )
        .expect("set location");

    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let (honest, _) = visit_with_photos(
        &mut phone,
        rice,
        visit_on("2026-11-20", Some(RICE_COOPERATIVE)),
        &["sign.jpg", "ledger-rotated.jpg"],
    );
    phone.upload_photos().expect("upload");
    let clean = photos_of(&app, Persona::SupervisorHaishu, honest);
    assert_eq!(clean.received, 2);
    assert!(
        clean.photos.iter().all(|p| p.flags.is_empty()),
        "an honest visit raises nothing (GCJ-02 registry location converted): {clean:#?}"
    );

    // A later visit to the same cooperative: an old photo, one from another city, and the sign photo again.
    let (suspicious, hashes) = visit_with_photos(
        &mut phone,
        rice,
        visit_on("2026-11-20", Some(RICE_COOPERATIVE)),
        &["old-base.jpg", "elsewhere.jpg", "sign.jpg"],
    );
    // A visit to another cooperative with the sign photo, retouched.
    let (copied, copied_hashes) = visit_with_photos(
        &mut phone,
        fruit,
        visit_on("2026-11-21", None),
        &["sign-retouched.jpg"],
    );
    phone.upload_photos().expect("upload");

    let flags_of = |visit: Uuid| -> Vec<(String, String)> {
        let mut flags: Vec<(String, String)> = photos_of(&app, Persona::SupervisorHaishu, visit)
            .photos
            .into_iter()
            .flat_map(|p| p.flags.into_iter().map(|f| (f.sha256, f.code)))
            .collect();
        flags.sort();
        flags
    };
    let (old, elsewhere, sign) = (&hashes[0], &hashes[1], &hashes[2]);
    let mut expected = vec![
        (old.clone(), "photo_time_far_from_visit".to_owned()),
        (elsewhere.clone(), "photo_far_from_visit".to_owned()),
        (
            elsewhere.clone(),
            "photo_far_from_registered_location".to_owned(),
        ),
        (sign.clone(), "photo_reused".to_owned()),
        (sign.clone(), "photo_near_duplicate".to_owned()),
    ];
    expected.sort();
    assert_eq!(flags_of(suspicious), expected);
    assert_eq!(
        flags_of(copied),
        vec![(copied_hashes[0].clone(), "photo_near_duplicate".to_owned())]
    );
    // The first visit now shows that its sign photo is used elsewhere too.
    let honest_now = flags_of(honest);
    assert!(honest_now.contains(&(sign.clone(), "photo_reused".to_owned())));

    // The messages come in Chinese first, with the figures behind them.
    let listed = photos_of(&app, Persona::SupervisorHaishu, suspicious);
    let far = listed
        .photos
        .iter()
        .flat_map(|p| p.flags.iter())
        .find(|f| f.code == "photo_far_from_registered_location")
        .expect("flag");
    assert!(far.message.contains("公里"), "{}", far.message);
    assert!(far.figures["distance_m"].as_f64().expect("distance") > 100_000.0);
}

/// A local S3-compatible service (moto in server mode), stopped when dropped.
struct LocalS3 {
    child: std::process::Child,
    endpoint: String,
}

impl LocalS3 {
    /// `None` when `moto_server` is not installed (CI installs it and requires this test to run).
    fn start() -> Option<LocalS3> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = match std::process::Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(_) if std::env::var_os("CI").is_none() => return None,
            Err(error) => panic!("CI must have moto_server (pip install 'moto[server]'): {error}"),
        };
        let endpoint = format!("http://127.0.0.1:{port}");
        let s3 = LocalS3 { child, endpoint };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(s3);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("moto_server did not start");
    }

    fn create_bucket(&self, bucket: &str) {
        let response = ureq::put(format!("{}/{bucket}", self.endpoint))
            .send_empty()
            .expect("create bucket");
        assert_eq!(response.status(), 200);
    }

    fn keys(&self, bucket: &str) -> String {
        ureq::get(format!("{}/{bucket}?list-type=2", self.endpoint))
            .call()
            .expect("list")
            .body_mut()
            .read_to_string()
            .expect("listing")
    }
}

impl Drop for LocalS3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn photos_are_stored_in_an_s3_compatible_service_when_configured() {
    let Some(s3) = LocalS3::start() else {
        eprintln!("moto_server is not installed: skipping the S3 test");
        return;
    };
    s3.create_bucket("hezuo-photos");
    let endpoint = s3.endpoint.clone();
    let app = TestApp::spawn_with(move |config| {
        config.blob_store = hezuo_server::config::BlobStoreKind::S3;
        config.s3_bucket = Some("hezuo-photos".to_owned());
        config.s3_endpoint = Some(endpoint);
        config.s3_allow_http = true;
        config.s3_access_key_id = Some("hezuo-test".to_owned());
        config.s3_secret_access_key = Some("hezuo-test-secret".to_owned());
    });
    let rice = app.cooperative_id(Fixture::HaishuRice);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let (visit, hashes) = visit_with_photos(
        &mut phone,
        rice,
        visit_on("2026-11-20", Some(RICE_COOPERATIVE)),
        &["sign.jpg"],
    );
    assert_eq!(phone.upload_photos().expect("upload").completed, hashes);

    let listing = s3.keys("hezuo-photos");
    for name in ["original", "full.jpg", "1280.jpg", "320.jpg"] {
        let key = format!("photos/{}/{}/{name}", &hashes[0][..2], hashes[0]);
        assert!(listing.contains(&key), "{key} in {listing}");
    }
    let photo = photos_of(&app, Persona::SupervisorHaishu, visit).photos[0]
        .photo
        .clone()
        .expect("arrived");
    let large = app
        .client(Persona::SupervisorHaishu)
        .raw(ureq::http::Method::GET, &photo.urls.large, &[], &[], None)
        .expect("large");
    assert_eq!(large.status, 200);
    let image = image::load_from_memory(&large.body).expect("jpeg from S3");
    assert_eq!((image.width(), image.height()), (1024, 768));
}

/// Runs the stock tus-js-client (tests/js/tus-upload.mjs) and returns its JSON report.
fn tus_js_upload(
    endpoint: &str,
    token: &str,
    file: &std::path::Path,
    sha256: &str,
    chunk: Option<usize>,
) -> serde_json::Value {
    let mut command = std::process::Command::new("node");
    command.arg(crate::js_dir().join("tus-upload.mjs")).args([
        endpoint,
        token,
        &file.display().to_string(),
        sha256,
    ]);
    if let Some(chunk) = chunk {
        command.arg(chunk.to_string());
    }
    let output = command.output().expect("run node");
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("{}"))
        .unwrap_or_else(|_| panic!("unexpected output: {text}"))
}

#[test]
fn the_stock_tus_js_client_uploads_photos() {
    if crate::node_ready("tus-js-client").is_none() {
        eprintln!("node is not installed: skipping the tus-js-client interop test");
        return;
    }
    let app = TestApp::spawn();
    let rice = app.cooperative_id(Fixture::HaishuRice);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let dir = tempfile::tempdir().expect("dir");
    let big = dir.path().join("base.jpg");
    std::fs::write(&big, camera_photo(1600, 1200, 3)).expect("write");
    let files = [fixture("sign.jpg"), big];
    let hashes: Vec<String> = files
        .iter()
        .map(|f| sha256_hex(&std::fs::read(f).expect("read")))
        .collect();
    let visit = phone
        .new_visit(rice, visit_on("2026-11-20", Some(RICE_COOPERATIVE)))
        .expect("visit");
    name_photos(&mut phone, rice, visit, &hashes);
    let endpoint = format!("{}/api/v1/uploads", app.address);
    let token = token_of(&phone);

    // One PATCH for the whole file, then one in 64 KiB chunks.
    let whole = tus_js_upload(&endpoint, &token, &files[0], &hashes[0], None);
    assert_eq!(whole["ok"], true, "{whole}");
    let chunked = tus_js_upload(&endpoint, &token, &files[1], &hashes[1], Some(64 * 1024));
    assert_eq!(chunked["ok"], true, "{chunked}");
    let listed = photos_of(&app, Persona::SupervisorHaishu, visit);
    assert_eq!((listed.expected, listed.received), (2, 2));

    // The stock client sees our problem documents as errors: a photo no visit names.
    let stray = dir.path().join("stray.jpg");
    std::fs::write(&stray, camera_photo(64, 48, 9)).expect("write");
    let refused = tus_js_upload(&endpoint, &token, &stray, &"1".repeat(64), None);
    assert_eq!(refused["ok"], false);
    assert_eq!(refused["status"], 422);
}

#[test]
fn an_expired_upload_is_gone_and_a_new_one_starts() {
    let app = TestApp::spawn_with(|config| config.upload_expiry_hours = 0);
    let rice = app.cooperative_id(Fixture::HaishuRice);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let photo = std::fs::read(fixture("no-exif.jpg")).expect("fixture");
    let sha = sha256_hex(&photo);
    let visit = phone
        .new_visit(rice, visit_on("2026-11-20", None))
        .expect("visit");
    name_photos(&mut phone, rice, visit, std::slice::from_ref(&sha));
    let client = raw_client(&app, &phone);
    let created = client
        .create_upload(&sha, photo.len() as u64, "a.jpg")
        .expect("create");
    assert!(created.offset == 0);
    assert_eq!(
        code_of(client.upload_offset(&created.location)),
        ErrorCode::UploadExpired
    );
    assert_eq!(
        code_of(client.append_upload(&created.location, 0, &mut &photo[..], photo.len() as u64)),
        ErrorCode::UploadExpired
    );
    // The next creation forgets the expired upload and starts afresh.
    let fresh = client
        .create_upload(&sha, photo.len() as u64, "a.jpg")
        .expect("create");
    assert_ne!(fresh.location, created.location);
    assert_eq!(
        code_of(client.upload_offset(&created.location)),
        ErrorCode::NotFound
    );
}
