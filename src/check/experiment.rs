//! Experiments: each step checked against the device it runs on and the steps before it.

use std::collections::BTreeMap;

use ndarray::Ix2;

use super::eval::{eval, unknown_name};
use super::hardware::{check_mapping, is_spiking};
use super::program::ModuleId;
use super::resolve::Resolver;
use super::schema::{bss2, crossbar, dynapse2};
use super::settings::{Context, Settings};
use super::units::{format_quantity, Dim};
use super::value::Value;
use crate::diagnostics::{codes, suggest, Diag};
use crate::model::{
    Device, DeviceKind, Experiment, ExportKind, Model, Network, Record, SimTarget, Step, StepPlan, StimulusSpec,
};
use crate::syntax::ast::{self, Block, ExperimentItem, PopulationKind, StepKind, TrainWith};
use crate::syntax::span::Span;

/// Largest number of simulation steps accepted (a guard against `simulate for 1e9 s`): 10^8 steps
/// are 28 hours at the default `dt` of 1 ms, and about 40 s of work for one neuron.
pub const MAX_STEPS: usize = 100_000_000;

/// What earlier steps of the experiment produced.
#[derive(Default)]
struct Progress {
    mapped: Option<String>,
    quantized: Option<String>,
    calibrated: bool,
    trained: bool,
}

pub struct ExperimentChecker<'a, 'p> {
    pub resolver: &'a Resolver<'p>,
    pub module: ModuleId,
    pub model: &'a Model,
}

impl ExperimentChecker<'_, '_> {
    pub fn check(&self, item: &ExperimentItem) -> Option<Experiment> {
        let device = self.device(&item.device)?;
        let mut progress = Progress::default();
        let mut steps = Vec::new();
        let mut ok = true;
        for step in &item.steps {
            match self.step(device, step, &mut progress) {
                Ok(plan) => steps.push(Step { plan, span: step.span, keyword: step.keyword }),
                Err(d) => {
                    self.resolver.report(d);
                    ok = false;
                }
            }
        }
        if ok {
            for diag in super::outputs::name_outputs(&mut steps, &self.model.networks, device.kind) {
                self.resolver.report(diag);
            }
        }
        ok.then(|| Experiment { name: item.name.node.clone(), device: device.name.clone(), steps, span: item.span })
    }

    fn device(&self, name: &ast::Ident) -> Option<&Device> {
        if let Some(d) = self.model.devices.get(&name.node) {
            return Some(d);
        }
        let module = self.resolver.program.module(self.module)?;
        let diag = match module.items.get(&name.node).and_then(|&i| module.ast.items.get(i)) {
            Some(ast::Item::Device(_)) => return None, // the device itself failed to check; already reported
            Some(other) => Diag::error(
                &codes::NAMES_WRONG_KIND,
                format!("`{}` is a {}, not a device", name.node, other.describe()),
            )
            .label(name.span, "an experiment runs on a device")
            .maybe_label(other.name().map(|n| n.span), "defined here")
            .help("declare one with `device chip = dynapse2.default`"),
            None => Diag::error(&codes::NAMES_UNKNOWN, format!("unknown device `{}`", name.node))
                .label(name.span, "no device of this name")
                .help(suggest::did_you_mean(&name.node, self.model.devices.keys().map(String::as_str), "device")),
        };
        self.resolver.report(diag);
        None
    }

    fn step(&self, device: &Device, step: &ast::Step, progress: &mut Progress) -> Result<StepPlan, Diag> {
        let supported: &[&str] = match device.kind {
            DeviceKind::Dynapse2 => &["map", "quantize", "simulate", "export"],
            DeviceKind::Bss2 => &["calibrate", "export"],
            DeviceKind::Crossbar => &["train", "export"],
        };
        let keyword = step.kind.keyword();
        if !supported.contains(&keyword) {
            return Err(Diag::error(
                &codes::EXPERIMENT_DEVICE,
                format!("a {} device cannot `{keyword}`", device.kind.name()),
            )
            .label(step.keyword, format!("`{keyword}` needs {}", needs(keyword)))
            .label(device.span, format!("`{}` is a {} device", device.name, device.kind.name()))
            .help(format!("steps on a {}: {}", device.kind.name(), suggest::quote_list(supported))));
        }
        match &step.kind {
            StepKind::Map { network, options } => self.map(device, network, options.as_ref(), step, progress),
            StepKind::Quantize { with, options } => self.quantize(with, options.as_ref(), step, progress),
            StepKind::Calibrate { with, options } => self.calibrate(device, with, options.as_ref(), progress),
            StepKind::Train { network, with } => self.train(device, network, with, step, progress),
            StepKind::Simulate { target, duration, stimuli, records } => {
                self.simulate(device, target.as_ref(), duration, stimuli, records, step, progress)
            }
            StepKind::Export { what, path } => self.export(device, what, path, step, progress),
        }
    }

