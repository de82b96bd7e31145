//! The command line: `run`, `mock`, `lint` (clap derive). `run` takes libtest's own arguments
//! (filter, `--exact`, `--skip`, `--list`, `--format`, …) through libtest-mimic, so it feels
//! like `cargo test`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::exit_codes;

#[derive(Debug, Parser)]
#[command(
    name = "imgconform",
    version,
    about = "Conformance suite for OpenStack-style list-images APIs (compute-v2, image-v2, ims), with a reference mock",
    after_help = exit_codes::HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the suite against a target (the embedded mock when no URL is given).
    Run(Box<RunArgs>),
    /// Serve the reference mock until Ctrl-C.
    Mock(MockArgs),
    /// Validate case and schema files; run nothing.
    Lint(InputArgs),
    /// Show which requirements of the seed documents the cases check (exit 1 on an uncovered
    /// requirement without a reason).
    Coverage(CoverageArgs),
    /// Run the suite against the mock clean (all must pass) and once per quirk (each must be
    /// caught); exit 1 otherwise.
    Selfcheck(SelfcheckArgs),
    /// Write a baseline (YAML, to stdout) of the failures in a `run --json` results file.
    Baseline(BaselineArgs),
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// The results file written by `imgconform run --json PATH`.
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The reason written for every entry (default: the first finding).
    #[arg(long)]
    pub reason: Option<String>,
    /// An issue link written for every entry.
    #[arg(long)]
    pub issue: Option<String>,
    /// When the entries stop applying (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub expires: Option<chrono::NaiveDate>,
}

#[derive(Debug, Args)]
pub struct SelfcheckArgs {
    /// `text` (default) or `json`.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// `text` (default) or `json`.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Where cases and schemas come from.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// Use the cases in DIR instead of the shipped ones (profile definitions stay available).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// Add the cases in DIR to the shipped ones (repeatable).
    #[arg(long, value_name = "DIR")]
    pub add_cases: Vec<PathBuf>,
    /// Use the schemas in DIR instead of the shipped ones.
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
    /// Add (or override by name) schemas from DIR (repeatable).
    #[arg(long, value_name = "DIR")]
    pub add_schemas: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The Image API v2 endpoint, e.g. http://glance:9292 (no /v2). Without any URL the suite
    /// runs against the embedded mock.
    #[arg(long, value_name = "URL")]
    pub image_url: Option<url::Url>,
    /// The compute endpoint including the tenant, as a service catalogue gives it, e.g.
    /// http://nova:8774/v2/<project id>.
    #[arg(long, value_name = "URL")]
    pub compute_url: Option<url::Url>,
    /// The IMS (Image API v2 with a provider's extensions) endpoint, e.g. https://ims.example.com.
    #[arg(long, value_name = "URL")]
    pub ims_url: Option<url::Url>,
    /// The profiles to run (default: every profile that has a URL; all three against the mock).
    #[arg(long, value_delimiter = ',', value_name = "P1,P2")]
    pub profile: Vec<String>,
    /// A cloud of clouds.yaml (./, ~/.config/openstack/, /etc/openstack/, OS_CLIENT_CONFIG_FILE;
    /// secure.yaml merged): Keystone auth and endpoints from its catalogue. OS_* variables
    /// (OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, ...) work alone or override it.
    #[arg(long, env = "OS_CLOUD", value_name = "NAME")]
    pub cloud: Option<String>,
    /// A second identity in another project (a cloud of clouds.yaml) for the cross-project cases;
    /// OS_OTHER_* variables (OS_OTHER_AUTH_URL, OS_OTHER_USERNAME, ..., OS_OTHER_TOKEN) work too.
    #[arg(long, env = "OS_OTHER_CLOUD", value_name = "NAME")]
    pub other_cloud: Option<String>,
    /// The catalogue region to use.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// The catalogue interface to use (public, internal, admin; default public).
    #[arg(long, value_name = "INTERFACE")]
    pub interface: Option<String>,
    /// Do not verify TLS certificates (warned about on stderr).
    #[arg(long)]
    pub insecure: bool,
    /// The token sent as X-Auth-Token (never printed).
    #[arg(long, env = "OS_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Snapshot comparison: check (default against the embedded mock: a difference FAILs),
    /// strict (a difference always FAILs), update (write .snap.new files for review), off
    /// (default against a real target; with check, drift from the last recorded run WARNs).
    #[arg(long, value_enum, value_name = "MODE")]
    pub snapshots: Option<crate::snapshot::Mode>,
    /// Where snapshots live (default: the source tree's snapshots/, else ./snapshots).
    #[arg(long, value_name = "DIR")]
    pub snapshots_dir: Option<PathBuf>,
    /// Write a JUnit XML report to PATH.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Write every case's result (verdict, requirements, evidence; redacted) as JSON to PATH.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Known failures (YAML: id, reason, issue, expires): a listed failing case is XFAIL, a
    /// listed passing case XPASS (fails the run: remove it), an expired entry is ignored.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Run only shard N of M (hash:N/M, shards from 1), stable across runs, to split CI jobs.
    #[arg(long, value_name = "hash:N/M")]
    pub partition: Option<crate::plan::Partition>,
    /// Seconds before a request without a complete answer is given up (an ERROR).
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    pub timeout: f64,
    /// Largest body read, in bytes; a larger body is an ERROR for its case.
    #[arg(long, default_value_t = 16 * 1024 * 1024, value_name = "BYTES")]
    pub max_body: usize,
    /// Requests in flight at once (a polite default for someone's production cloud).
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub concurrency: usize,
    /// At most this many requests per second.
    #[arg(long, value_name = "R")]
    pub rate: Option<f64>,
    /// At most this many requests in the whole run; the cases after it SKIP (budget).
    #[arg(long, value_name = "N")]
    pub max_requests: Option<usize>,
    /// Retries of a 429 or 503 answer, after its Retry-After (at most 30 s each).
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub retries: u32,
    /// Page budget of a pagination walk (raised for a walk whose discovered catalogue needs more
    /// pages at its limit).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub max_pages: usize,
    /// Catalogue size of the embedded mock.
    #[arg(long, default_value_t = crate::mock::DEFAULT_IMAGES, value_name = "N")]
    pub mock_images: usize,
    /// Inject a named bug into the embedded mock (repeatable; see `imgconform mock --list-quirks`).
    #[arg(long, value_name = "NAME")]
    pub mock_quirk: Vec<crate::mock::Quirk>,
    /// Switch the embedded mock to a conforming variant the suite must pass (repeatable; see
    /// `imgconform mock --list-variants`).
    #[arg(long, value_name = "NAME")]
    pub mock_variant: Vec<crate::mock::Variant>,
    /// Make the embedded mock wait this long before every answer (benchmarks).
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub mock_latency_ms: u64,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub harness: libtest_mimic::Arguments,
}

