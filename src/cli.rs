//! The command line (clap derive): `run`, `mock`, `lint`, `coverage`, `selfcheck`, `baseline`.
//!
//! `run` selects cases as `cargo test` does (a filter, `--exact`, `--skip`, `--list`,
//! `--ignored`), groups its options by what they are for (selection, output, target, limits,
//! politeness), and gets one endpoint flag per endpoint kind from the kinds' data.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::exit_codes;

/// The version and the commit the binary was built from (set by build.rs; `unknown` when it
/// was not built from a git checkout): what `--version`, the banner and the reports say.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("IMGCONFORM_GIT_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "imgconform",
    version = VERSION,
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
    /// Print a shell completion script (e.g. `imgconform completions bash >
    /// ~/.local/share/bash-completion/completions/imgconform`).
    Completions(CompletionsArgs),
    /// Print a manual page (roff) to stdout: imgconform(1), or a subcommand's
    /// (`imgconform man run > imgconform-run.1`).
    Man(ManArgs),
    /// Delete the fixtures a provisioning run left behind (it was killed): images with a run's
    /// marker tag owned by the identity's project, listing each one.
    Cleanup(CleanupArgs),
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (run, mock, lint, coverage, selfcheck, baseline, …).
    pub subcommand: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// Only the fixtures of this run (the id `run --provision` printed); without it, those of
    /// every run (any image owned by the project with a tag imgconform-YYYYMMDDtHHMMSS-xxxxxx).
    #[arg(long, value_name = "RUN_ID")]
    pub run_id: Option<String>,
    /// List what would be deleted; delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The cloud of clouds.yaml whose fixtures to remove (or OS_* variables).
    #[arg(long, alias = "os-cloud", env = "OS_CLOUD", value_name = "NAME")]
    pub cloud: Option<String>,
    /// The second identity of the run, whose fixtures (owner: other) are removed too.
    #[arg(long, env = "OS_OTHER_CLOUD", value_name = "NAME")]
    pub other_cloud: Option<String>,
    /// The image endpoint, when not from the cloud's catalogue (image=URL).
    #[arg(long = "endpoint", value_name = "KIND=URL", value_parser = parse_endpoint)]
    pub endpoint: Vec<EndpointArg>,
    /// The catalogue region to use.
    #[arg(long, alias = "os-region-name", value_name = "REGION")]
    pub region: Option<String>,
    /// The catalogue interface to use (public, internal, admin; default public).
    #[arg(long, alias = "os-interface", value_name = "INTERFACE")]
    pub interface: Option<String>,
    /// Do not verify TLS certificates (warned about on stderr).
    #[arg(long)]
    pub insecure: bool,
    /// Seconds before a request without a complete answer is given up.
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    pub timeout: f64,
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

/// How the console reports a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ConsoleFormat {
    /// One line per case as it finishes (`test ID ... ok`), then the reports of what failed.
    Pretty,
    /// One character per case (`.` pass, `F` fail, `E` error, `W` warn, `s` skip, …).
    Terse,
    /// libtest's JSON lines on stdout (the summary and warnings go to stderr).
    Json,
}

/// Whether the console uses colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal and `NO_COLOR` is not set.
    Auto,
    Always,
    Never,
}

/// An endpoint given on the command line: `--endpoint KIND=URL` or a kind's own flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointArg {
    pub kind: String,
    pub url: url::Url,
    /// How it was written (`--image-url`, `--endpoint image=…`), for messages.
    pub given_as: String,
}

/// An http(s) URL; anything else (a typo, `ftp://`, `file://`) is bad input.
pub fn parse_http_url(s: &str) -> Result<url::Url, String> {
    let u = url::Url::parse(s).map_err(|e| format!("`{s}` is not a URL: {e}"))?;
    match u.scheme() {
        "http" | "https" if u.host().is_some() => Ok(u),
        "http" | "https" => Err(format!("`{s}` has no host")),
        other => Err(format!("`{s}`: the scheme must be http or https, not {other}")),
    }
}

/// The largest catalogue the embedded mock is asked to build (`mock::MAX_IMAGES`); more is
/// a typo, or a test of the machine rather than of the suite.
pub const MAX_MOCK_IMAGES: usize = crate::mock::MAX_IMAGES;

/// A mock catalogue size within `MAX_MOCK_IMAGES`.
fn parse_mock_images(s: &str) -> Result<usize, String> {
    let n: usize = s
        .trim()
        .parse()
        .map_err(|e| format!("`{s}` is not a number of images: {e}"))?;
    if n > MAX_MOCK_IMAGES {
        return Err(format!(
            "{n} images is more than the mock serves (at most {MAX_MOCK_IMAGES})"
        ));
    }
    Ok(n)
}

