//! `cargo build --release -p hezuo-server && cargo run --release -p hezuo-tests --bin bench-fanout
//! [-- --clients 50,100,200] [--documents 30] [--pushes 5] [--clients-per-process 10]`
//!
//! WebSocket fan-out: N stock automerge-repo clients (`tests/js/fanout-clients.mjs`, the unmodified npm packages, in
//! node processes of at most 10 clients each, as phones are each their own: many clients in one process share its
//! heap, and a server that answers every request at once makes that heap, not the server, set their pace) each read
//! the same K cooperative documents, from a release `hezuo serve` process (SQLite, or PostgreSQL when
//! `HEZUO_TEST_POSTGRES_URL` is set) and from the JavaScript `automerge-repo` 2.5.6 sync server set up as
//! automerge-repo-sync-server sets it up (`tests/js/fanout-server.mjs`), holding the same documents. For each N the
//! two servers run one after the other, in alternating order, each started fresh, and the benchmark prints for both:
//!
//! - the time a lone first client takes to its first and to all K documents, from a cold server;
//! - the server CPU time while all N clients connect at once and read the K documents, and their times to all K;
//! - the sockets the server holds after the crowd: the stock client opens a new socket whenever one is slow to open,
//!   and leaves the old one open without using it, so a busy server can hold several per client;
//! - resident memory per idle connection (growth after the crowd connected, over N), read once the server holds no
//!   more sockets than clients, or after 25 s;
//! - live-push latency: a client that has the documents open writes one, every reader waits for the change;
//! - the server's CPU while the connections sit idle.
//!
//! Needs `node` (the npm packages are installed into `tests/js` when missing).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use hezuo_mobile_api::client::ApiClient;
use hezuo_mobile_api::users::Role;
use hezuo_server::demo::{self, DemoLogin};
use hezuo_server::documents::cache::DocCache;
use hezuo_server::documents::store;
use hezuo_server::import;
use hezuo_server::models::Who;
use hezuo_sync::ids::DocumentId;
use hezuo_sync::model::Profile;
use hezuo_tests::bench::{cpu_seconds, percentile, realistic_visit, rss_kib};
use hezuo_tests::{PASSWORD, SeededDatabase, ServerProcess, count_arg, phone_info};
use serde_json::Value;

const VILLAGE: &str = "330203101202";

/// What one server showed for one N.
#[derive(Default)]
struct Figures {
    cold_first_ms: f64,
    cold_all_ms: f64,
    crowd_cpu_s: f64,
    /// The clients' own CPU over the crowd: on a small machine they compete with the server.
    crowd_clients_cpu_s: f64,
    crowd_all_ms: Vec<f64>,
    crowd_failed: u64,
    rss_per_connection_kib: f64,
    rss_idle_mib: f64,
    /// Sockets the server held beyond those before the crowd: right after it, and when its memory was read.
    sockets_after_crowd: usize,
    sockets_idle: usize,
    push_ms: Vec<f64>,
    push_missed: u64,
    push_cpu_s: f64,
    idle_cpu_percent: f64,
}

/// The server being measured: its process and the WebSocket URLs its clients use.
struct Target {
    name: &'static str,
    pid: u32,
    readers: Vec<String>,
    writer: String,
}

