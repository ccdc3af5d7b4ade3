//! The `dyn` command: all work happens in `dynlang::cli`.

fn main() {
    std::process::exit(dynlang::cli::run());
}
