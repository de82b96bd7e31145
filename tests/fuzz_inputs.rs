//! Broken inputs never crash or hang the binary: a property test mutates case files, schemas,
//! clouds.yaml and baselines (deletions, truncations, byte flips, duplicated lines, nasty
//! tokens, deep nesting), runs the command that reads each, and asserts it ends within its
//! timeout with exit 0 (the mutation kept the file valid) or 2 with a `file:line:column`
//! naming the broken file, and never panics.
//!
//! Bounded: `IMGCONFORM_FUZZ_CASES` mutations per input kind (default 16; each is one run of
//! the binary, about half a second). The inputs that once broke something, and the seeds the
//! mutations start from, are kept under `tests/fuzz_corpus/<kind>/` and run every time.

use std::path::{Path, PathBuf};
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

mod common;

fn corpus(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_corpus")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Tokens that break parsers in interesting ways.
const NASTY: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    ": ",
    "- ",
    "\t",
    "\n",
    "\r\n",
    "*alias",
    "&anchor ",
    "!!binary ",
    "<<: *x\n",
    "\u{0}",
    "\u{feff}",
    "99999999999999999999999999",
    "-1",
    "1e400",
    "~",
    "null",
    "...\n",
    "---\n",
    "%YAML 1.2\n",
    "\\u0000",
    "\\",
    "😀",
    "{{",
    "}}",
    "{x./y}",
    "#",
    "|\n",
    ">-\n",
    "? ",
    ",",
];

