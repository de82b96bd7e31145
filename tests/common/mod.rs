//! Helpers shared by the end-to-end tests: running the binary, and a mock in the background.
//! (Each test file includes this module; a helper unused by one file is not dead code.)
#![allow(dead_code)]

use std::time::Duration;

use assert_cmd::Command;
use imgconform::mock::{self, MockConfig, RunningMock};

/// What one invocation of the binary printed and how it ended.
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// stdout then stderr, for assertions that do not care which.
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// The binary, with the variables that would point it at a real cloud removed.
pub fn command() -> Command {
    let mut cmd = Command::cargo_bin("imgconform").unwrap();
    for k in [
        "OS_CLOUD",
        "OS_AUTH_URL",
        "OS_TOKEN",
        "OS_OTHER_CLOUD",
        "OS_CLIENT_CONFIG_FILE",
    ] {
        cmd.env_remove(k);
    }
    cmd.timeout(Duration::from_secs(300));
    cmd
}

pub fn output(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    Output {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `imgconform ARGS...`.
pub fn imgconform(args: &[&str]) -> Output {
    output(command().args(args))
}

/// `imgconform run ARGS...`.
pub fn run(args: &[&str]) -> Output {
    output(command().arg("run").args(args))
}

/// A mock serving in the background for the length of a test.
pub struct BackgroundMock {
    pub rt: tokio::runtime::Runtime,
    pub mock: Option<RunningMock>,
}

impl BackgroundMock {
    pub fn start(config: MockConfig) -> Self {
        imgconform::tls::install_crypto_provider();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let mock = rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            mock::spawn(config, listener).await.unwrap()
        });
        BackgroundMock { rt, mock: Some(mock) }
    }
    pub fn get(&self) -> &RunningMock {
        self.mock.as_ref().unwrap()
    }
}

impl Drop for BackgroundMock {
    fn drop(&mut self) {
        if let Some(m) = self.mock.take() {
            self.rt.block_on(m.shutdown());
        }
    }
}

/// The JSON Schema `schemas/report/NAME.json` of one of the tool's JSON documents, compiled
/// offline against the other report schemas (their `$ref`s resolve locally, never over HTTP).
pub fn report_schema(name: &str) -> jsonschema::Validator {
    const BASE: &str = "https://schemas.imgconform.invalid/report/";
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/report");
    let mut docs = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        docs.push((format!("{BASE}{file}"), doc));
    }
    let root = docs
        .iter()
        .find(|(uri, _)| uri.ends_with(&format!("/{name}.json")))
        .unwrap_or_else(|| panic!("no schemas/report/{name}.json"))
        .1
        .clone();
    let registry = jsonschema::Registry::new()
        .extend(docs)
        .and_then(|b| b.prepare())
        .unwrap();
    jsonschema::options()
        .with_registry(&registry)
        .with_base_uri(format!("{BASE}{name}.json"))
        .should_validate_formats(true)
        .offline()
        .build(&root)
        .unwrap_or_else(|e| panic!("schemas/report/{name}.json does not compile: {e}"))
}

/// Fails with every validation error of `doc` against `schemas/report/NAME.json`.
pub fn assert_valid(name: &str, doc: &serde_json::Value) {
    let v = report_schema(name);
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "not a valid {name} document:\n{}", errors.join("\n"));
}
