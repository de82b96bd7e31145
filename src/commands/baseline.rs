//! `imgconform baseline --from results.json`: a baseline of the current failures, for review.

use crate::cli::BaselineArgs;
use crate::exit_codes;

fn yaml_quote(s: &str) -> String {
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', " ")
    )
}

pub fn baseline(args: &BaselineArgs) -> u8 {
    let text = match std::fs::read_to_string(&args.from) {
        Ok(t) => t,
        Err(e) => {
            crate::errln!("{}:1:1: cannot read results: {e}", args.from.display());
            return exit_codes::BAD_INPUT;
        }
    };
    let doc: serde_json::Value = match serde_json::from_str(&text) {
        Ok(d) => d,
        Err(e) => {
            crate::errln!(
                "{}:{}:{}: not a results file: {e}",
                args.from.display(),
                e.line(),
                e.column()
            );
            return exit_codes::BAD_INPUT;
        }
    };
    let Some(cases) = doc.get("cases").and_then(|c| c.as_array()) else {
        crate::errln!(
            "{}:1:1: not a results file written by `imgconform run --json` (no `cases`)",
            args.from.display()
        );
        return exit_codes::BAD_INPUT;
    };
    let mut out = String::from("# Known failures, written by `imgconform baseline`; review every entry.\nbaseline:\n");
    let mut n = 0;
    for c in cases {
        let verdict = c["verdict"].as_str().unwrap_or("");
        if !matches!(verdict, "FAIL" | "ERROR") {
            continue;
        }
        let id = c["id"].as_str().unwrap_or("");
        let first = c["findings"][0]["message"].as_str().unwrap_or("failing");
        let reason = args.reason.clone().unwrap_or_else(|| format!("{verdict}: {first}"));
        out.push_str(&format!("  - id: {id}\n    reason: {}\n", yaml_quote(&reason)));
        if let Some(issue) = &args.issue {
            out.push_str(&format!("    issue: {}\n", yaml_quote(issue)));
        }
        if let Some(expires) = &args.expires {
            out.push_str(&format!("    expires: {expires}\n"));
        }
        n += 1;
    }
    if n == 0 {
        out = "# No failures in the results: nothing to baseline.\nbaseline: []\n".to_string();
    }
    super::emit(&out);
    exit_codes::SUCCESS
}
