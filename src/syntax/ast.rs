//! The abstract syntax tree: what the user wrote, with a span on every node. Only
//! `syntax::parse` builds it; the checker reads it.

use super::span::{SourceId, Span, Spanned};

pub type Ident = Spanned<String>;

/// One parsed source file.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub source: SourceId,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Use(UseItem),
    Let(LetItem),
    Device(DeviceItem),
    Preset(PresetItem),
    Network(NetworkItem),
    Quantization(SettingsItem),
    Calibration(SettingsItem),
    Experiment(ExperimentItem),
}

impl Item {
    /// The name the item binds, if any (a stdlib `use` binds the module's name).
    pub fn name(&self) -> Option<&Ident> {
        match self {
            Item::Use(u) => Some(match &u.target {
                UseTarget::Stdlib(name) => name,
                UseTarget::File { alias, .. } => alias,
            }),
            Item::Let(l) => Some(&l.name),
            Item::Device(d) => Some(&d.name),
            Item::Preset(p) => Some(&p.name),
            Item::Network(n) => Some(&n.name),
            Item::Quantization(q) | Item::Calibration(q) => Some(&q.name),
            Item::Experiment(e) => Some(&e.name),
        }
    }

    pub fn span(&self) -> Span {
        match self {
            Item::Use(u) => u.span,
            Item::Let(l) => l.span,
            Item::Device(d) => d.span,
            Item::Preset(p) => p.span,
            Item::Network(n) => n.span,
            Item::Quantization(q) | Item::Calibration(q) => q.span,
            Item::Experiment(e) => e.span,
        }
    }

    /// What users call this kind of item, for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Item::Use(_) => "module",
            Item::Let(_) => "constant",
            Item::Device(_) => "device",
            Item::Preset(_) => "preset",
            Item::Network(_) => "network",
            Item::Quantization(_) => "quantization",
            Item::Calibration(_) => "calibration",
            Item::Experiment(_) => "experiment",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct UseItem {
    pub target: UseTarget,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UseTarget {
    /// `use dynapse2`
    Stdlib(Ident),
    /// `use "lab/presets.dyn" as lab`
    File { path: Spanned<String>, alias: Ident },
}

#[derive(Debug, Clone, PartialEq)]
pub struct LetItem {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `a.b.c`: a kind, a preset, or a module-qualified preset.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub parts: Vec<Ident>,
    pub span: Span,
}

impl Path {
    pub fn text(&self) -> String {
        self.parts.iter().map(|p| p.node.as_str()).collect::<Vec<_>>().join(".")
    }
}

/// `device chip = dynapse2.default { ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceItem {
    pub name: Ident,
    pub base: Path,
    pub block: Option<Block>,
    pub span: Span,
}

/// `preset fast: dynapse2 = dynapse2.default { ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct PresetItem {
    pub name: Ident,
    pub kind: Ident,
    pub base: Option<Path>,
    pub block: Block,
    pub span: Span,
}

/// `quantization q = autoencoder { ... }` and `calibration c = bss2.neuron_target { ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsItem {
    pub name: Ident,
    pub base: Path,
    pub block: Block,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkItem {
    pub name: Ident,
    pub statements: Vec<NetStatement>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PopulationKind {
    Input,
    Neurons,
    Layer,
}

impl PopulationKind {
    pub fn keyword(self) -> &'static str {
        match self {
            PopulationKind::Input => "input",
            PopulationKind::Neurons => "neurons",
            PopulationKind::Layer => "layer",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum NetStatement {
    Population(PopulationDecl),
    Projection(ProjectionDecl),
    Output(OutputDecl),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PopulationDecl {
    pub kind: PopulationKind,
    pub name: Ident,
    pub size: Expr,
    pub block: Option<Block>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionDecl {
    pub from: Ident,
    pub to: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutputDecl {
    pub names: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentItem {
    pub name: Ident,
    pub device: Ident,
    pub steps: Vec<Step>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub kind: StepKind,
    /// The step's keyword (`map`, `simulate`, ...).
    pub keyword: Span,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    Map { network: Ident, options: Option<Block> },
    Quantize { with: Ident, options: Option<Block> },
    Calibrate { with: Ident, options: Option<Block> },
    Train { network: Ident, with: TrainWith },
    Simulate { target: Option<Ident>, duration: Expr, stimuli: Vec<Stimulus>, records: Vec<Probe> },
    Export { what: Ident, path: Spanned<String> },
}

impl StepKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            StepKind::Map { .. } => "map",
            StepKind::Quantize { .. } => "quantize",
            StepKind::Calibrate { .. } => "calibrate",
            StepKind::Train { .. } => "train",
            StepKind::Simulate { .. } => "simulate",
            StepKind::Export { .. } => "export",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TrainWith {
    Block(Block),
    Name(Ident),
}

/// `x <- poisson(rate = 40 Hz, seed = 7)`
#[derive(Debug, Clone, PartialEq)]
pub struct Stimulus {
    pub input: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `Imem(h1)` inside `record`
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub state: Ident,
    pub population: Ident,
    pub span: Span,
}

/// `{ name = value, nested { ... } }`
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub fields: Vec<Field>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: Ident,
    pub value: FieldValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Expr(Expr),
    Block(Block),
}

pub type Expr = Spanned<ExprKind>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A plain number; `integer` is set when it was written without a point or exponent.
    Number {
        value: f64,
        integer: Option<i64>,
    },
    /// `10 ms`: the number and the unit as written.
    Quantity {
        value: f64,
        unit: Spanned<String>,
    },
    Str(String),
    Bool(bool),
    Name(String),
    List(Vec<Expr>),
    Range {
        start: i64,
        end: i64,
    },
    Neg(Box<Expr>),
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
    },
    Field {
        base: Box<Expr>,
        name: Ident,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}
