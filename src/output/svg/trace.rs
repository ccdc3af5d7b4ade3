//! `X.pop.svg`: a recorded current or voltage per neuron over time (`record Imem(h1)`), with an
//! SI-prefixed unit on the y axis. At most [`MAX_TRACES`] neurons are drawn, evenly spaced
//! through the population (the title lists them); long traces are reduced to the minimum and
//! maximum of each time bin, so peaks survive and the file stays small.

use ndarray::{ArrayView1, ArrayView2, Axis};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::{axis_label, axis_unit, colour, finite_bounds, padded, render, tick_label, Area};
use super::{SvgError, FONT};

/// Neurons drawn at most.
pub const MAX_TRACES: usize = 8;
/// Points per drawn trace at most.
const MAX_POINTS: usize = 2000;

/// One recorded signal of one population.
#[derive(Debug, Clone)]
pub struct Trace<'a> {
    /// The recorded quantity as the user wrote it (`Imem`, `Vmem`).
    pub signal: &'a str,
    /// The population's name.
    pub population: &'a str,
    /// The SI unit of the values (`A`, `V`), or any label (`""` for none).
    pub unit: &'a str,
    /// Values, shape (time steps, neurons), as in `X.pop.npy`.
    pub values: ArrayView2<'a, f64>,
    /// Time step in seconds.
    pub dt: f64,
}

/// The neurons drawn: all, or `MAX_TRACES` evenly spaced ones including the first and last.
fn chosen_neurons(neurons: usize) -> Vec<usize> {
    if neurons <= MAX_TRACES {
        return (0..neurons).collect();
    }
    (0..MAX_TRACES).map(|i| i * (neurons - 1) / (MAX_TRACES - 1)).collect()
}

/// (step, value) points of one trace: every step, or each bin's minimum and maximum in time
/// order. A bin holding a non-finite value ends with a NaN point, which breaks the line.
fn decimate(values: ArrayView1<'_, f64>) -> Vec<(usize, f64)> {
    if values.len() <= MAX_POINTS {
        return values.iter().copied().enumerate().collect();
    }
    let bin = values.len().div_ceil(MAX_POINTS / 2);
    let mut points = Vec::with_capacity(MAX_POINTS + 2);
    for (index, chunk) in values.axis_chunks_iter(Axis(0), bin).enumerate() {
        let start = index * bin;
        let finite = chunk.iter().copied().enumerate().filter(|(_, v)| v.is_finite());
        let low = finite.clone().min_by(|a, b| a.1.total_cmp(&b.1));
        let high = finite.max_by(|a, b| a.1.total_cmp(&b.1));
        if let (Some(low), Some(high)) = (low, high) {
            let (first, second) = if low.0 <= high.0 { (low, high) } else { (high, low) };
            points.push((start + first.0, first.1));
            points.push((start + second.0, second.1));
        }
        if chunk.iter().any(|v| !v.is_finite()) {
            points.push((start, f64::NAN));
        }
    }
    points
}

/// Splits points at non-finite values into drawable polylines.
fn segments(points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    points.split(|p| !p.1.is_finite()).filter(|s| !s.is_empty()).map(<[(f64, f64)]>::to_vec).collect()
}

fn caption(trace: &Trace<'_>, chosen: &[usize]) -> String {
    let neurons = trace.values.ncols();
    let name = format!("{}({})", trace.signal, trace.population);
    if chosen.len() == neurons {
        let plural = if neurons == 1 { "" } else { "s" };
        return format!("{name}, {neurons} neuron{plural}");
    }
    let list: Vec<String> = chosen.iter().map(usize::to_string).collect();
    format!("{name}, neurons {} ({} of {neurons} shown)", list.join(", "), chosen.len())
}

/// Renders `X.pop.svg` for one recorded signal.
pub fn trace_svg(trace: &Trace<'_>) -> Result<String, SvgError> {
    render((1000, 450), |root| draw_traces(root, trace))
}

fn draw_traces(root: &Area<'_>, trace: &Trace<'_>) -> Result<(), SvgError> {
    let chosen = chosen_neurons(trace.values.ncols());
    let columns: Vec<(usize, Vec<(usize, f64)>)> = trace
        .values
        .axis_iter(Axis(1))
        .enumerate()
        .filter(|(n, _)| chosen.binary_search(n).is_ok())
        .map(|(n, column)| (n, decimate(column)))
        .collect();
    let bounds = finite_bounds(columns.iter().flat_map(|(_, p)| p.iter().map(|q| q.1)));
    let magnitude = bounds.map_or(0.0, |(lo, hi)| lo.abs().max(hi.abs()));
    let value_unit = axis_unit(trace.unit, magnitude);
    let steps = trace.values.nrows();
    let valid_dt = trace.dt.is_finite() && trace.dt > 0.0;
    let time = axis_unit("s", if valid_dt { trace.dt * steps as f64 } else { 0.0 });
    let (step, x_desc) = match valid_dt {
        true => (trace.dt * time.factor, axis_label("time", &time.unit)),
        false => (1.0, "time (steps)".to_string()),
    };
    let scale = value_unit.factor;
    let x_end = (step * steps.saturating_sub(1) as f64).max(step);
    let lines = Lines { population: trace.population, columns: &columns, step, scale };
    let caption = caption(trace, &chosen);
    let y_desc = match log_range(trace.unit, bounds) {
        Some(_) => format!("{} (log scale)", axis_label(trace.signal, &value_unit.unit)),
        None => axis_label(trace.signal, &value_unit.unit),
    };
    let mut builder = ChartBuilder::on(root);
    builder.caption(caption, (FONT, 18)).margin(12).x_label_area_size(40).y_label_area_size(70);
    let axes = Axes { x_end, x_desc, y_desc };
    match log_range(trace.unit, bounds) {
        Some((lo, hi)) => axes.draw_with_lines(&mut builder, (lo * scale..hi * scale).log_scale(), &lines),
        None => axes.draw_with_lines(&mut builder, padded(bounds.map(|(lo, hi)| (lo * scale, hi * scale))), &lines),
    }
}

