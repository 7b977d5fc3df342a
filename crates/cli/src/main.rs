fn main() -> std::process::ExitCode {
    // Rust ignores SIGPIPE, so `selfdirect payments file … | head` would panic on the closed
    // pipe. A command-line tool should stop quietly instead, as other Unix tools do.
    #[cfg(unix)]
    // SAFETY: restoring the default handler before any thread starts has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    selfdirect::main()
}
