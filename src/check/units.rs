//! Physical dimensions and units: the dimension algebra the checker runs on every expression.
//!
//! A dimension is a vector of integer exponents over ampere, volt and second (farad = A·s/V,
//! hertz = 1/s); values are stored in SI once, at check time, and printed back in the units a
//! person would write.

use std::fmt;

/// Integer exponents of A, V and s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub struct Dim {
    pub ampere: i8,
    pub volt: i8,
    pub second: i8,
}

impl Dim {
    pub const NONE: Dim = Dim { ampere: 0, volt: 0, second: 0 };
    pub const CURRENT: Dim = Dim { ampere: 1, volt: 0, second: 0 };
    pub const VOLTAGE: Dim = Dim { ampere: 0, volt: 1, second: 0 };
    pub const TIME: Dim = Dim { ampere: 0, volt: 0, second: 1 };
    pub const FREQUENCY: Dim = Dim { ampere: 0, volt: 0, second: -1 };
    pub const CAPACITANCE: Dim = Dim { ampere: 1, volt: -1, second: 1 };
    pub const CONDUCTANCE: Dim = Dim { ampere: 1, volt: -1, second: 0 };

    pub fn times(self, o: Dim) -> Dim {
        Dim {
            ampere: self.ampere.saturating_add(o.ampere),
            volt: self.volt.saturating_add(o.volt),
            second: self.second.saturating_add(o.second),
        }
    }

    pub fn per(self, o: Dim) -> Dim {
        self.times(o.inverse())
    }

    pub fn inverse(self) -> Dim {
        Dim {
            ampere: self.ampere.saturating_neg(),
            volt: self.volt.saturating_neg(),
            second: self.second.saturating_neg(),
        }
    }

    pub fn is_none(self) -> bool {
        self == Dim::NONE
    }

    /// The SI symbol a person writes for this dimension ("A", "Hz", "F", "A/s", ...).
    pub fn symbol(self) -> String {
        if let Some((_, sym)) = NAMED.iter().find(|(d, _)| *d == self) {
            return (*sym).to_string();
        }
        let mut num = Vec::new();
        let mut den = Vec::new();
        for (exp, sym) in [(self.ampere, "A"), (self.volt, "V"), (self.second, "s")] {
            let part =
                |e: i8| if e.unsigned_abs() == 1 { sym.to_string() } else { format!("{sym}^{}", e.unsigned_abs()) };
            match exp.cmp(&0) {
                std::cmp::Ordering::Greater => num.push(part(exp)),
                std::cmp::Ordering::Less => den.push(part(exp)),
                std::cmp::Ordering::Equal => {}
            }
        }
        let num = if num.is_empty() { "1".to_string() } else { num.join("·") };
        if den.is_empty() {
            num
        } else {
            format!("{num}/{}", den.join("·"))
        }
    }

    /// "a current (A)", "a number without unit", ...
    pub fn describe(self) -> String {
        match DESCRIBED.iter().find(|(d, _)| *d == self) {
            Some((_, what)) => format!("{what} ({})", self.symbol()),
            None if self.is_none() => "a plain number".to_string(),
            None => format!("a quantity in {}", self.symbol()),
        }
    }

    /// A value a person could write for this dimension, for help lines.
    pub fn example(self) -> String {
        match EXAMPLES.iter().find(|(d, _)| *d == self) {
            Some((_, e)) => (*e).to_string(),
            None => format!("1 {}", self.symbol()),
        }
    }
}

const NAMED: &[(Dim, &str)] = &[
    (Dim::NONE, ""),
    (Dim::CURRENT, "A"),
    (Dim::VOLTAGE, "V"),
    (Dim::TIME, "s"),
    (Dim::FREQUENCY, "Hz"),
    (Dim::CAPACITANCE, "F"),
    (Dim::CONDUCTANCE, "S"),
];

const DESCRIBED: &[(Dim, &str)] = &[
    (Dim::CURRENT, "a current"),
    (Dim::VOLTAGE, "a voltage"),
    (Dim::TIME, "a time"),
    (Dim::FREQUENCY, "a frequency"),
    (Dim::CAPACITANCE, "a capacitance"),
    (Dim::CONDUCTANCE, "a conductance"),
];

