//! The `logmon` binary: parse the command line, run, map errors to exit codes.

use clap::Parser;

fn main() -> std::process::ExitCode {
    match logmon::run(logmon::cli::Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // On the journal's stream, `<3>` marks the line as an error.
            let level = if systemd_journal_logger::connected_to_journal() {
                "<3>"
            } else {
                ""
            };
            eprintln!("{level}logmon: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