    fn network(&self, name: &ast::Ident) -> Result<&Network, Diag> {
        self.model.networks.get(&name.node).ok_or_else(|| {
            let module = self.resolver.program.module(self.module);
            let declared = module.is_some_and(|m| m.items.contains_key(&name.node));
            if declared
                && matches!(
                    module.and_then(|m| m.items.get(&name.node).and_then(|&i| m.ast.items.get(i))),
                    Some(ast::Item::Network(_))
                )
            {
                return crate::check::resolve::already_reported();
            }
            Diag::error(&codes::NAMES_UNKNOWN, format!("unknown network `{}`", name.node))
                .label(name.span, "no network of this name")
                .help(suggest::did_you_mean(&name.node, self.model.networks.keys().map(String::as_str), "network"))
        })
    }

    fn map(
        &self,
        device: &Device,
        name: &ast::Ident,
        options: Option<&Block>,
        step: &ast::Step,
        progress: &mut Progress,
    ) -> Result<StepPlan, Diag> {
        let network = self.network(name)?;
        if !is_spiking(network) {
            return Err(Diag::error(
                &codes::NETWORK_LAYER_KIND,
                format!("`{}` has rate layers; a Dynap-SE2 runs spiking `neurons`", network.name),
            )
            .label(name.span, "a network of rate layers")
            .help("train rate layers on a crossbar device"));
        }
        let mut diags = check_mapping(network, &device.settings, &device.name, step.span);
        if let Some(first) = diags.first().cloned() {
            for d in diags.drain(1..) {
                self.resolver.report(d);
            }
            return Err(first);
        }
        let options =
            options.map(|b| self.resolver.apply(self.module, Settings::defaults(&MAP_OPTIONS), b, Context::Other));
        progress.mapped = Some(network.name.clone());
        Ok(StepPlan::Map { network: network.name.clone(), options })
    }

    fn quantize(
        &self,
        with: &ast::Ident,
        options: Option<&Block>,
        step: &ast::Step,
        progress: &mut Progress,
    ) -> Result<StepPlan, Diag> {
        let Some(q) = self.model.quantizations.get(&with.node) else {
            return Err(Diag::error(&codes::NAMES_UNKNOWN, format!("unknown quantization `{}`", with.node))
                .label(with.span, "no quantization of this name")
                .help(suggest::did_you_mean(
                    &with.node,
                    self.model.quantizations.keys().map(String::as_str),
                    "quantization",
                )));
        };
        let Some(mapped) = progress.mapped.clone() else {
            return Err(order(step, "`quantize` needs a mapped network", "add `map NET` before `quantize`"));
        };
        if let Some(block) = options {
            let _ = self.resolver.apply(self.module, q.settings.clone(), block, Context::Other);
            return Err(Diag::error(
                &codes::NAMES_UNKNOWN_FIELD,
                "`quantize` takes no options; set them on the quantization",
            )
            .label(block.span, "options here")
            .label(q.span, "set them in this quantization")
            .help("write the fields in `quantization NAME = autoencoder { ... }`"));
        }
        if let Some(network) = self.model.networks.get(&mapped) {
            super::budget::check_quantization(network, &q.settings, q.span, step.span)?;
        }
        progress.quantized = Some(mapped);
        Ok(StepPlan::Quantize { quantization: q.name.clone() })
    }

