//! The `imgconform` binary: parse the command line, dispatch, and turn the outcome into one of
//! the documented exit codes (see `exit_codes`).

use std::process::ExitCode;

use imgconform::cli::{self, Command};
use imgconform::commands;

/// mimalloc rather than the system allocator: a run parses thousands of pages of a public
/// cloud's catalogue on a few threads, and glibc's per-thread arenas kept the freed pages as
/// resident memory (a 100 000-image run's peak RSS was about twice its heap).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    imgconform::tls::install_crypto_provider();
    // A panicking case task becomes an ERROR of its case; keep the default hook's backtrace
    // noise off the console but say where it happened.
    std::panic::set_hook(Box::new(|info| {
        // insta reports a snapshot mismatch by panicking; the runner turns it into a verdict.
        if info
            .payload_as_str()
            .is_some_and(|m| m.starts_with("snapshot assertion"))
        {
            return;
        }
        imgconform::errln!("imgconform: internal error: {info}");
    }));
    let cli = cli::parse();
    let code = match cli.command {
        Command::Run(args) => commands::run::run(*args),
        Command::Mock(args) => commands::mock::mock(&args),
        Command::Lint(input) => commands::lint::lint(&input),
        Command::Coverage(args) => commands::coverage::coverage(&args),
        Command::Selfcheck(args) => commands::selfcheck::selfcheck(&args),
        Command::Baseline(args) => commands::baseline::baseline(&args),
        Command::Completions(args) => commands::shell::completions(args.shell),
        Command::Man(args) => commands::shell::man(args.subcommand.as_deref()),
        Command::Cleanup(args) => commands::cleanup::cleanup(&args),
    };
    ExitCode::from(code)
}
