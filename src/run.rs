//! `dyn run`: every experiment's passes in order, each experiment's files staged and committed
//! only when every pass of every experiment succeeded.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::diagnostics::{codes, Diag, Diagnostics};
use crate::lower::{lower, ExperimentPlan};
use crate::model::Checked;
use crate::output::{json as out_json, names, OutputStage, ProgressPolicy};
use crate::passes::{self, Ctx, Ir};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Results go to `out_dir/<experiment>/`.
    pub out_dir: PathBuf,
    /// Run only this experiment.
    pub experiment: Option<String>,
    /// Draw SVG pictures.
    pub plots: bool,
    pub progress: ProgressPolicy,
}

/// What one experiment produced.
#[derive(Debug, Clone)]
pub struct ExperimentOutcome {
    pub name: String,
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
    pub summary: serde_json::Value,
}

/// Runs the checked file's experiments (or the one asked for).
pub fn run(checked: &Checked, options: &RunOptions) -> Result<Vec<ExperimentOutcome>, Diagnostics> {
    if let Some(name) = &options.experiment {
        if !checked.model.experiments.iter().any(|e| &e.name == name) {
            let names = crate::lower::experiment_names(checked);
            return Err(Diag::error(&codes::EXPERIMENT_UNKNOWN, format!("the file has no experiment `{name}`"))
                .help(crate::diagnostics::suggest::did_you_mean(name, names.iter().copied(), "experiment"))
                .into());
        }
    }
    let fresh = std::fs::symlink_metadata(&options.out_dir).is_err();
    let result = run_all(checked, options);
    if result.is_err() && fresh {
        // the output folder this run created, now empty again (`remove_dir` keeps a non-empty one)
        let _ = std::fs::remove_dir(&options.out_dir);
    }
    result
}

fn run_all(checked: &Checked, options: &RunOptions) -> Result<Vec<ExperimentOutcome>, Diagnostics> {
    let lowered = lower(checked, options.experiment.as_deref());
    let mut staged = Vec::new();
    for plan in &lowered.experiments {
        staged.push(run_experiment(checked, plan, options)?);
    }
    // Committed only once every experiment succeeded: a failed run leaves no outputs at all.
    staged.into_iter().map(Staged::commit).collect()
}

/// An experiment that ran, its files still staged.
struct Staged {
    stage: OutputStage,
    name: String,
    summary: serde_json::Value,
    span: crate::syntax::span::Span,
}

impl Staged {
    fn commit(self) -> Result<ExperimentOutcome, Diagnostics> {
        let dir = self.stage.final_dir().to_path_buf();
        let files = self.stage.commit().map_err(|e| passes::output_error(e, self.span))?;
        Ok(ExperimentOutcome { name: self.name, dir, files, summary: self.summary })
    }
}

/// A safety net behind the check's output naming: `file`, just written by `step` (a `pass`), was
/// written by an earlier step. Only a pass that writes fixed names and runs again (a second
/// `quantize` rewrites `quantization.json`) may replace its own files; an export never replaces
/// anything. The run then fails and, as for every failed run, writes nothing.
fn replaced(
    writers: &std::collections::BTreeMap<String, (usize, &'static str)>,
    file: &str,
    pass: &'static str,
    step: &crate::model::Step,
    steps: &[crate::model::Step],
) -> Option<Diag> {
    let (earlier, earlier_pass) = writers.get(file)?;
    if *earlier_pass == pass && !matches!(step.plan, crate::model::StepPlan::Export { .. }) {
        return None;
    }
    let mut diag =
        Diag::error(&codes::EXPERIMENT_CLASH, format!("step {earlier} (`{earlier_pass}`) already wrote `{file}`"))
            .label(step.span, "this step would replace it");
    if let Some(first) = earlier.checked_sub(1).and_then(|i| steps.get(i)) {
        diag = diag.label(first.span, format!("writes `{file}`"));
    }
    Some(diag.help("each experiment writes one folder: export to a path whose files no other step writes"))
}

fn run_experiment(checked: &Checked, plan: &ExperimentPlan, options: &RunOptions) -> Result<Staged, Diagnostics> {
    let experiment = plan.experiment;
    let stage =
        OutputStage::begin(&options.out_dir, &experiment.name).map_err(|e| passes::output_error(e, experiment.span))?;
    let ctx = Ctx { checked, device: plan.device, experiment, progress: options.progress, plots: options.plots };
    let mut ir = Ir { stage, warnings: Vec::new(), crossbar: None, deploy: None, bss2: None };
    let mut reports = Vec::new();
    // Which step wrote each file: a later step of another kind must not replace it.
    let mut writers: std::collections::BTreeMap<String, (usize, &'static str)> = std::collections::BTreeMap::new();
    for (index, step) in plan.steps.iter().enumerate() {
        let mark = ir.stage.mark();
        let report = passes::apply(step, &mut ir, &ctx)?;
        // The files this step wrote, so float and deployed runs' records can be told apart.
        let step_files: Vec<String> = ir.stage.written_since(mark).iter().map(|f| f.display().to_string()).collect();
        for file in &step_files {
            if let Some(clash) = replaced(&writers, file, report.pass, step, plan.steps) {
                return Err(clash.into());
            }
        }
        writers.extend(step_files.iter().map(|file| (file.clone(), (index + 1, report.pass))));
        let mut entry =
            json!({ "step": index + 1, "pass": report.pass, "seconds": report.seconds, "files": step_files });
        if let (Some(map), serde_json::Value::Object(figures)) = (entry.as_object_mut(), report.figures) {
            map.extend(figures);
        }
        reports.push(entry);
    }
    let warnings: Vec<serde_json::Value> = checked
        .warnings
        .items
        .iter()
        .chain(&ir.warnings)
        .map(|d| json!({ "code": d.code.id, "message": d.message }))
        .collect();
    let mut files: Vec<String> = ir.stage.files().map(|p| p.display().to_string()).collect();
    files.push(names::SUMMARY.to_string());
    files.sort();
    let settings = &plan.device.settings;
    // crossbar: DESIGN.md §4 puts training curves at the top level as `"train": {"epochs": ...}`.
    let train = reports.iter_mut().rev().find_map(|r| r.as_object_mut().and_then(|m| m.remove("train")));
    let mut summary = json!({
        "dyn": env!("CARGO_PKG_VERSION"),
        "experiment": experiment.name,
        "device": { "name": plan.device.name, "kind": plan.device.kind.name(), "seed": settings.int("seed").unwrap_or(0) },
        "passes": reports,
        "warnings": warnings,
        "files": files,
    });
    if let (Some(train), Some(map)) = (train, summary.as_object_mut()) {
        map.insert("train".into(), train);
    }
    out_json::write_json(&mut ir.stage, names::SUMMARY, &summary)
        .map_err(|e| passes::output_error(e, experiment.span))?;
    Ok(Staged { stage: ir.stage, name: experiment.name.clone(), summary, span: experiment.span })
}

/// Checks and runs a file: what `dyn run` does, for tests and the REPL.
pub fn run_file(
    path: &Path,
    options: &RunOptions,
) -> (crate::syntax::span::SourceMap, Result<Vec<ExperimentOutcome>, Diagnostics>) {
    let (sources, checked) = crate::check_file(path);
    match checked {
        Ok(c) => {
            let result = run(&c, options);
            (sources, result)
        }
        Err(d) => (sources, Err(d)),
    }
}