fn parse_endpoint(s: &str) -> Result<EndpointArg, String> {
    let (kind, url) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not KIND=URL (e.g. image=http://glance:9292)"))?;
    Ok(EndpointArg {
        kind: kind.trim().to_string(),
        url: parse_http_url(url.trim())?,
        given_as: format!("--endpoint {s}"),
    })
}

/// The help heading of the embedded mock's options (the target when no endpoint is given).
const MOCK: &str = "Target: the embedded mock";

/// `run`'s options, grouped in `--help` by what they are for: selection, output, target (and
/// the embedded mock), limits, politeness.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run only the cases whose id contains FILTER (any of several); with --exact, equal to it.
    #[arg(value_name = "FILTER", help_heading = "Selection")]
    pub filters: Vec<String>,
    /// FILTER and --skip match whole case ids.
    #[arg(long, help_heading = "Selection")]
    pub exact: bool,
    /// Leave out the cases whose id contains PATTERN (repeatable).
    #[arg(long, value_name = "PATTERN", help_heading = "Selection")]
    pub skip: Vec<String>,
    /// Run only the cases marked `ignore` in their files.
    #[arg(long, conflicts_with = "include_ignored", help_heading = "Selection")]
    pub ignored: bool,
    /// Run the cases marked `ignore` too.
    #[arg(long, help_heading = "Selection")]
    pub include_ignored: bool,
    /// The profiles to run (default: every profile that has an endpoint; all of them against the
    /// mock).
    #[arg(long, value_delimiter = ',', value_name = "P1,P2", help_heading = "Selection")]
    pub profile: Vec<String>,
    /// Run only shard N of M (hash:N/M, shards from 1), stable across runs, to split CI jobs.
    #[arg(long, value_name = "hash:N/M", help_heading = "Selection")]
    pub partition: Option<crate::plan::Partition>,
    /// Known failures (YAML: id, reason, issue, expires): a listed failing case is XFAIL, a
    /// listed passing case XPASS (fails the run: remove it), an expired entry is ignored.
    #[arg(long, value_name = "FILE", help_heading = "Selection")]
    pub baseline: Option<PathBuf>,

    /// List the selected cases (id and title) and run nothing.
    #[arg(long, help_heading = "Output")]
    pub list: bool,
    /// Print the resolved plan (target, endpoints, identities, profiles, cases, budgets) and
    /// send no case request.
    #[arg(long, help_heading = "Output")]
    pub plan: bool,
    /// The console's format (with --list: `json` lists as JSON).
    #[arg(
        long,
        value_enum,
        default_value = "pretty",
        value_name = "FORMAT",
        help_heading = "Output"
    )]
    pub format: ConsoleFormat,
    /// The terse format: one character per case.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,
    /// Colour the verdicts on the console.
    #[arg(
        long,
        value_enum,
        default_value = "auto",
        value_name = "WHEN",
        help_heading = "Output"
    )]
    pub color: ColorChoice,
    /// Write a JUnit XML report to PATH (kept well-formed while the run goes, and on Ctrl-C).
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub junit: Option<PathBuf>,
    /// Write every case's result (verdict, requirements, evidence; redacted) as JSON to PATH.
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub json: Option<PathBuf>,
    /// Write one JSON line per request to PATH as it is answered (case, method, URL, status or
    /// error, bytes, milliseconds; redacted): where a run's requests went.
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub requests_log: Option<PathBuf>,
    /// Snapshot comparison: check (default against the embedded mock: a difference FAILs),
    /// strict (a difference always FAILs), update (write .snap.new files for review), off
    /// (default against a real target; with check, drift from the last recorded run WARNs).
    #[arg(long, value_enum, value_name = "MODE", help_heading = "Output")]
    pub snapshots: Option<crate::snapshot::Mode>,
    /// Where snapshots live (default: the source tree's snapshots/, else ./snapshots).
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub snapshots_dir: Option<PathBuf>,

    /// An endpoint of a kind the profiles talk to, as KIND=URL (repeatable). Each kind also has
    /// its own flag, listed below (--image-url, --compute-url, --ims-url, …). Without any
    /// endpoint or cloud, the suite runs against the embedded mock.
    #[arg(long = "endpoint", value_name = "KIND=URL", value_parser = parse_endpoint, help_heading = "Target")]
    pub endpoint: Vec<EndpointArg>,
    /// A cloud of clouds.yaml (./, ~/.config/openstack/, /etc/openstack/, OS_CLIENT_CONFIG_FILE;
    /// secure.yaml merged): Keystone auth and endpoints from its catalogue. OS_* variables
    /// (OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, ...) work alone or override it.
    #[arg(
        long,
        visible_alias = "os-cloud",
        env = "OS_CLOUD",
        value_name = "NAME",
        help_heading = "Target"
    )]
    pub cloud: Option<String>,
    /// A second identity in another project (a cloud of clouds.yaml) for the cross-project cases;
    /// OS_OTHER_* variables (OS_OTHER_AUTH_URL, OS_OTHER_USERNAME, ..., OS_OTHER_TOKEN) work too.
    #[arg(long, env = "OS_OTHER_CLOUD", value_name = "NAME", help_heading = "Target")]
    pub other_cloud: Option<String>,
    /// The catalogue region to use.
    #[arg(
        long,
        visible_alias = "os-region-name",
        value_name = "REGION",
        help_heading = "Target"
    )]
    pub region: Option<String>,
    /// The catalogue interface to use (public, internal, admin; default public).
    #[arg(
        long,
        visible_alias = "os-interface",
        value_name = "INTERFACE",
        help_heading = "Target"
    )]
    pub interface: Option<String>,
    /// Keystone v3 (as OS_AUTH_URL): authenticate without a clouds.yaml, with --username,
    /// --password (or OS_PASSWORD), --project-name, … or an application credential.
    #[arg(long, visible_alias = "os-auth-url", value_name = "URL", help_heading = "Target")]
    pub auth_url: Option<String>,
    /// The Keystone user (as OS_USERNAME).
    #[arg(long, visible_alias = "os-username", value_name = "NAME", help_heading = "Target")]
    pub username: Option<String>,
    /// The user's password (as OS_PASSWORD; prefer that or secure.yaml: other users of the
    /// machine can read a command line). Never printed.
    #[arg(
        long,
        visible_alias = "os-password",
        value_name = "PASSWORD",
        help_heading = "Target"
    )]
    pub password: Option<String>,
    /// The project to scope the token to, by name (as OS_PROJECT_NAME).
    #[arg(
        long,
        visible_alias = "os-project-name",
        value_name = "NAME",
        help_heading = "Target"
    )]
    pub project_name: Option<String>,
    /// The project to scope the token to, by id (as OS_PROJECT_ID).
    #[arg(long, visible_alias = "os-project-id", value_name = "ID", help_heading = "Target")]
    pub project_id: Option<String>,
    /// The user's domain (as OS_USER_DOMAIN_NAME).
    #[arg(
        long,
        visible_alias = "os-user-domain-name",
        value_name = "NAME",
        help_heading = "Target"
    )]
    pub user_domain_name: Option<String>,
    /// The project's domain (as OS_PROJECT_DOMAIN_NAME).
    #[arg(
        long,
        visible_alias = "os-project-domain-name",
        value_name = "NAME",
        help_heading = "Target"
    )]
    pub project_domain_name: Option<String>,
    /// An application credential's id (as OS_APPLICATION_CREDENTIAL_ID).
    #[arg(
        long,
        visible_alias = "os-application-credential-id",
        value_name = "ID",
        help_heading = "Target"
    )]
    pub application_credential_id: Option<String>,
    /// The application credential's secret (as OS_APPLICATION_CREDENTIAL_SECRET). Never printed.
    #[arg(
        long,
        visible_alias = "os-application-credential-secret",
        value_name = "SECRET",
        help_heading = "Target"
    )]
    pub application_credential_secret: Option<String>,
    /// A CA bundle (PEM) to verify the endpoints' certificates with (as OS_CACERT).
    #[arg(long, visible_alias = "os-cacert", value_name = "FILE", help_heading = "Target")]
    pub cacert: Option<PathBuf>,
    /// A client certificate (PEM) (as OS_CERT).
    #[arg(long, visible_alias = "os-cert", value_name = "FILE", help_heading = "Target")]
    pub cert: Option<PathBuf>,
    /// The client certificate's key (PEM) (as OS_KEY).
    #[arg(long, visible_alias = "os-key", value_name = "FILE", help_heading = "Target")]
    pub key: Option<PathBuf>,
    /// Do not verify TLS certificates (warned about on stderr).
    #[arg(long, help_heading = "Target")]
    pub insecure: bool,
    /// Skip the pre-flight (one look at each endpoint before any case: reachable, TLS, token
    /// accepted, URL shape) and record whatever the target answers as case verdicts (for a
    /// provider whose bug is refusing valid tokens).
    #[arg(long, help_heading = "Target")]
    pub no_preflight: bool,
    /// Provisioning mode: create the fixture images the selected cases need
    /// (cases/<profile>/fixtures.yaml, named and tagged imgconform-<run id>-…) before they run,
    /// and delete them at the end, after a failure and on SIGINT/SIGTERM. Without it the suite
    /// is read-only and those cases SKIP.
    #[arg(long, help_heading = "Target")]
    pub provision: bool,
    /// The token sent as X-Auth-Token (never printed).
    #[arg(
        long,
        visible_alias = "os-token",
        env = "OS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN",
        help_heading = "Target"
    )]
    pub token: Option<String>,

    /// Catalogue size of the embedded mock (at most 100000).
    #[arg(long, default_value_t = crate::mock::DEFAULT_IMAGES, value_name = "N", value_parser = parse_mock_images, help_heading = MOCK)]
    pub mock_images: usize,
    /// Inject a named bug into the embedded mock (repeatable; see `imgconform mock --list-quirks`).
    #[arg(long, value_name = "NAME", help_heading = MOCK)]
    pub mock_quirk: Vec<crate::mock::Quirk>,
    /// Switch the embedded mock to a conforming variant the suite must pass (repeatable; see
    /// `imgconform mock --list-variants`).
    #[arg(long, value_name = "NAME", help_heading = MOCK)]
    pub mock_variant: Vec<crate::mock::Variant>,
    /// Make the embedded mock wait this long before every answer (benchmarks).
    #[arg(long, default_value_t = 0, value_name = "MS", help_heading = MOCK)]
    pub mock_latency_ms: u64,

    /// Seconds before a request without a complete answer is given up (an ERROR).
    #[arg(long, default_value_t = 30.0, value_name = "SECS", help_heading = "Limits")]
    pub timeout: f64,
    /// Largest body read, in bytes; a larger body is an ERROR for its case.
    #[arg(long, default_value_t = 16 * 1024 * 1024, value_name = "BYTES", help_heading = "Limits")]
    pub max_body: usize,
    /// Bytes of response bodies the whole run holds at once (read, or kept by walks), shared by
    /// every case and client; when used up, the answer or walk that needs more is an ERROR.
    #[arg(long, default_value_t = crate::exec::DEFAULT_MAX_BODY_MEMORY, value_name = "BYTES", help_heading = "Limits")]
    pub max_body_memory: usize,
    /// Page budget of a pagination walk (raised for a walk whose discovered catalogue needs more
    /// pages at its limit).
    #[arg(long, default_value_t = 1000, value_name = "N", help_heading = "Limits")]
    pub max_pages: usize,
    /// Pages per window of a long walk (a walk expected to take more than three windows' worth
    /// is checked in windows: from the start, from a marker on a long list, from near the end).
    #[arg(long, default_value_t = 2, value_name = "N", help_heading = "Limits")]
    pub window_pages: usize,
    /// Places the windows of long walks (default: a new seed each run, shown by --plan and in
    /// the reports; give it to walk the same windows again).
    #[arg(long, value_name = "N", help_heading = "Limits")]
    pub seed: Option<u64>,
    /// The most images a discovered list (the catalogue, a walk's reference) may hold; a larger
    /// one is an ERROR of the cases that need it, never read past.
    #[arg(long, default_value_t = crate::exec::DEFAULT_MAX_CATALOGUE, value_name = "N", help_heading = "Limits")]
    pub max_catalogue: usize,

    /// Requests in flight at once (a polite default for someone's production cloud). The one
    /// concurrency setting: four times as many cases are in flight, since a case often waits on
    /// an answer another case asked for; `--test-threads` is the same flag, for cargo test habits.
    #[arg(
        long,
        visible_alias = "test-threads",
        default_value_t = 8,
        value_name = "N",
        help_heading = "Politeness"
    )]
    pub concurrency: usize,
    /// At most this many requests per second.
    #[arg(long, value_name = "R", help_heading = "Politeness")]
    pub rate: Option<f64>,
    /// At most this many requests in the whole run; the cases after it SKIP (budget).
    #[arg(long, value_name = "N", help_heading = "Politeness")]
    pub max_requests: Option<usize>,
    /// Retries of a 429 or 503 answer, after its Retry-After (at most 30 s each).
    #[arg(long, default_value_t = 3, value_name = "N", help_heading = "Politeness")]
    pub retries: u32,

    #[command(flatten, next_help_heading = "Selection")]
    pub input: InputArgs,
    /// The ids of the options whose value came from the environment (`cloud` from OS_CLOUD),
    /// and of those given on the command line: the banner says which variables were used.
    #[arg(skip)]
    pub from_env: Vec<String>,
    #[arg(skip)]
    pub on_command_line: Vec<String>,
}

