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
