//! The checked-in `completions/` and `man/` are what the command tree generates. After changing a
//! command or flag: `INC_BLESS=1 cargo test --test generated`, then commit the files.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::cmd::TestEnv;

const HOW: &str = "run `INC_BLESS=1 cargo test --test generated` and commit";

fn bless() -> bool {
    std::env::var("INC_BLESS").as_deref() == Ok("1")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where `have` first differs from `want`, in words.
fn first_difference(want: &[u8], have: &[u8]) -> String {
    let (want, have) = (String::from_utf8_lossy(want), String::from_utf8_lossy(have));
    let mut w = want.lines();
    let mut h = have.lines();
    for n in 1.. {
        match (w.next(), h.next()) {
            (None, None) => return "only in line endings".into(),
            (a, b) if a == b => continue,
            (a, b) => {
                return format!(
                    "line {n}: generated {:?}, checked in {:?}",
                    a.unwrap_or("<end>"),
                    b.unwrap_or("<end>")
                );
            }
        }
    }
    unreachable!()
}

/// Compares (or, blessing, writes) each generated file under `dir`; returns what is stale.
fn sync(dir: &Path, files: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut stale = Vec::new();
    if bless() {
        std::fs::create_dir_all(dir).expect("create dir");
    }
    for (name, want) in files {
        let path = dir.join(name);
        match std::fs::read(&path) {
            Ok(have) if have == *want => {}
            Ok(_) | Err(_) if bless() => {
                std::fs::write(&path, want).expect("write generated file");
                eprintln!("blessed {}", path.display());
            }
            Ok(have) => stale.push(format!(
                "{} is out of date ({})",
                path.display(),
                first_difference(want, &have)
            )),
            Err(e) => stale.push(format!("{} is missing ({e})", path.display())),
        }
    }
    stale
}

#[test]
fn completions_are_current() {
    let files: Vec<(String, Vec<u8>)> = inc::generate::SHELLS
        .iter()
        .map(|(shell, name)| (name.to_string(), inc::generate::completion(*shell)))
        .collect();
    for (name, text) in &files {
        assert!(!text.is_empty(), "{name} is empty");
    }
    let stale = sync(&root().join("completions"), &files);
    assert!(stale.is_empty(), "{}\n{HOW}", stale.join("\n"));
}

#[test]
fn man_pages_are_current_and_none_is_orphaned() {
    let pages = inc::generate::man_pages();
    let names: BTreeSet<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.len(), pages.len(), "two commands share a page name");
    for want in [
        "inc.1",
        "inc-declare.1",
        "inc-status.1",
        "inc-outbox-list.1",
    ] {
        assert!(names.contains(want), "no page {want}: {names:?}");
    }
    let dir = root().join("man");
    let mut problems = sync(&dir, &pages);
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for entry in rd.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if names.contains(name.as_str()) {
                continue;
            }
            if bless() {
                std::fs::remove_file(entry.path()).expect("remove orphan page");
                eprintln!("removed orphan {}", entry.path().display());
            } else {
                problems.push(format!(
                    "{} is an orphan: no command has this page",
                    entry.path().display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}\n{HOW}", problems.join("\n"));
}

/// The binary serves the same text as the generators (what the checked-in files are made from).
#[test]
fn the_binary_prints_the_generated_text() {
    let env = TestEnv::new();
    for (shell, name) in inc::generate::SHELLS {
        let arg = shell.to_string();
        let out = env.inc().args(["completions", &arg]).output().unwrap();
        assert!(out.status.success(), "{arg}");
        let want = inc::generate::completion(shell);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim_end(),
            String::from_utf8_lossy(&want).trim_end(),
            "inc completions {arg} differs from {name}"
        );
    }
    let dir = env.home.path().join("man");
    let out = env
        .inc()
        .args(["man", "--dir", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let pages = inc::generate::man_pages();
    let written: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        written,
        pages
            .iter()
            .map(|(n, _)| n.clone())
            .collect::<BTreeSet<_>>()
    );
    for (name, want) in &pages {
        assert_eq!(
            &std::fs::read(dir.join(name)).unwrap(),
            want,
            "inc man --dir: {name}"
        );
    }
    let out = env.inc().arg("man").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        String::from_utf8_lossy(&pages[0].1).trim_end(),
        "inc man prints inc.1"
    );
}
