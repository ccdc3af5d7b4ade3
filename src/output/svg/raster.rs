//! `raster.svg`: the spikes of every recorded population, time on x, one row per neuron,
//! populations stacked top to bottom in their own colour and labelled on the left.
//!
//! Large recordings stay readable and small: at most [`MAX_RASTER_ROWS`] rows are drawn (every
//! k-th neuron of each population beyond that), time is cut into at most one bin per pixel
//! (fewer when many rows), and consecutive occupied bins of a row merge into one mark, so a
//! picture holds at most about [`MAX_RASTER_MARKS`] rectangles. The title says when either
//! reduction happened.

use ndarray::{ArrayView2, Axis};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{axis_label, axis_unit, colour, render, tick_label, Area, SvgError, FONT};

/// Rows drawn at most; beyond this every k-th neuron is shown.
pub const MAX_RASTER_ROWS: usize = 512;
/// Rectangles drawn at most (about 80 bytes of SVG each).
pub const MAX_RASTER_MARKS: usize = 100_000;

const WIDTH: u32 = 1000;
const LABEL_AREA: u32 = 120;
/// Plot width in pixels, approximately (picture minus label area and margins).
const PLOT_WIDTH: usize = 840;

/// One population's spike counts, shape (time steps, neurons), as in `spikes.pop.npy`.
#[derive(Debug, Clone)]
pub struct SpikePopulation<'a> {
    /// The population's name (`out`, `h1`).
    pub name: &'a str,
    /// Spike counts per step and neuron.
    pub counts: ArrayView2<'a, u8>,
}

/// How the recording is reduced to fit the picture.
#[derive(Debug, Clone, Copy)]
struct Layout {
    /// Every `stride`-th neuron of a population is drawn.
    stride: usize,
    /// Steps per time bin.
    bin_steps: usize,
    /// Time steps in the longest recording.
    steps: usize,
    /// Rows drawn in total.
    rows: usize,
}

fn plan(populations: &[SpikePopulation<'_>]) -> Layout {
    let neurons: usize = populations.iter().map(|p| p.counts.ncols()).sum();
    let steps = populations.iter().map(|p| p.counts.nrows()).max().unwrap_or(0);
    let stride = neurons.div_ceil(MAX_RASTER_ROWS).max(1);
    let rows = populations.iter().map(|p| p.counts.ncols().div_ceil(stride)).sum::<usize>();
    // A row with b bins has at most b/2 separate marks.
    let bins = PLOT_WIDTH.min(2 * MAX_RASTER_MARKS / rows.max(1)).clamp(1, steps.max(1));
    Layout { stride, bin_steps: steps.div_ceil(bins).max(1), steps, rows }
}

/// Runs of occupied bins of one neuron: (first bin, bin after the last).
fn spike_runs(counts: ndarray::ArrayView1<'_, u8>, bin_steps: usize) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (bin, chunk) in counts.axis_chunks_iter(Axis(0), bin_steps).enumerate() {
        if !chunk.iter().any(|&c| c > 0) {
            continue;
        }
        match runs.last_mut() {
            Some(run) if run.1 == bin => run.1 = bin + 1,
            _ => runs.push((bin, bin + 1)),
        }
    }
    runs
}

