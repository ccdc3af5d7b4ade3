//! The command line: `dyn check`, `dyn run`, `dyn show`, `dyn repl`.
//! Exit codes: 0 success, 1 diagnosed errors, 2 bad usage.

mod check;
mod run;
pub mod show;

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostics::render::Style;

#[derive(Parser, Debug)]
#[command(name = "dyn", version, about = "Declarative experiments for neuromorphic and analog-AI hardware")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// How diagnostics are printed: `human` (miette reports) or `json` (one object per line).
    #[arg(long, global = true, value_enum, default_value = "human")]
    message_format: MessageFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum MessageFormat {
    Human,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse and check files: names, units, shapes and hardware limits.
    Check {
        /// The .dyn files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Check a file and run its experiments, writing results to DIR/<experiment>/.
    Run {
        /// The .dyn file.
        file: PathBuf,
        /// Output folder.
        #[arg(short = 'o', long = "out", default_value = "out")]
        out: PathBuf,
        /// Run only this experiment.
        #[arg(short = 'e', long = "experiment")]
        experiment: Option<String>,
        /// Skip the SVG pictures.
        #[arg(long)]
        no_plots: bool,
        /// No progress bars.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Print a resolved item (device, preset, network, ...) as JSON, every default filled in.
    Show {
        /// The .dyn file.
        file: PathBuf,
        /// The item: `chip`, `dynapse2.default`, ...
        name: String,
    },
    /// An interactive session.
    Repl {
        /// A file to load first.
        file: Option<PathBuf>,
    },
}

/// Writes results to stdout. A closed pipe (`dyn show f.dyn chip | head`) ends the output, not
/// the program: `println!` would panic there.
pub fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
}

/// Parses the arguments and runs the command; returns the exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let style = match cli.message_format {
        MessageFormat::Json => Style::Json,
        MessageFormat::Human if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() => {
            Style::Colour
        }
        MessageFormat::Human => Style::Plain,
    };
    match cli.command {
        Command::Check { files } => check::run(&files, style),
        Command::Run { file, out, experiment, no_plots, quiet } => {
            run::run(&file, &out, experiment, !no_plots, quiet, style)
        }
        Command::Show { file, name } => show::run(&file, &name, style),
        Command::Repl { file } => crate::repl::line_editor::run(file.as_deref(), style),
    }
}