const EXAMPLES: &[(Dim, &str)] = &[
    (Dim::NONE, "0.5"),
    (Dim::CURRENT, "100 pA"),
    (Dim::VOLTAGE, "25 mV"),
    (Dim::TIME, "10 ms"),
    (Dim::FREQUENCY, "40 Hz"),
    (Dim::CAPACITANCE, "3 pF"),
    (Dim::CONDUCTANCE, "25 uS"),
];

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.symbol())
    }
}

/// A unit as written: a scale to SI (a power of ten) and a dimension.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    pub scale: f64,
    /// `scale` as a power of ten, so that `10 us` can be read as the decimal `10e-6`.
    pub exponent: i32,
    pub dim: Dim,
}

impl Unit {
    /// The SI value of `value` written in this unit, rounded once: `10 us` is exactly the float
    /// nearest to 1e-5 (as `10e-6` in Python), where `10 * 1e-6` would be 9.999999999999999e-6.
    pub fn to_si(self, value: f64) -> f64 {
        let written = format!("{value:e}");
        let shifted = written
            .split_once('e')
            .and_then(|(mantissa, exp)| Some(format!("{mantissa}e{}", exp.parse::<i32>().ok()? + self.exponent)));
        shifted.and_then(|s| s.parse::<f64>().ok()).unwrap_or(value * self.scale)
    }
}

const PREFIXES: &[(&str, f64, i32)] = &[
    ("f", 1e-15, -15),
    ("p", 1e-12, -12),
    ("n", 1e-9, -9),
    ("u", 1e-6, -6),
    ("µ", 1e-6, -6),
    ("μ", 1e-6, -6),
    ("m", 1e-3, -3),
    ("k", 1e3, 3),
    ("M", 1e6, 6),
    ("G", 1e9, 9),
];

const BASES: &[(&str, Dim)] = &[
    ("Hz", Dim::FREQUENCY),
    ("A", Dim::CURRENT),
    ("V", Dim::VOLTAGE),
    ("s", Dim::TIME),
    ("F", Dim::CAPACITANCE),
    ("S", Dim::CONDUCTANCE),
];

/// Parses a unit as the grammar admits it (`ms`, `pA`, `kHz`, `%`, ...).
pub fn parse_unit(text: &str) -> Option<Unit> {
    if text == "%" {
        return Some(Unit { scale: 0.01, exponent: -2, dim: Dim::NONE });
    }
    if let Some((_, dim)) = BASES.iter().find(|(b, _)| *b == text) {
        return Some(Unit { scale: 1.0, exponent: 0, dim: *dim });
    }
    PREFIXES.iter().find_map(|(p, scale, exponent)| {
        let base = text.strip_prefix(p)?;
        BASES.iter().find(|(b, _)| *b == base).map(|(_, dim)| Unit { scale: *scale, exponent: *exponent, dim: *dim })
    })
}

/// Every unit the grammar admits, commonest prefixes first (for "did you mean `mV`?").
pub fn unit_names() -> Vec<String> {
    let mut names: Vec<String> = BASES.iter().map(|(b, _)| (*b).to_string()).collect();
    for prefix in ["m", "u", "n", "p", "k", "M", "G", "f", "µ"] {
        names.extend(BASES.iter().map(|(b, _)| format!("{prefix}{b}")));
    }
    names
}

/// Whether a bare name is a unit (for the "units follow their number" hint).
pub fn is_unit_name(name: &str) -> bool {
    name != "%" && parse_unit(name).is_some()
}

/// Formats an SI value with a fitting prefix: `100 Hz`, `5.319 pA`, `10 ms`.
pub fn format_quantity(value: f64, dim: Dim) -> String {
    if dim.is_none() {
        return format_number(value);
    }
    let (prefix, scale) = fitting_prefix(value.abs(), dim);
    format!("{} {prefix}{}", format_number(value / scale), dim.symbol())
}

/// Formats SI values that share a dimension with one prefix, fitted to the largest:
/// `[0, 1, 2] pA`.
pub fn format_quantities(values: &[f64], dim: Dim) -> String {
    let largest = values.iter().fold(0.0f64, |m, v| if v.is_finite() { m.max(v.abs()) } else { m });
    let (prefix, scale) = if dim.is_none() { ("", 1.0) } else { fitting_prefix(largest, dim) };
    let items: Vec<String> = values.iter().map(|v| format_number(v / scale)).collect();
    let unit = if dim.is_none() { String::new() } else { format!(" {prefix}{}", dim.symbol()) };
    format!("[{}]{unit}", items.join(", "))
}

