//! Broken input files: each folder under `tests/load_errors/` holds a `cases/` and/or `schemas/`
//! tree and the exact stderr expected (`expected.err`, with `{dir}` for the folder): the kind,
//! the position, the source line with carets, the key path. Both `lint` and `run` must print
//! it, exit with 2, and run nothing. `IMGCONFORM_BLESS=1 cargo test --test load_errors` rewrites
//! the golden files from what the binary prints (review the diff before committing).

use std::path::Path;

use assert_cmd::Command;

fn fixture_args(dir: &Path) -> Vec<String> {
    let mut args = Vec::new();
    if dir.join("cases").is_dir() {
        args.push("--cases".to_string());
        args.push(dir.join("cases").display().to_string());
    }
    if dir.join("schemas").is_dir() {
        args.push("--add-schemas".to_string());
        args.push(dir.join("schemas").display().to_string());
    }
    args
}

#[test]
fn every_broken_fixture_is_reported_with_its_position_and_exit_2() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/load_errors");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 15, "the broken fixtures are missing");
    let bless = std::env::var_os("IMGCONFORM_BLESS").is_some();
    for dir in dirs {
        if bless {
            let out = Command::cargo_bin("imgconform")
                .unwrap()
                .arg("lint")
                .args(fixture_args(&dir))
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "{dir}");
            std::fs::write(dir.join("expected.err"), text).unwrap();
        }
        let expected = std::fs::read_to_string(dir.join("expected.err"))
            .unwrap_or_else(|_| panic!("{} has no expected.err", dir.display()))
            .replace("{dir}", &dir.display().to_string());
        for sub in ["lint", "run"] {
            let out = Command::cargo_bin("imgconform")
                .unwrap()
                .arg(sub)
                .args(fixture_args(&dir))
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{} {sub}: exit code; stderr:\n{stderr}",
                dir.display()
            );
            assert_eq!(stderr, expected, "{} {sub}: stderr differs", dir.display());
            assert!(
                !stdout.contains("running"),
                "{} {sub}: something ran:\n{stdout}",
                dir.display()
            );
            assert!(
                !stderr.contains("embedded mock"),
                "{} {sub}: the mock was started",
                dir.display()
            );
        }
    }
}

#[test]
fn the_shipped_cases_and_schemas_lint_clean() {
    let out = Command::cargo_bin("imgconform").unwrap().arg("lint").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let n: usize = stdout
        .trim_start_matches("ok: ")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(n >= 20, "at least 20 image-v2 cases ship: {stdout}");
}
