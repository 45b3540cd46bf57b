//! The `logmon` binary: parse the command line, run the daemon, map errors to exit codes.

use clap::Parser;
use logmon::cli::Args;

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let mut config = match args.config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("logmon: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    logmon::logging::init(args.log_level, config.log_level);
    let runtime = tokio::runtime::Runtime::new().expect("cannot start the tokio runtime");
    let result = runtime.block_on(async {
        let _demo = if args.demo {
            Some(logmon::demo::start(&mut config)?)
        } else {
            None
        };
        logmon::run(config, Default::default()).await
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logmon: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
