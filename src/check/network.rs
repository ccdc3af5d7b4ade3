//! Networks: populations, projections and outputs, with every weight matrix checked against the
//! populations it joins.

use std::collections::BTreeMap;

use ndarray::Ix2;

use super::eval::{eval, unknown_name, Scope};
use super::generators::generate;
use super::program::ModuleId;
use super::resolve::Resolver;
use super::schema::{dynapse2, layer};
use super::settings::{Context, Settings};
use super::value::Value;
use crate::diagnostics::{codes, suggest, Diag};
use crate::model::{Network, Population, Projection, Weights};
use crate::syntax::ast::{NetStatement, NetworkItem, PopulationKind, ProjectionDecl};
use crate::syntax::span::Span;

/// Largest population accepted (a guard against typos like `neurons h[1e9]`).
pub const MAX_POPULATION: usize = 1 << 22;

/// Largest weight matrix accepted, pre x post (256 MB of f64): far beyond any chip or tile, and
/// small enough that drawing or loading it cannot exhaust memory.
pub const MAX_WEIGHTS: usize = 1 << 25;

/// Checks a network item; reports mistakes and returns what could be built.
pub fn check_network(r: &Resolver, module: ModuleId, item: &NetworkItem) -> Option<Network> {
    let scope = r.scope(module);
    let mut populations: Vec<Population> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut ok = true;
    for statement in &item.statements {
        let NetStatement::Population(p) = statement else { continue };
        if let Some(&first) = index.get(&p.name.node) {
            r.report(
                Diag::error(&codes::NAMES_DUPLICATE, format!("population `{}` is declared twice", p.name.node))
                    .label(p.name.span, "declared again here")
                    .maybe_label(populations.get(first).map(|f| f.span), "first declared here")
                    .help("give each population its own name"),
            );
            ok = false;
            continue;
        }
        let size = match population_size(&p.size, &scope) {
            Ok(n) => n,
            Err(d) => {
                r.report(d);
                ok = false;
                1
            }
        };
        let settings = p.block.as_ref().map(|block| {
            let schema = match p.kind {
                PopulationKind::Layer => &layer::LAYER,
                _ => &dynapse2::POPULATION,
            };
            let mut s = Settings { schema, fields: BTreeMap::new() };
            if p.kind == PopulationKind::Layer {
                s = Settings::defaults(schema);
            }
            r.apply(module, s, block, Context::Population(size))
        });
        index.insert(p.name.node.clone(), populations.len());
        populations.push(Population { name: p.name.node.clone(), kind: p.kind, size, settings, span: p.span });
    }
    ok &= check_kinds(r, &populations);
    let mut projections = Vec::new();
    let mut outputs = Vec::new();
    let mut joined: BTreeMap<(usize, usize), Span> = BTreeMap::new();
    for statement in &item.statements {
        match statement {
            NetStatement::Projection(decl) => match projection(r, &scope, decl, &populations, &index) {
                Ok(p) => {
                    if let Some(first) = joined.get(&(p.from, p.to)) {
                        r.report(
                            Diag::error(
                                &codes::NAMES_DUPLICATE,
                                format!("`{} -> {}` is declared twice", decl.from.node, decl.to.node),
                            )
                            .label(decl.span, "declared again here")
                            .label(*first, "first declared here")
                            .help("combine the two weight matrices into one projection"),
                        );
                        ok = false;
                    } else {
                        joined.insert((p.from, p.to), p.span);
                        projections.push(p);
                    }
                }
                Err(d) => {
                    r.report(d);
                    ok = false;
                }
            },
            NetStatement::Output(o) => {
                for name in &o.names {
                    match find_population(&populations, &index, &name.node, name.span) {
                        Ok(i) if populations.get(i).is_some_and(|p| p.kind == PopulationKind::Input) => {
                            r.report(
                                Diag::error(
                                    &codes::NETWORK_POPULATION,
                                    format!("`{}` is an input and cannot be an output", name.node),
                                )
                                .label(name.span, "an input population")
                                .help("outputs are `neurons` or `layer` populations"),
                            );
                            ok = false;
                        }
                        Ok(i) => outputs.push(i),
                        Err(d) => {
                            r.report(d);
                            ok = false;
                        }
                    }
                }
            }
            NetStatement::Population(_) => {}
        }
    }
    ok.then(|| Network { name: item.name.node.clone(), populations, projections, outputs, span: item.span })
}

fn population_size(expr: &crate::syntax::ast::Expr, scope: &dyn Scope) -> Result<usize, Diag> {
    let v = eval(expr, scope)?;
    let n = match &v {
        Value::Number(n) if n.dim.is_none() => n.as_int(),
        Value::Name(name) => return Err(unknown_name(name, expr.span, scope)),
        _ => None,
    };
    let Some(n) = n else {
        return Err(Diag::error(
            &codes::TYPES_INTEGER,
            format!("a population size must be a whole number, found {}", v.display()),
        )
        .label(expr.span, format!("this is {}", v.describe()))
        .help("write the number of neurons, e.g. `neurons h[32]`"));
    };
    match usize::try_from(n) {
        Ok(size) if (1..=MAX_POPULATION).contains(&size) => Ok(size),
        _ => Err(Diag::error(
            &codes::TYPES_RANGE,
            format!("a population needs 1 to {MAX_POPULATION} neurons, found {n}"),
        )
        .label(expr.span, "out of range")
        .help("a population size is a positive count")),
    }
}