#[derive(Debug, Args)]
pub struct MockArgs {
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Number of images in the deterministic catalogue (at most `mock::MAX_IMAGES`).
    #[arg(long, default_value_t = crate::mock::DEFAULT_IMAGES, value_name = "N", value_parser = parse_mock_images)]
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

/// Parses the process arguments.
///
/// Two stages, as ripgrep's flags: the endpoint kinds are data (`cases/*/endpoint.yaml`, and
/// those of `--cases`/`--add-cases` directories), so the input directories are read from the
/// raw arguments first, the kinds loaded, and one `--KIND-url` flag (with an `--os-KIND-url`
/// alias) added per kind before clap parses. Bad kind files are bad input (exit 2) at once.
pub fn parse() -> Cli {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let kinds = match crate::loader::endpoint_kinds(&input_dirs(&argv)) {
        Ok(k) => k,
        Err(diags) => {
            crate::errln!("{diags}");
            std::process::exit(exit_codes::BAD_INPUT as i32);
        }
    };
    let cmd = command(&kinds);
    let matches = cmd.get_matches_from(argv);
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let (Command::Run(args), Some(("run", m))) = (&mut cli.command, matches.subcommand()) {
        let mut given: Vec<(usize, EndpointArg)> = Vec::new();
        for kind in kinds.values() {
            if let (Some(urls), Some(idx)) = (m.get_many::<url::Url>(&kind.flag), m.indices_of(&kind.flag)) {
                for (url, at) in urls.zip(idx) {
                    given.push((
                        at,
                        EndpointArg {
                            kind: kind.name.clone(),
                            url: url.clone(),
                            given_as: format!("--{}", kind.flag),
                        },
                    ));
                }
            }
        }
        given.sort_by_key(|(at, _)| *at);
        args.endpoint.extend(given.into_iter().map(|(_, e)| e));
        for id in m.ids() {
            match m.value_source(id.as_str()) {
                Some(clap::parser::ValueSource::EnvVariable) => args.from_env.push(id.to_string()),
                Some(clap::parser::ValueSource::CommandLine) => args.on_command_line.push(id.to_string()),
                _ => {}
            }
        }
    }
    cli
}

/// The clap command, with one flag per endpoint kind on `run`.
pub fn command(kinds: &std::collections::BTreeMap<String, crate::model::EndpointKind>) -> clap::Command {
    Cli::command().mut_subcommand("run", |mut c| {
        for kind in kinds.values() {
            let flag: &'static str = Box::leak(kind.flag.clone().into_boxed_str());
            let alias: &'static str = Box::leak(format!("os-{}", kind.flag).into_boxed_str());
            c = c.arg(
                clap::Arg::new(flag)
                    .long(flag)
                    .visible_alias(alias)
                    .value_name("URL")
                    .action(clap::ArgAction::Append)
                    .value_parser(parse_http_url)
                    .help_heading("Target")
                    .help(format!(
                        "The {} endpoint, e.g. {} (= --endpoint {}=URL)",
                        kind.title, kind.example, kind.name
                    )),
            );
        }
        c.about("Run the suite against a target (the embedded mock when no endpoint or cloud is given)")
            .after_help(exit_codes::HELP)
    })
}

/// `--cases DIR` and `--add-cases DIR` as written, before clap parses (see `parse`).
fn input_dirs(argv: &[std::ffi::OsString]) -> crate::loader::LoadOptions {
    let mut options = crate::loader::LoadOptions::default();
    let mut it = argv.iter().map(|a| a.to_string_lossy().into_owned()).peekable();
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        for (flag, many) in [("--cases", false), ("--add-cases", true)] {
            let value = if a == flag {
                it.peek().cloned().inspect(|_| {
                    it.next();
                })
            } else {
                a.strip_prefix(&format!("{flag}=")).map(str::to_string)
            };
            if let Some(v) = value {
                if many {
                    options.add_cases.push(v.into());
                } else {
                    options.cases_dir = Some(v.into());
                }
            }
        }
    }
    options
}
