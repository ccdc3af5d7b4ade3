//! The checked model: what `check` proved about a file, as plain data the passes run on.
//! Every value is in SI units and every part keeps the span that declared it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ndarray::Array2;

use crate::check::settings::Settings;
use crate::check::value::Call;
use crate::diagnostics::Diagnostics;
use crate::syntax::ast::PopulationKind;
use crate::syntax::span::{SourceMap, Span};

/// Which device family a device belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    Dynapse2,
    Bss2,
    Crossbar,
}

impl DeviceKind {
    pub fn from_kind(kind: &str) -> Option<DeviceKind> {
        match kind {
            "dynapse2" => Some(DeviceKind::Dynapse2),
            "bss2" => Some(DeviceKind::Bss2),
            "crossbar" => Some(DeviceKind::Crossbar),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DeviceKind::Dynapse2 => "dynapse2",
            DeviceKind::Bss2 => "bss2",
            DeviceKind::Crossbar => "crossbar",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Device {
    pub name: String,
    pub kind: DeviceKind,
    pub settings: Settings,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Population {
    pub name: String,
    pub kind: PopulationKind,
    pub size: usize,
    /// Per-population settings (`neurons` or `layer` schema), values as written.
    pub settings: Option<Settings>,
    pub span: Span,
}

/// How a projection's weights are given.
#[derive(Debug, Clone)]
pub enum Weights {
    /// A matrix (pre, post): a literal, a `load`, or a generator drawn at check time.
    Dense(Array2<f64>),
    /// `analog`: an analog tile initialised from the training seed.
    Analog,
}

#[derive(Debug, Clone)]
pub struct Projection {
    pub from: usize,
    pub to: usize,
    pub weights: Weights,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Network {
    pub name: String,
    pub populations: Vec<Population>,
    pub projections: Vec<Projection>,
    /// Indices of the output populations.
    pub outputs: Vec<usize>,
    pub span: Span,
}

impl Network {
    pub fn population(&self, name: &str) -> Option<(usize, &Population)> {
        self.populations.iter().enumerate().find(|(_, p)| p.name == name)
    }

    /// Spiking or rate populations (not inputs), in declaration order.
    pub fn neurons(&self) -> impl Iterator<Item = (usize, &Population)> + Clone {
        self.populations.iter().enumerate().filter(|(_, p)| p.kind != PopulationKind::Input)
    }

    pub fn inputs(&self) -> impl Iterator<Item = (usize, &Population)> + Clone {
        self.populations.iter().enumerate().filter(|(_, p)| p.kind == PopulationKind::Input)
    }
}

/// A named settings item: a quantization or a calibration.
#[derive(Debug, Clone)]
pub struct Named {
    pub name: String,
    pub settings: Settings,
    pub span: Span,
}

/// What a `simulate` step runs.
#[derive(Debug, Clone, PartialEq)]
pub enum SimTarget {
    /// The network as declared.
    Network(String),
    /// The network of the last `map`.
    Mapped(String),
    /// What the chip would run after `quantize`.
    Deployed(String),
}

impl SimTarget {
    pub fn network(&self) -> &str {
        match self {
            SimTarget::Network(n) | SimTarget::Mapped(n) | SimTarget::Deployed(n) => n,
        }
    }

    /// The suffix a later simulation's files take when an earlier step already wrote the plain
    /// name: `deployed` for `simulate deployed`, the network's name for `simulate NET`, `mapped`
    /// for a bare `simulate`.
    pub fn file_suffix(&self) -> &str {
        match self {
            SimTarget::Network(n) => n,
            SimTarget::Mapped(_) => "mapped",
            SimTarget::Deployed(_) => "deployed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct StimulusSpec {
    /// Index of the input population.
    pub input: usize,
    pub call: Call,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Record {
    /// The state as the user spelled it (`Imem`, or Rockpool's `imem`): it names the file.
    pub state: String,
    /// The canonical state (`spikes`, `Isyn`, `Imem`, `Iahp`, `Vmem`).
    pub canonical: &'static str,
    pub population: usize,
    pub span: Span,
    /// The file stem in the experiment's folder (`spikes.out`, or `spikes.out.deployed` when an
    /// earlier step already wrote `spikes.out.npy`); set once every step is checked.
    pub file: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportKind {
    Config,
    Spec,
    Weights,
    Calibration,
}

impl ExportKind {
    pub const NAMES: &'static [&'static str] = &["config", "spec", "weights", "calibration"];

    pub fn from_name(name: &str) -> Option<ExportKind> {
        match name {
            "config" => Some(ExportKind::Config),
            "spec" => Some(ExportKind::Spec),
            "weights" => Some(ExportKind::Weights),
            "calibration" => Some(ExportKind::Calibration),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum StepPlan {
    Map {
        network: String,
        options: Option<Settings>,
    },
    Quantize {
        quantization: String,
    },
    /// Targets with potentials converted to CADC reads for the experiment's device.
    Calibrate {
        calibration: String,
        targets: Settings,
        options: Settings,
    },
    Train {
        network: String,
        settings: Settings,
    },
    Simulate {
        target: SimTarget,
        duration: f64,
        steps: usize,
        stimuli: Vec<StimulusSpec>,
        records: Vec<Record>,
        /// The spike raster's file name (`raster.svg`, `raster.deployed.svg`, ...).
        raster: String,
    },
    Export {
        what: ExportKind,
        path: String,
    },
}

#[derive(Debug, Clone)]
pub struct Step {
    pub plan: StepPlan,
    pub span: Span,
    /// The step's keyword, where labels about the step as a whole point.
    pub keyword: Span,
}

impl Step {
    pub fn keyword_span(&self) -> Span {
        self.keyword
    }
}

#[derive(Debug, Clone)]
pub struct Experiment {
    pub name: String,
    pub device: String,
    pub steps: Vec<Step>,
    pub span: Span,
}

/// The whole checked file.
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub devices: BTreeMap<String, Device>,
    pub networks: BTreeMap<String, Network>,
    pub quantizations: BTreeMap<String, Named>,
    pub calibrations: BTreeMap<String, Named>,
    pub experiments: Vec<Experiment>,
    /// The folder of the main file (outputs and `load`s are relative to it).
    pub dir: PathBuf,
}

/// A checked program: the model, its sources (for late diagnostics) and its warnings.
#[derive(Debug, Clone)]
pub struct Checked {
    pub model: Model,
    pub sources: SourceMap,
    pub warnings: Diagnostics,
}
