use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match inc::parse_args(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(code) => return ExitCode::from(code),
    };
    ExitCode::from(inc::run(cli))
}
