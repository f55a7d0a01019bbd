//! `hezuo-field`: a command-line phone. It keeps its state in a directory (`--dir`, `HEZUO_FIELD_DIR`, default
//! `./hezuo-field`) and talks to the server exactly as the app does, through the SDK.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use hezuo_mobile_api::client::{ClientError, Phone, PhoneInfo};
use hezuo_mobile_api::cooperatives::{Cooperative, CooperativeFilter};
use hezuo_mobile_api::{Lang, RegionCode};
use uuid::Uuid;

#[derive(Debug, Parser)]
#[command(
    name = "hezuo-field",
    version,
    about = "hezuo 外勤终端 — a phone on the command line"
)]
struct Cli {
    /// Where this phone keeps its session and offline data.
    #[arg(long, env = "HEZUO_FIELD_DIR", default_value = "./hezuo-field")]
    dir: PathBuf,
    /// Show server messages in English.
    #[arg(long)]
    english: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Log in and register this phone. The password comes from HEZUO_PASSWORD, a prompt, or standard input.
    Login {
        #[arg(long, env = "HEZUO_SERVER", default_value = "http://127.0.0.1:8080")]
        server: String,
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "hezuo-field")]
        device_name: String,
    },
    /// Who is logged in, and this phone's device and actor id.
    Whoami,
    /// Cooperatives of my regions.
    Coops {
        #[command(subcommand)]
        command: CoopCommand,
    },
    /// Devices I can see.
    Devices {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Fetch the list of cooperative documents of my regions.
    Pull,
    /// Cooperatives on this phone with their sync status (`--visits`: the visits instead).
    List {
        #[arg(long)]
        visits: bool,
    },
    /// Record and change visits offline.
    Visit {
        #[command(subcommand)]
        command: VisitCommand,
    },
    /// Change what you observed about a cooperative (from a TOML or JSON file of profile fields).
    Profile {
        /// Cooperative id or part of its name.
        cooperative: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Register a cooperative found in the field that is not in the registry.
    NewCooperative {
        #[arg(long)]
        name: String,
        #[arg(long)]
        region: String,
        #[arg(long)]
        uscc: Option<String>,
    },
    /// Submit a draft visit for review, or submit again a returned visit once it is fixed.
    Submit { cooperative: String, visit: Uuid },
    /// Visits reviewers returned to me for correction, with what to fix (as of the last sync).
    Tasks,
    /// Cooperatives due for a re-visit, soonest first, with why (as of the last sync).
    Revisits,
    /// The star of each cooperative that has one: held, revoked and why, or barred (as of the last sync).
    Stars,
    /// What is waiting to be sent, and what went wrong.
    Status,
    /// Send and receive changes; `--watch` keeps trying with backoff until everything is through.
    Sync {
        #[arg(long)]
        watch: bool,
    },
    /// Upload queued photos (resuming interrupted ones); `--watch` keeps going with backoff until all are up.
    Photos {
        #[arg(long)]
        watch: bool,
    },
    /// End the session on the server and forget the tokens.
    Logout,
}

#[derive(Debug, Subcommand)]
enum CoopCommand {
    /// Download the whole registry of my regions for offline use.
    Download,
    /// List or search (online, or in the downloaded copy with --offline).
    List {
        #[arg(long)]
        q: Option<String>,
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        offline: bool,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// One cooperative in full.
    Show { id: Uuid },
}

#[derive(Debug, Subcommand)]
enum VisitCommand {
    /// Start a visit (a draft). Fields come from a TOML/JSON file in the document's visit schema and/or flags.
    New {
        /// Cooperative id or part of its name.
        cooperative: String,
        #[arg(long)]
        file: Option<PathBuf>,
        /// baseline, routine, star_recheck, follow_up or complaint_check.
        #[arg(long = "type")]
        visit_type: Option<String>,
        /// YYYY-MM-DD (default: today).
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Change a visit: the fields in the file replace the visit's, the others stay.
    Edit {
        cooperative: String,
        visit: Uuid,
        #[arg(long)]
        file: PathBuf,
    },
    /// Photos of a visit.
    Photo {
        #[command(subcommand)]
        command: PhotoCommand,
    },
}

#[derive(Debug, Subcommand)]
enum PhotoCommand {
    /// Attach camera photos to a visit: each is shrunk (long edge 1600 px, JPEG quality 80, upright), named by the
    /// visit at once and queued for upload. Its EXIF time and GPS position are kept in the visit.
    Add {
        cooperative: String,
        visit: Uuid,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        caption: Option<String>,
        #[arg(long, default_value_t = 1600)]
        long_edge: u32,
        #[arg(long, default_value_t = 80)]
        quality: u8,
    },
}

#[derive(Debug, Subcommand)]
enum DeviceCommand {
    List,
    /// Revoke a device (a lost phone).
    Revoke {
        id: Uuid,
        #[arg(long)]
        reason: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            match error.downcast_ref::<ClientError>() {
                Some(client_error) if client_error.is_retryable() => {
                    eprintln!("暂时无法完成，请稍后重试 / try again later: {client_error}");
                }
                _ => eprintln!("错误 / error: {error:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let info = PhoneInfo {
        device_name: "hezuo-field".to_owned(),
        platform: "cli".to_owned(),
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let mut phone = Phone::open(&cli.dir, info.clone())?;
    if cli.english {
        phone.set_language(Lang::En);
    }
    match cli.command {
        Command::Login {
            server,
            username,
            device_name,
        } => {
            let mut phone = Phone::open(
                &cli.dir,
                PhoneInfo {
                    device_name,
                    ..info
                },
            )?;
            if cli.english {
                phone.set_language(Lang::En);
            }
            let password = read_password()?;
            let session = phone.login(&server, &username, &password)?;
            println!(
                "已登录 / logged in: {} ({})",
                session.user.display_name,
                session.user.role.as_str()
            );
            if let Some(device) = &session.device {
                println!("设备 / device: {}  actor {}", device.id, device.actor_id);
            }
        }
        Command::Whoami => {
            let me = phone.me()?;
            println!(
                "{} {} ({})",
                me.user.username,
                me.user.display_name,
                me.user.role.name_zh()
            );
            for region in &me.user.regions {
                println!("  负责区划 / region: {} {}", region.code, region.name);
            }
            if let Some(device) = &me.device {
                println!(
                    "  设备 / device: {} {} actor {}",
                    device.id, device.name, device.actor_id
                );
            }
        }
        Command::Coops { command } => coops(&mut phone, command)?,
        Command::Devices { command } => match command {
            DeviceCommand::List => {
                for device in phone.list_devices()? {
                    let state = if device.revoked_at.is_some() {
                        "已停用 revoked"
                    } else {
                        "有效 active"
                    };
                    println!(
                        "{}  {}  {}  {}  {}",
                        device.id, device.username, device.name, device.platform, state
                    );
                }
            }
            DeviceCommand::Revoke { id, reason } => {
                let device = phone.revoke_device(id, reason.as_deref())?;
                println!("已停用 / revoked: {} ({})", device.id, device.name);
            }
        },
        Command::Pull => {
            let summary = phone.pull()?;
            println!(
                "共 {} 家合作社（新增 {}，移除 {}）/ {} cooperatives ({} new, {} removed)",
                summary.documents,
                summary.added,
                summary.removed,
                summary.documents,
                summary.added,
                summary.removed
            );
        }
        Command::List { visits } => fieldwork::list(&phone, visits)?,
        Command::Visit { command } => fieldwork::visit(&mut phone, command)?,
        Command::Profile { cooperative, file } => {
            let id = fieldwork::resolve(&phone, &cooperative)?;
            let patch: serde_json::Value = fieldwork::read_fields(&file)?;
            phone.edit_profile(id, |profile| fieldwork::merge_into(profile, &patch))?;
            println!("已保存（待同步）/ saved, waiting to sync");
        }
        Command::NewCooperative { name, region, uscc } => {
            let uscc = uscc
                .as_deref()
                .map(hezuo_mobile_api::Uscc::parse)
                .transpose()
                .map_err(|e| anyhow::anyhow!(e.message_zh()))?;
            let id = phone.create_cooperative(&name, &region, uscc.as_ref())?;
            println!("已新建合作社（待核实）/ created, pending verification: {id}");
        }
        Command::Submit { cooperative, visit } => {
            let id = fieldwork::resolve(&phone, &cooperative)?;
            phone.submit_visit(id, visit)?;
            println!("已提交（待同步）/ submitted, waiting to sync");
        }
        Command::Tasks => fieldwork::tasks(&phone)?,
        Command::Revisits => fieldwork::revisits(&phone)?,
        Command::Stars => fieldwork::stars(&phone)?,
        Command::Status => fieldwork::status(&phone)?,
        Command::Sync { watch } => fieldwork::sync(&mut phone, watch)?,
        Command::Photos { watch } => fieldwork::upload_photos(&mut phone, watch)?,
        Command::Logout => {
            phone.logout()?;
            println!("已退出 / logged out");
        }
    }
    Ok(())
}

mod fieldwork {
    use std::path::Path;

    use anyhow::{Context, bail};
    use hezuo_mobile_api::client::{Backoff, DocStatus, Phone, PhotoOptions, RecordStatus};
    use hezuo_sync::model::{Day, Visit, VisitMeta, VisitType};
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use uuid::Uuid;

    use super::{PhotoCommand, VisitCommand};

    /// A cooperative by id, or by a part of its name that matches exactly one on this phone.
    pub fn resolve(phone: &Phone, text: &str) -> anyhow::Result<Uuid> {
        if let Ok(id) = Uuid::parse_str(text) {
            return Ok(id);
        }
        let matches: Vec<(Uuid, String)> = phone
            .cooperatives()?
            .into_iter()
            .filter(|(_, info)| info.name.contains(text))
            .map(|(id, info)| (id, info.name))
            .collect();
        match matches.as_slice() {
            [(id, _)] => Ok(*id),
            [] => bail!("本机没有名称包含“{text}”的合作社（先运行 pull）/ no cooperative matches"),
            many => {
                let names: Vec<String> = many
                    .iter()
                    .take(10)
                    .map(|(id, name)| format!("  {id} {name}"))
                    .collect();
                bail!(
                    "“{text}”匹配多家合作社，请用编号 / several match:\n{}",
                    names.join("\n")
                )
            }
        }
    }

    /// Reads a TOML or JSON file (by extension) into JSON.
    pub fn read_fields(path: &Path) -> anyhow::Result<serde_json::Value> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if path.extension().and_then(|e| e.to_str()) == Some("json") {
            Ok(serde_json::from_str(&text)?)
        } else {
            let value: toml::Value = toml::from_str(&text)
                .with_context(|| format!("{} is not valid TOML", path.display()))?;
            Ok(serde_json::to_value(value)?)
        }
    }

    /// Overlays `patch` on `target` field by field (nested maps merge; lists and values replace). Fields the schema
    /// does not know are refused when the result is read back.
    pub fn merge_into<T: Serialize + DeserializeOwned>(target: &mut T, patch: &serde_json::Value) {
        fn overlay(base: &mut serde_json::Value, patch: &serde_json::Value) {
            match (base, patch) {
                (serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
                    for (key, value) in patch {
                        overlay(
                            base.entry(key.clone()).or_insert(serde_json::Value::Null),
                            value,
                        );
                    }
                }
                (base, patch) => *base = patch.clone(),
            }
        }
        let Ok(mut value) = serde_json::to_value(&*target) else {
            return;
        };
        overlay(&mut value, patch);
        match serde_json::from_value(value) {
            Ok(merged) => *target = merged,
            Err(error) => eprintln!("忽略无效字段 / ignored invalid fields: {error}"),
        }
    }

    fn parse_fields<T: DeserializeOwned>(patch: &serde_json::Value) -> anyhow::Result<T> {
        serde_json::from_value(patch.clone())
            .map_err(|e| anyhow::anyhow!("字段无效 / invalid fields: {e}"))
    }

    pub fn visit(phone: &mut Phone, command: VisitCommand) -> anyhow::Result<()> {
        match command {
            VisitCommand::New {
                cooperative,
                file,
                visit_type,
                date,
                note,
            } => {
                let id = resolve(phone, &cooperative)?;
                let mut visit: Visit = match &file {
                    Some(path) => parse_fields(&read_fields(path)?)?,
                    None => Visit::default(),
                };
                let meta = visit.meta.get_or_insert_with(VisitMeta::default);
                if let Some(kind) = visit_type {
                    meta.visit_type = Some(
                        VisitType::parse(&kind)
                            .with_context(|| format!("unknown visit type {kind:?}"))?,
                    );
                }
                let day = date.unwrap_or_else(|| chrono::Local::now().date_naive().to_string());
                if meta.visit_date.is_none() {
                    meta.visit_date = Some(
                        Day::parse(&day).with_context(|| format!("{day:?} is not YYYY-MM-DD"))?,
                    );
                }
                if note.is_some() {
                    visit.notes = note;
                }
                let visit_id = phone.new_visit(id, visit)?;
                println!("已保存草稿（待同步）/ draft saved, waiting to sync: {visit_id}");
            }
            VisitCommand::Edit {
                cooperative,
                visit,
                file,
            } => {
                let id = resolve(phone, &cooperative)?;
                let patch = read_fields(&file)?;
                phone.edit_visit(id, visit, |existing| merge_into(existing, &patch))?;
                println!("已保存（待同步）/ saved, waiting to sync");
            }
            VisitCommand::Photo {
                command:
                    PhotoCommand::Add {
                        cooperative,
                        visit,
                        files,
                        caption,
                        long_edge,
                        quality,
                    },
            } => {
                let id = resolve(phone, &cooperative)?;
                let options = PhotoOptions {
                    long_edge,
                    jpeg_quality: quality,
                };
                let hashes = phone.attach_photos(id, visit, &files, caption.as_deref(), options)?;
                for hash in &hashes {
                    println!("{hash}");
                }
                println!(
                    "已添加 {} 张照片，等待上传 / {} photo(s) attached, queued for upload",
                    hashes.len(),
                    hashes.len()
                );
            }
        }
        Ok(())
    }

    fn describe(status: &DocStatus) -> String {
        match status {
            DocStatus::Synced => "已同步 synced".to_owned(),
            DocStatus::Pending => "待同步 pending".to_owned(),
            DocStatus::Syncing => "同步中 syncing".to_owned(),
            DocStatus::Error { message } => format!("出错 error: {message}"),
            DocStatus::Quarantined { message } => format!("已暂停 quarantined: {message}"),
            DocStatus::OutOfScope { message } => format!("范围外 out of scope: {message}"),
            DocStatus::Merged { into, message } => format!("已合并 merged into {into}: {message}"),
        }
    }

    pub fn list(phone: &Phone, visits: bool) -> anyhow::Result<()> {
        if visits {
            for record in phone.visits()? {
                let status = match &record.status {
                    RecordStatus::Synced => "已同步 synced".to_owned(),
                    RecordStatus::Pending => "待同步 pending".to_owned(),
                    RecordStatus::Syncing => "同步中 syncing".to_owned(),
                    RecordStatus::Error(m) => format!("出错 error: {m}"),
                    RecordStatus::Quarantined(m) => format!("已暂停 quarantined: {m}"),
                };
                let kind = record
                    .visit
                    .meta
                    .as_ref()
                    .and_then(|m| m.visit_type)
                    .map(|t| t.label_zh())
                    .unwrap_or("—");
                let state = record.visit.status.map(|s| s.label_zh()).unwrap_or("—");
                println!(
                    "{}  {}  {kind}  {state}  {status}",
                    record.id, record.cooperative_id
                );
            }
            return Ok(());
        }
        // The cooperatives I answer for first, soonest due first; then the others.
        let mine: std::collections::HashMap<_, _> = phone
            .my_cooperatives()?
            .into_iter()
            .map(|c| (c.cooperative_id, c))
            .collect();
        let mut cooperatives: Vec<_> = phone.cooperatives()?.into_iter().collect();
        cooperatives.sort_by_key(|(id, _)| {
            mine.get(id)
                .map(|c| c.due)
                .map_or((1, None), |d| (0, Some(d)))
        });
        for (id, info) in cooperatives {
            let mark = if info.created_here { " (新建)" } else { "" };
            let due = match mine.get(&id) {
                Some(c) if c.overdue => format!("  [我负责·逾期 {}]", c.due),
                Some(c) => format!("  [我负责·应走访 {}]", c.due),
                None => String::new(),
            };
            println!(
                "{id}  {}{mark}  {}  {}{due}",
                info.name,
                info.region_code,
                describe(&info.status)
            );
        }
        Ok(())
    }

    pub fn revisits(phone: &Phone) -> anyhow::Result<()> {
        let due = phone.revisits()?;
        if due.is_empty() {
            println!("没有待回访的合作社 / no re-visits due");
        }
        for revisit in due {
            println!(
                "{} {} {}（{}）",
                revisit.due,
                revisit.cooperative_id,
                revisit.cooperative_name,
                revisit.state_zh.as_deref().unwrap_or("")
            );
            if let Some(note) = &revisit.note {
                println!("  {note}");
            }
        }
        Ok(())
    }

    pub fn stars(phone: &Phone) -> anyhow::Result<()> {
        let standings = phone.stars()?;
        if standings.is_empty() {
            println!("没有星级记录 / no star records");
        }
        for standing in standings {
            let outcome = standing.record.outcome.as_deref().unwrap_or_default();
            let shown = match outcome.parse::<usize>() {
                Ok(stars) => "★".repeat(stars),
                Err(_) if outcome == "revoked" => "已撤销 revoked".to_owned(),
                Err(_) if outcome == "barred" => "限制申报 barred".to_owned(),
                Err(_) => outcome.to_owned(),
            };
            println!(
                "{} {} {shown}",
                standing.cooperative_id, standing.cooperative_name
            );
            if let Some(note) = &standing.record.note {
                println!("  {note}");
            }
        }
        Ok(())
    }

    pub fn tasks(phone: &Phone) -> anyhow::Result<()> {
        let tasks = phone.tasks()?;
        if tasks.is_empty() {
            println!("没有退回修改的走访记录 / nothing returned for correction");
        }
        for task in tasks {
            let when = task
                .returned_at
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(|t| {
                    t.with_timezone(&chrono::Local)
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default();
            println!(
                "{} {} {}",
                task.visit_id,
                task.cooperative_name,
                if task.resubmitted {
                    "已重新提交，待同步 / resubmitted, waiting to sync"
                } else {
                    "退回修改 / returned for correction"
                }
            );
            println!(
                "  {when} {}（第{}次退回）：{}",
                task.reviewer_name.as_deref().unwrap_or("审核人"),
                task.times_returned,
                task.note.as_deref().unwrap_or("")
            );
            println!(
                "  修改后提交 / fix, then: hf submit {} {}",
                task.cooperative_id, task.visit_id
            );
        }
        Ok(())
    }

    pub fn status(phone: &Phone) -> anyhow::Result<()> {
        let docs = phone.cooperatives()?;
        let pending = docs
            .values()
            .filter(|d| matches!(d.status, DocStatus::Pending | DocStatus::Syncing))
            .count();
        println!(
            "合作社 {} 家，待同步 {pending} 家 / {} cooperatives, {pending} pending",
            docs.len(),
            docs.len()
        );
        for (id, info) in &docs {
            if matches!(info.status, DocStatus::Error { .. }) || info.status.blocks_sending() {
                println!("  {id} {}: {}", info.name, describe(&info.status));
            }
        }
        let visits = phone.visits()?;
        let waiting = visits
            .iter()
            .filter(|v| v.status != RecordStatus::Synced)
            .count();
        println!(
            "走访记录 {} 条，未同步 {waiting} 条 / {} visits, {waiting} not yet on the server",
            visits.len(),
            visits.len()
        );
        let queue = phone.photo_queue()?;
        println!(
            "待上传照片 {} 张 / {} photo(s) waiting to upload",
            queue.len(),
            queue.len()
        );
        for photo in &queue {
            let state = if photo.rejected {
                "已被拒收 refused"
            } else {
                "等待上传 waiting"
            };
            println!(
                "  {} {}/{} {state} {}",
                &photo.sha256[..12],
                photo.confirmed,
                photo.bytes,
                photo.last_error.as_deref().unwrap_or("")
            );
        }
        Ok(())
    }

    /// Uploads the queued photos; with `watch`, waits out each retry time until every photo is up.
    pub fn upload_photos(phone: &mut Phone, watch: bool) -> anyhow::Result<()> {
        loop {
            let report = phone.upload_photos()?;
            println!(
                "上传完成 {} 张，发送 {} 字节，剩余 {} 张 / {} uploaded, {} bytes sent, {} left",
                report.completed.len(),
                report.bytes_sent,
                report.remaining,
                report.completed.len(),
                report.bytes_sent,
                report.remaining
            );
            for (hash, why) in &report.failed {
                println!("  {}: {why}", &hash[..12.min(hash.len())]);
            }
            if !watch || report.remaining == 0 {
                return Ok(());
            }
            let next = phone
                .photo_queue()?
                .iter()
                .filter(|p| !p.rejected)
                .filter_map(|p| p.retry_at_ms)
                .min()
                .unwrap_or(0);
            let wait = (next - chrono::Utc::now().timestamp_millis()).clamp(200, 300_000);
            std::thread::sleep(std::time::Duration::from_millis(wait as u64));
        }
    }

    pub fn sync(phone: &mut Phone, watch: bool) -> anyhow::Result<()> {
        let mut backoff = Backoff::new();
        loop {
            match phone.sync() {
                Ok(report) => {
                    println!(
                        "同步完成：往返 {} 次，上传 {} 份，收到更新 {} 份 / synced: {} round trips, {} sent, {} updated",
                        report.round_trips,
                        report.sent.len(),
                        report.updated.len(),
                        report.round_trips,
                        report.sent.len(),
                        report.updated.len()
                    );
                    for (id, status) in &report.problems {
                        println!("  {id}: {}", describe(status));
                    }
                    // Photos go after the documents, so a slow photo never holds a visit back.
                    if !phone.photo_queue()?.is_empty() {
                        match phone.upload_photos() {
                            Ok(photos) => println!(
                                "照片上传 {} 张，剩余 {} 张 / photos: {} uploaded, {} left",
                                photos.completed.len(),
                                photos.remaining,
                                photos.completed.len(),
                                photos.remaining
                            ),
                            Err(error) => eprintln!("照片稍后上传 / photos later: {error}"),
                        }
                    }
                    return Ok(());
                }
                Err(error) if watch && error.is_retryable() => {
                    let wait = backoff.failed();
                    eprintln!(
                        "暂时无法同步，{} 秒后重试 / retrying in {}s: {error}",
                        wait.as_secs(),
                        wait.as_secs()
                    );
                    std::thread::sleep(wait);
                }
                Err(error) => return Err(error.into()),
            }
        }
    }
}

fn coops(phone: &mut Phone, command: CoopCommand) -> anyhow::Result<()> {
    match command {
        CoopCommand::Download => {
            let count = phone.download_registry(&mut |n| {
                if std::io::stderr().is_terminal() {
                    eprint!("\r已下载 {n} 家");
                }
            })?;
            if std::io::stderr().is_terminal() {
                eprintln!();
            }
            println!(
                "已下载 {count} 家合作社供离线使用 / {count} cooperatives stored for offline use"
            );
        }
        CoopCommand::List {
            q,
            region,
            offline,
            limit,
        } => {
            let items = if offline {
                let region = region
                    .as_deref()
                    .map(RegionCode::parse)
                    .transpose()
                    .map_err(|e| anyhow::anyhow!(e.message_zh()))?;
                let (downloaded, _) = phone.offline_registry_status()?;
                if downloaded.is_none() {
                    bail!(
                        "还没有离线数据，请先运行 `hezuo-field coops download` / nothing downloaded yet"
                    );
                }
                let mut found = phone.search_offline(q.as_deref(), region.as_ref())?;
                found.truncate(limit as usize);
                found
            } else {
                let filter = CooperativeFilter {
                    q,
                    region,
                    limit: Some(limit),
                    ..CooperativeFilter::default()
                };
                phone.list_cooperatives(&filter)?.items
            };
            for cooperative in &items {
                print_line(cooperative);
            }
            println!("共 {} 条 / {} shown", items.len(), items.len());
        }
        CoopCommand::Show { id } => {
            let cooperative = phone.get_cooperative(id)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&cooperative).context("render")?
            );
        }
    }
    Ok(())
}

fn print_line(cooperative: &Cooperative) {
    let stars = cooperative
        .star_level
        .map(|s| "★".repeat(s as usize))
        .unwrap_or_default();
    println!(
        "{}  {}  {}  {}  {}",
        cooperative.id,
        cooperative.uscc.as_ref().map(|u| u.as_str()).unwrap_or("—"),
        cooperative.name,
        cooperative.region_full_name,
        stars
    );
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("HEZUO_PASSWORD") {
        return Ok(password);
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("密码 / password: ").context("cannot read the password");
    }
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    Ok(input.trim_end_matches(['\r', '\n']).to_owned())
}
