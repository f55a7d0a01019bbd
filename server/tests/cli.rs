//! The `hezuo` command line, run as a user runs it: a fresh data directory, configuration through the environment.
//! Database work runs on SQLite, and also on PostgreSQL when `HEZUO_TEST_POSTGRES_URL` is set.

use std::path::Path;
use std::process::{Command, Output};

use diesel::{Connection, PgConnection, RunQueryDsl};

/// A database for one test: a SQLite file under the data directory, or a fresh PostgreSQL schema.
struct Database {
    url: String,
    cleanup: Option<(String, String)>,
}

impl Database {
    fn new(data_dir: &Path) -> Self {
        match std::env::var("HEZUO_TEST_POSTGRES_URL") {
            Ok(admin) if !admin.is_empty() => {
                let schema = format!("cli_{}", std::process::id() as u64 * 1000 + rand_suffix());
                let mut conn = PgConnection::establish(&admin).expect("connect");
                diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                    .execute(&mut conn)
                    .expect("schema");
                let separator = if admin.contains('?') { '&' } else { '?' };
                Self {
                    url: format!("{admin}{separator}options=-c%20search_path%3D{schema}"),
                    cleanup: Some((admin, schema)),
                }
            }
            _ => Self {
                url: format!("sqlite://{}", data_dir.join("hezuo.db").display()),
                cleanup: None,
            },
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some((admin, schema)) = &self.cleanup
            && let Ok(mut conn) = PgConnection::establish(admin)
        {
            let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&mut conn);
        }
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    (nanos + NEXT.fetch_add(1, Ordering::SeqCst)) % 1000
}

fn hezuo(
    data_dir: &Path,
    database: Option<&Database>,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hezuo"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HEZUO_DATA_DIR", data_dir)
        .env("HEZUO_ARGON2_MEMORY_KIB", "64")
        .env("HEZUO_ARGON2_ITERATIONS", "1");
    if let Some(database) = database {
        command.env("HEZUO_DATABASE_URL", &database.url);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run hezuo")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn print_config_hides_secrets() {
    let dir = tempfile::tempdir().expect("dir");
    let output = hezuo(
        dir.path(),
        None,
        &["print-config"],
        &[
            (
                "HEZUO_JWT_SECRET",
                "this-secret-must-never-be-printed-0123456",
            ),
            (
                "HEZUO_DATABASE_URL",
                "postgres://hezuo:db-password@db.internal/hezuo",
            ),
            ("HEZUO_BIND", "0.0.0.0:9000"),
        ],
    );
    assert!(output.status.success(), "{}", text(&output));
    let shown = text(&output);
    assert!(shown.contains("bind = \"0.0.0.0:9000\""), "{shown}");
    assert!(
        shown.contains("postgres://hezuo:***@db.internal/hezuo"),
        "{shown}"
    );
    assert!(
        !shown.contains("never-be-printed") && !shown.contains("db-password"),
        "{shown}"
    );
}

#[test]
fn a_config_file_is_read_and_the_environment_overrides_it() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("hezuo.toml");
    std::fs::write(
        &file,
        "bind = \"127.0.0.1:7000\"\naccess_token_ttl_secs = 300\n",
    )
    .expect("write");
    let output = hezuo(
        dir.path(),
        None,
        &["print-config"],
        &[
            ("HEZUO_CONFIG", file.to_str().expect("utf-8")),
            ("HEZUO_ACCESS_TOKEN_TTL_SECS", "600"),
        ],
    );
    let shown = text(&output);
    assert!(shown.contains("bind = \"127.0.0.1:7000\""), "{shown}");
    assert!(shown.contains("access_token_ttl_secs = 600"), "{shown}");

    let missing = hezuo(
        dir.path(),
        None,
        &["print-config"],
        &[("HEZUO_CONFIG", "/nonexistent/hezuo.toml")],
    );
    assert!(!missing.status.success());
}

