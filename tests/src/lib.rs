//! The test harness: [`TestApp`] starts the real server on port 0 with a database of its own, seeds the demo region
//! tree, five personas and a few cooperatives, and hands out SDK clients logged in as each persona.
//!
//! Databases: SQLite in a temporary directory by default; PostgreSQL when `HEZUO_TEST_POSTGRES_URL` names a server
//! (each test then gets a schema of its own, dropped at the end). Server logs go to stderr when `TEST_LOG` is set.

pub mod bench;
pub mod browser;
pub mod db_proxy;

use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;

use actix_web::dev::ServerHandle;
use diesel::{Connection, PgConnection, RunQueryDsl};
use hezuo_mobile_api::auth::TokenResponse;
use hezuo_mobile_api::client::{ApiClient, Phone, PhoneInfo};
use hezuo_mobile_api::cooperatives::{GxsRelation, Industry, NhlLevel, TitleLevel};
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{RegionCode, Uscc};
use hezuo_server::auth::password::PasswordHasher;
use hezuo_server::config::Config;
use hezuo_server::db::{self, Pool};
use hezuo_server::import::cooperatives::CooperativeInput;
use hezuo_server::models::Who;
use hezuo_server::startup::Application;
use hezuo_server::{demo, import};

/// Password of every persona.
pub const PASSWORD: &str = "persona-password-1";

/// The test servers' token signing key.
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// The people a test can act as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persona {
    Admin,
    /// Supervisor of 海曙区 (330203).
    SupervisorHaishu,
    /// Supervisor of 象山县 (330225).
    SupervisorXiangshan,
    /// Counsellor of 海曙区.
    CounsellorHaishu,
    /// Counsellor of 象山县.
    CounsellorXiangshan,
    /// Viewer of 海曙区.
    ViewerHaishu,
    /// Supervisor of 高桥镇 (330203101), a township of 海曙区: reviews first.
    TownshipGaoqiao,
    /// Supervisor of 集士港镇 (330203102), another township of 海曙区.
    TownshipJishigang,
}

impl Persona {
    pub const ALL: [Persona; 8] = [
        Persona::Admin,
        Persona::SupervisorHaishu,
        Persona::SupervisorXiangshan,
        Persona::CounsellorHaishu,
        Persona::CounsellorXiangshan,
        Persona::ViewerHaishu,
        Persona::TownshipGaoqiao,
        Persona::TownshipJishigang,
    ];

    pub fn username(self) -> &'static str {
        match self {
            Persona::Admin => "admin",
            Persona::SupervisorHaishu => "supervisor.haishu",
            Persona::SupervisorXiangshan => "supervisor.xiangshan",
            Persona::CounsellorHaishu => "counsellor.haishu",
            Persona::CounsellorXiangshan => "counsellor.xiangshan",
            Persona::ViewerHaishu => "viewer.haishu",
            Persona::TownshipGaoqiao => "township.gaoqiao",
            Persona::TownshipJishigang => "township.jishigang",
        }
    }

    pub fn role(self) -> Role {
        match self {
            Persona::Admin => Role::Admin,
            Persona::SupervisorHaishu
            | Persona::SupervisorXiangshan
            | Persona::TownshipGaoqiao
            | Persona::TownshipJishigang => Role::Supervisor,
            Persona::CounsellorHaishu | Persona::CounsellorXiangshan => Role::Counsellor,
            Persona::ViewerHaishu => Role::Viewer,
        }
    }

    /// The region the persona works in (`None` for the admin): a district, or a township.
    pub fn region(self) -> Option<&'static str> {
        match self {
            Persona::Admin => None,
            Persona::SupervisorHaishu | Persona::CounsellorHaishu | Persona::ViewerHaishu => {
                Some(HAISHU)
            }
            Persona::SupervisorXiangshan | Persona::CounsellorXiangshan => Some(XIANGSHAN),
            Persona::TownshipGaoqiao => Some(HAISHU_GAOQIAO),
            Persona::TownshipJishigang => Some(HAISHU_JISHIGANG),
        }
    }
}

