fn main() -> std::process::ExitCode {
    selfdirect::main()
}
