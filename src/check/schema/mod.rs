//! Schemas: for every kind of device, preset, quantization and calibration, each field's
//! dimension, default, range and shape. Schemas live here in Rust next to the checker; values
//! (presets) live in stdlib/, written in dyn.

pub mod autoencoder;
pub mod bss2;
pub mod crossbar;
pub mod dynapse2;
pub mod layer;

use super::units::Dim;

/// A bound of a numeric range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    Unbounded,
    Inclusive(f64),
    Exclusive(f64),
}

/// What a field accepts.
#[derive(Debug, Clone, Copy)]
pub enum FieldType {
    /// A number of this dimension within [min, max].
    Quantity {
        dim: Dim,
        min: Bound,
        max: Bound,
    },
    /// A whole number within [min, max].
    Int {
        min: Option<i64>,
        max: Option<i64>,
    },
    Bool,
    /// One of several names, written bare (`adam`) or as a string (`"c-ttv2"`).
    Choice(&'static [&'static str]),
    /// A nested block with its own schema.
    Block(&'static Schema),
    /// A nested block whose schema is chosen by its `model` field (crossbar device models).
    Model(&'static [&'static Schema]),
    /// A list of numbers of this dimension.
    List {
        dim: Dim,
    },
    /// A step size: a number or a schedule call (`exponential_decay(...)`).
    StepSize,
    /// A free block of named numbers (an optimizer's extra parameters).
    Params,
}

/// A field's default, written here only for fields whose value is not a preset's business
/// (flags, seeds, optional values); device constants come from the stdlib presets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Default {
    /// Unset unless given (an optional value).
    Absent,
    Num(f64),
    Int(i64),
    Bool(bool),
    Choice(&'static str),
    /// The nested block with every field at its default.
    Block,
}

/// The shapes a field's value may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One value.
    Scalar,
    /// One value, or one per neuron of the population it is set on (only on populations).
    PerNeuron,
    /// One per neuron of the chip's neuron array, or any of the listed leading shapes
    /// (BrainScaleS-2 targets: scalar, (2,), (512,), (2, 512)).
    Calibration { pairs: bool },
    /// A per-neuron integer array or scalar (core pinning).
    PerNeuronInt,
}

#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub ty: FieldType,
    pub default: Default,
    pub shape: Shape,
    pub doc: &'static str,
}

/// A kind's schema.
#[derive(Debug)]
pub struct Schema {
    /// The kind's name as written after `:` in a preset, or a model's name.
    pub kind: &'static str,
    pub doc: &'static str,
    pub fields: &'static [FieldSpec],
}

impl Schema {
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn field_names(&self) -> impl Iterator<Item = &'static str> + Clone {
        self.fields.iter().map(|f| f.name)
    }
}

/// What kind of item a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Device,
    Quantization,
    Calibration,
}

/// Every top-level kind, with the item that may use it.
pub static KINDS: &[(&Schema, Role)] = &[
    (&dynapse2::DEVICE, Role::Device),
    (&bss2::DEVICE, Role::Device),
    (&crossbar::DEVICE, Role::Device),
    (&autoencoder::QUANTIZATION, Role::Quantization),
    (&bss2::NEURON_TARGET, Role::Calibration),
];

pub fn kind(name: &str) -> Option<(&'static Schema, Role)> {
    KINDS.iter().find(|(s, _)| s.kind == name).map(|(s, r)| (*s, *r))
}

pub fn kind_names() -> impl Iterator<Item = &'static str> + Clone {
    KINDS.iter().map(|(s, _)| s.kind)
}

// Constructors that keep the tables short.

pub const fn quantity(
    name: &'static str,
    dim: Dim,
    min: Bound,
    max: Bound,
    shape: Shape,
    doc: &'static str,
) -> FieldSpec {
    FieldSpec { name, ty: FieldType::Quantity { dim, min, max }, default: Default::Absent, shape, doc }
}

pub const fn quantity_default(
    name: &'static str,
    dim: Dim,
    default: f64,
    min: Bound,
    max: Bound,
    doc: &'static str,
) -> FieldSpec {
    FieldSpec {
        name,
        ty: FieldType::Quantity { dim, min, max },
        default: Default::Num(default),
        shape: Shape::Scalar,
        doc,
    }
}

pub const fn int(
    name: &'static str,
    default: Default,
    min: Option<i64>,
    max: Option<i64>,
    doc: &'static str,
) -> FieldSpec {
    FieldSpec { name, ty: FieldType::Int { min, max }, default, shape: Shape::Scalar, doc }
}

pub const fn flag(name: &'static str, default: bool, doc: &'static str) -> FieldSpec {
    FieldSpec { name, ty: FieldType::Bool, default: Default::Bool(default), shape: Shape::Scalar, doc }
}

pub const fn choice(
    name: &'static str,
    options: &'static [&'static str],
    default: &'static str,
    doc: &'static str,
) -> FieldSpec {
    FieldSpec { name, ty: FieldType::Choice(options), default: Default::Choice(default), shape: Shape::Scalar, doc }
}

pub const fn block(name: &'static str, schema: &'static Schema, doc: &'static str) -> FieldSpec {
    FieldSpec { name, ty: FieldType::Block(schema), default: Default::Block, shape: Shape::Scalar, doc }
}

pub const NONNEG: Bound = Bound::Inclusive(0.0);
pub const POSITIVE: Bound = Bound::Exclusive(0.0);
pub const ANY: Bound = Bound::Unbounded;

/// Joins two field tables at compile time (schemas that share a common part).
#[allow(clippy::indexing_slicing)] // evaluated at compile time: an overrun is a build error
pub const fn concat<const N: usize>(a: &[FieldSpec], b: &[FieldSpec]) -> [FieldSpec; N] {
    let mut out = [PLACEHOLDER; N];
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    let mut j = 0;
    while j < b.len() {
        out[i + j] = b[j];
        j += 1;
    }
    out
}

const PLACEHOLDER: FieldSpec = int("", Default::Absent, None, None, "");

/// Schemas are statics: two are equal when they are the same one.
impl PartialEq for Schema {
    fn eq(&self, other: &Schema) -> bool {
        std::ptr::eq(self, other)
    }
}
