//! Helpers shared by the crossbar reference tests: loading vectors and reading aihwkit dumps.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::PathBuf;

use dynlang::devices::crossbar::config::{device_spec, Fields};
use dynlang::devices::crossbar::device::DeviceSpec;
use serde_json::Value;

pub fn load(rel: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/crossbar").join(rel);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A dataclass dump from aihwkit (`{"__class__": ..., fields}`) as named fields.
pub struct Dump<'a>(pub &'a Value);

impl Fields for Dump<'_> {
    fn num(&self, name: &str) -> Option<f64> {
        self.0.get(name)?.as_f64()
    }
    fn flag(&self, name: &str) -> Option<bool> {
        self.0.get(name)?.as_bool()
    }
    fn list(&self, name: &str) -> Option<Vec<f64>> {
        Some(self.0.get(name)?.as_array()?.iter().filter_map(Value::as_f64).collect())
    }
    fn name(&self, name: &str) -> Option<String> {
        let text = self.0.get(name)?.as_str()?;
        Some(text.rsplit('.').next().unwrap_or(text).to_lowercase())
    }
}

/// The model of a device dump: by class name, presets by aihwkit's preset table (§3.1).
pub fn model_of(class: &str) -> &'static str {
    match class {
        "ConstantStepDevice" | "IdealizedPresetDevice" | "GokmenVlasovPresetDevice" => "ConstantStep",
        "LinearStepDevice" | "CapacitorPresetDevice" | "EcRamPresetDevice" | "EcRamMOPresetDevice" => "LinearStep",
        "SoftBoundsDevice" => "SoftBounds",
        "SoftBoundsReferenceDevice" | "ReRamSBPresetDevice" | "ReRamArrayOMPresetDevice" => "SoftBoundsReference",
        "ExpStepDevice" | "ReRamESPresetDevice" | "PCMPresetDevice" => "ExpStep",
        "PowStepDevice" => "PowStep",
        "PiecewiseStepDevice" => "PiecewiseStep",
        other => panic!("unknown device class {other}"),
    }
}

/// The stdlib preset dyn names for an aihwkit preset class of the training vectors.
pub fn preset(class: &str) -> &'static str {
    match class {
        "IdealizedPresetDevice" => "Idealized",
        "ReRamSBPresetDevice" => "ReRamSB",
        "CapacitorPresetDevice" => "Capacitor",
        other => panic!("no preset for {other}"),
    }
}

pub fn device_from_dump(dump: &Value) -> DeviceSpec {
    let class = dump["__class__"].as_str().unwrap();
    device_spec(model_of(class), &Dump(dump)).unwrap()
}