pub const HAISHU: &str = "330203";
pub const XIANGSHAN: &str = "330225";
/// Two townships of 海曙区: 高桥镇 (which holds [`HAISHU_VILLAGE`]) and 集士港镇.
pub const HAISHU_GAOQIAO: &str = "330203101";
pub const HAISHU_JISHIGANG: &str = "330203102";
/// A village in 海曙区 (高桥镇) and one in 象山县 (石浦镇) from the demo tree.
pub const HAISHU_VILLAGE: &str = "330203101201";
pub const XIANGSHAN_VILLAGE: &str = "330225101201";

/// Cooperatives every test starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixture {
    /// 海曙, fruit and vegetables, 领办, three stars, county 农合联 member, county 规范社.
    HaishuFruit,
    /// 海曙, rice, no 供销 relation, unrated, on the abnormal list, county 规范社.
    HaishuRice,
    /// 象山, fishery, 参办, five stars, provincial 规范社 and provincial 示范社 of 2023.
    XiangshanFishery,
}

impl Fixture {
    pub const ALL: [Fixture; 3] = [
        Fixture::HaishuFruit,
        Fixture::HaishuRice,
        Fixture::XiangshanFishery,
    ];

    pub fn uscc(self) -> Uscc {
        let body = match self {
            Fixture::HaishuFruit => "93330203MA2H00001",
            Fixture::HaishuRice => "93330203MA2H00002",
            Fixture::XiangshanFishery => "93330225MA2H00003",
        };
        Uscc::from_body(body).expect("fixture codes are valid")
    }

    pub fn name(self) -> &'static str {
        match self {
            Fixture::HaishuFruit => "宁波市海曙区高桥绿源果蔬专业合作社",
            Fixture::HaishuRice => "宁波市海曙区高桥金穗水稻专业合作社",
            Fixture::XiangshanFishery => "象山县石浦海韵水产专业合作社",
        }
    }

    fn input(self, row: u64) -> CooperativeInput {
        let (region, industry, relation, star, nhl, abnormal) = match self {
            Fixture::HaishuFruit => (
                HAISHU_VILLAGE,
                Industry::Planting,
                GxsRelation::Led,
                Some(3),
                vec![NhlLevel::County],
                false,
            ),
            Fixture::HaishuRice => (
                HAISHU_VILLAGE,
                Industry::Planting,
                GxsRelation::None,
                None,
                vec![],
                true,
            ),
            Fixture::XiangshanFishery => (
                XIANGSHAN_VILLAGE,
                Industry::Fishery,
                GxsRelation::CoRun,
                Some(5),
                vec![NhlLevel::Industry],
                false,
            ),
        };
        CooperativeInput {
            row,
            uscc: Some(self.uscc()),
            name: self.name().to_owned(),
            region_code: RegionCode::parse(region).ok(),
            legal_representative: Some(Some("王建国".to_owned())),
            registration_date: Some(chrono::NaiveDate::from_ymd_opt(2015, 4, 1)),
            address: Some(Some("浙江省宁波市".to_owned())),
            annual_report_filed: Some(Some(!abnormal)),
            on_abnormal_list: Some(Some(abnormal)),
            industry: Some(Some(industry)),
            gxs_relation: Some(relation),
            star_level: Some(star),
            nhl_memberships: Some(nhl),
            member_count: Some(Some(120)),
            location: None,
            guifan_level: Some(Some(match self {
                Fixture::XiangshanFishery => TitleLevel::Province,
                _ => TitleLevel::County,
            })),
            demo_level: Some((self == Fixture::XiangshanFishery).then_some(TitleLevel::Province)),
            demo_year: Some((self == Fixture::XiangshanFishery).then_some(2023)),
        }
    }
}