/// Spiking populations and rate layers do not mix in one network.
fn check_kinds(r: &Resolver, populations: &[Population]) -> bool {
    let spiking = populations.iter().find(|p| p.kind == PopulationKind::Neurons);
    let rate = populations.iter().find(|p| p.kind == PopulationKind::Layer);
    if let (Some(s), Some(l)) = (spiking, rate) {
        r.report(
            Diag::error(&codes::NETWORK_LAYER_KIND, "a network mixes spiking `neurons` and rate `layer`s")
                .label(l.span, "a rate layer")
                .label(s.span, "a spiking population")
                .help("spiking networks run on dynapse2; rate layers train on crossbar tiles; split them into two networks"),
        );
        return false;
    }
    true
}

fn find_population(
    populations: &[Population],
    index: &BTreeMap<String, usize>,
    name: &str,
    span: Span,
) -> Result<usize, Diag> {
    index.get(name).copied().ok_or_else(|| {
        Diag::error(&codes::NAMES_UNKNOWN, format!("unknown population `{name}`"))
            .label(span, "not declared in this network")
            .help(suggest::did_you_mean(name, populations.iter().map(|p| p.name.as_str()), "population"))
    })
}

fn projection(
    r: &Resolver,
    scope: &dyn Scope,
    decl: &ProjectionDecl,
    populations: &[Population],
    index: &BTreeMap<String, usize>,
) -> Result<Projection, Diag> {
    let from = find_population(populations, index, &decl.from.node, decl.from.span);
    let to = find_population(populations, index, &decl.to.node, decl.to.span);
    let (from, to) = match (from, to) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(d), other) => {
            if let Err(d2) = other {
                r.report(d2);
            }
            return Err(d);
        }
        (_, Err(d)) => return Err(d),
    };
    let (Some(pre), Some(post)) = (populations.get(from), populations.get(to)) else {
        return Err(crate::check::resolve::already_reported());
    };
    if post.kind == PopulationKind::Input {
        return Err(Diag::error(
            &codes::NETWORK_POPULATION,
            format!("`{}` is an input: nothing can project into it", post.name),
        )
        .label(decl.to.span, "an input population")
        .label(post.span, "declared as an input here")
        .help("projections go from inputs or neurons into neurons or layers"));
    }
    let shape = (pre.size, post.size);
    let entries = pre.size.saturating_mul(post.size);
    if entries > MAX_WEIGHTS {
        return Err(Diag::error(
            &codes::NETWORK_SIZE,
            format!(
                "`{} -> {}` would hold {} x {} = {entries} weights, more than dyn accepts ({MAX_WEIGHTS})",
                pre.name, post.name, pre.size, post.size
            ),
        )
        .label(decl.span, "this projection")
        .label(post.span, format!("`{}` has {} neurons", post.name, post.size))
        .help("a dense weight matrix this large would not fit in memory; check the population sizes"));
    }
    let weights = match eval(&decl.value, scope)? {
        Value::Array(a) => {
            if !a.dim.is_none() {
                return Err(Diag::error(
                    &codes::UNITS_MISMATCH,
                    format!("weights are plain numbers, found {}", a.dim.describe()),
                )
                .label(decl.value.span, format!("this is {}", a.dim.describe()))
                .help("weights are in units of the device's weight scale (Iscale on dynapse2): drop the unit"));
            }
            let found = a.data.shape().to_vec();
            let matrix = a.data.into_dimensionality::<Ix2>().ok().filter(|m| m.dim() == shape);
            matrix.map(Weights::Dense).ok_or_else(|| {
                Diag::error(
                    &codes::SHAPES_MISMATCH,
                    format!(
                        "`{} -> {}` needs a ({}, {}) matrix, found shape {found:?}",
                        pre.name, post.name, shape.0, shape.1
                    ),
                )
                .label(decl.value.span, format!("shape {found:?}"))
                .label(pre.span, format!("`{}` has {} neurons", pre.name, pre.size))
                .help(format!(
                    "weights are indexed (pre, post): {} rows for `{}`, {} columns for `{}`",
                    shape.0, pre.name, shape.1, post.name
                ))
            })?
        }
        Value::Call(call) => Weights::Dense(generate(&call, shape.0, shape.1)?),
        Value::Name(n) if n == "analog" => {
            if post.kind != PopulationKind::Layer {
                return Err(Diag::error(
                    &codes::NETWORK_LAYER_KIND,
                    "`analog` weights belong to rate layers on a crossbar",
                )
                .label(decl.value.span, "an analog tile")
                .label(post.span, "a spiking population")
                .help("give spiking populations a matrix, `load(...)` or a generator"));
            }
            Weights::Analog
        }
        Value::Name(n) => return Err(unknown_name(&n, decl.value.span, scope)),
        other => return Err(Diag::error(
            &codes::TYPES_EXPECTED,
            format!("expected weights, found {}", other.describe()),
        )
        .label(decl.value.span, format!("this is {}", other.describe()))
        .help(
            "weights are a matrix literal, `load(\"w.npy\")`, `uniform(...)`, `normal(...)`, or `analog` on a crossbar",
        )),
    };
    if let Weights::Dense(m) = &weights {
        if m.iter().any(|v| !v.is_finite()) {
            return Err(Diag::error(&codes::TYPES_DIVISION, "a weight is NaN or infinite")
                .label(decl.value.span, "here")
                .help("every weight must be finite"));
        }
    }
    Ok(Projection { from, to, weights, span: decl.span })
}
