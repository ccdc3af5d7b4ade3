//! A checked `crossbar` device's settings as a [`TileConfig`]: the adapter between the checker's
//! settings and the crossbar models, which only see named numbers.

use crate::check::settings::Settings;
use crate::devices::crossbar::compounds::Algorithm;
use crate::devices::crossbar::config::{device_spec, Blocks, Fields, TileConfig};
use crate::devices::crossbar::device::DeviceSpec;

/// Settings viewed as named fields.
pub struct SettingsFields<'a>(pub &'a Settings);

impl Fields for SettingsFields<'_> {
    fn num(&self, name: &str) -> Option<f64> {
        self.0.number(name)
    }
    fn flag(&self, name: &str) -> Option<bool> {
        self.0.flag(name)
    }
    fn list(&self, name: &str) -> Option<Vec<f64>> {
        self.0.value(name)?.numbers()
    }
    fn name(&self, name: &str) -> Option<String> {
        self.0.choice(name).map(str::to_lowercase)
    }
}

/// Whether any field of a block was written (in the file or a preset).
fn any_set(settings: &Settings) -> bool {
    settings.fields.values().any(|s| s.span.is_some())
}

/// The device spec of a crossbar device's `device` block.
pub fn device_of(settings: &Settings) -> Option<DeviceSpec> {
    let device = settings.block("device")?;
    device_spec(device.choice("model").unwrap_or("ConstantStep"), &SettingsFields(device))
}

/// What build_config returns for the device's settings.
pub fn tile_config(settings: &Settings) -> Option<TileConfig> {
    let algorithm = Algorithm::from_name(settings.choice("algorithm").unwrap_or("sgd"))?;
    let device = device_of(settings)?;
    let io = settings.block("io")?;
    let update = settings.block("update")?;
    let compound = settings.block("compound");
    let transfer_io = settings.block("transfer_io").filter(|b| any_set(b));
    let transfer_update = settings.block("transfer_update").filter(|b| any_set(b));
    let (io, update) = (SettingsFields(io), SettingsFields(update));
    let compound = compound.map(SettingsFields);
    let transfer_io = transfer_io.map(SettingsFields);
    let transfer_update = transfer_update.map(SettingsFields);
    let blocks = Blocks {
        io: &io,
        update: &update,
        compound: compound.as_ref().map(|c| c as &dyn Fields),
        transfer_io: transfer_io.as_ref().map(|c| c as &dyn Fields),
        transfer_update: transfer_update.as_ref().map(|c| c as &dyn Fields),
        explicit_desired_bl: update.0.span_of("desired_bl").is_some(),
    };
    let count = |name: &str| settings.count(name).unwrap_or(0);
    Some(TileConfig::build(
        algorithm,
        device,
        &blocks,
        count("n_devices").max(1),
        count("construction_seed") as u64,
        count("seed") as u64,
    ))
}
