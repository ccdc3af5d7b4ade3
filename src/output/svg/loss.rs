//! `loss.svg`: the training curves of `train`, per epoch: loss (train and test) on the left,
//! accuracy (train and test) on the right when there is any.

use plotters::prelude::*;

use super::{colour, finite_bounds, padded, render, tick_label, Area, SvgError, FONT};

/// One epoch's figures, as in `summary.json`'s `train.epochs`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct EpochMetrics {
    /// Mean of the mini-batch losses during the epoch.
    pub train_loss: f64,
    /// Fraction in [0, 1] of the training set classified correctly after the epoch.
    pub train_accuracy: Option<f64>,
    /// Loss over the test set after the epoch.
    pub test_loss: Option<f64>,
    /// Fraction in [0, 1] of the test set classified correctly after the epoch.
    pub test_accuracy: Option<f64>,
}

/// A named curve: (epoch, value) points.
type Curve = (&'static str, Vec<(f64, f64)>);

fn curve(name: &'static str, epochs: &[EpochMetrics], pick: fn(&EpochMetrics) -> Option<f64>) -> Option<Curve> {
    let points: Vec<(f64, f64)> = (1..)
        .zip(epochs)
        .filter_map(|(epoch, m)| pick(m).filter(|v| v.is_finite()).map(|v| (f64::from(epoch), v)))
        .collect();
    (!points.is_empty()).then_some((name, points))
}

/// Renders `loss.svg` from the per-epoch figures (epochs numbered from 1).
pub fn loss_svg(epochs: &[EpochMetrics]) -> Result<String, SvgError> {
    let losses: Vec<Curve> = [curve("train", epochs, |m| Some(m.train_loss)), curve("test", epochs, |m| m.test_loss)]
        .into_iter()
        .flatten()
        .collect();
    let accuracies: Vec<Curve> =
        [curve("train", epochs, |m| m.train_accuracy), curve("test", epochs, |m| m.test_accuracy)]
            .into_iter()
            .flatten()
            .collect();
    let panels = if accuracies.is_empty() { 1 } else { 2 };
    render((500 * panels, 400), |root| {
        let areas = root.split_evenly((1, panels as usize));
        let epochs_shown = epochs.len().max(1) as f64;
        if let Some(area) = areas.first() {
            let range = padded(finite_bounds(losses.iter().flat_map(|c| c.1.iter().map(|p| p.1))));
            draw_panel(area, "loss", &losses, epochs_shown, range, SeriesLabelPosition::UpperRight)?;
        }
        if let Some(area) = areas.get(1) {
            let position = SeriesLabelPosition::LowerRight;
            draw_panel(area, "accuracy", &accuracies, epochs_shown, 0.0..1.02, position)?;
        }
        Ok(())
    })
}

fn draw_panel(
    area: &Area<'_>,
    title: &str,
    curves: &[Curve],
    epochs: f64,
    y_range: std::ops::Range<f64>,
    legend: SeriesLabelPosition,
) -> Result<(), SvgError> {
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0.5..epochs + 0.5, y_range)?;
    chart
        .configure_mesh()
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .x_desc("epoch")
        .y_desc(title)
        .x_labels(usize::try_from(epochs as u64).unwrap_or(10).clamp(2, 10))
        .x_label_formatter(&tick_label)
        .y_label_formatter(&tick_label)
        .light_line_style(BLACK.mix(0.05))
        .draw()?;
    let marks = epochs <= 60.0;
    for (index, (name, points)) in curves.iter().enumerate() {
        let c = colour(index);
        chart
            .draw_series(LineSeries::new(points.iter().copied(), c.stroke_width(2)))?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        if marks {
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, c.filled())))?;
        }
    }
    if !curves.is_empty() {
        chart
            .configure_series_labels()
            .position(legend)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 13))
            .draw()?;
    }
    Ok(())
}