    fn calibrate(
        &self,
        device: &Device,
        with: &ast::Ident,
        options: Option<&Block>,
        progress: &mut Progress,
    ) -> Result<StepPlan, Diag> {
        let Some(c) = self.model.calibrations.get(&with.node) else {
            return Err(Diag::error(&codes::NAMES_UNKNOWN, format!("unknown calibration `{}`", with.node))
                .label(with.span, "no calibration of this name")
                .help(suggest::did_you_mean(
                    &with.node,
                    self.model.calibrations.keys().map(String::as_str),
                    "calibration",
                )));
        };
        let options = match options {
            Some(b) => {
                self.resolver.apply(self.module, Settings::defaults(&bss2::CALIBRATE_OPTIONS), b, Context::Other)
            }
            None => Settings::defaults(&bss2::CALIBRATE_OPTIONS),
        };
        let neurons = device.settings.count("neurons").unwrap_or(512);
        let vlsb = device.settings.number("vlsb").unwrap_or(1.173e-3);
        let mut targets = c.settings.clone();
        let mut diags = super::calibration::potentials_to_cadc(&mut targets, vlsb, Some(device.span));
        diags.extend(super::calibration::check_shapes(&targets, neurons));
        diags.extend(super::calibration::check_shapes(&options, neurons));
        if diags.iter().all(|d| !d.is_error()) {
            diags.extend(super::calibration::check_targets(&targets, &options, neurons, with.span));
        }
        let (errors, warnings): (Vec<Diag>, Vec<Diag>) = diags.into_iter().partition(Diag::is_error);
        for w in warnings {
            self.resolver.report(w);
        }
        let diags = errors;
        if let Some(first) = diags.first().cloned() {
            for d in diags.into_iter().skip(1) {
                self.resolver.report(d);
            }
            return Err(first);
        }
        progress.calibrated = true;
        Ok(StepPlan::Calibrate { calibration: c.name.clone(), targets, options })
    }

    fn train(
        &self,
        device: &Device,
        name: &ast::Ident,
        with: &TrainWith,
        step: &ast::Step,
        progress: &mut Progress,
    ) -> Result<StepPlan, Diag> {
        let network = self.network(name)?;
        if network.neurons().any(|(_, p)| p.kind != PopulationKind::Layer) {
            return Err(Diag::error(
                &codes::NETWORK_LAYER_KIND,
                format!("`{}` has spiking neurons; a crossbar trains rate `layer`s", network.name),
            )
            .label(name.span, "a spiking network")
            .help("declare rate layers: `layer h[8] { activation = sigmoid }`"));
        }
        let block = match with {
            TrainWith::Block(b) => b,
            TrainWith::Name(n) => {
                return Err(Diag::error(&codes::TYPES_EXPECTED, "`train` takes its settings in a block")
                    .label(n.span, "a name here")
                    .help("write `train NET with { data = load(\"x.npy\"), labels = load(\"y.npy\"), epochs = 10 }`"))
            }
        };
        let settings = self.resolver.apply(self.module, Settings::defaults(&crossbar::TRAIN), block, Context::Other);
        super::budget::check_tiles(network, device.settings.int("n_devices").unwrap_or(1), step.span)?;
        super::training::check_data(network, &settings, block, step.span)?;
        let rows = |name: &str| match settings.value(name) {
            Some(Value::Array(a)) => a.data.shape().first().copied().unwrap_or(0),
            _ => 0,
        };
        let samples = rows("data").saturating_add(rows("test_data"));
        let epochs = settings.int("epochs").unwrap_or(1);
        let epochs_span = settings.fields.get("epochs").and_then(|f| f.span).unwrap_or(step.span);
        super::budget::check_training(network, epochs, samples, epochs_span)?;
        progress.trained = true;
        Ok(StepPlan::Train { network: network.name.clone(), settings })
    }