#[test]
fn production_refuses_demo_data_and_a_missing_secret() {
    let dir = tempfile::tempdir().expect("dir");
    let serve = hezuo(dir.path(), None, &["serve"], &[("HEZUO_ENV", "production")]);
    assert!(!serve.status.success());
    assert!(
        text(&serve).contains("HEZUO_JWT_SECRET"),
        "{}",
        text(&serve)
    );
    let demo = hezuo(
        dir.path(),
        None,
        &["demo", "--no-serve"],
        &[
            ("HEZUO_ENV", "production"),
            (
                "HEZUO_JWT_SECRET",
                "a-production-secret-of-enough-length-0001",
            ),
        ],
    );
    assert!(!demo.status.success());
    assert!(text(&demo).contains("production"), "{}", text(&demo));
}

#[test]
fn production_refuses_to_serve_an_unmigrated_database() {
    let dir = tempfile::tempdir().expect("dir");
    let database = Database::new(dir.path());
    let env = [
        ("HEZUO_ENV", "production"),
        (
            "HEZUO_JWT_SECRET",
            "a-production-secret-of-enough-length-0001",
        ),
        ("HEZUO_BIND", "127.0.0.1:0"),
    ];
    let serve = hezuo(dir.path(), Some(&database), &["serve"], &env);
    assert!(!serve.status.success());
    assert!(text(&serve).contains("hezuo migrate"), "{}", text(&serve));
    let migrate = hezuo(dir.path(), Some(&database), &["migrate"], &env);
    assert!(migrate.status.success(), "{}", text(&migrate));
    assert!(
        text(&migrate).contains("20261122000001"),
        "{}",
        text(&migrate)
    );
    let again = hezuo(dir.path(), Some(&database), &["migrate"], &env);
    assert!(text(&again).contains("up to date"), "{}", text(&again));
}

#[test]
fn demo_data_is_seeded_once() {
    let dir = tempfile::tempdir().expect("dir");
    let database = Database::new(dir.path());
    let first = hezuo(
        dir.path(),
        Some(&database),
        &["demo", "--no-serve", "--cooperatives", "300"],
        &[],
    );
    assert!(first.status.success(), "{}", text(&first));
    let shown = text(&first);
    assert!(shown.contains("300 cooperatives"), "{shown}");
    assert!(shown.contains("counsellor.haishu.1"), "{shown}");
    assert!(shown.contains("hezuo-demo"), "{shown}");
    let second = hezuo(dir.path(), Some(&database), &["demo", "--no-serve"], &[]);
    assert!(
        text(&second).contains("already present"),
        "{}",
        text(&second)
    );
}

#[test]
fn the_admin_imports_regions_and_the_register_from_files() {
    let dir = tempfile::tempdir().expect("dir");
    let database = Database::new(dir.path());
    let regions = dir.path().join("regions.csv");
    std::fs::write(
        &regions,
        "code,name,parent_code\n330000,浙江省,\n330200,宁波市,330000\n330225,象山县,330200\n330225101,石浦镇,330225\n",
    )
    .expect("write");
    let output = hezuo(
        dir.path(),
        Some(&database),
        &["import", "regions", regions.to_str().expect("utf-8")],
        &[],
    );
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("新增4"), "{}", text(&output));

    let register = dir.path().join("register.csv");
    std::fs::write(
        &register,
        "名称,统一社会信用代码,行政区划代码\n\
         象山县一号专业合作社,93330225MA2K000013,330225101\n\
         象山县坏码专业合作社,93330225MA2K000010,330225101\n",
    )
    .expect("write");
    let output = hezuo(
        dir.path(),
        Some(&database),
        &["import", "cooperatives", register.to_str().expect("utf-8")],
        &[],
    );
    let shown = text(&output);
    assert!(output.status.success(), "{shown}");
    assert!(
        shown.contains("共2行：新增1，更新0，未变0，失败1"),
        "{shown}"
    );
    assert!(shown.contains("第3行 [uscc]"), "{shown}");

    let again = hezuo(
        dir.path(),
        Some(&database),
        &["import", "cooperatives", register.to_str().expect("utf-8")],
        &[],
    );
    assert!(
        text(&again).contains("新增0，更新0，未变1"),
        "{}",
        text(&again)
    );

    let missing = hezuo(
        dir.path(),
        Some(&database),
        &["import", "cooperatives", "/nonexistent.csv"],
        &[],
    );
    assert!(!missing.status.success());
}

