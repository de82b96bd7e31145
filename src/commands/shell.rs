//! `imgconform completions SHELL` and `imgconform man`: generated from the same clap command
//! the binary parses with, so they list every flag, one `--KIND-url` per shipped endpoint kind
//! included, and cannot drift from `--help`.

use crate::exit_codes;

/// The full command line definition, with the shipped endpoint kinds' flags.
fn command() -> Result<clap::Command, u8> {
    let kinds = crate::loader::endpoint_kinds(&Default::default()).map_err(|d| {
        crate::errln!("{d}");
        exit_codes::BAD_INPUT
    })?;
    Ok(crate::cli::command(&kinds))
}

pub fn completions(shell: clap_complete::Shell) -> u8 {
    let mut cmd = match command() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "imgconform", &mut out);
    super::emit(&String::from_utf8_lossy(&out));
    exit_codes::SUCCESS
}

/// imgconform(1), or `imgconform-SUB(1)` for a subcommand.
pub fn man(subcommand: Option<&str>) -> u8 {
    let mut cmd = match command() {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Some(name) = subcommand {
        let Some(sub) = cmd.find_subcommand(name).cloned() else {
            let known: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
            crate::errln!("imgconform: man: no subcommand `{name}` (known: {})", known.join(", "));
            return exit_codes::BAD_INPUT;
        };
        // The page's title and synopsis read `imgconform-run`, as the main page refers to it.
        let title: &'static str = Box::leak(format!("imgconform-{name}").into_boxed_str());
        cmd = sub.name(title);
    }
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(cmd).render(&mut out) {
        crate::errln!("imgconform: cannot render the manual page: {e}");
        return exit_codes::TOOL_FAILED;
    }
    super::emit(&String::from_utf8_lossy(&out));
    exit_codes::SUCCESS
}
