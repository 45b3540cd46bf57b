//! The `logmon` binary: parse the command line, run, map errors to exit codes.

use clap::Parser;

fn main() -> std::process::ExitCode {
    match logmon::run(logmon::cli::Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logmon: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