/// A process killed when dropped, so that a failed run leaves no server behind.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The stock clients' process, driven one command at a time.
struct Clients {
    child: Killed,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Clients {
    fn start(config: &std::path::Path) -> Clients {
        let mut child = Command::new("node")
            .arg("--max-old-space-size=4096")
            .arg(js_dir().join("fanout-clients.mjs"))
            .arg(config)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start node");
        let input = child.stdin.take().expect("stdin");
        let output = BufReader::new(child.stdout.take().expect("stdout"));
        Clients {
            child: Killed(child),
            input,
            output,
        }
    }

    fn ask(&mut self, command: &str) -> Value {
        self.send(command);
        self.answer()
    }

    fn send(&mut self, command: &str) {
        writeln!(self.input, "{command}").expect("send a command");
    }

    /// The next answer.
    fn answer(&mut self) -> Value {
        // The npm packages log to stdout too; answers are the lines that start as one.
        let line = loop {
            let mut line = String::new();
            let read = self.output.read_line(&mut line).expect("read an answer");
            assert!(read > 0, "the clients' process ended");
            if line.starts_with("{\"event\"") {
                break line;
            }
            eprint!("clients: {line}");
        };
        let answer: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the clients answered {line:?}: {e}"));
        assert_ne!(answer["event"], "error", "the clients failed: {answer}");
        answer
    }

    fn quit(mut self) {
        let _ = writeln!(self.input, "quit");
        let _ = self.child.0.wait();
    }
}

fn js_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("js")
}

fn node_ready() -> bool {
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|output| output.status.success()) {
        return false;
    }
    if !js_dir()
        .join("node_modules/@automerge/automerge-repo-storage-nodefs")
        .exists()
    {
        // `install`, as the tests and CI do: `npm ci` of npm 11 refuses this lock file for the platform packages
        // of an optional dependency it leaves out.
        let installed = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund"])
            .current_dir(js_dir())
            .status();
        return installed.is_ok_and(|status| status.success());
    }
    true
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

fn cpu(pid: u32) -> f64 {
    cpu_seconds(pid).unwrap_or(0.0)
}

fn rss(pid: u32) -> f64 {
    rss_kib(pid).unwrap_or(0) as f64
}

/// The sockets a process has open: its listener and database connections, and every client connection it holds.
fn sockets(pid: u32) -> usize {
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| {
            std::fs::read_link(entry.path())
                .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"))
        })
        .count()
}

/// How long the sockets the stock client abandoned are given to close before the server's memory is read: longer
/// than hezuo's join deadline (`HEZUO_WEBSOCKET_JOIN_SECS`, 20 s).
const ABANDONED_SOCKETS_WAIT: Duration = Duration::from_secs(25);