/// A database of the test's own.
pub enum TestDatabase {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        admin_url: String,
        schema: String,
        url: String,
    },
}

impl TestDatabase {
    pub fn create() -> TestDatabase {
        match std::env::var("HEZUO_TEST_POSTGRES_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&admin_url)
                    .expect("connect to HEZUO_TEST_POSTGRES_URL");
                diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                    .execute(&mut conn)
                    .expect("create schema");
                let separator = if admin_url.contains('?') { '&' } else { '?' };
                // The application name lets a test find its own backends among those of tests running beside it.
                let url = format!(
                    "{admin_url}{separator}options=-c%20search_path%3D{schema}&application_name={schema}"
                );
                TestDatabase::Postgres {
                    admin_url,
                    schema,
                    url,
                }
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("hezuo.db").display());
                TestDatabase::Sqlite { _dir: dir, url }
            }
        }
    }

    pub fn url(&self) -> &str {
        match self {
            TestDatabase::Sqlite { url, .. } | TestDatabase::Postgres { url, .. } => url,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDatabase::Postgres { .. })
    }

    /// Terminates every PostgreSQL backend serving this test's schema (its servers' pools and listeners), as an
    /// administrator or a crashing backend would; the number terminated. Nothing on SQLite.
    pub fn terminate_backends(&self) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Terminated {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            count: i64,
        }
        let TestDatabase::Postgres {
            admin_url, schema, ..
        } = self
        else {
            return 0;
        };
        let mut conn = PgConnection::establish(admin_url).expect("admin connection");
        diesel::sql_query(
            "SELECT count(pg_terminate_backend(pid)) AS count FROM pg_stat_activity \
             WHERE application_name = $1 AND pid <> pg_backend_pid()",
        )
        .bind::<diesel::sql_types::Text, _>(schema.as_str())
        .get_result::<Terminated>(&mut conn)
        .expect("terminate backends")
        .count
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres {
            admin_url, schema, ..
        } = self
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&mut conn);
        }
    }
}

/// The configuration tests run with: cheap password hashing (the algorithm is the same), generous login limits.
pub fn test_config(database_url: &str, data_dir: PathBuf) -> Config {
    Config {
        bind: "127.0.0.1:0".to_owned(),
        data_dir,
        database_url: Some(database_url.to_owned()),
        database_pool_size: 4,
        workers: Some(2),
        jwt_secret: Some(JWT_SECRET.to_owned()),
        argon2_memory_kib: 64,
        argon2_iterations: 1,
        login_rate_limit_per_minute: 10_000,
        ..Config::default()
    }
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub pool: Pool,
    pub config: Config,
    pub passwords: PasswordHasher,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
    _data_dir: tempfile::TempDir,
    // Dropped last, after the server stopped using it.
    pub database: TestDatabase,
}

/// A migrated, seeded database with the configuration to serve it, without a server.
pub struct SeededDatabase {
    pub config: Config,
    pub pool: Pool,
    pub passwords: PasswordHasher,
    pub data_dir: tempfile::TempDir,
    pub database: TestDatabase,
}

impl SeededDatabase {
    pub fn create(adjust: impl FnOnce(&mut Config)) -> Self {
        init_logging();
        let database = TestDatabase::create();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(database.url(), data_dir.path().to_path_buf());
        adjust(&mut config);
        let pool = db::build_pool(database.url(), config.database_pool_size).expect("pool");
        {
            let mut conn = pool.get().expect("connection");
            db::run_migrations(&mut conn).expect("migrations");
        }
        let passwords = PasswordHasher::new(config.argon2_memory_kib, config.argon2_iterations)
            .expect("hasher");
        seed(&pool, &passwords);
        Self {
            config,
            pool,
            passwords,
            data_dir,
            database,
        }
    }

