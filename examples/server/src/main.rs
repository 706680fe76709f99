//! `electie-server`: the reference central server (see the crate README).

fn main() -> std::process::ExitCode {
    electie_server::cli::main()
}