/// Runs the clients against one server, phase by phase, sampling the server's CPU and memory between phases. The
/// readers are spread over processes of at most `per_process` clients (the first also holds the writer), as phones
/// would each be their own: hundreds of clients in one node process spend most of its time collecting its garbage,
/// and would pace the crowd by that process's CPU rather than by the server.
fn measure(
    target: &Target,
    documents: &[String],
    pushes: usize,
    round: usize,
    per_process: usize,
) -> Figures {
    let configs: Vec<tempfile::NamedTempFile> = target
        .readers
        .chunks(per_process.max(1))
        .enumerate()
        .map(|(i, readers)| {
            let config = tempfile::NamedTempFile::new().expect("config file");
            let body = serde_json::json!({
                "readers": readers,
                "writer": (i == 0).then_some(&target.writer),
                "documents": documents,
            });
            std::fs::write(config.path(), body.to_string()).expect("write config");
            config
        })
        .collect();
    let mut processes: Vec<Clients> = configs
        .iter()
        .map(|config| Clients::start(config.path()))
        .collect();
    let clients_cpu = |processes: &[Clients]| -> f64 {
        processes
            .iter()
            .map(|clients| cpu(clients.child.0.id()))
            .sum()
    };
    let pid = target.pid;
    let mut figures = Figures::default();

    std::thread::sleep(Duration::from_millis(500));
    let probe = processes[0].ask("probe");
    figures.cold_first_ms = probe["first_ms"].as_f64().unwrap_or(0.0);
    figures.cold_all_ms = probe["all_ms"].as_f64().unwrap_or(0.0);
    // The probe's documents stay cached; what it needed only while it ran is handed back within a second or two.
    std::thread::sleep(Duration::from_secs(3));
    let rss_before = rss(pid);
    let sockets_before = sockets(pid);

    let cpu_before = cpu(pid);
    let clients_cpu_before = clients_cpu(&processes);
    for clients in &mut processes {
        clients.send("crowd");
    }
    for clients in &mut processes {
        let crowd = clients.answer();
        figures.crowd_all_ms.extend(numbers(&crowd["all_ms"]));
        let failed = crowd["failed"].as_u64().unwrap_or(0);
        figures.crowd_failed += failed;
        if failed > 0 {
            eprintln!("{}: failed reads: {}", target.name, crowd["errors"]);
        }
    }
    figures.crowd_cpu_s = cpu(pid) - cpu_before;
    figures.crowd_clients_cpu_s = clients_cpu(&processes) - clients_cpu_before;
    // Let the server finish what the crowd set off, and close what it closes, before reading its memory.
    let held = || sockets(pid).saturating_sub(sockets_before);
    figures.sockets_after_crowd = held();
    let settled = std::time::Instant::now();
    while settled.elapsed() < Duration::from_secs(3)
        || (held() > target.readers.len() && settled.elapsed() < ABANDONED_SOCKETS_WAIT)
    {
        std::thread::sleep(Duration::from_millis(500));
    }
    figures.sockets_idle = held();
    let rss_idle = rss(pid);
    figures.rss_idle_mib = rss_idle / 1024.0;
    figures.rss_per_connection_kib = (rss_idle - rss_before) / target.readers.len() as f64;

    // The writer has the documents open before it writes, as a person would.
    let opened = processes[0].ask("open-writer");
    assert_eq!(opened["event"], "writer-open", "{opened}");
    let cpu_before = cpu(pid);
    for push in 0..pushes {
        let what = format!("{} 第{round}轮第{push}次推送", push % documents.len());
        for clients in &mut processes {
            let watching = clients.ask(&format!("watch {what}"));
            assert_eq!(watching["event"], "watching", "{watching}");
        }
        let written = processes[0].ask(&format!("write {what}"));
        let written_at = written["at_ms"].as_f64().unwrap_or(0.0);
        for clients in &mut processes {
            let seen = clients.answer();
            assert_eq!(seen["event"], "seen", "{seen}");
            figures
                .push_ms
                .extend(numbers(&seen["at_ms"]).iter().map(|at| at - written_at));
            figures.push_missed += seen["missed"].as_u64().unwrap_or(0);
        }
    }
    figures.push_cpu_s = cpu(pid) - cpu_before;

    let cpu_before = cpu(pid);
    let idle = Duration::from_secs(5);
    std::thread::sleep(idle);
    figures.idle_cpu_percent = (cpu(pid) - cpu_before) / idle.as_secs_f64() * 100.0;
    for clients in processes {
        clients.quit();
    }
    figures
}

fn print(name: &str, figures: &mut Figures) {
    println!(
        "   {name:<6} cold first {:>6.0} ms, all {:>6.0} ms | crowd CPU {:>6.2} s (clients {:>5.1} s), all K p50 {:>6.0} ms p90 {:>6.0} ms{} | sockets {:>4} → {:>4}, RSS {:>6.1} MiB, {:>6.1} KiB/connection | push p50 {:>5.0} ms p99 {:>5.0} ms{}, CPU {:>5.2} s | idle CPU {:>4.1} %",
        figures.cold_first_ms,
        figures.cold_all_ms,
        figures.crowd_cpu_s,
        figures.crowd_clients_cpu_s,
        percentile(&mut figures.crowd_all_ms, 0.5),
        percentile(&mut figures.crowd_all_ms, 0.9),
        if figures.crowd_failed > 0 {
            format!(" ({} failed)", figures.crowd_failed)
        } else {
            String::new()
        },
        figures.sockets_after_crowd,
        figures.sockets_idle,
        figures.rss_idle_mib,
        figures.rss_per_connection_kib,
        percentile(&mut figures.push_ms, 0.5),
        percentile(&mut figures.push_ms, 0.99),
        if figures.push_missed > 0 {
            format!(" ({} missed)", figures.push_missed)
        } else {
            String::new()
        },
        figures.push_cpu_s,
        figures.idle_cpu_percent,
    );
}

