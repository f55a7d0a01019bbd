//! Memory under hostile load: the server is a separate process here, so its resident memory can be read from `/proc`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use hezuo_mobile_api::client::ApiClient;
use hezuo_tests::{Fixture, Persona, SeededDatabase, ServerProcess};

/// The process's peak resident memory so far (`VmHWM`), in MiB.
fn peak_resident_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .expect("VmHWM");
    kib / 1024.0
}

/// Sends `POST /api/v1/sync` with `total` bytes of zeros, declared (`Content-Length`) or not (chunked), reading the
/// answer while it writes; the answer's status, or None when the connection closed without one.
fn hostile_sync_body(port: u16, token: &str, total: usize, chunked: bool) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_owned()
    } else {
        format!("Content-Length: {total}")
    };
    write!(
        stream,
        "POST /api/v1/sync HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/cbor\r\n{framing}\r\n\r\n"
    )
    .expect("headers");
    let reader = {
        let stream = stream.try_clone().expect("clone");
        std::thread::spawn(move || {
            let mut status_line = String::new();
            BufReader::new(stream).read_line(&mut status_line).ok()?;
            status_line.split_whitespace().nth(1)?.parse::<u16>().ok()
        })
    };
    let piece = vec![0u8; 256 * 1024];
    let mut sent = 0;
    while sent < total {
        let written = if chunked {
            write!(stream, "{:x}\r\n", piece.len())
                .and_then(|()| stream.write_all(&piece))
                .and_then(|()| stream.write_all(b"\r\n"))
        } else {
            stream.write_all(&piece)
        };
        if written.is_err() {
            break;
        }
        sent += piece.len();
    }
    if chunked {
        let _ = stream.write_all(b"0\r\n\r\n");
    }
    reader.join().expect("reader")
}

/// Sixteen clients at once send sync bodies of 64 MiB, half with their length declared, half chunked without one:
/// each is answered 413, the server's peak memory grows by far less than the bodies, and a phone syncs afterwards.
#[test]
fn concurrent_oversized_sync_bodies_are_refused_with_bounded_memory() {
    let database = SeededDatabase::create(|_| {});
    let server = ServerProcess::start(&database);
    let port: u16 = server
        .address
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let token = ApiClient::new(&server.address)
        .login(
            Persona::CounsellorHaishu.username(),
            hezuo_tests::PASSWORD,
            None,
        )
        .expect("login")
        .access_token;
    let pid = server.pid().expect("running");
    let before = peak_resident_mib(pid);

    const BODY: usize = 64 * 1024 * 1024;
    let clients: Vec<_> = (0..16)
        .map(|n| {
            let token = token.clone();
            std::thread::spawn(move || hostile_sync_body(port, &token, BODY, n % 2 == 1))
        })
        .collect();
    let answers: Vec<Option<u16>> = clients
        .into_iter()
        .map(|c| c.join().expect("client"))
        .collect();
    let after = peak_resident_mib(pid);
    eprintln!(
        "16 × 64 MiB sync bodies: answers {answers:?}; peak resident {before:.0} → {after:.0} MiB"
    );
    assert!(
        answers.iter().all(|a| *a == Some(413)),
        "every body is refused as too large: {answers:?}"
    );
    // The default limit (8 MiB a body) and budget (64 MiB for all at once) bound what is held; the bodies add up to
    // 1 GiB. Headroom for the allocator and the runtime's buffers.
    assert!(
        after - before < 160.0,
        "peak resident memory grew by {:.0} MiB",
        after - before
    );

    let mut phone = server.phone(Persona::CounsellorHaishu);
    phone.pull().expect("pull");
    let cooperative = database.cooperative_id(Fixture::HaishuFruit);
    phone
        .new_visit(cooperative, hezuo_sync::model::Visit::default())
        .expect("visit");
    let report = phone.sync().expect("a phone still syncs");
    assert!(report.problems.is_empty(), "{report:?}");
}
