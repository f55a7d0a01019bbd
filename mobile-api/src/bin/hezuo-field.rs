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
        Command::Logout => {
            phone.logout()?;
            println!("已退出 / logged out");
        }
    }
    Ok(())
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
