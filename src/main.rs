//! The `facebench` binary: everything lives in the library; see `facebench --help`.

fn main() -> std::process::ExitCode {
    facebench::cli::main()
}