    /// The id of a fixture cooperative.
    pub fn cooperative_id(&self, fixture: Fixture) -> uuid::Uuid {
        let mut conn = self.pool.get().expect("connection");
        let row =
            hezuo_server::models::cooperatives::find_by_uscc(&mut conn, fixture.uscc().as_str())
                .expect("query")
                .expect("fixture exists");
        row.id.uuid()
    }
}

/// The `hezuo` binary serving a [`SeededDatabase`] as a separate process, which a test can kill and restart.
pub struct ServerProcess {
    pub address: String,
    port: u16,
    child: Option<std::process::Child>,
    environment: Vec<(String, String)>,
}

impl ServerProcess {
    pub fn start(database: &SeededDatabase) -> ServerProcess {
        Self::start_on(database, database.database.url())
    }

    /// Like [`ServerProcess::start`], reaching the database at `database_url` (through a [`db_proxy::DatabaseRelay`]).
    pub fn start_on(database: &SeededDatabase, database_url: &str) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let config = &database.config;
        let environment = vec![
            ("HEZUO_BIND".to_owned(), format!("127.0.0.1:{port}")),
            ("HEZUO_DATABASE_URL".to_owned(), database_url.to_owned()),
            (
                "HEZUO_DATA_DIR".to_owned(),
                config.data_dir.display().to_string(),
            ),
            (
                "HEZUO_JWT_SECRET".to_owned(),
                config.jwt_secret.clone().unwrap_or_default(),
            ),
            (
                "HEZUO_ARGON2_MEMORY_KIB".to_owned(),
                config.argon2_memory_kib.to_string(),
            ),
            (
                "HEZUO_ARGON2_ITERATIONS".to_owned(),
                config.argon2_iterations.to_string(),
            ),
            (
                "HEZUO_LOGIN_RATE_LIMIT_PER_MINUTE".to_owned(),
                "100000".to_owned(),
            ),
            ("HEZUO_WORKERS".to_owned(), "2".to_owned()),
            (
                "HEZUO_DATABASE_POOL_SIZE".to_owned(),
                config.database_pool_size.to_string(),
            ),
            (
                "HEZUO_LOG_FILTER".to_owned(),
                std::env::var("HEZUO_TEST_SERVER_LOG").unwrap_or_else(|_| "warn".to_owned()),
            ),
        ];
        let mut server = ServerProcess {
            address: format!("http://127.0.0.1:{port}"),
            port,
            child: None,
            environment,
        };
        server.restart();
        server
    }

    /// Starts the process (again) and waits until it answers.
    pub fn restart(&mut self) {
        let child = std::process::Command::new(workspace_binary("hezuo"))
            .arg("serve")
            .envs(
                self.environment
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            )
            .stdout(std::process::Stdio::null())
            .stderr(if std::env::var_os("TEST_LOG").is_some() {
                std::process::Stdio::inherit()
            } else {
                std::process::Stdio::null()
            })
            .spawn()
            .expect("start hezuo serve");
        self.child = Some(child);
        let client = ApiClient::new(&self.address);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            if let Ok(response) = client.raw(ureq::http::Method::GET, "/ready", &[], &[], None)
                && response.status == 200
            {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("hezuo serve on port {} did not become ready", self.port);
    }

    /// SIGKILL: no shutdown, no flushing, as when a machine loses power or the OOM killer strikes.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The server's process id (for reading its memory use).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(std::process::Child::id)
    }

    /// A phone logged in on this server.
    pub fn phone(&self, persona: Persona) -> TestPhone {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut phone = Phone::open(dir.path(), phone_info()).expect("phone state");
        phone
            .login(&self.address, persona.username(), PASSWORD)
            .unwrap_or_else(|e| panic!("{persona:?} logs in: {e}"));
        TestPhone { phone, _dir: dir }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

impl TestApp {
    /// A server with the standard seed.
    pub fn spawn() -> TestApp {
        Self::spawn_with(|_| {})
    }

    /// A server whose configuration the test adjusts first.
    pub fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let SeededDatabase {
            config,
            pool,
            passwords,
            data_dir,
            database,
        } = SeededDatabase::create(adjust);

        let (sender, receiver) = mpsc::channel();
        let server_config = config.clone();
        let server_pool = pool.clone();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                match Application::build_with_pool(server_config, server_pool) {
                    Ok(application) => {
                        let _ = sender.send(Ok((application.port(), application.handle())));
                        let _ = application.run_until_stopped().await;
                    }
                    Err(error) => {
                        let _ = sender.send(Err(format!("{error:#}")));
                    }
                }
            });
        });
        let (port, handle) = receiver
            .recv()
            .expect("server thread answered")
            .unwrap_or_else(|error| panic!("server failed to start: {error}"));
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            pool,
            config,
            passwords,
            handle,
            thread: Some(thread),
            _data_dir: data_dir,
            database,
        }
    }

    /// A client without a token.
    pub fn anonymous(&self) -> ApiClient {
        ApiClient::new(&self.address)
    }

    /// Logs a persona in (no device) and returns the tokens.
    pub fn login(&self, persona: Persona) -> TokenResponse {
        self.anonymous()
            .login(persona.username(), PASSWORD, None)
            .unwrap_or_else(|e| panic!("{persona:?} logs in: {e}"))
    }

    /// A client carrying a fresh access token of the persona.
    pub fn client(&self, persona: Persona) -> ApiClient {
        let mut client = self.anonymous();
        client.set_token(Some(self.login(persona).access_token));
        client
    }

    /// A phone (the SDK) of the persona, logged in with its device registered, in a state directory of its own.
    pub fn phone(&self, persona: Persona) -> TestPhone {
        let mut phone = self.new_phone();
        phone
            .login(&self.address, persona.username(), PASSWORD)
            .unwrap_or_else(|e| panic!("{persona:?} phone logs in: {e}"));
        phone
    }

    /// A phone of the persona that has pulled the documents of its regions.
    pub fn pulled_phone(&self, persona: Persona) -> TestPhone {
        let mut phone = self.phone(persona);
        phone
            .pull()
            .unwrap_or_else(|e| panic!("{persona:?} phone pulls: {e}"));
        phone
    }

    /// A phone that has not logged in yet.
    pub fn new_phone(&self) -> TestPhone {
        let dir = tempfile::tempdir().expect("temp dir");
        let phone = Phone::open(dir.path(), phone_info()).expect("phone state");
        TestPhone { phone, _dir: dir }
    }

    pub fn conn(&self) -> db::PooledConn {
        self.pool.get().expect("connection")
    }

    /// The id of a fixture cooperative.
    pub fn cooperative_id(&self, fixture: Fixture) -> uuid::Uuid {
        let row = hezuo_server::models::cooperatives::find_by_uscc(
            &mut self.conn(),
            fixture.uscc().as_str(),
        )
        .expect("query")
        .expect("fixture exists");
        row.id.uuid()
    }

    /// The id of a persona's account.
    pub fn user_id(&self, persona: Persona) -> uuid::Uuid {
        let row =
            hezuo_server::models::users::find_by_username(&mut self.conn(), persona.username())
                .expect("query")
                .expect("persona exists");
        row.id.uuid()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // `stop` sends the command at once; the returned future only waits for completion.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A phone with its state directory, which lives as long as the phone (and may outlive the server).
pub struct TestPhone {
    phone: Phone,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TestPhone {
    type Target = Phone;

    fn deref(&self) -> &Phone {
        &self.phone
    }
}

impl std::ops::DerefMut for TestPhone {
    fn deref_mut(&mut self) -> &mut Phone {
        &mut self.phone
    }
}

pub fn phone_info() -> PhoneInfo {
    PhoneInfo {
        device_name: "测试手机".to_owned(),
        platform: "android".to_owned(),
        app_version: "1.0.0-test".to_owned(),
    }
}

fn seed(pool: &Pool, passwords: &PasswordHasher) {
    let mut conn = pool.get().expect("connection");
    let actor = Who::system();
    import::regions::apply(&mut conn, demo::regions(), &actor, &mut |_, _| {}).expect("regions");
    let hash = passwords.hash(PASSWORD).expect("hash");
    let logins: Vec<demo::DemoLogin> = Persona::ALL
        .iter()
        .map(|persona| demo::DemoLogin {
            username: persona.username().to_owned(),
            display_name: format!("{persona:?}"),
            role: persona.role(),
            region_codes: persona
                .region()
                .map(|d| vec![d.to_owned()])
                .unwrap_or_default(),
        })
        .collect();
    demo::create_logins(&mut conn, &logins, &hash).expect("personas");
    let inputs: Vec<CooperativeInput> = Fixture::ALL
        .iter()
        .enumerate()
        .map(|(i, f)| f.input(i as u64 + 2))
        .collect();
    let report =
        import::cooperatives::apply(&mut conn, inputs, &actor, &mut |_, _| {}).expect("fixtures");
    assert_eq!(
        report.inserted,
        Fixture::ALL.len() as u64,
        "fixtures seeded: {report:?}"
    );
}

fn init_logging() {
    if std::env::var_os("TEST_LOG").is_some() {
        let config = Config {
            log_filter: "debug".to_owned(),
            ..Config::default()
        };
        hezuo_server::telemetry::init(&config);
    }
}

/// A binary of this workspace, built by the same `cargo test --workspace` run (or by `cargo build` for benchmarks):
/// next to the running executable, or one level up from a test's `deps` directory.
pub fn workspace_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("executable path");
    let here = exe.parent().expect("executable directory");
    let candidates = [
        here.join(name),
        here.parent().map(|p| p.join(name)).unwrap_or_default(),
    ];
    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "{name} is missing next to {}; run the suite with `cargo test --workspace`, or build it first",
                exe.display()
            )
        })
}