/// The x extent and both axis descriptions of a trace chart.
struct Axes {
    x_end: f64,
    x_desc: String,
    y_desc: String,
}

impl Axes {
    /// Builds the chart on `y_range` (linear or log), draws the mesh, then the lines.
    fn draw_with_lines<Y>(
        self,
        builder: &mut ChartBuilder<'_, '_, SVGBackend<'_>>,
        y_range: Y,
        lines: &Lines<'_, '_>,
    ) -> Result<(), SvgError>
    where
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let mut chart = builder.build_cartesian_2d(0.0..self.x_end, y_range)?;
        chart
            .configure_mesh()
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .x_desc(self.x_desc)
            .y_desc(self.y_desc)
            .x_label_formatter(&tick_label)
            .y_label_formatter(&tick_label)
            .light_line_style(BLACK.mix(0.05))
            .draw()?;
        lines.draw(&mut chart)
    }
}

/// Currents of the DPI circuits span decades (Io = 0.5 pA at rest, 100 nA at threshold): a
/// positive current whose range covers more than two decades is drawn on a log axis, whose
/// padded bounds this returns.
fn log_range(unit: &str, bounds: Option<(f64, f64)>) -> Option<(f64, f64)> {
    let (lo, hi) = bounds?;
    (unit == "A" && lo > 0.0 && hi / lo > 100.0).then(|| (lo / 1.5, hi * 1.5))
}

/// The drawn lines of the chosen neurons, with their legend.
struct Lines<'t, 'c> {
    population: &'t str,
    columns: &'c [(usize, Vec<(usize, f64)>)],
    /// Time of one step in the x axis' unit, and the factor to the y axis' unit.
    step: f64,
    scale: f64,
}

impl Lines<'_, '_> {
    fn draw<'a, 'b: 'a, Y>(
        &self,
        chart: &mut ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, Y>>,
    ) -> Result<(), SvgError>
    where
        Y: Ranged<ValueType = f64>,
    {
        for (index, (neuron, points)) in self.columns.iter().enumerate() {
            let scaled: Vec<(f64, f64)> = points.iter().map(|&(s, v)| (s as f64 * self.step, v * self.scale)).collect();
            let style = colour(index).stroke_width(1);
            for (part, segment) in segments(&scaled).into_iter().enumerate() {
                let series = chart.draw_series(LineSeries::new(segment, style))?;
                if part == 0 {
                    let c = colour(index);
                    series
                        .label(format!("{}[{neuron}]", self.population))
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c));
                }
            }
        }
        // one trace needs no legend: the title names the population
        if self.columns.len() > 1 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .label_font((FONT, 13))
                .draw()?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use ndarray::Array1;

    #[test]
    fn chooses_evenly_spaced_neurons() {
        assert_eq!(chosen_neurons(3), vec![0, 1, 2]);
        assert_eq!(chosen_neurons(32), vec![0, 4, 8, 13, 17, 22, 26, 31]);
    }

    #[test]
    fn decimation_keeps_extremes() {
        let mut v = Array1::<f64>::zeros(100_000);
        v[54_321] = 5.0;
        v[7] = -3.0;
        let points = decimate(v.view());
        assert!(points.len() <= MAX_POINTS);
        assert!(points.contains(&(54_321, 5.0)));
        assert!(points.contains(&(7, -3.0)));
    }

    #[test]
    fn non_finite_values_split_lines() {
        let parts = segments(&[(0.0, 1.0), (1.0, f64::NAN), (2.0, 2.0), (3.0, 3.0)]);
        assert_eq!(parts.len(), 2);
    }

    #[test]
    fn currents_spanning_decades_get_a_log_axis() {
        assert!(log_range("A", Some((5e-13, 1e-7))).is_some());
        assert!(log_range("A", Some((1e-9, 5e-9))).is_none());
        assert!(log_range("V", Some((1e-3, 1.0))).is_none());
        assert!(log_range("A", Some((0.0, 1e-7))).is_none());
    }
}
