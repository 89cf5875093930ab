//! Who runs inc: `me` in `--ic me`, and the author of every event (SPEC "One incident, many
//! responders"). In order: `[user] email` or `name` in the config, `$INC_USER`, git's
//! `user.email`, `$USER` / `$LOGNAME`, then the login name of the process's user id. The last
//! always answers, so `--ic me` never fails for want of `$USER` (a container shell, cron, CI).

use std::path::PathBuf;

use crate::config::{Env, UserConfig};

/// An identity and where it came from (shown by `inc doctor`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub source: &'static str,
}

/// Resolves the identity; `git` asks `git config user.email` (tests pass a stub).
pub fn resolve(user: &UserConfig, env: &Env, git: impl FnOnce() -> Option<String>) -> Identity {
    let found = |name: &str, source| Identity {
        name: name.trim().to_string(),
        source,
    };
    let nonblank = |s: &Option<String>| {
        s.as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    };
    if let Some(e) = nonblank(&user.email) {
        return found(&e, "[user] email");
    }
    if let Some(n) = nonblank(&user.name) {
        return found(&n, "[user] name");
    }
    if let Some(u) = env.get("INC_USER").filter(|s| !s.trim().is_empty()) {
        return found(u, "$INC_USER");
    }
    if let Some(e) = git().filter(|s| !s.trim().is_empty()) {
        return found(&e, "git user.email");
    }
    for var in ["USER", "LOGNAME"] {
        if let Some(u) = env.get(var).filter(|s| !s.trim().is_empty()) {
            return Identity {
                name: u.trim().to_string(),
                source: if var == "USER" { "$USER" } else { "$LOGNAME" },
            };
        }
    }
    match account() {
        Some(a) => found(&a.name, "login name of the user id"),
        None => Identity {
            name: format!("uid-{}", uid()),
            source: "user id",
        },
    }
}

impl Identity {
    /// The email this identity is, if it is one (`[user] email`, an `INC_USER` or git email).
    pub fn email(&self) -> Option<&str> {
        is_email(&self.name).then_some(self.name.as_str())
    }
}

// ---- People: the same person written several ways ----
//
// A person is given as an email (preferred: providers know people by it), a Matrix user id
// (`@carol:example.com`), or a plain handle (`carol`, a `$USER`). Responders on a shared config
// with no `[user]` write themselves as their login name while the IC typed their emails, so
// `carol` and `carol@example.com` are one person when nothing else in the incident could be
// `carol`.

/// `carol@example.com`: one `@`, something on both sides, no spaces. Not a Matrix id.
pub fn is_email(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// `@carol:example.com`: a Matrix user id.
pub fn is_matrix_id(s: &str) -> bool {
    let s = s.trim();
    s.strip_prefix('@')
        .and_then(|r| r.split_once(':'))
        .is_some_and(|(l, server)| {
            !l.is_empty() && !server.is_empty() && !s.contains(char::is_whitespace)
        })
}

/// The handle a name stands for, lowercased: an email's local part, a Matrix id's localpart,
/// else the name itself.
pub fn handle(s: &str) -> String {
    let s = s.trim();
    let h = if is_matrix_id(s) {
        s[1..].split_once(':').map_or(s, |(l, _)| l)
    } else if is_email(s) {
        s.split_once('@').map_or(s, |(l, _)| l)
    } else {
        s
    };
    h.to_lowercase()
}

/// How specific a name is: an email says most, then a Matrix id, then a handle.
fn rank(s: &str) -> u8 {
    if is_email(s) {
        2
    } else if is_matrix_id(s) {
        1
    } else {
        0
    }
}

/// One person and every way the incident wrote them, in the order first seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// How to show them: their email when one of the names is, else the first name seen.
    pub name: String,
    /// Every spelling, `name` included.
    pub names: Vec<String>,
}

