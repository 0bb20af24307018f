fn main() {
    std::process::exit(stowaway::cli::main());
}