/// The SI prefix under which `magnitude` reads best, and its scale (none for compound units).
fn fitting_prefix(magnitude: f64, dim: Dim) -> (&'static str, f64) {
    let prefixable = NAMED.iter().any(|(d, s)| *d == dim && !s.is_empty());
    // beyond the largest prefix's thousands, a base unit with an exponent reads best: `1e308 A`
    if !prefixable || magnitude == 0.0 || !magnitude.is_finite() || magnitude >= 1e12 {
        return ("", 1.0);
    }
    let choices: &[(&'static str, f64)] = &[
        ("f", 1e-15),
        ("p", 1e-12),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("", 1.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
    ];
    let mut chosen = ("", 1.0);
    for (p, s) in choices {
        if magnitude >= s * 0.999_999_999 {
            chosen = (p, *s);
        }
    }
    if magnitude < 1e-15 {
        chosen = ("f", 1e-15);
    }
    chosen
}

/// Up to 7 significant digits, no trailing zeros, exponent for extremes.
pub fn format_number(value: f64) -> String {
    if value == 0.0 {
        return "0".to_string();
    }
    if !value.is_finite() {
        return format!("{value}");
    }
    let magnitude = value.abs();
    if !(1e-4..1e9).contains(&magnitude) {
        let s = format!("{value:.6e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = trim_zeros(mantissa);
        return format!("{mantissa}e{exp}");
    }
    #[allow(clippy::cast_possible_truncation)] // log10 of a finite f64 fits in i32
    let digits = 6 - magnitude.log10().floor() as i32;
    let decimals = usize::try_from(digits.max(0)).unwrap_or(0);
    trim_zeros(&format!("{value:.decimals$}"))
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn units_parse_to_si() {
        let ms = parse_unit("ms").unwrap();
        assert_eq!((ms.scale, ms.dim), (1e-3, Dim::TIME));
        assert_eq!(parse_unit("kHz").unwrap().dim, Dim::FREQUENCY);
        assert_eq!(parse_unit("fF").unwrap().scale, 1e-15);
        assert_eq!(parse_unit("%").unwrap().scale, 0.01);
        assert!(parse_unit("mm").is_none());
    }

    #[test]
    fn quantities_round_once_like_decimal_literals() {
        let si = |value: f64, unit: &str| parse_unit(unit).unwrap().to_si(value);
        assert_eq!(si(10.0, "us"), 1e-5); // 10 * 1e-6 would be 9.999999999999999e-6
        assert_eq!(si(700.0, "mV"), 0.7); // 700 * 1e-3 would be 0.7000000000000001
        assert_eq!(si(63.0, "fF"), 63e-15);
        assert_eq!(si(100.0, "nA"), 1e-7);
        assert_eq!(si(5.0, "%"), 0.05);
        assert_eq!(si(1.05, "nA"), 1.05e-9);
        assert_eq!(si(-2.5, "kHz"), -2500.0);
        assert_eq!(si(1e300, "GHz"), f64::INFINITY);
    }

    #[test]
    fn dimension_algebra() {
        assert_eq!(Dim::NONE.per(Dim::TIME), Dim::FREQUENCY);
        assert_eq!(Dim::CURRENT.times(Dim::TIME).per(Dim::VOLTAGE), Dim::CAPACITANCE);
        assert_eq!(Dim::CURRENT.per(Dim::TIME).symbol(), "A/s");
    }

    #[test]
    fn quantities_print_with_prefixes() {
        assert_eq!(format_quantity(100.0, Dim::FREQUENCY), "100 Hz");
        assert_eq!(format_quantity(5.319149e-12, Dim::CURRENT), "5.319149 pA");
        assert_eq!(format_quantity(0.01, Dim::TIME), "10 ms");
        assert_eq!(format_quantity(2.45e-11, Dim::CAPACITANCE), "24.5 pF");
        assert_eq!(format_number(0.05), "0.05");
        assert_eq!(format_quantities(&[0.0, 1e-12, 2.5e-12], Dim::CURRENT), "[0, 1, 2.5] pA");
        assert_eq!(format_quantities(&[1.0, 2.0], Dim::NONE), "[1, 2]");
    }
}
