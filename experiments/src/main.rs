//! `hnswlab`: see `hnswlab --help`.
//!
//! Exit codes: 0 success; 1 error (bad parameters, unreadable data);
//! 2 command-line usage error; 3 a hard invariant was violated.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use hnswlab_experiments::cli::{Cli, Command};
use hnswlab_experiments::cmd;
use hnswlab_experiments::output::{print_human, print_json};

/// Exit code when a hard invariant fails.
const EXIT_VIOLATION: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command: Vec<String> = std::env::args().collect();
    match cli.command {
        Command::Build(args) => {
            let show_progress = io::stderr().is_terminal();
            let report = match cmd::build::run(&args, command, show_progress) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return ExitCode::FAILURE;
                }
            };
            let mut out = io::stdout().lock();
            let printed = if args.json { print_json(&report, &mut out) } else { print_human(&report, &mut out) };
            if let Err(e) = printed.and_then(|()| out.flush()) {
                eprintln!("error: cannot write the report: {e}");
                return ExitCode::FAILURE;
            }
            if report.violations_total > 0 {
                let _ = cmd::build::print_violations(&report, &mut io::stderr().lock());
                return ExitCode::from(EXIT_VIOLATION);
            }
            ExitCode::SUCCESS
        }
    }
}
