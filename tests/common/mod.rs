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