    #[allow(clippy::too_many_arguments)]
    fn simulate(
        &self,
        device: &Device,
        target: Option<&ast::Ident>,
        duration: &ast::Expr,
        stimuli: &[ast::Stimulus],
        records: &[ast::Probe],
        step: &ast::Step,
        progress: &Progress,
    ) -> Result<StepPlan, Diag> {
        let target = match target {
            Some(t) if t.node == "deployed" && !self.model.networks.contains_key("deployed") => {
                match &progress.quantized {
                    Some(n) => SimTarget::Deployed(n.clone()),
                    None => {
                        return Err(order(
                            step,
                            "`simulate deployed` needs quantized weights",
                            "add `map NET` and `quantize with Q` before it",
                        ))
                    }
                }
            }
            Some(t) => SimTarget::Network(self.network(t)?.name.clone()),
            None => match &progress.mapped {
                Some(n) => SimTarget::Mapped(n.clone()),
                None => {
                    return Err(order(
                        step,
                        "a bare `simulate` runs the mapped network, but nothing is mapped",
                        "add `map NET` before it, or name the network: `simulate NET for ...`",
                    ))
                }
            },
        };
        let network = self.model.networks.get(target.network()).ok_or_else(crate::check::resolve::already_reported)?;
        if !is_spiking(network) {
            return Err(Diag::error(
                &codes::NETWORK_LAYER_KIND,
                format!("`{}` has rate layers; only spiking networks are simulated", network.name),
            )
            .label(step.keyword, "simulate")
            .help("train rate layers on a crossbar with `train`"));
        }
        let dt = device.settings.number("dt").unwrap_or(1e-3);
        // Duration, stimuli and records are independent: report every mistake among them.
        let duration_expr = duration;
        let duration = self.duration(duration_expr, dt);
        let stimuli = self.stimuli(network, stimuli, duration.as_ref().ok().map(|d| d.1));
        let records = self.records(network, records);
        match (duration, stimuli, records) {
            (Ok((seconds, steps)), Ok(stimuli), Ok(records)) => {
                super::budget::check_simulation(network, steps, &records, duration_expr.span)?;
                Ok(StepPlan::Simulate { target, duration: seconds, steps, stimuli, records, raster: String::new() })
            }
            (duration, stimuli, records) => {
                for diag in [duration.err(), stimuli.err(), records.err()].into_iter().flatten() {
                    self.resolver.report(diag);
                }
                Err(crate::check::resolve::already_reported())
            }
        }
    }

    fn duration(&self, expr: &ast::Expr, dt: f64) -> Result<(f64, usize), Diag> {
        let scope = self.resolver.scope(self.module);
        let value = eval(expr, &scope)?;
        let seconds = match &value {
            Value::Number(n) if n.dim == Dim::TIME => n.value,
            Value::Name(n) => return Err(unknown_name(n, expr.span, &scope)),
            other => {
                return Err(Diag::error(
                    &codes::EXPERIMENT_DURATION,
                    format!("a duration is a time, found {}", other.describe()),
                )
                .label(expr.span, format!("this is {}", other.describe()))
                .help("write it with a unit, e.g. `simulate for 500 ms`"))
            }
        };
        let exact = seconds / dt;
        if seconds.is_nan() || seconds <= 0.0 || exact.round() < 1.0 {
            return Err(Diag::error(
                &codes::EXPERIMENT_DURATION,
                format!(
                    "the duration must cover at least one step of {}, found {}",
                    format_quantity(dt, Dim::TIME),
                    format_quantity(seconds, Dim::TIME)
                ),
            )
            .label(expr.span, "too short")
            .help("durations are positive and at least one time step `dt`"));
        }
        let steps = usize::try_from(exact.round() as u64).unwrap_or(usize::MAX);
        if steps > MAX_STEPS {
            return Err(Diag::error(
                &codes::EXPERIMENT_DURATION,
                format!("{steps} steps exceed the limit of {MAX_STEPS}"),
            )
            .label(expr.span, "too long")
            .help("shorten the simulation or increase the device's `dt`"));
        }
        Ok((seconds, steps))
    }

    /// Every stimulus, each mistake reported; `steps` is unknown when the duration was wrong.
    fn stimuli(
        &self,
        network: &Network,
        stimuli: &[ast::Stimulus],
        steps: Option<usize>,
    ) -> Result<Vec<StimulusSpec>, Diag> {
        check_each(self.resolver, stimuli, |s, out| self.stimulus(network, s, steps, out).map(Some))
    }

