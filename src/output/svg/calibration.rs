//! `calibration.svg`: for each calibrated target (`leak`, `threshold`, `tau_mem`, ...) a panel
//! with the histogram over neurons before calibration (grey) and after (blue), and the target
//! (a red line, or a red outline when targets differ per neuron). Each panel's title gives the
//! spread (standard deviation) before and after.

use std::ops::Range;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::{axis_label, axis_unit, colour, finite_bounds, padded, render, tick_label, Area};
use super::{SvgError, FONT};

const BINS: usize = 30;
const PANEL: (u32, u32) = (440, 330);

/// One calibrated target: per-neuron values, all in the same (SI or native) unit.
#[derive(Debug, Clone)]
pub struct TargetHistogram<'a> {
    /// The target's name (`leak`, `tau_mem`).
    pub name: &'a str,
    /// Its unit: SI (`s`, `V`, `A`, `Hz`) gets a prefix chosen for the data; others are kept.
    pub unit: &'a str,
    /// The value asked for, per neuron (often all equal).
    pub target: &'a [f64],
    /// Measured at the default codes, per neuron.
    pub before: &'a [f64],
    /// Measured after calibration, per neuron.
    pub achieved: &'a [f64],
}

/// Renders `calibration.svg`, one panel per target, up to three per row.
pub fn calibration_svg(targets: &[TargetHistogram<'_>]) -> Result<String, SvgError> {
    let columns = targets.len().clamp(1, 3);
    let rows = targets.len().div_ceil(columns).max(1);
    let size = (PANEL.0 * u32::try_from(columns).unwrap_or(3), PANEL.1 * u32::try_from(rows).unwrap_or(1) + 40);
    render(size, |root| {
        let title = match targets.len() {
            0 => "calibration: no targets",
            _ => "calibration: before (grey) and after (blue), target in red",
        };
        let body = root.titled(title, (FONT, 20))?;
        for (panel, target) in body.split_evenly((rows, columns)).iter().zip(targets) {
            draw_panel(panel, target)?;
        }
        Ok(())
    })
}

/// Counts of the finite values in each of `bins` equal bins over `range` (ends included).
fn histogram(values: &[f64], range: &Range<f64>, bins: usize) -> Vec<usize> {
    let mut counts = vec![0usize; bins];
    let width = (range.end - range.start) / bins as f64;
    for v in values.iter().filter(|v| v.is_finite()) {
        let bin = ((v - range.start) / width).floor().max(0.0) as usize;
        if let Some(count) = counts.get_mut(bin.min(bins.saturating_sub(1))) {
            *count += 1;
        }
    }
    counts
}

/// Population standard deviation of the finite values, or None when there are none.
fn spread(values: &[f64]) -> Option<f64> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let n = finite.len() as f64;
    let mean = finite.iter().sum::<f64>() / n;
    let variance = finite.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (!finite.is_empty()).then(|| variance.sqrt())
}

fn panel_caption(target: &TargetHistogram<'_>, factor: f64, unit: &str) -> String {
    let show = |v: Option<f64>| v.map_or("-".into(), |s| tick_label(&(s * factor)));
    let mut caption =
        format!("{}: sd {} -> {}", target.name, show(spread(target.before)), show(spread(target.achieved)));
    if !unit.is_empty() {
        caption += &format!(" {unit}");
    }
    let failed = target.achieved.iter().filter(|v| !v.is_finite()).count();
    if failed > 0 {
        caption += &format!(" ({failed} not measured)");
    }
    caption
}

fn draw_panel(area: &Area<'_>, target: &TargetHistogram<'_>) -> Result<(), SvgError> {
    let all = || {
        let values = [target.before, target.achieved, target.target];
        values.into_iter().flatten().copied()
    };
    let bounds = finite_bounds(all());
    let magnitude = bounds.map_or(0.0, |(lo, hi)| lo.abs().max(hi.abs()));
    let unit = axis_unit(target.unit, magnitude);
    let scale = |values: &[f64]| values.iter().map(|v| v * unit.factor).collect::<Vec<_>>();
    let (before, achieved, wanted) = (scale(target.before), scale(target.achieved), scale(target.target));
    let range = padded(bounds.map(|(lo, hi)| (lo * unit.factor, hi * unit.factor)));
    let counts = [histogram(&before, &range, BINS), histogram(&achieved, &range, BINS)];
    let top = counts.iter().flatten().copied().max().unwrap_or(0).max(1) as f64 * 1.15;
    let mut chart = ChartBuilder::on(area)
        .caption(panel_caption(target, unit.factor, &unit.unit), (FONT, 15))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(range.clone(), 0.0..top)?;
    chart
        .configure_mesh()
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .x_desc(axis_label(target.name, &unit.unit))
        .y_desc("neurons")
        .x_labels(6)
        .x_label_formatter(&tick_label)
        .y_label_formatter(&tick_label)
        .light_line_style(BLACK.mix(0.05))
        .draw()?;
    let width = (range.end - range.start) / BINS as f64;
    let fills = [RGBColor(150, 150, 150).mix(0.6), colour(0).mix(0.6)];
    for ((counts, fill), label) in counts.iter().zip(fills).zip(["before", "after"]) {
        let bars = counts.iter().enumerate().filter(|(_, &c)| c > 0).map(|(i, &c)| {
            let x0 = range.start + i as f64 * width;
            Rectangle::new([(x0, 0.0), (x0 + width, c as f64)], fill.filled())
        });
        chart
            .draw_series(bars)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], fill.filled()));
    }
    draw_target(&mut chart, &wanted, &range, top)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font((FONT, 12))
        .draw()?;
    Ok(())
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A vertical line at a common target, or an outline histogram of per-neuron targets.
fn draw_target(chart: &mut Chart<'_, '_>, wanted: &[f64], range: &Range<f64>, top: f64) -> Result<(), SvgError> {
    let red = colour(3);
    let points = match finite_bounds(wanted.iter().copied()) {
        None => return Ok(()),
        Some((lo, hi)) if hi - lo <= 1e-9 * lo.abs().max(hi.abs()) => {
            vec![(lo, 0.0), (lo, top)]
        }
        Some(_) => {
            let counts = histogram(wanted, range, BINS);
            let width = (range.end - range.start) / BINS as f64;
            let mut outline = vec![(range.start, 0.0)];
            for (i, &c) in counts.iter().enumerate() {
                let x0 = range.start + i as f64 * width;
                outline.extend([(x0, c as f64), (x0 + width, c as f64)]);
            }
            outline.push((range.end, 0.0));
            outline
        }
    };
    chart
        .draw_series(LineSeries::new(points, red.stroke_width(2)))?
        .label("target")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], red.stroke_width(2)));
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn histogram_counts_finite_values_into_bins() {
        let counts = histogram(&[0.0, 0.5, 1.0, f64::NAN, 0.26], &(0.0..1.0), 4);
        assert_eq!(counts, vec![1, 1, 1, 1]);
        assert_eq!(counts.iter().sum::<usize>(), 4);
    }

    #[test]
    fn spread_ignores_non_finite() {
        assert_eq!(spread(&[1.0, 3.0, f64::NAN]), Some(1.0));
        assert_eq!(spread(&[]), None);
    }
}