impl Person {
    pub fn email(&self) -> Option<&str> {
        self.names.iter().map(String::as_str).find(|n| is_email(n))
    }
    pub fn is(&self, name: &str) -> bool {
        self.names
            .iter()
            .any(|n| n.trim().eq_ignore_ascii_case(name.trim()))
    }
}

/// Groups names into people: equal ignoring case, or a handle (or Matrix id) whose handle is
/// the local part of exactly one email among them (two `carol@`s at different domains are two
/// people, and a bare `carol` then stays apart from both); a handle also joins the one Matrix id
/// with its localpart. Each person in the place of the first of their names.
pub fn people<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<Person> {
    let mut distinct: Vec<String> = Vec::new();
    for n in names.into_iter().map(str::trim).filter(|n| !n.is_empty()) {
        if !distinct.iter().any(|d| d.eq_ignore_ascii_case(n)) {
            distinct.push(n.to_string());
        }
    }
    let mut parent: Vec<usize> = (0..distinct.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for kind in [2u8, 1] {
        for i in 0..distinct.len() {
            if rank(&distinct[i]) >= kind {
                continue;
            }
            let h = handle(&distinct[i]);
            let mut owners: Vec<usize> = Vec::new();
            for (j, other) in distinct.iter().enumerate() {
                if rank(other) == kind && handle(other) == h {
                    let r = root(&mut parent, j);
                    if !owners.contains(&r) {
                        owners.push(r);
                    }
                }
            }
            if let [owner] = owners[..] {
                let mine = root(&mut parent, i);
                // The lower index stays the root: the group keeps its first place.
                let (a, b) = (mine.min(owner), mine.max(owner));
                parent[b] = a;
            }
        }
    }
    let mut out: Vec<(usize, Person)> = Vec::new();
    for (i, n) in distinct.iter().enumerate() {
        let r = root(&mut parent, i);
        match out.iter_mut().find(|(k, _)| *k == r) {
            Some((_, p)) => {
                if rank(n) > rank(&p.name) {
                    p.name = n.clone();
                }
                p.names.push(n.clone());
            }
            None => out.push((
                r,
                Person {
                    name: n.clone(),
                    names: vec![n.clone()],
                },
            )),
        }
    }
    out.into_iter().map(|(_, p)| p).collect()
}

/// Whether two names are one person among `known` (the incident's people).
pub fn same_person<'a>(a: &str, b: &str, known: impl IntoIterator<Item = &'a str>) -> bool {
    if a.trim().eq_ignore_ascii_case(b.trim()) {
        return true;
    }
    let mut all: Vec<&str> = known.into_iter().collect();
    all.extend([a, b]);
    people(all).iter().any(|p| p.is(a) && p.is(b))
}

/// The name the incident already knows `given` by: a bare handle becomes the one email (or
/// Matrix id) it is among `known`, so `carol` joining never replaces `carol@example.com`.
pub fn known_as<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    if is_email(given) {
        return given.to_string();
    }
    let mut all: Vec<&str> = known.into_iter().collect();
    all.push(given);
    people(all)
        .into_iter()
        .find(|p| p.is(given))
        .map_or_else(|| given.to_string(), |p| p.name)
}