    fn stimulus(
        &self,
        network: &Network,
        s: &ast::Stimulus,
        steps: Option<usize>,
        out: &[StimulusSpec],
    ) -> Result<StimulusSpec, Diag> {
        let scope = self.resolver.scope(self.module);
        let Some((index, pop)) = network.population(&s.input.node) else {
            return Err(Diag::error(
                &codes::NAMES_UNKNOWN,
                format!("`{}` has no population `{}`", network.name, s.input.node),
            )
            .label(s.input.span, "unknown population")
            .help(suggest::did_you_mean(
                &s.input.node,
                network.inputs().map(|(_, p)| p.name.as_str()),
                "input",
            )));
        };
        if pop.kind != PopulationKind::Input {
            return Err(Diag::error(
                &codes::EXPERIMENT_STIMULUS,
                format!("`{}` is not an input; stimuli drive inputs", pop.name),
            )
            .label(s.input.span, "a neuron population")
            .label(pop.span, "declared here")
            .help("declare an input (`input x[4]`), project it into the neurons and drive it"));
        }
        if let Some(first) = out.iter().find(|o| o.input == index) {
            return Err(Diag::error(&codes::NAMES_DUPLICATE, format!("`{}` is driven twice", pop.name))
                .label(s.span, "driven again here")
                .label(first.span, "first driven here")
                .help("give each input one stimulus"));
        }
        let call = match eval(&s.value, &scope)? {
            Value::Call(c) if matches!(c.function.as_str(), "poisson" | "regular" | "spikes") => c,
            Value::Name(n) => return Err(unknown_name(&n, s.value.span, &scope)),
            other => {
                return Err(Diag::error(&codes::EXPERIMENT_STIMULUS, format!("expected a stimulus, found {}", other.describe()))
                    .label(s.value.span, format!("this is {}", other.describe()))
                    .help("stimuli are `poisson(rate = 40 Hz, seed = 7)`, `regular(period = 10 ms)` or `spikes(load(\"in.npy\"))`"))
            }
        };
        stimulus_values(&call, pop.size, steps, s.value.span)?;
        Ok(StimulusSpec { input: index, call, span: s.span })
    }

    /// Every recorded state, each mistake reported.
    fn records(&self, network: &Network, probes: &[ast::Probe]) -> Result<Vec<Record>, Diag> {
        check_each(self.resolver, probes, |probe, out: &[Record]| {
            let record = self.record(network, probe)?;
            let repeated = out.iter().any(|r| r.state == record.state && r.population == record.population);
            Ok((!repeated).then_some(record))
        })
    }

    fn record(&self, network: &Network, probe: &ast::Probe) -> Result<Record, Diag> {
        let canonical = recordable_state(&probe.state)?;
        let Some((index, pop)) = network.population(&probe.population.node) else {
            return Err(Diag::error(
                &codes::NAMES_UNKNOWN,
                format!("`{}` has no population `{}`", network.name, probe.population.node),
            )
            .label(probe.population.span, "unknown population")
            .help(suggest::did_you_mean(
                &probe.population.node,
                network.populations.iter().map(|p| p.name.as_str()),
                "population",
            )));
        };
        // An input's spikes are the stimulus actually drawn; it has no other state.
        if pop.kind == PopulationKind::Input && canonical != "spikes" {
            return Err(Diag::error(
                &codes::EXPERIMENT_STATE,
                format!("`{}` is an input: it has no `{}` to record", pop.name, probe.state.node),
            )
            .label(probe.state.span, "a neuron state")
            .label(probe.population.span, "an input population")
            .help(format!(
                "an input records only the spikes it was driven with: `record spikes({})`; record `{}` of a \
                 `neurons` population",
                pop.name, probe.state.node
            )));
        }
        let file = format!("{}.{}", probe.state.node, pop.name);
        Ok(Record { state: probe.state.node.clone(), canonical, population: index, span: probe.span, file })
    }

    fn export(
        &self,
        device: &Device,
        what: &ast::Ident,
        path: &crate::syntax::span::Spanned<String>,
        step: &ast::Step,
        progress: &Progress,
    ) -> Result<StepPlan, Diag> {
        let Some(kind) = ExportKind::from_name(&what.node) else {
            return Err(Diag::error(&codes::EXPERIMENT_EXPORT, format!("cannot export `{}`", what.node))
                .label(what.span, "unknown export")
                .help(match suggest::closest(&what.node, ExportKind::NAMES.iter().copied()) {
                    Some(c) => format!("did you mean `{c}`? exports: {}", suggest::quote_list(ExportKind::NAMES)),
                    None => format!("exports: {}", suggest::quote_list(ExportKind::NAMES)),
                }));
        };
        let available = match (device.kind, kind) {
            (DeviceKind::Dynapse2, ExportKind::Spec) => {
                progress.mapped.is_some().then_some(()).ok_or("`export spec` needs `map NET` before it")
            }
            (DeviceKind::Dynapse2, ExportKind::Config | ExportKind::Weights) => progress
                .quantized
                .is_some()
                .then_some(())
                .ok_or("this export needs `map NET` and `quantize with Q` before it"),
            (DeviceKind::Bss2, ExportKind::Calibration | ExportKind::Config) => {
                progress.calibrated.then_some(()).ok_or("this export needs `calibrate with C` before it")
            }
            (DeviceKind::Crossbar, ExportKind::Config) => Ok(()),
            (DeviceKind::Crossbar, ExportKind::Weights) => {
                progress.trained.then_some(()).ok_or("`export weights` needs `train NET with {...}` before it")
            }
            _ => {
                return Err(Diag::error(
                    &codes::EXPERIMENT_EXPORT,
                    format!("a {} device has no `{}` to export", device.kind.name(), what.node),
                )
                .label(what.span, "not produced on this device")
                .label(device.span, format!("a {} device", device.kind.name()))
                .help(match device.kind {
                    DeviceKind::Dynapse2 => "a dynapse2 experiment exports `spec`, `config` and `weights`",
                    DeviceKind::Bss2 => "a bss2 experiment exports `calibration` and `config`",
                    DeviceKind::Crossbar => "a crossbar experiment exports `config` and `weights`",
                }));
            }
        };
        if let Err(why) = available {
            return Err(order(step, why, "reorder the steps"));
        }
        check_export_path(&path.node, path.span)?;
        Ok(StepPlan::Export { what: kind, path: path.node.clone() })
    }
}

