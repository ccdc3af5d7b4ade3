//! The pictures of a run, rendered with plotters' SVG backend into strings that the
//! [`OutputStage`](super::OutputStage) writes: `raster.svg`, `X.pop.svg`, `calibration.svg`,
//! `loss.svg`. Inputs are plain data (ndarray views, slices, labels, units); text is written as
//! SVG `<text>` elements, so no font files are needed to render or to build.

mod calibration;
mod loss;
mod raster;
mod trace;

use std::ops::Range;

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;

pub use calibration::{calibration_svg, TargetHistogram};
pub use loss::{loss_svg, EpochMetrics};
pub use raster::{raster_svg, SpikePopulation, MAX_RASTER_MARKS, MAX_RASTER_ROWS};
pub use trace::{trace_svg, Trace, MAX_TRACES};

/// A picture could not be drawn (in practice only if plotters rejects a layout).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the picture: {0}")]
pub struct SvgError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for SvgError {
    fn from(error: DrawingAreaErrorKind<E>) -> Self {
        Self(error.to_string())
    }
}

/// The drawing surface every picture function draws on.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Renders a `width` x `height` picture on a white background.
pub(crate) fn render(
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> Result<(), SvgError>,
) -> Result<String, SvgError> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    Ok(text)
}

/// Tableau-10 colours: distinct, readable on white, distinguishable in grey.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The `i`-th palette colour, cycling.
pub(crate) fn colour(i: usize) -> RGBColor {
    PALETTE.get(i % PALETTE.len()).copied().unwrap_or(BLACK)
}

pub(crate) const FONT: &str = "sans-serif";

/// A unit with an SI prefix chosen for the data, and the factor that converts values to it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AxisUnit {
    pub factor: f64,
    pub unit: String,
}

/// Picks the SI prefix (f .. G) that puts `max_abs` in [1, 1000) for base units (`A`, `V`, `s`,
/// `Hz`, `F`, `S`, `W`); any other unit (`LSB`, `%`, ``) is kept as it is.
pub(crate) fn axis_unit(unit: &str, max_abs: f64) -> AxisUnit {
    const SI: [&str; 7] = ["A", "V", "s", "Hz", "F", "S", "W"];
    const PREFIXES: [(i32, &str); 9] =
        [(-15, "f"), (-12, "p"), (-9, "n"), (-6, "µ"), (-3, "m"), (0, ""), (3, "k"), (6, "M"), (9, "G")];
    let keep = AxisUnit { factor: 1.0, unit: unit.to_string() };
    if !SI.contains(&unit) || !max_abs.is_finite() || max_abs <= 0.0 {
        return keep;
    }
    let exponent = (max_abs.log10() / 3.0).floor() as i32 * 3;
    let exponent = exponent.clamp(-15, 9);
    PREFIXES
        .iter()
        .find(|(e, _)| *e == exponent)
        .map_or(keep, |(e, prefix)| AxisUnit { factor: 10f64.powi(-e), unit: format!("{prefix}{unit}") })
}

/// `"name (unit)"`, or just the name for a unitless quantity.
pub(crate) fn axis_label(name: &str, unit: &str) -> String {
    if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({unit})")
    }
}

/// The smallest and largest finite values, if any.
pub(crate) fn finite_bounds(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| v.is_finite()).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// An axis range around `bounds` with 5 % padding; a single value or no data gets a unit-wide
/// range, so plotters never sees an empty range.
pub(crate) fn padded(bounds: Option<(f64, f64)>) -> Range<f64> {
    match bounds {
        None => 0.0..1.0,
        Some((lo, hi)) if hi > lo => {
            let pad = (hi - lo) * 0.05;
            (lo - pad)..(hi + pad)
        }
        Some((v, _)) => {
            let half = if v == 0.0 { 1.0 } else { v.abs() * 0.1 };
            (v - half)..(v + half)
        }
    }
}

/// Tick labels rounded to 4 significant digits, without trailing zeros.
pub(crate) fn tick_label(v: &f64) -> String {
    let rounded = round_to(*v, 4);
    if rounded == 0.0 {
        "0".into()
    } else {
        rounded.to_string()
    }
}

fn round_to(v: f64, significant: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return 0.0;
    }
    let magnitude = v.abs().log10().floor() as i32;
    let scale = 10f64.powi(significant - 1 - magnitude);
    (v * scale).round() / scale
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn picks_si_prefixes() {
        assert_eq!(axis_unit("A", 3.2e-9).unit, "nA");
        assert_eq!(axis_unit("s", 0.5).unit, "ms");
        assert_eq!(axis_unit("s", 10e-6).unit, "µs");
        assert_eq!(axis_unit("LSB", 300.0).unit, "LSB");
        assert_eq!(axis_unit("V", 0.0).factor, 1.0);
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick_label(&0.30000000000000004), "0.3");
        assert_eq!(tick_label(&-0.0), "0");
        assert_eq!(tick_label(&2.0), "2");
        assert_eq!(tick_label(&123.456), "123.5");
    }
}
