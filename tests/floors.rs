//! The house's floors (ARCHITECTURE.md): a module names only modules on its own floor or below.
//! This test reads `src/` and fails naming the file and the module it must not name, so the
//! shape holds after whoever changes it next.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Floors from the bottom up: each file's floor, and the modules it may name (its own floor's
/// and those below it). Each floor is the one below plus what it adds.
fn floor(file: &str) -> (&'static str, Vec<&'static str>) {
    const CORE: &[&str] = &["model", "journal", "config", "error", "identity"];
    let with = |below: &[&'static str], more: &[&'static str]| [below, more].concat();
    let text = with(CORE, &["messages", "postmortem"]);
    let adapters = with(&["model", "config", "error", "identity"], &["providers"]);
    let engine = with(&adapters, &["deliver", "outbox"]);
    let flows = with(&text, &["providers", "deliver", "outbox", "ctx", "flows"]);
    let top = file
        .split('/')
        .next()
        .unwrap_or(file)
        .trim_end_matches(".rs");
    match top {
        "model" | "journal" | "config" | "error" | "identity" => ("core", CORE.to_vec()),
        "messages" | "postmortem" => ("text", text),
        "io" | "prompt" => ("terminal", vec!["config", "error", "io", "prompt"]),
        "providers" => ("adapters", adapters),
        "deliver" | "outbox" => ("delivery engine", engine),
        "ctx" => (
            "context",
            with(
                &text,
                &[
                    "providers",
                    "deliver",
                    "outbox",
                    "ctx",
                    "io",
                    "prompt",
                    "render",
                ],
            ),
        ),
        "flows" => ("flows", flows),
        "render" => ("renderer", with(&flows, &["io", "render"])),
        "commands" => (
            "commands",
            with(&flows, &["io", "prompt", "render", "commands", "generate"]),
        ),
        _ => ("top", Vec::new()),
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The crate modules a file names: `crate::x`, and `use crate::{x, y}`.
fn named(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn no_floor_reaches_up() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 30, "read {} files under src/", files.len());
    let mut wrong = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let (floor_name, allowed) = floor(&rel);
        if allowed.is_empty() {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        // Unit tests may reach for anything.
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        for m in named(text) {
            let is_module = src.join(format!("{m}.rs")).exists() || src.join(&m).is_dir();
            if is_module && !allowed.contains(&m.as_str()) {
                wrong.push(format!(
                    "src/{rel} ({floor_name}) names crate::{m}, which is above its floor"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "floors reached up:\n{}", wrong.join("\n"));
}

/// Flows never print, prompt or read the terminal: the renderer does (through `ctx.io`).
#[test]
fn flows_never_touch_the_terminal() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/flows");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    assert!(!files.is_empty());
    let mut wrong = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for bad in [
                ".io.",
                ".io\n",
                "prompter(",
                "println!",
                "eprintln!",
                "print!(",
                "eprint!(",
                "std::io::stdin",
                "stdout()",
                "stderr()",
            ] {
                if line.contains(bad) || (bad == ".io\n" && line.trim_end().ends_with(".io")) {
                    wrong.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "a flow touches the terminal:\n{}",
        wrong.join("\n")
    );
}

/// Commands stay thin: at most 250 code lines each, median at most 100 (unit tests count).
#[test]
fn commands_are_thin() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/commands");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let mut sizes: Vec<(usize, String)> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let code = text
                .lines()
                .filter(|l| {
                    let t = l.trim();
                    !t.is_empty() && !t.starts_with("//")
                })
                .count();
            (code, f.file_name().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    sizes.sort();
    let over: Vec<String> = sizes
        .iter()
        .filter(|(n, _)| *n > 250)
        .map(|(n, f)| format!("src/commands/{f}: {n} code lines"))
        .collect();
    assert!(
        over.is_empty(),
        "command modules over 250 code lines:\n{}",
        over.join("\n")
    );
    let median = sizes[sizes.len() / 2].0;
    assert!(
        median <= 100,
        "median command module is {median} code lines: {sizes:?}"
    );
}
