fn main() -> std::process::ExitCode {
    stowaway::cli::main()
}