#[test]
fn the_first_admin_is_created_from_the_command_line() {
    let dir = tempfile::tempdir().expect("dir");
    let database = Database::new(dir.path());
    let created = hezuo(
        dir.path(),
        Some(&database),
        &["create-user", "--username", "Root.Admin", "--role", "admin"],
        &[("HEZUO_NEW_PASSWORD", "a-strong-admin-password")],
    );
    assert!(created.status.success(), "{}", text(&created));
    assert!(text(&created).contains("root.admin"), "{}", text(&created));
    let duplicate = hezuo(
        dir.path(),
        Some(&database),
        &["create-user", "--username", "root.admin", "--role", "admin"],
        &[("HEZUO_NEW_PASSWORD", "a-strong-admin-password")],
    );
    assert!(!duplicate.status.success());
    let weak = hezuo(
        dir.path(),
        Some(&database),
        &["create-user", "--username", "weak.admin", "--role", "admin"],
        &[("HEZUO_NEW_PASSWORD", "short")],
    );
    assert!(!weak.status.success());
    let no_region = hezuo(
        dir.path(),
        Some(&database),
        &[
            "create-user",
            "--username",
            "some.counsellor",
            "--role",
            "counsellor",
        ],
        &[("HEZUO_NEW_PASSWORD", "a-strong-password")],
    );
    assert!(
        text(&no_region).contains("--region"),
        "{}",
        text(&no_region)
    );
}

#[test]
fn repair_documents_drops_unchecked_changes_an_older_version_stored() {
    use automerge::ActorId;
    use diesel::prelude::*;
    use hezuo_server::db::schema::documents;
    use hezuo_sync::document;

    let dir = tempfile::tempdir().expect("dir");
    let database = Database::new(dir.path());
    let migrated = hezuo(dir.path(), Some(&database), &["migrate"], &[]);
    assert!(migrated.status.success(), "{}", text(&migrated));

    // What the old server could store: a snapshot holding a change that waits for a dependency never received.
    let id = uuid::Uuid::now_v7();
    let mut elsewhere = document::genesis(id).with_actor(ActorId::random());
    for n in 0..2 {
        let profile = hezuo_sync::model::Profile {
            notes: Some(format!("伪造 {n}")),
            ..Default::default()
        };
        document::put_profile(&mut elsewhere, &profile, n).expect("save");
    }
    let orphan = elsewhere
        .get_changes(&[document::genesis_hash(id)])
        .pop()
        .expect("second change");
    let mut poisoned = document::genesis(id);
    poisoned
        .load_incremental(orphan.raw_bytes())
        .expect("queued");
    assert!(document::has_orphans(&poisoned));
    let snapshot = poisoned.save();
    let pool = hezuo_server::db::build_pool(&database.url, 1).expect("pool");
    let now = chrono::Utc::now().naive_utc();
    diesel::insert_into(documents::table)
        .values((
            documents::cooperative_id.eq(id.to_string()),
            documents::heads.eq(document::genesis_hash(id).to_string()),
            documents::version.eq(1_i64),
            documents::snapshot.eq(Some(&snapshot)),
            documents::snapshot_bytes.eq(snapshot.len() as i64),
            documents::chunk_bytes.eq(0_i64),
            documents::created_at.eq(now),
            documents::updated_at.eq(now),
        ))
        .execute(&mut *pool.get().expect("connection"))
        .expect("insert");

    let repaired = hezuo(dir.path(), Some(&database), &["repair-documents"], &[]);
    assert!(repaired.status.success(), "{}", text(&repaired));
    assert!(
        text(&repaired).contains("repaired 1"),
        "{}",
        text(&repaired)
    );
    let stored: Option<Vec<u8>> = documents::table
        .find(id.to_string())
        .select(documents::snapshot)
        .first(&mut *pool.get().expect("connection"))
        .expect("row");
    let stored = automerge::Automerge::load(&stored.expect("snapshot")).expect("load");
    assert!(!document::has_orphans(&stored));
    let again = hezuo(dir.path(), Some(&database), &["repair-documents"], &[]);
    assert!(text(&again).contains("repaired 0"), "{}", text(&again));
}
