//! REPL commands (`:type`, `:show`, ...), parsed into an enum.

/// One line of REPL input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `:type EXPR`: the dimension of an expression.
    Type(String),
    /// `:units EXPR`: the value in SI base units.
    Units(String),
    /// `:show NAME`: an item with every default filled in.
    Show(String),
    /// `:load FILE`: replace the session with a file's items.
    Load(String),
    /// `:run EXPERIMENT`: run one experiment of the session.
    Run(String),
    /// `:check`: check the whole session.
    Check,
    /// `:limits DEVICE`: a Dynap-SE2 device's hardware limits.
    Limits(String),
    /// `:reset`: forget every item.
    Reset,
    Help,
    Quit,
    /// An item (`let`, `device`, ...) or an expression.
    Code(String),
    /// A command that does not exist.
    Unknown(String),
}

/// The commands, for `:help` and completion.
pub const COMMANDS: &[(&str, &str)] = &[
    (":type EXPR", "show the dimension of an expression"),
    (":units EXPR", "show an expression's value in SI base units"),
    (":show NAME", "show an item with every default filled in (JSON, SI units)"),
    (":load FILE", "load a file's items into the session"),
    (":run NAME", "run an experiment of the session"),
    (":check", "check everything defined so far"),
    (":limits DEVICE", "show a Dynap-SE2 device's hardware limits"),
    (":reset", "forget every item"),
    (":help", "this list"),
    (":quit", "leave the session"),
];

pub fn parse(line: &str) -> Command {
    let trimmed = line.trim();
    let Some(rest) = trimmed.strip_prefix(':') else {
        return Command::Code(line.to_string());
    };
    let (name, arg) = rest.split_once(char::is_whitespace).map_or((rest, ""), |(n, a)| (n, a.trim()));
    let arg = arg.to_string();
    match name {
        "type" | "t" => Command::Type(arg),
        "units" | "u" => Command::Units(arg),
        "show" | "s" => Command::Show(arg),
        "load" | "l" => Command::Load(arg),
        "run" | "r" => Command::Run(arg),
        "check" | "c" => Command::Check,
        "limits" => Command::Limits(arg),
        "reset" => Command::Reset,
        "help" | "h" | "?" => Command::Help,
        "quit" | "q" | "exit" => Command::Quit,
        other => Command::Unknown(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse() {
        assert_eq!(parse(":type 1 / (10 ms)"), Command::Type("1 / (10 ms)".into()));
        assert_eq!(parse(":q"), Command::Quit);
        assert_eq!(parse("let x = 1"), Command::Code("let x = 1".into()));
        assert_eq!(parse(":frob"), Command::Unknown("frob".into()));
    }
}
