//! The `hezuo` binary; see `hezuo --help`.

use std::process::ExitCode;

use clap::Parser;
use hezuo_server::cli::{self, Cli};

fn main() -> ExitCode {
    match cli::run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("错误 / error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