/// Checks every item, reporting each mistake. `check` sees the items kept so far and returns
/// `None` to drop a repeat; any mistake fails the whole list once.
fn check_each<T, U>(
    resolver: &Resolver<'_>,
    items: &[T],
    mut check: impl FnMut(&T, &[U]) -> Result<Option<U>, Diag>,
) -> Result<Vec<U>, Diag> {
    let mut out: Vec<U> = Vec::new();
    let mut failed = false;
    for item in items {
        match check(item, &out) {
            Ok(kept) => out.extend(kept),
            Err(d) => {
                resolver.report(d);
                failed = true;
            }
        }
    }
    if failed {
        return Err(crate::check::resolve::already_reported());
    }
    Ok(out)
}

fn needs(keyword: &str) -> &'static str {
    match keyword {
        "calibrate" => "a bss2 device",
        "train" => "a crossbar device",
        _ => "a dynapse2 device",
    }
}

fn order(step: &ast::Step, message: &str, help: &str) -> Diag {
    Diag::error(&codes::EXPERIMENT_ORDER, message.to_string())
        .label(step.keyword, "this step comes too early")
        .help(help.to_string())
}

/// The canonical state a `record` names: DESIGN.md's (`Imem`) or Rockpool's (`imem`).
fn recordable_state(state: &ast::Ident) -> Result<&'static str, Diag> {
    let name = state.node.as_str();
    if let Some(canonical) = dynapse2::canonical_state(name) {
        return Ok(canonical);
    }
    if dynapse2::DEAD_STATES.contains(&name) {
        return Err(Diag::error(
            &codes::EXPERIMENT_STATE,
            format!("DynapSim never updates `{name}`: every synapse type shares one state"),
        )
        .label(state.span, "a state Rockpool keeps but does not simulate")
        .help("record the combined synaptic current: `Isyn` (Rockpool's `isyn`)"));
    }
    // Suggest in the user's spelling: Rockpool's lowercase names first for a lowercase name.
    let aliases = dynapse2::ROCKPOOL_STATES.iter().map(|(alias, _)| *alias);
    let mut known: Vec<&str> = dynapse2::STATES.iter().copied().chain(aliases).collect();
    if name.starts_with(|c: char| c.is_lowercase()) {
        known.reverse();
    }
    let states = format!("{} (or Rockpool's lowercase names)", suggest::quote_list(dynapse2::STATES));
    Err(Diag::error(&codes::EXPERIMENT_STATE, format!("a dynapse2 neuron has no state `{name}`"))
        .label(state.span, "unknown state")
        .help(match suggest::closest(name, known) {
            Some(c) => format!("did you mean `{c}`? recordable states: {states}"),
            None => format!("recordable states: {states}"),
        }))
}

