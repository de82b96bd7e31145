//! `imgconform mock`: serve the reference mock until Ctrl-C / SIGTERM.

use crate::cli::MockArgs;
use crate::exit_codes;
use crate::mock::{self, MockConfig, Quirk, Variant};

pub fn mock(args: &MockArgs) -> u8 {
    if args.list_quirks {
        let text: String = Quirk::all()
            .iter()
            .map(|q| format!("{:<38} {}  [violates {}]\n", q.name(), q.description(), q.requirement()))
            .collect();
        super::emit(&text);
        return exit_codes::SUCCESS;
    }
    if args.list_variants {
        let text: String = Variant::all()
            .iter()
            .map(|v| format!("{:<26} {}  [legal: {}]\n", v.name(), v.description(), v.reference()))
            .collect();
        super::emit(&text);
        return exit_codes::SUCCESS;
    }
    let config = MockConfig {
        images: args.images,
        token: args.token.clone(),
        quirks: args.quirk.iter().copied().collect(),
        variants: args.variant.iter().copied().collect(),
        latency: std::time::Duration::from_millis(args.latency_ms),
        user: args.user.clone(),
        password: args.password.clone(),
        project: args.project.clone(),
    };
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    match rt.block_on(mock::serve(config, args.listen)) {
        Ok(()) => exit_codes::SUCCESS,
        Err(e) => {
            crate::errln!("imgconform mock: {e:#}");
            exit_codes::TOOL_FAILED
        }
    }
}
