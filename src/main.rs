//! The `pbft-sim` binary: the command line of [`pbft_sim::cli`].

fn main() -> std::process::ExitCode {
    pbft_sim::cli::main()
}