fn ratio(ours: f64, theirs: f64) -> String {
    if theirs > 0.0 {
        format!("{:.2}×", ours / theirs)
    } else {
        "n/a".to_owned()
    }
}

fn main() {
    let clients: Vec<usize> = std::env::args()
        .skip_while(|a| a != "--clients")
        .nth(1)
        .unwrap_or_else(|| "50,100,200".to_owned())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let document_count = count_arg("--documents", 30);
    let pushes = count_arg("--pushes", 5);
    let per_process = count_arg("--clients-per-process", 10);
    // `--only hezuo` or `--only js` measures one server alone.
    let only = std::env::args().skip_while(|a| a != "--only").nth(1);
    let most = clients.iter().copied().max().unwrap_or(0);
    if !node_ready() {
        eprintln!(
            "bench-fanout needs node and the npm packages of tests/js: the clients are the stock npm ones"
        );
        std::process::exit(2);
    }
    let backend = hezuo_tests::bench::backend();
    println!(
        "hezuo fan-out benchmark — {document_count} documents, clients {clients:?} ({per_process} per node process), {pushes} pushes; hezuo on {backend} against the JS automerge-repo 2.5.6 sync server (NodeFS storage)"
    );

    // K cooperatives of one village, a counsellor who writes, and the readers.
    let database = SeededDatabase::create(|_| {});
    {
        let mut conn = database.pool.get().expect("connection");
        let mut village = demo::cooperatives(document_count);
        for input in &mut village {
            input.region_code = hezuo_mobile_api::RegionCode::parse(VILLAGE).ok();
        }
        import::cooperatives::apply(&mut conn, village, &Who::system(), &mut |_, _| {})
            .expect("cooperatives");
        let hash = database.passwords.hash(PASSWORD).expect("hash");
        let logins: Vec<DemoLogin> = (0..=most)
            .map(|i| DemoLogin {
                username: format!("bench.fanout.{i}"),
                display_name: format!("压测读者{i}"),
                role: Role::Counsellor,
                region_codes: vec![VILLAGE.to_owned()],
            })
            .collect();
        demo::create_logins(&mut conn, &logins, &hash).expect("logins");
    }

    // Each document gets a history as a season's work would give it: a profile and two visits.
    let server = ServerProcess::start(&database);
    let phone_dir = tempfile::tempdir().expect("dir");
    let mut phone =
        hezuo_mobile_api::client::Phone::open(phone_dir.path(), phone_info()).expect("phone");
    phone
        .login(&server.address, "bench.fanout.0", PASSWORD)
        .expect("login");
    phone.pull().expect("pull");
    let ids: Vec<uuid::Uuid> = phone
        .cooperatives()
        .expect("index")
        .keys()
        .copied()
        .collect();
    assert_eq!(ids.len(), document_count, "the village's documents");
    for (n, id) in ids.iter().enumerate() {
        phone
            .edit_profile(*id, |p: &mut Profile| {
                p.notes = Some(format!("第{n}号合作社：主营水果，理事长常驻。"))
            })
            .expect("profile");
        for v in 0..2 {
            let visit = phone.new_visit(*id, realistic_visit(v)).expect("visit");
            phone.submit_visit(*id, visit).expect("submit");
        }
    }
    phone.sync().expect("sync");
    phone.sync().expect("settle");
    let writer_token = phone
        .session()
        .expect("session")
        .access_token
        .clone()
        .expect("token");
    let reader_tokens: Vec<String> = (1..=most)
        .map(|i| {
            ApiClient::new(&server.address)
                .login(&format!("bench.fanout.{i}"), PASSWORD, None)
                .expect("reader login")
                .access_token
        })
        .collect();
    drop(server);

    // The same documents, byte for byte, seeded into the JS server's storage.
    let documents: Vec<String> = ids
        .iter()
        .map(|id| DocumentId::from_uuid(*id).to_string())
        .collect();
    let seed = tempfile::tempdir().expect("seed dir");
    let storage = tempfile::tempdir().expect("storage dir");
    {
        let mut conn = database.pool.get().expect("connection");
        let cache = DocCache::new(0);
        for (id, name) in ids.iter().zip(&documents) {
            let stored = store::load(&mut conn, &cache, *id).expect("document");
            std::fs::write(
                seed.path().join(format!("{name}.automerge")),
                stored.doc.save(),
            )
            .expect("write seed");
        }
    }
    let seeded = Command::new("node")
        .arg(js_dir().join("fanout-server.mjs"))
        .args(["0", &storage.path().display().to_string()])
        .arg(seed.path())
        .output()
        .expect("seed the JS server");
    assert!(
        seeded.status.success(),
        "seeding the JS server: {}",
        String::from_utf8_lossy(&seeded.stderr)
    );

    for (round, &n) in clients.iter().enumerate() {
        println!("N = {n} clients × {document_count} documents");
        let order: [&str; 2] = if round % 2 == 0 {
            ["hezuo", "js"]
        } else {
            ["js", "hezuo"]
        };
        let mut ours = Figures::default();
        let mut theirs = Figures::default();
        for which in order {
            if only.as_deref().is_some_and(|only| only != which) {
                continue;
            }
            if which == "hezuo" {
                let server = ServerProcess::start(&database);
                let ws = format!(
                    "{}/api/v1/sync/ws",
                    server.address.replace("http://", "ws://")
                );
                let target = Target {
                    name: "hezuo",
                    pid: server.pid().expect("pid"),
                    readers: reader_tokens[..n]
                        .iter()
                        .map(|token| format!("{ws}?token={token}"))
                        .collect(),
                    writer: format!("{ws}?token={writer_token}"),
                };
                ours = measure(&target, &documents, pushes, round, per_process);
                print(target.name, &mut ours);
            } else {
                let port = std::net::TcpListener::bind("127.0.0.1:0")
                    .and_then(|listener| listener.local_addr())
                    .expect("a free port")
                    .port();
                let mut child = Command::new("node")
                    .arg(js_dir().join("fanout-server.mjs"))
                    .args([port.to_string(), storage.path().display().to_string()])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::inherit())
                    .spawn()
                    .expect("start the JS server");
                let output = child.stdout.take().expect("stdout");
                let child = Killed(child);
                let mut line = String::new();
                BufReader::new(output)
                    .read_line(&mut line)
                    .expect("the JS server starts");
                assert!(line.contains("listening"), "the JS server said {line:?}");
                let url = format!("ws://127.0.0.1:{port}");
                let target = Target {
                    name: "js",
                    pid: child.0.id(),
                    readers: vec![url.clone(); n],
                    writer: url,
                };
                theirs = measure(&target, &documents, pushes, round, per_process);
                print(target.name, &mut theirs);
                drop(child);
            }
        }
        println!(
            "   hezuo/js: crowd CPU {}, RSS per connection {}, cold first document {}, all K p50 {}, push p50 {}",
            ratio(ours.crowd_cpu_s, theirs.crowd_cpu_s),
            ratio(ours.rss_per_connection_kib, theirs.rss_per_connection_kib),
            ratio(ours.cold_first_ms, theirs.cold_first_ms),
            ratio(
                percentile(&mut ours.crowd_all_ms, 0.5),
                percentile(&mut theirs.crowd_all_ms, 0.5)
            ),
            ratio(
                percentile(&mut ours.push_ms, 0.5),
                percentile(&mut theirs.push_ms, 0.5)
            ),
        );
    }
    println!(
        "targets at N = 200: crowd CPU ≤ 0.25× the JS server's, ≤ 100 KiB per idle connection, cold first document no slower than the JS server's"
    );
}
