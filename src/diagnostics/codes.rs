//! Every diagnostic code, with what it means. Codes are never renamed or reused; a test checks
//! that each one has a fixture in tests/errors/.

/// A stable diagnostic code and its documentation.
#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    pub id: &'static str,
    pub doc: &'static str,
}

macro_rules! codes {
    ($($name:ident = $id:literal : $doc:literal;)*) => {
        $(pub static $name: Code = Code { id: $id, doc: $doc };)*
        /// Every code, in declaration order.
        pub static ALL: &[&Code] = &[$(&$name),*];
    };
}

codes! {
    // syntax: text that does not parse
    SYNTAX_UNEXPECTED = "dyn::syntax::unexpected": "The text does not fit the grammar at this point.";
    SYNTAX_INVALID_UTF8 = "dyn::syntax::invalid_utf8": "The file is not valid UTF-8 text.";
    SYNTAX_TOO_DEEP = "dyn::syntax::too_deep": "Brackets or expressions are nested deeper than the language allows.";
    SYNTAX_NUMBER = "dyn::syntax::number": "An integer literal does not fit in 64 bits, or a number is not finite.";
    SYNTAX_ESCAPE = "dyn::syntax::escape": "A string contains an unknown escape sequence.";
    // names: resolution across items, modules and presets
    NAMES_UNKNOWN = "dyn::names::unknown": "A name is used that is not defined in scope.";
    NAMES_DUPLICATE = "dyn::names::duplicate": "Two items, populations or fields have the same name.";
    NAMES_UNKNOWN_MODULE = "dyn::names::unknown_module": "A `use` names a standard-library module that does not exist.";
    NAMES_IMPORT_FILE = "dyn::names::import_file": "A `use`d file cannot be read.";
    NAMES_IMPORT_CYCLE = "dyn::names::import_cycle": "Files import each other in a cycle.";
    NAMES_PRESET_CYCLE = "dyn::names::preset_cycle": "Presets extend each other in a cycle.";
    NAMES_UNKNOWN_PRESET = "dyn::names::unknown_preset": "A device, preset or quantization names a preset or kind that does not exist.";
    NAMES_WRONG_KIND = "dyn::names::wrong_kind": "A name refers to an item of the wrong kind (e.g. a network where a device is needed).";
    NAMES_UNKNOWN_FIELD = "dyn::names::unknown_field": "A field is not part of the kind's schema.";
    NAMES_UNKNOWN_OPTION = "dyn::names::unknown_option": "A field that takes one of several names was given another name.";
    NAMES_UNKNOWN_FUNCTION = "dyn::names::unknown_function": "A call names a function that does not exist.";
    // units: dimension algebra
    UNITS_MISMATCH = "dyn::units::mismatch": "A value has the wrong physical dimension for where it is used.";
    UNITS_INCOMPATIBLE = "dyn::units::incompatible": "Two quantities of different dimensions are added or subtracted.";
    UNITS_UNKNOWN = "dyn::units::unknown": "A number is followed by a word that is not a unit (`5 mv`).";
    // types: values of the wrong sort or out of range
    TYPES_EXPECTED = "dyn::types::expected": "A value of the wrong sort (e.g. a string where a number is needed).";
    TYPES_RANGE = "dyn::types::range": "A value lies outside the range the field allows.";
    TYPES_INTEGER = "dyn::types::integer": "A count, size, seed or index is not a whole number.";
    TYPES_ARGUMENTS = "dyn::types::arguments": "A function is called with missing, extra or misnamed arguments.";
    TYPES_DIVISION = "dyn::types::division_by_zero": "An expression divides by zero or produces a value that is not finite.";
    // shapes: arrays against the populations they belong to
    SHAPES_MISMATCH = "dyn::shapes::mismatch": "An array's shape does not match the populations or field it belongs to.";
    SHAPES_RAGGED = "dyn::shapes::ragged": "A matrix literal has rows of different lengths.";
    // load: files read by `load(...)`
    LOAD_MISSING = "dyn::load::missing": "A file given to `load` cannot be read (missing, unreadable, or not a regular file: a folder, FIFO or device).";
    LOAD_MALFORMED = "dyn::load::malformed": "A file given to `load` is not a valid .npy array.";
    // network: populations and projections
    NETWORK_POPULATION = "dyn::network::population": "A projection joins populations in a way the network cannot use.";
    NETWORK_SIZE = "dyn::network::size": "A projection's weight matrix is too large to hold (pre x post above 2^25 entries).";
    NETWORK_LAYER_KIND = "dyn::network::layer_kind": "A network mixes spiking populations and rate layers, or uses one on the wrong device.";
    // hardware: device limits known before anything runs
    HARDWARE_CAPACITY = "dyn::hardware::capacity": "The network needs more neurons or cores than the device provides.";
    HARDWARE_CORE = "dyn::hardware::core": "A population is pinned to a core that does not exist or is full.";
    HARDWARE_FAN_IN = "dyn::hardware::fan_in": "A neuron receives more connections than it has CAM entries.";
    HARDWARE_FAN_OUT = "dyn::hardware::fan_out": "A neuron sends to more destinations than it has SRAM entries.";
    HARDWARE_TAGS = "dyn::hardware::tags": "The network needs more event tags than the chip provides.";
    HARDWARE_ROUTE = "dyn::hardware::route": "A connection spans more chips than an event can hop.";
    // experiment: steps and what they need
    EXPERIMENT_DEVICE = "dyn::experiment::device": "A step that the experiment's device cannot perform.";
    EXPERIMENT_ORDER = "dyn::experiment::order": "A step comes before the step it needs.";
    EXPERIMENT_STATE = "dyn::experiment::state": "A `record` names a state the device does not have.";
    EXPERIMENT_DURATION = "dyn::experiment::duration": "A simulation duration that is not positive or not a time.";
    EXPERIMENT_STIMULUS = "dyn::experiment::stimulus": "A stimulus that does not fit the input it drives.";
    EXPERIMENT_EXPORT = "dyn::experiment::export": "An export of something the experiment does not produce, or to a path outside the output directory.";
    EXPERIMENT_CLASH = "dyn::experiment::clash": "Two outputs of one experiment would be the same file (two exports to one path, an export onto one of dyn's own files or onto a file another step writes, such as `quantized.w_in.npy` or `success.npy`, in any letter case).";
    EXPERIMENT_CASE = "dyn::experiment::case": "Output files or experiment folders whose names differ only in letter case: distinct on Linux, one on macOS and Windows, where the later replaces the earlier (warning).";
    EXPERIMENT_SIZE = "dyn::experiment::size": "A simulation or training run that would need more work or memory than dyn accepts (steps x neurons, recorded values, epochs x samples).";
    EXPERIMENT_UNKNOWN = "dyn::experiment::unknown": "`dyn run -e` names an experiment that is not in the file.";
    // calibration: BrainScaleS-2 targets
    CALIBRATION_LIMIT = "dyn::calibration::limit": "A calibration target outside the range calix can measure or the chip can reach.";
    CALIBRATION_FEASIBLE = "dyn::calibration::feasible": "A calibration target outside calix's feasible range: it will calibrate poorly (warning).";
    CALIBRATION_HOLDOFF = "dyn::calibration::holdoff": "A holdoff time not shorter than the refractory time it is part of.";
    CALIBRATION_COBA = "dyn::calibration::coba": "COBA reference and reversal potentials leave no room for calix's second operating point inside 60..165 CADC.";
    CALIBRATION_RATE = "dyn::calibration::rate": "Leak-over-threshold rates that cannot be calibrated: all zero, or a leak not above the reset.";
    CALIBRATION_UNREACHED = "dyn::calibration::unreached": "Neurons that miss a calibration target after calibration, named (warning).";
    // quantize: the autoencoder quantization's settings
    QUANTIZE_SCHEDULE = "dyn::quantize::schedule": "A step-size schedule whose arguments do not fit together (piecewise_constant: one value more than boundaries, boundaries increasing).";
    // crossbar: aihwkit configuration rules
    CROSSBAR_INVALID = "dyn::crossbar::invalid": "A crossbar configuration that aihwkit's core would reject.";
    CROSSBAR_WARNING = "dyn::crossbar::warning": "A crossbar setting that has no effect or is overridden (warning).";
    // run: problems found while running
    RUN_NON_FINITE = "dyn::run::non_finite": "A state became NaN or infinite during simulation.";
    RUN_OUTPUT = "dyn::run::output": "An output file could not be written.";
    RUN_PRUNED = "dyn::run::pruned": "Quantization removed every incoming connection of a neuron (warning).";
    RUN_FAILED = "dyn::run::failed": "A pass could not complete with the given values.";
    // cli: the command line
    CLI_FILE = "dyn::cli::file": "A file named on the command line cannot be read.";
    CLI_NAME = "dyn::cli::name": "`dyn show` names an item that is not in the file.";
}

/// Looks a code up by its id.
pub fn by_id(id: &str) -> Option<&'static Code> {
    ALL.iter().copied().find(|c| c.id == id)
}