/// A benchmark's `--name N` argument, or `default`.
pub fn count_arg(name: &str, default: usize) -> usize {
    std::env::args()
        .skip_while(|a| a != name)
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// A TCP proxy on loopback that counts the bytes crossing it each way: what a phone's link would carry (HTTP headers
/// and bodies; TCP/IP overhead aside).
pub struct CountingProxy {
    pub address: String,
    up: std::sync::Arc<std::sync::atomic::AtomicU64>,
    down: std::sync::Arc<std::sync::atomic::AtomicU64>,
    connections: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Bytes the link still carries up and down before it drops, as a 2G link does; negative: no limit.
    budget_up: std::sync::Arc<std::sync::atomic::AtomicI64>,
    budget_down: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// Milliseconds each chunk waits before it is passed on, as on a slow link.
    latency_ms: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl CountingProxy {
    /// Forwards `127.0.0.1:<new port>` to `upstream` (`host:port`).
    pub fn start(upstream: &str) -> CountingProxy {
        use std::sync::atomic::{AtomicU64, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("address").port();
        let up = std::sync::Arc::new(AtomicU64::new(0));
        let down = std::sync::Arc::new(AtomicU64::new(0));
        let connections = std::sync::Arc::new(AtomicU64::new(0));
        let budget_up = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(-1));
        let budget_down = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(-1));
        let upstream = upstream.to_owned();
        let (up_total, down_total, count) = (up.clone(), down.clone(), connections.clone());
        let (up_budget, down_budget) = (budget_up.clone(), budget_down.clone());
        let latency_ms = std::sync::Arc::new(AtomicU64::new(0));
        let latency = latency_ms.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = std::net::TcpStream::connect(&upstream) else {
                    continue;
                };
                count.fetch_add(1, Ordering::Relaxed);
                let pipe =
                    |mut from: std::net::TcpStream,
                     mut to: std::net::TcpStream,
                     total: std::sync::Arc<AtomicU64>,
                     budget: std::sync::Arc<std::sync::atomic::AtomicI64>| {
                        let latency = latency.clone();
                        std::thread::spawn(move || {
                            use std::io::{Read, Write};
                            let mut buffer = [0u8; 16 * 1024];
                            let mut dropped = false;
                            while let Ok(n) = from.read(&mut buffer) {
                                let allowed = match budget.load(Ordering::SeqCst) {
                                    remaining if remaining < 0 => n,
                                    remaining => n.min(remaining as usize),
                                };
                                if allowed < n {
                                    budget.store(0, Ordering::SeqCst);
                                    dropped = true;
                                } else if budget.load(Ordering::SeqCst) >= 0 {
                                    budget.fetch_sub(allowed as i64, Ordering::SeqCst);
                                }
                                std::thread::sleep(std::time::Duration::from_millis(
                                    latency.load(Ordering::Relaxed),
                                ));
                                if allowed > 0 && to.write_all(&buffer[..allowed]).is_err() {
                                    break;
                                }
                                total.fetch_add(allowed as u64, Ordering::Relaxed);
                                if n == 0 || dropped {
                                    break;
                                }
                            }
                            if dropped {
                                // The link is gone: both ends see the connection drop.
                                let _ = from.shutdown(std::net::Shutdown::Both);
                                let _ = to.shutdown(std::net::Shutdown::Both);
                            } else {
                                let _ = to.shutdown(std::net::Shutdown::Write);
                            }
                        });
                    };
                if let (Ok(client_copy), Ok(server_copy)) = (client.try_clone(), server.try_clone())
                {
                    pipe(client_copy, server, up_total.clone(), up_budget.clone());
                    pipe(server_copy, client, down_total.clone(), down_budget.clone());
                }
            }
        });
        CountingProxy {
            address: format!("http://127.0.0.1:{port}"),
            up,
            down,
            connections,
            budget_up,
            budget_down,
            latency_ms,
        }
    }

    /// Every chunk crossing the link from now on waits `delay` first.
    pub fn set_latency(&self, delay: std::time::Duration) {
        self.latency_ms.store(
            delay.as_millis() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// The link drops once it has carried `up` more bytes towards the server or `down` more towards the phone
    /// (`None`: no limit that way). `drop_after(None, None)` is a good link again.
    pub fn drop_after(&self, up: Option<u64>, down: Option<u64>) {
        use std::sync::atomic::Ordering;
        let budget = |bytes: Option<u64>| bytes.map_or(-1, |b| b as i64);
        self.budget_up.store(budget(up), Ordering::SeqCst);
        self.budget_down.store(budget(down), Ordering::SeqCst);
    }

    /// (bytes phone → server, bytes server → phone) since the last reset.
    pub fn bytes(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering;
        (
            self.up.load(Ordering::Relaxed),
            self.down.load(Ordering::Relaxed),
        )
    }

    pub fn connections(&self) -> u64 {
        self.connections.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn reset(&self) {
        use std::sync::atomic::Ordering;
        self.up.store(0, Ordering::Relaxed);
        self.down.store(0, Ordering::Relaxed);
    }
}

/// A weak mobile link between a phone and the server, emulated on loopback: a shared bandwidth each way, a one-way
/// delay, small socket buffers as on a handset, and [`WeakLink::cut`] dropping every open connection at once (bytes
/// in flight are lost, as when a 2G cell drops the call).
pub struct WeakLink {
    pub address: String,
    sent_up: std::sync::Arc<std::sync::atomic::AtomicU64>,
    open: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl WeakLink {
    /// Forwards `127.0.0.1:<new port>` to `upstream` at `bits_per_second` each way, with `rtt` round-trip time.
    pub fn start(upstream: &str, bits_per_second: u64, rtt: std::time::Duration) -> WeakLink {
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::sync::{Arc, Mutex};
        use std::time::{Duration, Instant};

        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind link");
        // A handset's socket holds little; bytes waiting in the link are what a drop loses.
        let _ = socket2::SockRef::from(&listener).set_recv_buffer_size(16 * 1024);
        let port = listener.local_addr().expect("address").port();
        let sent_up = Arc::new(AtomicU64::new(0));
        let open: Arc<Mutex<Vec<std::net::TcpStream>>> = Arc::default();
        let bytes_per_second = (bits_per_second / 8).max(1) as f64;
        let one_way = rtt / 2;
        // When each direction's radio is next free: connections share it.
        let up_free = Arc::new(Mutex::new(Instant::now()));
        let down_free = Arc::new(Mutex::new(Instant::now()));
        let upstream = upstream.to_owned();
        let (counter, registry) = (sent_up.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = std::net::TcpStream::connect(&upstream) else {
                    continue;
                };
                let _ = socket2::SockRef::from(&server).set_send_buffer_size(16 * 1024);
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                if let (Ok(a), Ok(b)) = (client.try_clone(), server.try_clone())
                    && let Ok(mut list) = registry.lock()
                {
                    list.retain(|s| s.peer_addr().is_ok());
                    list.push(a);
                    list.push(b);
                }
                let pipe = |from: std::net::TcpStream,
                            to: std::net::TcpStream,
                            radio: Arc<Mutex<Instant>>,
                            counter: Option<Arc<AtomicU64>>| {
                    let (sender, receiver) = std::sync::mpsc::channel::<(Instant, Vec<u8>)>();
                    let mut reader = from;
                    std::thread::spawn(move || {
                        use std::io::Read;
                        // About one radio frame's worth at a time.
                        let mut buffer = [0u8; 1400];
                        while let Ok(n) = reader.read(&mut buffer) {
                            if n == 0 {
                                break;
                            }
                            if let Some(counter) = &counter {
                                counter.fetch_add(n as u64, Ordering::Relaxed);
                            }
                            let airtime = Duration::from_secs_f64(n as f64 / bytes_per_second);
                            let departs = {
                                let Ok(mut free) = radio.lock() else { break };
                                let start = (*free).max(Instant::now());
                                *free = start + airtime;
                                *free
                            };
                            std::thread::sleep(departs.saturating_duration_since(Instant::now()));
                            if sender
                                .send((departs + one_way, buffer[..n].to_vec()))
                                .is_err()
                            {
                                break;
                            }
                        }
                    });
                    let mut writer = to;
                    std::thread::spawn(move || {
                        use std::io::Write;
                        while let Ok((arrives, bytes)) = receiver.recv() {
                            std::thread::sleep(arrives.saturating_duration_since(Instant::now()));
                            if writer.write_all(&bytes).is_err() {
                                break;
                            }
                        }
                        let _ = writer.shutdown(std::net::Shutdown::Write);
                    });
                };
                if let (Ok(client_copy), Ok(server_copy)) = (client.try_clone(), server.try_clone())
                {
                    pipe(client_copy, server, up_free.clone(), Some(counter.clone()));
                    pipe(server_copy, client, down_free.clone(), None);
                }
            }
        });
        WeakLink {
            address: format!("http://127.0.0.1:{port}"),
            sent_up,
            open,
        }
    }

    /// Drops every connection crossing the link now; new ones may open at once.
    pub fn cut(&self) {
        if let Ok(mut list) = self.open.lock() {
            for stream in list.drain(..) {
                let _ = stream.shutdown(std::net::Shutdown::Both);
            }
        }
    }

    /// Bytes the phone has handed to the link (delivered or lost).
    pub fn sent_up(&self) -> u64 {
        self.sent_up.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Peak resident memory of a process (Linux `VmHWM`), in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    bench::status_kib(pid, "VmHWM:")
}
