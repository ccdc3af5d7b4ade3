//! Output file names of one experiment, chosen once every step is checked: the first step that
//! writes a file keeps DESIGN.md's name (`spikes.out.npy`); a later simulation whose file would
//! replace it takes a suffix naming its target (`spikes.out.deployed.npy`), then also its position
//! (`spikes.out.deployed.step4.npy`). Only paths the user wrote twice (`export ... to`) clash.
//! Names that differ only in letter case are distinct files on Linux but one file on macOS and
//! Windows: a warning, not an error, since the program is valid (recording Rockpool's `imem` beside
//! `Imem` is a natural check) and renaming either file would break DESIGN.md's output names.

use std::collections::BTreeMap;

use crate::diagnostics::{codes, Diag};
use crate::model::{DeviceKind, ExportKind, Network, Step, StepPlan};
use crate::syntax::span::Span;

/// Names every simulation's files; returns a diagnostic for each path the user named twice or a
/// recorded file that no suffix keeps apart from an export. `device`: the experiment's device
/// kind, which decides the files some exports write.
pub fn name_outputs(steps: &mut [Step], networks: &BTreeMap<String, Network>, device: DeviceKind) -> Vec<Diag> {
    let mut diags = Vec::new();
    // Exports first: their paths are the user's, so generated names step around them.
    let mut taken: BTreeMap<String, Span> = BTreeMap::new();
    for step in steps.iter() {
        if let StepPlan::Export { what, path } = &step.plan {
            for file in export_files(device, *what, path) {
                match taken.get(&file) {
                    Some(first) => diags.push(clash(&file, step.span, *first)),
                    None => {
                        taken.insert(file, step.span);
                    }
                }
            }
        }
    }
    for (index, step) in steps.iter_mut().enumerate() {
        let span = step.span;
        let StepPlan::Simulate { target, records, raster, .. } = &mut step.plan else { continue };
        let Some(network) = networks.get(target.network()) else { continue };
        let named = format!(".{}", target.file_suffix());
        let suffixes = [String::new(), named.clone(), format!("{named}.step{}", index + 1)];
        for record in records.iter_mut() {
            let pop = network.populations.get(record.population).map_or("", |p| p.name.as_str());
            let base = format!("{}.{pop}", record.state);
            match free_stem(&base, &suffixes, &["npy", "svg"], &taken) {
                Ok(stem) => {
                    claim(&mut taken, &stem, &["npy", "svg"], record.span);
                    record.file = stem;
                }
                Err(file) => diags.push(clash(&file, record.span, taken.get(&file).copied().unwrap_or(span))),
            }
        }
        if records.iter().any(|r| r.canonical == "spikes") {
            match free_stem("raster", &suffixes, &["svg"], &taken) {
                Ok(stem) => {
                    claim(&mut taken, &stem, &["svg"], span);
                    *raster = format!("{stem}.svg");
                }
                Err(file) => diags.push(clash(&file, span, taken.get(&file).copied().unwrap_or(span))),
            }
        }
    }
    diags.extend(side_file_clashes(steps, device));
    diags.extend(case_clashes(&taken));
    // `a.json` and `a.json/b.json`: one path cannot be a file and a folder
    for (file, span) in &taken {
        let inside = format!("{file}/");
        if let Some((nested, nested_span)) = taken.iter().find(|(other, _)| other.starts_with(&inside)) {
            diags.push(
                Diag::error(&codes::EXPERIMENT_CLASH, format!("`{file}` is written as a file and as a folder"))
                    .label(*span, "the file")
                    .label(*nested_span, format!("`{nested}` needs it as a folder"))
                    .help("export to paths that do not nest inside each other's names"),
            );
        }
    }
    diags
}

/// The files an export writes. A Dynap-SE2 `export weights to "w.npy"` writes the input and the
/// recurrent matrix, `w.in.npy` and `w.rec.npy`; every other export writes its path (a crossbar
/// network of several projections adds one file per projection beside it: those names come from
/// the trained network, and the run checks them before it writes anything).
fn export_files(device: DeviceKind, what: ExportKind, path: &str) -> Vec<String> {
    let file = normalised(path);
    if device == DeviceKind::Dynapse2 && what == ExportKind::Weights {
        let stem = file.strip_suffix(".npy").unwrap_or(&file);
        return vec![format!("{stem}.in.npy"), format!("{stem}.rec.npy")];
    }
    vec![file]
}

/// Exports onto a file another step of the experiment writes under its own name (`quantize`'s
/// `quantized.w_in.npy`, `calibrate`'s `success.npy` or `target.leak.npy`), in any letter case:
/// one of the two would silently replace the other.
fn side_file_clashes(steps: &[Step], device: DeviceKind) -> Vec<Diag> {
    let mut diags = Vec::new();
    for export in steps {
        let StepPlan::Export { what, path } = &export.plan else { continue };
        for file in export_files(device, *what, path) {
            let folded = file.to_lowercase();
            let writer =
                steps.iter().find_map(|step| side_file(&step.plan, &folded).map(|(kind, help)| (step, kind, help)));
            let Some((writer, kind, written)) = writer else { continue };
            diags.push(
                Diag::error(&codes::EXPERIMENT_CLASH, format!("`{file}` is a file the `{kind}` step writes"))
                    .label(export.span, "one of the two would replace the other")
                    .label(writer.keyword_span(), format!("writes {written}"))
                    .help("export to another name"),
            );
        }
    }
    diags
}