/// `git config user.email`, when git is installed and has one.
pub fn git_email() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["config", "--get", "user.email"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The process's login account from the system's user database.
pub struct Account {
    pub name: String,
    pub home: PathBuf,
}

fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// The passwd entry of the process's user id (NSS included), if the system has one.
pub fn account() -> Option<Account> {
    use std::ffi::CStr;
    use std::os::unix::ffi::OsStrExt;
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call; `buf` outlives every read of `pwd` below.
    let rc = unsafe { libc::getpwuid_r(uid(), &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: getpwuid_r succeeded, so the fields point at NUL-terminated strings in `buf`.
    let name = unsafe { CStr::from_ptr(pwd.pw_name) }
        .to_string_lossy()
        .into_owned();
    let home = if pwd.pw_dir.is_null() {
        PathBuf::new()
    } else {
        let dir = unsafe { CStr::from_ptr(pwd.pw_dir) };
        PathBuf::from(std::ffi::OsStr::from_bytes(dir.to_bytes()))
    };
    (!name.is_empty()).then_some(Account { name, home })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(p: &[Person]) -> Vec<(String, Vec<String>)> {
        p.iter()
            .map(|p| (p.name.clone(), p.names.clone()))
            .collect()
    }

    #[test]
    fn kinds_of_names() {
        assert!(is_email("carol@example.com"));
        assert!(!is_email("carol"));
        assert!(!is_email("@carol:example.com"));
        assert!(!is_email("carol @example.com"));
        assert!(!is_email("@example.com"));
        assert!(is_matrix_id("@carol:example.com"));
        assert!(!is_matrix_id("carol@example.com"));
        assert_eq!(handle("Carol@Example.com"), "carol");
        assert_eq!(handle("@carol:example.com"), "carol");
        assert_eq!(handle("Carol"), "carol");
    }

    #[test]
    fn a_handle_is_the_one_email_it_can_be() {
        let p = people([
            "alice",
            "bob@example.com",
            "carol@example.com",
            "carol",
            "Bob@example.com",
            "@carol:example.com",
            "dana",
        ]);
        assert_eq!(
            names(&p),
            vec![
                ("alice".to_string(), vec!["alice".to_string()]),
                (
                    "bob@example.com".to_string(),
                    vec!["bob@example.com".to_string()]
                ),
                (
                    "carol@example.com".to_string(),
                    vec![
                        "carol@example.com".to_string(),
                        "carol".to_string(),
                        "@carol:example.com".to_string()
                    ]
                ),
                ("dana".to_string(), vec!["dana".to_string()]),
            ]
        );
        // Two carols at different domains: a bare carol could be either, so stays apart.
        let p = people(["carol@example.com", "carol@contractor.example", "carol"]);
        assert_eq!(p.len(), 3, "{p:?}");
        // A handle seen first takes the email's name, in its own place.
        let p = people(["carol", "ann", "carol@example.com"]);
        assert_eq!(p[0].name, "carol@example.com");
        assert_eq!(p[1].name, "ann");
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn known_as_never_trades_an_email_for_a_handle() {
        let known = ["alice", "carol@example.com", "bob@example.com"];
        assert_eq!(known_as("carol", known), "carol@example.com");
        assert_eq!(known_as("Carol", known), "carol@example.com");
        assert_eq!(known_as("dana", known), "dana");
        assert_eq!(known_as("alice", known), "alice");
        assert_eq!(known_as("carol@example.com", known), "carol@example.com");
        assert!(same_person("carol", "carol@example.com", known));
        assert!(!same_person("carol", "bob@example.com", known));
        assert!(same_person("Bob@Example.com", "bob@example.com", known));
    }

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn order_is_config_inc_user_git_user_logname_uid() {
        let user = UserConfig {
            email: Some("ann@example.com".into()),
            name: Some("Ann".into()),
        };
        let all = env(&[
            ("INC_USER", "inc-user"),
            ("USER", "unix"),
            ("LOGNAME", "log"),
        ]);
        let git = || Some("git@example.com".to_string());
        assert_eq!(resolve(&user, &all, git).name, "ann@example.com");
        let named = UserConfig {
            email: None,
            name: Some("Ann".into()),
        };
        assert_eq!(resolve(&named, &all, git).name, "Ann");
        let none = UserConfig::default();
        assert_eq!(resolve(&none, &all, git).name, "inc-user");
        let no_inc = env(&[("USER", "unix"), ("LOGNAME", "log")]);
        assert_eq!(resolve(&none, &no_inc, git).name, "git@example.com");
        assert_eq!(resolve(&none, &no_inc, || None).name, "unix");
        let log = env(&[("LOGNAME", "log")]);
        assert_eq!(resolve(&none, &log, || None).name, "log");
        let bare = resolve(&none, &env(&[]), || None);
        assert!(!bare.name.is_empty());
        assert!(bare.source.contains("user id"), "{bare:?}");
    }
}