#[derive(Debug, Args)]
pub struct MockArgs {
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Number of images in the deterministic catalogue.
    #[arg(long, default_value_t = crate::mock::DEFAULT_IMAGES, value_name = "N")]
    pub images: usize,
    /// The valid token.
    #[arg(long, default_value = crate::mock::DEFAULT_TOKEN, value_name = "TOKEN")]
    pub token: String,
    /// Inject a named bug (repeatable).
    #[arg(long, value_name = "NAME")]
    pub quirk: Vec<crate::mock::Quirk>,
    /// Switch to a conforming variant: another legitimate behaviour (repeatable).
    #[arg(long, value_name = "NAME")]
    pub variant: Vec<crate::mock::Variant>,
    /// The Keystone user of the mock's /identity (users `alt` / `alt-password` and `admin` /
    /// `admin-password` exist too).
    #[arg(long, default_value = crate::mock::DEFAULT_USER, value_name = "USER")]
    pub user: String,
    /// The user's password.
    #[arg(long, default_value = crate::mock::DEFAULT_PASSWORD, value_name = "PASSWORD", hide_default_value = true)]
    pub password: String,
    /// The user's project.
    #[arg(long, default_value = crate::mock::DEFAULT_PROJECT, value_name = "NAME")]
    pub project: String,
    /// Wait this long before every answer (a far-away cloud).
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// List the quirks and what each breaks, then exit.
    #[arg(long)]
    pub list_quirks: bool,
    /// List the conforming variants and what makes each legal, then exit.
    #[arg(long)]
    pub list_variants: bool,
}

const RUN_HELP_TEMPLATE: &str = "{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}";

/// Parses the process arguments. libtest-mimic's `Arguments` brings a help template of its own
/// that hides our options; the `run` subcommand gets a normal one back here.
pub fn parse() -> Cli {
    let cmd = Cli::command().mut_subcommand("run", |c| {
        c.help_template(RUN_HELP_TEMPLATE)
            .about("Run the suite against a target (the embedded mock when no URL is given)")
            .after_help(format!(
                "FILTER and the libtest options work as in `cargo test`.\n\n{}",
                exit_codes::HELP
            ))
    });
    let matches = cmd.get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}