/// The step kind and what it writes, if `plan` writes the file `folded` (lowercase) itself.
fn side_file(plan: &StepPlan, folded: &str) -> Option<(&'static str, String)> {
    use crate::output::names;
    match plan {
        StepPlan::Quantize { .. } => {
            let files =
                [names::QUANTIZED_CODES_IN, names::QUANTIZED_CODES_REC, names::QUANTIZED_W_IN, names::QUANTIZED_W_REC];
            files.contains(&folded).then(|| ("quantize", format!("`{}`", files.join("`, `"))))
        }
        StepPlan::Calibrate { .. } => {
            let family = names::CALIBRATION_ARRAYS.iter().any(|kind| {
                folded.strip_prefix(kind).and_then(|rest| rest.strip_prefix('.')).is_some_and(|rest| {
                    rest.strip_suffix(".npy").is_some_and(|name| !name.is_empty() && !name.contains('/'))
                })
            });
            (family || folded == names::SUCCESS).then(|| {
                let kinds = names::CALIBRATION_ARRAYS.map(|kind| format!("`{kind}.<name>.npy`")).join(", ");
                ("calibrate", format!("`{}` and {kinds}", names::SUCCESS))
            })
        }
        _ => None,
    }
}

/// Files whose names differ only in letter case (`Imem.h.npy`, `imem.h.npy`): one file on the
/// case-insensitive file systems of macOS and Windows, where the later would replace the earlier.
fn case_clashes(taken: &BTreeMap<String, Span>) -> Vec<Diag> {
    case_variants(taken)
        .into_iter()
        .map(|((first, first_span), (file, span))| {
            Diag::warning(&codes::EXPERIMENT_CASE, format!("`{file}` and `{first}` differ only in letter case"))
                .label(span, format!("writes `{file}`"))
                .label(first_span, format!("writes `{first}`"))
                .help(format!(
                    "on macOS and Windows they are one file and the second replaces the first: write the \
                     names in the same case as `{first}`, or choose another name"
                ))
        })
        .collect()
}

/// Experiments whose names differ only in letter case: each writes the folder `OUT/<name>/`, and
/// on macOS and Windows `OUT/Run/` and `OUT/run/` are one folder.
pub fn experiment_folder_clashes(names: &BTreeMap<String, Span>) -> Vec<Diag> {
    case_variants(names)
        .into_iter()
        .map(|((first, first_span), (name, span))| {
            Diag::warning(
                &codes::EXPERIMENT_CASE,
                format!("experiments `{name}` and `{first}` differ only in letter case"),
            )
            .label(span, format!("writes the folder `{name}/`"))
            .label(first_span, format!("writes the folder `{first}/`"))
            .help(
                "on macOS and Windows both write one folder: give the experiments names that differ in more than case",
            )
        })
        .collect()
}

/// A file or folder name with the span that writes it.
type Named<'n> = (&'n str, Span);

/// Each name that equals an earlier one but for letter case, with that earliest name (by span);
/// one pair per span pair, so a record's `.npy` and `.svg` make one report.
fn case_variants(names: &BTreeMap<String, Span>) -> Vec<(Named<'_>, Named<'_>)> {
    let mut by_folded: BTreeMap<String, Vec<(&str, Span)>> = BTreeMap::new();
    for (name, span) in names {
        by_folded.entry(name.to_lowercase()).or_default().push((name, *span));
    }
    let mut pairs: Vec<(Named, Named)> = Vec::new();
    for mut group in by_folded.into_values().filter(|group| group.len() > 1) {
        group.sort_by_key(|(name, span)| (span.source, span.start, *name));
        let Some(&first) = group.first() else { continue };
        for &later in group.iter().skip(1) {
            if !pairs.iter().any(|(f, l)| f.1 == first.1 && l.1 == later.1) {
                pairs.push((first, later));
            }
        }
    }
    pairs
}

/// The first `base + suffix` whose files are all free, or the last candidate's taken file.
fn free_stem(
    base: &str,
    suffixes: &[String],
    extensions: &[&str],
    taken: &BTreeMap<String, Span>,
) -> Result<String, String> {
    let mut last = String::new();
    for suffix in suffixes {
        let stem = format!("{base}{suffix}");
        match extensions.iter().map(|e| format!("{stem}.{e}")).find(|f| taken.contains_key(f)) {
            Some(file) => last = file,
            None => return Ok(stem),
        }
    }
    Err(last)
}

fn claim(taken: &mut BTreeMap<String, Span>, stem: &str, extensions: &[&str], span: Span) {
    for e in extensions {
        taken.insert(format!("{stem}.{e}"), span);
    }
}

fn clash(file: &str, span: Span, first: Span) -> Diag {
    Diag::error(&codes::EXPERIMENT_CLASH, format!("two steps write `{file}`"))
        .label(span, "this would replace it")
        .label(first, "first written here")
        .help("each experiment writes one folder: export to another path")
}

/// An export path as the file it names inside the experiment's folder (`./a//b.json` = `a/b.json`).
pub fn normalised(path: &str) -> String {
    path.split('/').filter(|part| !part.is_empty() && *part != ".").collect::<Vec<_>>().join("/")
}