fn caption(populations: &[SpikePopulation<'_>], layout: &Layout) -> String {
    let neurons: usize = populations.iter().map(|p| p.counts.ncols()).sum();
    let plural = if neurons == 1 { "" } else { "s" };
    let mut caption = format!("spike raster: {neurons} neuron{plural}, {} steps", layout.steps);
    if layout.stride > 1 {
        caption += &format!(" (1 in {} neurons shown", layout.stride);
        caption += if layout.bin_steps > 1 { "," } else { ")" };
    }
    if layout.bin_steps > 1 {
        caption += if layout.stride > 1 { " " } else { " (" };
        caption += &format!("one mark per {} steps)", layout.bin_steps);
    }
    caption
}

/// Renders `raster.svg` for populations recorded with time step `dt` (seconds).
pub fn raster_svg(populations: &[SpikePopulation<'_>], dt: f64) -> Result<String, SvgError> {
    let layout = plan(populations);
    let height = u32::try_from(layout.rows * 4 + 140).unwrap_or(u32::MAX).clamp(260, 900);
    render((WIDTH, height), |root| draw_raster(root, populations, dt, &layout))
}

fn draw_raster(root: &Area<'_>, populations: &[SpikePopulation<'_>], dt: f64, layout: &Layout) -> Result<(), SvgError> {
    let valid_dt = dt.is_finite() && dt > 0.0;
    let time = axis_unit("s", if valid_dt { dt * layout.steps as f64 } else { 0.0 });
    // Chart x is in display units; a step lasts `step` of them.
    let (step, x_desc) = match valid_dt {
        true => (dt * time.factor, axis_label("time", &time.unit)),
        false => (1.0, "time (steps)".to_string()),
    };
    let x_end = (step * layout.steps as f64).max(step);
    let rows = layout.rows.max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(caption(populations, layout), (FONT, 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(LABEL_AREA)
        .build_cartesian_2d(0.0..x_end, 0.0..rows)?;
    chart
        .configure_mesh()
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(x_desc)
        .x_label_formatter(&tick_label)
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let bin_width = step * layout.bin_steps as f64;
    let mut first_row = 0usize;
    for (index, population) in populations.iter().enumerate() {
        let shown = population.counts.ncols().div_ceil(layout.stride);
        let style = colour(index).filled();
        let marks =
            population.counts.axis_iter(Axis(1)).step_by(layout.stride).enumerate().flat_map(|(row, column)| {
                let y = rows - (first_row + row) as f64;
                spike_runs(column, layout.bin_steps).into_iter().map(move |(start, end)| {
                    let x1 = (end as f64 * bin_width).min(x_end);
                    Rectangle::new([(start as f64 * bin_width, y - 0.1), (x1, y - 0.9)], style)
                })
            });
        chart.draw_series(marks)?;
        let top = rows - first_row as f64;
        let anchor = chart.backend_coord(&(0.0, top - shown as f64 / 2.0));
        label_band(root, population, index, anchor)?;
        if index + 1 < populations.len() {
            let y = top - shown as f64;
            chart.draw_series(LineSeries::new([(0.0, y), (x_end, y)], BLACK.mix(0.4)))?;
        }
        first_row += shown;
    }
    Ok(())
}

/// Writes "name (n)" in the population's colour left of its band, at pixel `anchor`.
fn label_band(
    root: &Area<'_>,
    population: &SpikePopulation<'_>,
    index: usize,
    anchor: (i32, i32),
) -> Result<(), SvgError> {
    let colour = colour(index);
    let style = TextStyle::from((FONT, 15).into_font()).color(&colour).pos(Pos::new(HPos::Right, VPos::Center));
    let text = format!("{} ({})", population.name, population.counts.ncols());
    root.draw(&Text::new(text, (anchor.0 - 8, anchor.1), style))?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn runs_merge_adjacent_bins() {
        let counts = array![0u8, 1, 1, 0, 0, 2, 0, 0];
        assert_eq!(spike_runs(counts.view(), 1), vec![(1, 3), (5, 6)]);
        assert_eq!(spike_runs(counts.view(), 2), vec![(0, 3)]);
        assert_eq!(spike_runs(counts.view(), 4), vec![(0, 2)]);
    }

    #[test]
    fn large_recordings_are_reduced() {
        let counts = Array2::<u8>::zeros((10_000, 1024));
        let pops = [SpikePopulation { name: "h", counts: counts.view() }];
        let layout = plan(&pops);
        assert_eq!(layout.stride, 2);
        assert_eq!(layout.rows, 512);
        let bins = layout.steps.div_ceil(layout.bin_steps);
        assert!(layout.rows * bins.div_ceil(2) <= MAX_RASTER_MARKS);
    }
}