/// Export paths stay inside the experiment's output folder.
pub fn check_export_path(path: &str, span: Span) -> Result<(), Diag> {
    let p = std::path::Path::new(path);
    let escapes = p.is_absolute()
        || p.components().any(|c| {
            matches!(
                c,
                std::path::Component::ParentDir | std::path::Component::RootDir | std::path::Component::Prefix(_)
            )
        });
    // the stage's own rule too: `.` or `./` name the folder itself, not a file in it
    if escapes || path.ends_with('/') || crate::output::OutputStage::resolve(path).is_err() {
        return Err(Diag::error(
            &codes::EXPERIMENT_EXPORT,
            format!("`{path}` is not a file path inside the output folder"),
        )
        .label(span, "outside the experiment's output folder")
        .help("export paths are relative file names, resolved inside OUT/<experiment>/, e.g. \"deploy.config.json\""));
    }
    if path.contains('\0') || path.split('/').any(|name| name.len() > MAX_NAME_BYTES) {
        return Err(Diag::error(&codes::EXPERIMENT_EXPORT, "this export path cannot be a file name")
            .label(span, "not a valid file name")
            .help(format!("file and folder names are at most {MAX_NAME_BYTES} bytes, without NUL characters")));
    }
    let file = super::outputs::normalised(path);
    // in any letter case: `Summary.json` is summary.json on macOS and Windows
    if let Some(file) = RESERVED_FILES.iter().find(|reserved| reserved.to_lowercase() == file.to_lowercase()) {
        return Err(Diag::error(&codes::EXPERIMENT_CLASH, format!("`{file}` is a file dyn writes itself"))
            .label(span, "this would replace it")
            .help(format!("export to another name; dyn's own files are {}", suggest::quote_list(RESERVED_FILES))));
    }
    Ok(())
}

/// Longest file or folder name that common file systems accept, in bytes.
const MAX_NAME_BYTES: usize = 255;

/// Files a run or one of its passes writes under fixed names: an export must not replace them.
const RESERVED_FILES: &[&str] = &[
    crate::output::names::SUMMARY,
    crate::output::names::QUANTIZATION,
    crate::output::names::CALIBRATION,
    crate::output::names::RASTER_SVG,
    crate::output::names::CALIBRATION_SVG,
    crate::output::names::LOSS_SVG,
];

/// Checks a stimulus' values against the input it drives.
fn stimulus_values(call: &super::value::Call, channels: usize, steps: Option<usize>, span: Span) -> Result<(), Diag> {
    match call.function.as_str() {
        "poisson" => {
            let rate = call.number("rate").map_or(0.0, |n| n.value);
            if rate < 0.0 {
                return Err(Diag::error(
                    &codes::TYPES_RANGE,
                    format!("a Poisson rate must not be negative, found {}", format_quantity(rate, Dim::FREQUENCY)),
                )
                .label(span, "negative rate")
                .help("write a rate such as `40 Hz`"));
            }
        }
        "regular" => {
            let period = call.number("period").map_or(0.0, |n| n.value);
            if period <= 0.0 {
                return Err(Diag::error(&codes::TYPES_RANGE, "a regular stimulus needs a positive period")
                    .label(span, "period is not positive")
                    .help("write e.g. `regular(period = 10 ms)`"));
            }
        }
        "spikes" => {
            let (Some(Value::Array(a)), Some(steps)) = (call.args.get("counts"), steps) else { return Ok(()) };
            let found = a.data.shape().to_vec();
            let fits = a.data.clone().into_dimensionality::<Ix2>().is_ok_and(|m| m.dim() == (steps, channels));
            if !fits {
                return Err(Diag::error(
                    &codes::SHAPES_MISMATCH,
                    format!("the spike counts have shape {found:?}, but the simulation needs ({steps}, {channels})"),
                )
                .label(span, format!("shape {found:?}"))
                .help(format!("one row per time step ({steps}) and one column per input channel ({channels})")));
            }
            if a.data.iter().any(|v| *v < 0.0 || v.fract() != 0.0) {
                return Err(Diag::error(&codes::TYPES_INTEGER, "spike counts must be non-negative whole numbers")
                    .label(span, "these counts")
                    .help("save counts as integers, e.g. numpy uint8"));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Options of the `map` step.
pub static MAP_OPTIONS: super::schema::Schema = super::schema::Schema {
    kind: "map options",
    doc: "options of the map step",
    fields: &[super::schema::flag(
        "separate_scales",
        true,
        "give a population whose weights are 10x smaller or larger than its core-mates' its own core, so quantization does not prune them",
    )],
};

/// Maps of the main module's checked items, by name.
pub type Items<T> = BTreeMap<String, T>;
