use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match inc::parse_args(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(code) => return ExitCode::from(code),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    ExitCode::from(runtime.block_on(inc::run(cli)))
}
