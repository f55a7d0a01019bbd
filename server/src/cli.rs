//! The `hezuo` command line: serve, migrate, demo, import, create-user, print-config.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use hezuo_mobile_api::imports::ImportReport;
use hezuo_mobile_api::users::Role;
use indicatif::{ProgressBar, ProgressStyle};

use crate::auth::password::{MIN_PASSWORD_CHARS, PasswordHasher};
use crate::config::{Config, Environment};
use crate::db::{self, Pool};
use crate::demo;
use crate::import;
use crate::models::Who;
use crate::startup::Application;

#[derive(Debug, Parser)]
#[command(
    name = "hezuo",
    version,
    about = "hezuo 合作 — server for cooperative counsellors' field reports"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (applies migrations first in dev).
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Seed the Ningbo demo data (once), then serve. Refused in production.
    Demo {
        /// Number of synthetic cooperatives.
        #[arg(long, default_value_t = 3000)]
        cooperatives: usize,
        /// Seed and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Import the region list or the cooperative register from CSV or XLSX.
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Create an account, e.g. the first admin. The password is read from HEZUO_NEW_PASSWORD or standard input.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        display_name: Option<String>,
        /// Region code the account works in (repeatable; required except for admins).
        #[arg(long = "region")]
        regions: Vec<String>,
    },
    /// Rebuild the relational projections (observed profiles, visits, conflicts) from the stored documents.
    RebuildProjections,
    /// Drop unchecked changes that older versions let wait inside stored documents (changes with a missing dependency,
    /// possibly under another device's actor); run once after upgrading. The server ignores them on load either way.
    RepairDocuments,
    /// Re-classify every cooperative for the clean-up (run daily from cron: idle months grow). With `--rules`, first
    /// install that rule-set TOML file as the active version.
    Classify {
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Print the effective configuration, secrets redacted.
    PrintConfig,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Regions: columns code,name,parent_code.
    Regions { file: PathBuf },
    /// Cooperatives: name, USCC, legal representative, registration date, address, region code, annual report filed,
    /// on the abnormal-operation list (Chinese or English headers).
    Cooperatives { file: PathBuf },
    /// Market regulation's annual-report / abnormal-operation list: 统一社会信用代码 and any of 年报已报送,
    /// 列入经营异常名录 (列入原因), 纳税申报, optionally 日期.
    RegistryFacts {
        file: PathBuf,
        /// Where the file comes from, e.g. "宁波市市场监管局2026年经营异常名录".
        #[arg(long)]
        source: String,
        /// The date the facts hold for where a row gives none (YYYY-MM-DD); default today.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Complaints: 统一社会信用代码, 编号, 受理日期, 举报内容, 核查结果.
    Complaints {
        file: PathBuf,
        #[arg(long)]
        source: String,
    },
    /// Targets: 区划代码, 年度, 指标 (a metric of the catalogue: code, name or alias), 目标, optionally 来源.
    Targets {
        file: PathBuf,
        #[arg(long)]
        source: String,
    },
}

fn parse_role(value: &str) -> Result<Role, String> {
    Role::parse(value).ok_or_else(|| "expected admin, supervisor, counsellor or viewer".to_owned())
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load()?;
    crate::telemetry::init(&config);
    match cli.command {
        Command::Serve => serve(config, None),
        Command::Migrate => migrate(&config),
        Command::Demo {
            cooperatives,
            no_serve,
        } => demo(config, cooperatives, no_serve),
        Command::Import { what } => import(&config, &what),
        Command::CreateUser {
            username,
            role,
            display_name,
            regions,
        } => create_user(&config, username, role, display_name, regions),
        Command::RebuildProjections => rebuild_projections(&config),
        Command::RepairDocuments => repair_documents(&config),
        Command::Classify { rules } => classify(&config, rules.as_deref()),
        Command::PrintConfig => {
            print!("{}", config.redacted_toml()?);
            Ok(())
        }
    }
}

fn migrate(config: &Config) -> anyhow::Result<()> {
    let pool = open_pool(config)?;
    let applied = db::run_migrations(&mut *pool.get()?)?;
    if applied.is_empty() {
        println!("数据库已是最新 / database is up to date");
    } else {
        println!("已执行迁移 / applied: {}", applied.join(", "));
    }
    Ok(())
}

fn demo(config: Config, cooperatives: usize, no_serve: bool) -> anyhow::Result<()> {
    if config.env == Environment::Production {
        bail!("demo data is refused in production (HEZUO_ENV=production)");
    }
    let pool = open_pool(&config)?;
    db::run_migrations(&mut *pool.get()?)?;
    let passwords = PasswordHasher::new(config.argon2_memory_kib, config.argon2_iterations)?;
    match demo::seed(&mut *pool.get()?, &passwords, cooperatives)? {
        Some(seeded) => println!(
            "已生成演示数据 / demo data seeded: {} regions, {} accounts, {} cooperatives",
            seeded.regions, seeded.users, seeded.cooperatives
        ),
        None => println!("演示数据已存在 / demo data already present"),
    }
    print_demo_logins();
    if no_serve {
        Ok(())
    } else {
        serve(config, Some(pool))
    }
}

fn import(config: &Config, what: &ImportCommand) -> anyhow::Result<()> {
    let pool = open_pool(config)?;
    db::run_migrations(&mut *pool.get()?)?;
    let file = match what {
        ImportCommand::Regions { file }
        | ImportCommand::Cooperatives { file }
        | ImportCommand::RegistryFacts { file, .. }
        | ImportCommand::Complaints { file, .. }
        | ImportCommand::Targets { file, .. } => file,
    };
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let bar = progress_bar();
    let mut progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let mut conn = pool.get()?;
    let actor = Who::system();
    let provenance = |source: &str, as_of: Option<chrono::NaiveDate>| {
        import::facts::Provenance::new(source, as_of.unwrap_or_else(crate::cleanup::store::today))
    };
    let report = match what {
        ImportCommand::Regions { .. } => {
            import::regions::import_file(&mut conn, &bytes, &actor, &mut progress)
        }
        ImportCommand::Cooperatives { .. } => {
            import::cooperatives::import_file(&mut conn, &bytes, &actor, &mut progress)
        }
        ImportCommand::RegistryFacts { source, as_of, .. } => import::facts::import_registry_facts(
            &mut conn,
            &bytes,
            &provenance(source, *as_of)?,
            &actor,
            &mut progress,
        ),
        ImportCommand::Targets { source, .. } => {
            let source = provenance(source, None)?.source;
            crate::targets::import_file(&mut conn, &bytes, &source, &actor)
        }
        ImportCommand::Complaints { source, .. } => import::facts::import_complaints(
            &mut conn,
            &bytes,
            &provenance(source, None)?,
            &actor,
            &mut progress,
        ),
    };
    bar.finish_and_clear();
    print_report(&report?);
    Ok(())
}

fn open_pool(config: &Config) -> anyhow::Result<Pool> {
    db::build_pool(&config.database_url(), config.database_pool_size)
}

fn serve(config: Config, pool: Option<Pool>) -> anyhow::Result<()> {
    let bind = config.bind.clone();
    let backend = db::DatabaseUrl::parse(&config.database_url())?.backend_name();
    actix_web::rt::System::new().block_on(async move {
        let application = match pool {
            Some(pool) => Application::build_with_pool(config, pool)?,
            None => Application::build(config)?,
        };
        let address = bind
            .rsplit_once(':')
            .map(|(host, _)| host)
            .unwrap_or("127.0.0.1");
        let port = application.port();
        println!("hezuo 正在运行 / listening on http://{address}:{port}  (database: {backend})");
        println!("接口文档 / API docs: http://{address}:{port}/docs/");
        tracing::info!(port, backend, "server started");
        application
            .run_until_stopped()
            .await
            .context("server stopped with an error")
    })
}

fn print_demo_logins() {
    println!(
        "演示账户（密码均为 {}）/ demo logins (password {}):",
        demo::DEMO_PASSWORD,
        demo::DEMO_PASSWORD
    );
    println!("  admin");
    for district in demo::DISTRICTS {
        println!(
            "  supervisor.{p}  counsellor.{p}.1  counsellor.{p}.2   ({}{})",
            district.name,
            district.code,
            p = district.pinyin
        );
    }
}

/// A bar on a terminal; nothing when output is redirected.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} 行  剩余 {eta}") {
        bar.set_style(style);
    }
    bar
}

