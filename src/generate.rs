//! Completion scripts and man pages, generated from the clap command. Used by `inc completions`,
//! `inc man`, and the test that keeps `completions/` and `man/` current.

use clap_complete::Shell;

/// The checked-in file name of each shell's completion script.
pub const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "inc.bash"),
    (Shell::Zsh, "_inc"),
    (Shell::Fish, "inc.fish"),
    (Shell::PowerShell, "_inc.ps1"),
    (Shell::Elvish, "inc.elv"),
];

pub fn completion(shell: Shell) -> Vec<u8> {
    let mut cmd = crate::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "inc", &mut out);
    out
}

/// One page per visible command: `inc.1`, `inc-declare.1`, `inc-outbox-retry.1`, ...
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    let mut cmd = crate::command();
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, "inc", &mut pages);
    pages
}

fn collect(cmd: &clap::Command, name: &str, pages: &mut Vec<(String, Vec<u8>)>) {
    let mut out = Vec::new();
    let page = cmd
        .clone()
        .name(name.to_string())
        .display_name(name.to_string());
    clap_mangen::Man::new(page)
        .render(&mut out)
        .expect("render man page");
    pages.push((format!("{name}.1"), out));
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        collect(sub, &format!("{name}-{}", sub.get_name()), pages);
    }
}
