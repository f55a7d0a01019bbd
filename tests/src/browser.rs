//! Browser scenarios: `web/console/e2e/<name>.mjs` drives Debian's Chromium (playwright-core) against a real server
//! over a real socket, while the Rust test prepares data with the phone SDK, acts at the scenario's named steps (a
//! phone syncs an edit while the page is open), and checks the API afterwards.
//!
//! Needs `node`, `/usr/bin/chromium` (or `HEZUO_CHROMIUM`) and the console's npm packages (installed with `npm ci`
//! on first use). Without node or Chromium a scenario is skipped, except under CI (`CI` set), where it fails.
//! `HEZUO_SCREENSHOTS=<folder>` keeps a screenshot of each step.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// The console's source folder (`web/console`).
pub fn console_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web/console")
}

fn chromium() -> PathBuf {
    std::env::var_os("HEZUO_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Whether scenarios can run here; installs the console's npm packages when node is present and they are missing.
/// Under CI a missing browser fails instead of skipping.
pub fn available() -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let present = node && chromium().exists();
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the browser tests: node or {} is missing",
            chromium().display()
        );
        eprintln!("node or Chromium is missing: skipping the browser scenario");
        return false;
    }
    for dir in [console_dir(), field_dir()] {
        if !dir.join("node_modules/playwright-core").exists() {
            let installed = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir)
                .status()
                .expect("run npm");
            assert!(installed.success(), "npm ci in {} failed", dir.display());
        }
    }
    true
}

/// The field app's source folder (`web/field`).
pub fn field_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web/field")
}

/// What a scenario reported (`report <name> <json>` lines).
#[derive(Debug, Default)]
pub struct Reports(pub HashMap<String, Value>);

impl Reports {
    pub fn get(&self, name: &str) -> &Value {
        self.0
            .get(name)
            .unwrap_or_else(|| panic!("the scenario reported no {name}"))
    }
}

/// Runs `e2e/<name>.mjs` against `url`. At each `step <name> <json>` the scenario waits while `on_step` acts on the
/// step's name and payload; what it returns goes back to the scenario. Panics with the scenario's output when it fails or takes over `timeout`.
pub fn run(
    name: &str,
    url: &str,
    password: &str,
    args: &Value,
    timeout: Duration,
    on_step: impl FnMut(&str, Value) -> Value,
) -> Reports {
    run_in(&console_dir(), name, url, password, args, timeout, on_step)
}

/// [`run`] for a scenario of the app in `dir` (`web/field/e2e/<name>.mjs` for the field app).
pub fn run_in(
    dir: &Path,
    name: &str,
    url: &str,
    password: &str,
    args: &Value,
    timeout: Duration,
    mut on_step: impl FnMut(&str, Value) -> Value,
) -> Reports {
    let script = dir.join("e2e").join(format!("{name}.mjs"));
    let mut command = Command::new("node");
    command
        .arg(&script)
        .current_dir(dir)
        .env("HEZUO_URL", url)
        .env("HEZUO_PASSWORD", password)
        .env("HEZUO_ARGS", args.to_string())
        .env("HEZUO_CHROMIUM", chromium())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(folder) = std::env::var_os("HEZUO_SCREENSHOTS") {
        command.env("HEZUO_SCREENSHOTS", Path::new(&folder).join(name));
    }
    let mut child = command.spawn().expect("start node");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });

    let deadline = std::time::Instant::now() + timeout;
    let mut reports = Reports::default();
    let mut finished = false;
    let mut transcript = String::new();
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        let Ok(line) = lines.recv_timeout(left) else {
            break;
        };
        transcript.push_str(&line);
        transcript.push('\n');
        if let Some(step) = line.strip_prefix("step ") {
            let (step, payload) = step.split_once(' ').unwrap_or((step, "null"));
            let payload = serde_json::from_str(payload).expect("a JSON step payload");
            let answer = on_step(step, payload);
            writeln!(stdin, "{answer}").expect("answer the scenario");
        } else if let Some(rest) = line.strip_prefix("report ") {
            let (key, value) = rest.split_once(' ').expect("report <name> <json>");
            let value = serde_json::from_str(value).expect("a JSON report");
            reports.0.insert(key.to_owned(), value);
        } else if line == "done" {
            finished = true;
        }
    }
    if !finished {
        let _ = child.kill();
    }
    drop(stdin);
    let status = child.wait().expect("node finished");
    let errors = errors.join().unwrap_or_default();
    assert!(
        finished && status.success(),
        "browser scenario {name} failed ({status}):\n{transcript}\n{errors}"
    );
    reports
}