fn print_report(report: &ImportReport) {
    println!("{}", report.summary_zh());
    const SHOWN: usize = 100;
    for error in report.errors.iter().take(SHOWN) {
        let column = error
            .column
            .as_deref()
            .map(|c| format!(" [{c}]"))
            .unwrap_or_default();
        println!(
            "  第{}行{column}: {} ({})",
            error.row, error.message, error.code
        );
    }
    if report.errors.len() > SHOWN {
        println!(
            "  …另有{}行错误 / {} more",
            report.errors.len() - SHOWN,
            report.errors.len() - SHOWN
        );
    }
}

fn create_user(
    config: &Config,
    username: String,
    role: Role,
    display_name: Option<String>,
    regions: Vec<String>,
) -> anyhow::Result<()> {
    let username = crate::models::users::normalise_username(&username)
        .context("usernames are 3–64 lower-case letters, digits, '.', '_' or '-'")?;
    let password = match std::env::var("HEZUO_NEW_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input)?;
            input.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    if password.chars().count() < MIN_PASSWORD_CHARS {
        bail!("the password needs at least {MIN_PASSWORD_CHARS} characters");
    }
    if crate::auth::password::is_common(&password) {
        bail!(
            "the password is too common or too regular (e.g. 1234567890); choose one that is hard to guess"
        );
    }
    if role != Role::Admin && regions.is_empty() {
        bail!("every role but admin needs at least one --region");
    }
    let pool = open_pool(config)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    for code in &regions {
        if crate::models::regions::find(&mut conn, code)?.is_none() {
            bail!("unknown region {code}; import regions first");
        }
    }
    if crate::models::users::find_by_username(&mut conn, &username)?.is_some() {
        bail!("username {username} is taken");
    }
    let passwords = PasswordHasher::new(config.argon2_memory_kib, config.argon2_iterations)?;
    let login = demo::DemoLogin {
        display_name: display_name.unwrap_or_else(|| username.clone()),
        username: username.clone(),
        role,
        region_codes: regions,
    };
    demo::create_logins(
        &mut conn,
        std::slice::from_ref(&login),
        &passwords.hash(&password)?,
    )?;
    println!("已创建账户 / created {username} ({})", role.as_str());
    Ok(())
}

fn classify(config: &Config, rules: Option<&std::path::Path>) -> anyhow::Result<()> {
    use crate::cleanup::{rule_sets, rules::RuleSet, store};

    let pool = open_pool(config)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    if let Some(path) = rules {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let set = RuleSet::from_toml(&text).context("invalid rule set")?;
        db::write_transaction(&mut conn, |conn| rule_sets::install(conn, &set, None))?
            .map_err(|taken| anyhow::anyhow!("version {:?} names different rules", taken.0))?;
    }
    let started = std::time::Instant::now();
    let (rules, counts) = store::refresh_all(&mut conn)?;
    println!(
        "规则集 {}：判定 {} 个合作社，{} 个有变化，用时 {:.1} 秒 / rule set {}: {} cooperatives, {} changed, {:.1} s",
        rules.version,
        counts.cooperatives,
        counts.changed,
        started.elapsed().as_secs_f64(),
        rules.version,
        counts.cooperatives,
        counts.changed,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A migrated database connection and the id of every stored document.
fn stored_document_ids(config: &Config) -> anyhow::Result<(db::PooledConn, Vec<String>)> {
    use diesel::prelude::*;

    use crate::db::schema::documents;

    let pool = open_pool(config)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let ids: Vec<String> = documents::table
        .select(documents::cooperative_id)
        .load(&mut *conn)?;
    Ok((conn, ids))
}

fn repair_documents(config: &Config) -> anyhow::Result<()> {
    use crate::documents::store;

    let (mut conn, ids) = stored_document_ids(config)?;
    let mut repaired = 0;
    for id in &ids {
        let cooperative =
            uuid::Uuid::parse_str(id).with_context(|| format!("document id {id} is not a UUID"))?;
        if db::write_transaction(&mut conn, |conn| store::repair_orphans(conn, cooperative))? {
            repaired += 1;
        }
    }
    println!(
        "检查了 {} 份文档，修复 {repaired} 份 / checked {} documents, repaired {repaired}",
        ids.len(),
        ids.len()
    );
    Ok(())
}

fn rebuild_projections(config: &Config) -> anyhow::Result<()> {
    use crate::documents::{cache::DocCache, projection, store};

    let (mut conn, ids) = stored_document_ids(config)?;
    // No caching: each document is read once.
    let cache = DocCache::new(0);
    let evidence = crate::photos::flags::Thresholds::from_config(config);
    let started = std::time::Instant::now();
    let bar = progress_bar();
    bar.set_length(ids.len() as u64);
    for id in &ids {
        let cooperative =
            uuid::Uuid::parse_str(id).with_context(|| format!("document id {id} is not a UUID"))?;
        let stored = store::load(&mut conn, &cache, cooperative)?;
        db::write_transaction(&mut conn, |conn| {
            projection::rebuild(
                conn,
                cooperative,
                &stored.doc,
                &projection::read(&stored.doc)?,
                projection::Scope::Everything,
                &evidence,
            )
        })?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!(
        "已重建 {} 份文档的投影，用时 {:.1} 秒 / rebuilt projections of {} documents in {:.1} s",
        ids.len(),
        started.elapsed().as_secs_f64(),
        ids.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