#[derive(Clone, Debug)]
enum Mutation {
    Delete { at: f64, len: usize },
    Insert { at: f64, token: usize },
    Truncate { at: f64 },
    Flip { at: f64, byte: u8 },
    DuplicateLine { from: f64, to: f64 },
    Nest { at: f64, depth: usize, open: bool },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0.0..1.0f64;
    prop_oneof![
        (at.clone(), 1..40usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (at.clone(), 0..NASTY.len()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        at.clone().prop_map(|at| Mutation::Truncate { at }),
        (at.clone(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        (at.clone(), at.clone()).prop_map(|(from, to)| Mutation::DuplicateLine { from, to }),
        (at, 1..5000usize, any::<bool>()).prop_map(|(at, depth, open)| Mutation::Nest { at, depth, open }),
    ]
}

fn apply(text: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut t = text.to_vec();
    let pos = |t: &Vec<u8>, at: f64| ((t.len() as f64) * at) as usize;
    for m in mutations {
        match m {
            Mutation::Delete { at, len } => {
                let p = pos(&t, *at);
                let end = (p + len).min(t.len());
                t.drain(p..end);
            }
            Mutation::Insert { at, token } => {
                let p = pos(&t, *at);
                t.splice(p..p, NASTY[*token].bytes());
            }
            Mutation::Truncate { at } => {
                let p = pos(&t, *at);
                t.truncate(p);
            }
            Mutation::Flip { at, byte } => {
                let p = pos(&t, *at);
                if let Some(b) = t.get_mut(p) {
                    *b = *byte;
                }
            }
            Mutation::DuplicateLine { from, to } => {
                let lines: Vec<Vec<u8>> = t.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
                let line = lines[((lines.len() as f64) * from) as usize % lines.len()].clone();
                let mut out = lines.clone();
                let i = ((lines.len() as f64) * to) as usize % (lines.len() + 1);
                out.insert(i, line);
                t = out.join(&b'\n');
            }
            Mutation::Nest { at, depth, open } => {
                let p = pos(&t, *at);
                let s = if *open {
                    "[".repeat(*depth)
                } else {
                    "{a: ".repeat(*depth)
                };
                t.splice(p..p, s.into_bytes());
            }
        }
    }
    t
}

/// One input kind: where the mutated file goes and which command reads it.
struct Kind {
    name: &'static str,
    /// The file's name as the command sees it (inside the temporary directory).
    file: &'static str,
    args: fn(&Path) -> Vec<String>,
    /// Whether a valid file still ends in exit 2 (a cloud that cannot be reached).
    always_bad: bool,
}

const KINDS: &[Kind] = &[
    Kind {
        name: "cases",
        file: "image-v2/fuzz.yaml",
        args: |dir| vec!["lint".into(), "--cases".into(), dir.display().to_string()],
        always_bad: false,
    },
    Kind {
        name: "schemas",
        file: "image-v2/images.json",
        args: |dir| vec!["lint".into(), "--add-schemas".into(), dir.display().to_string()],
        always_bad: false,
    },
    Kind {
        name: "clouds",
        file: "clouds.yaml",
        args: |_| {
            vec![
                "run".into(),
                "--cloud".into(),
                "fuzz".into(),
                "--plan".into(),
                "--timeout".into(),
                "5".into(),
            ]
        },
        always_bad: true,
    },
    Kind {
        name: "baselines",
        file: "baseline.yaml",
        args: |dir| {
            vec![
                "run".into(),
                "--list".into(),
                "-q".into(),
                "--baseline".into(),
                dir.join("baseline.yaml").display().to_string(),
            ]
        },
        always_bad: false,
    },
];

/// A mutated clouds.yaml is only run when every URL it could make the binary call is on
/// 127.0.0.1 (this test sends nothing anywhere else, whatever a byte flip wrote).
fn stays_on_loopback(text: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(text) else { return true };
    let Ok(doc) = serde_saphyr::from_str::<serde_json::Value>(s) else {
        return true;
    };
    let Some(url) = doc.pointer("/clouds/fuzz/auth/auth_url").and_then(|v| v.as_str()) else {
        return true;
    };
    [url.to_string(), format!("{}/v3/auth/tokens", url.trim_end_matches('/'))]
        .iter()
        .all(|u| match url::Url::parse(u) {
            Ok(u) => u.host_str().is_none_or(|h| h == "127.0.0.1"),
            Err(_) => true,
        })
}

/// Runs the kind's command on `text`; the property every input must hold.
fn check(kind: &Kind, text: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(kind.file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    let mut cmd = common::command();
    cmd.args((kind.args)(dir.path()))
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env("OS_CLIENT_CONFIG_FILE", dir.path().join("clouds.yaml"))
        .timeout(Duration::from_secs(60));
    for k in [
        "OS_PASSWORD",
        "OS_USERNAME",
        "OS_PROJECT_NAME",
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(k);
    }
    let out = common::output(&mut cmd);
    let shown = || String::from_utf8_lossy(&text[..text.len().min(400)]).into_owned();
    prop_assert!(
        !out.stderr.contains("panicked") && !out.stderr.contains("internal error"),
        "{}: a panic on {:?}:\n{}",
        kind.name,
        shown(),
        out.stderr
    );
    prop_assert!(
        out.code.is_some(),
        "{}: killed (a hang or a crash) on {:?}",
        kind.name,
        shown()
    );
    let code = out.code.unwrap();
    if kind.always_bad {
        prop_assert_eq!(code, 2, "{}: {:?}\n{}", kind.name, shown(), out.text());
    } else {
        prop_assert!(
            code == 0 || code == 2,
            "{}: exit {code} on {:?}\n{}",
            kind.name,
            shown(),
            out.text()
        );
    }
    if code == 2 {
        // The broken file, with a line and a column — unless the cloud file was fine and only
        // Keystone could not be reached.
        let name = Path::new(kind.file).file_name().unwrap().to_string_lossy().into_owned();
        let positioned = out.stderr.match_indices(&name).any(|(i, _)| {
            let rest = &out.stderr[i + name.len()..];
            let mut parts = rest.splitn(3, ':');
            parts.next() == Some("")
                && parts
                    .next()
                    .is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
                && parts
                    .next()
                    .is_some_and(|c| c.bytes().next().is_some_and(|b| b.is_ascii_digit()))
        });
        let unreachable = kind.name == "clouds" && out.stderr.contains("Keystone");
        // A clouds.yaml that parses but is unusable is named with what is wrong (its values
        // carry no positions once parsed).
        let named = kind.name == "clouds"
            && ["cloud `fuzz`", "no cloud named `fuzz`", "no `clouds:` map"]
                .iter()
                .any(|m| out.stderr.contains(&format!("{name}: {m}")));
        prop_assert!(
            positioned || unreachable || named,
            "{}: exit 2 without `{name}:LINE:COL` on {:?}:\n{}",
            kind.name,
            shown(),
            out.stderr
        );
    }
    Ok(())
}

fn fuzz(kind_name: &str) {
    let kind = KINDS.iter().find(|k| k.name == kind_name).unwrap();
    let seeds = corpus(kind.name);
    // Every corpus file as it is first: seeds and inputs that once broke something.
    for f in &seeds {
        let text = std::fs::read(f).unwrap();
        if kind.name == "clouds" && !stays_on_loopback(&text) {
            continue;
        }
        check(kind, &text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
    let cases = std::env::var("IMGCONFORM_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(16);
    let mut runner = TestRunner::new(Config {
        cases,
        max_shrink_iters: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let texts: Vec<Vec<u8>> = seeds.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let strategy = (0..texts.len(), prop::collection::vec(mutation(), 1..4));
    let result = runner.run(&strategy, |(seed, mutations)| {
        let text = apply(&texts[seed], &mutations);
        if kind.name == "clouds" && !stays_on_loopback(&text) {
            return Err(TestCaseError::reject("a URL off loopback"));
        }
        check(kind, &text)
    });
    if let Err(e) = result {
        panic!("{kind_name}: {e}");
    }
}

#[test]
fn fuzz_case_files() {
    fuzz("cases");
}

#[test]
fn fuzz_schemas() {
    fuzz("schemas");
}

#[test]
fn fuzz_clouds_yaml() {
    fuzz("clouds");
}

#[test]
fn fuzz_baselines() {
    fuzz("baselines");
}
