//! `hnswlab`: see `hnswlab --help`.
//!
//! Exit codes: 0 success; 1 error (bad parameters, unreadable data);
//! 2 command-line usage error; 3 a hard invariant was violated (`build`), a
//! file defect or violation was found (`check`), a mutant escaped / a
//! strategy failed a check (`mutants`), or a metric differs from hnswlib
//! beyond the seed spread (`fidelity`).

#![forbid(unsafe_code)]

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
        Command::Mutants(args) => {
            let m = cmd::mutants::run(&args, io::stderr().is_terminal());
            let mut out = io::stdout().lock();
            let printed = if args.json {
                cmd::mutants::print_json(&m, &mut out)
            } else {
                cmd::mutants::print_table(&m, &mut out)
            };
            if let Err(e) = printed.and_then(|()| out.flush().map_err(Into::into)) {
                eprintln!("error: cannot write the matrix: {e}");
                return ExitCode::FAILURE;
            }
            if m.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_VIOLATION)
            }
        }
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
        Command::Check(args) => match cmd::check::run(&args, command) {
            cmd::check::Outcome::Checked(r) => {
                let mut out = io::stdout().lock();
                let printed = if args.json {
                    cmd::check::print_json(&r, &mut out)
                } else {
                    cmd::check::print_human(&r, &mut out)
                };
                if let Err(e) = printed.and_then(|()| out.flush()) {
                    eprintln!("error: cannot write the report: {e}");
                    return ExitCode::FAILURE;
                }
                if r.violations_total > 0 {
                    ExitCode::from(EXIT_VIOLATION)
                } else {
                    ExitCode::SUCCESS
                }
            }
            cmd::check::Outcome::Unreadable { file, error } => {
                eprintln!("error: {file}: {error}");
                if args.json {
                    println!("{}", serde_json::json!({ "file": file, "error": error }));
                }
                ExitCode::FAILURE
            }
        },
        Command::Convert(args) => match cmd::convert::run(&args) {
            Ok(c) => {
                println!("wrote {} ({} nodes, {} bytes)", c.to.display(), c.nodes, c.bytes);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
        Command::Compare(args) => {
            let written = match cmd::compare::run(&args, &command, io::stderr().is_terminal()) {
                Ok(w) => w,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return ExitCode::FAILURE;
                }
            };
            if let Err(e) = cmd::compare::print(&written, args.json, &mut io::stdout().lock()) {
                eprintln!("error: cannot write the summary: {e:#}");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Command::Fidelity(args) => {
            let f = match cmd::fidelity::run_cli(&args, &command) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return ExitCode::FAILURE;
                }
            };
            if let Err(e) = cmd::fidelity::print_tables(&f, &mut io::stdout().lock()) {
                eprintln!("error: cannot write the tables: {e}");
                return ExitCode::FAILURE;
            }
            println!("wrote {}", args.out.join("fidelity.md").display());
            if f.flagged() {
                return ExitCode::from(EXIT_VIOLATION);
            }
            ExitCode::SUCCESS
        }
        Command::Churn(args) => {
            let c = match cmd::churn::run_cli(&args, &command, io::stderr().is_terminal()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return ExitCode::FAILURE;
                }
            };
            let mut out = io::stdout().lock();
            let printed = if args.json {
                cmd::churn::print_json(&c, &mut out)
            } else {
                cmd::churn::print_tables(&c, &mut out).map_err(Into::into)
            };
            if let Err(e) = printed.and_then(|()| out.flush().map_err(Into::into)) {
                eprintln!("error: cannot write the tables: {e:#}");
                return ExitCode::FAILURE;
            }
            if let Some(dir) = &args.out {
                eprintln!("wrote {}", dir.join("README.md").display());
            }
            ExitCode::SUCCESS
        }
        Command::CompareWorker(args) => match hnswlab_experiments::compare::measure::worker(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
        Command::Report(args) => match cmd::report::run(&args, &command, io::stderr().is_terminal()) {
            Ok(w) => {
                println!("wrote {}", w.dir.join("report.md").display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}
