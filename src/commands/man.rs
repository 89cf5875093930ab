//! `inc man`.

use std::path::PathBuf;

use crate::ctx::Ctx;
use crate::error::{CliError, CliResult};

/// Print the man page, or write one page per command into a directory
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  inc man | man -l -\n  inc man --dir ~/.local/share/man/man1")]
pub struct Args {
    /// Write every page (inc.1, inc-declare.1, ...) into this directory
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: Args) -> CliResult {
    let pages = crate::generate::man_pages();
    match args.dir {
        None => {
            ctx.io.out(String::from_utf8_lossy(&pages[0].1).trim_end());
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| CliError::usage(format!("--dir {}: {e}", dir.display())))?;
            for (name, roff) in &pages {
                std::fs::write(dir.join(name), roff)
                    .map_err(|e| CliError::failed(format!("{}: {e}", dir.join(name).display())))?;
            }
            ctx.io
                .status(&format!("wrote {} pages to {}", pages.len(), dir.display()));
        }
    }
    Ok(())
}
