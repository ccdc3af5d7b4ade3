//! The bias generator (reference §3.5, §3.6): a core's bias current is set by a (coarse, fine)
//! pair; the analog value is a measured table entry times a per-parameter scale factor.

use std::sync::OnceLock;

/// The measured table (2 transistor types x 6 coarse x 256 fine), from Rockpool.
const TABLE_CSV: &str = include_str!("biasgen_table.csv");

pub const COARSE: usize = 6;
pub const FINE: usize = 256;

/// A parameter the configuration writes: simulator name, device name, scale factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BiasParam {
    /// Rockpool's simulator name of the current this bias carries (`Itau_syn` for all four
    /// dendrite time constants, reference §8.3).
    pub sim: &'static str,
    /// The chip's bias name; its last letter is the transistor type.
    pub device: &'static str,
    pub scale: f64,
}

const fn p(sim: &'static str, device: &'static str, scale: f64) -> BiasParam {
    BiasParam { sim, device, scale }
}

/// The 23 biases Rockpool writes per core, in the device names' alphabetical order.
pub const BIASES: &[BiasParam] = &[
    p("Igain_syn", "DEAM_EGAIN_P", 0.68),
    p("Itau_syn", "DEAM_ETAU_P", 0.2),
    p("Igain_syn", "DEGA_IGAIN_P", 0.68),
    p("Itau_syn", "DEGA_ITAU_P", 0.2),
    p("Igain_syn", "DENM_EGAIN_P", 0.68),
    p("Itau_syn", "DENM_ETAU_P", 0.2),
    p("If_nmda", "DENM_NMREV_N", 1.05),
    p("Igain_syn", "DESC_IGAIN_P", 0.68),
    p("Itau_syn", "DESC_ITAU_P", 0.2),
    p("Igain_ahp", "SOAD_GAIN_P", 0.68),
    p("Ipulse_ahp", "SOAD_PWTAU_N", 0.92),
    p("Itau_ahp", "SOAD_TAU_P", 0.2),
    p("Iw_ahp", "SOAD_W_N", 0.92),
    p("Idc", "SOIF_DC_P", 0.38),
    p("Igain_mem", "SOIF_GAIN_N", 1.05),
    p("Itau_mem", "SOIF_LEAK_N", 0.61),
    p("Iref", "SOIF_REFR_N", 1.05),
    p("Ispkthr", "SOIF_SPKTHR_P", 0.38),
    p("Iw_0", "SYAM_W0_P", 0.22),
    p("Iw_1", "SYAM_W1_P", 0.22),
    p("Iw_2", "SYAM_W2_P", 0.22),
    p("Iw_3", "SYAM_W3_P", 0.22),
    p("Ipulse", "SYPD_EXT_N", 0.92),
];

/// One bias setting.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Setting {
    pub coarse: u8,
    pub fine: u8,
    /// The current this setting produces (A).
    pub current: f64,
}

/// `[type][coarse][fine]` with type 0 = N, 1 = P.
type Table = [[[f64; FINE]; COARSE]; 2];

fn table() -> &'static Table {
    static TABLE: OnceLock<Box<Table>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = Box::new([[[0.0; FINE]; COARSE]; 2]);
        for line in TABLE_CSV.lines().skip(1) {
            let mut cols = line.split(',');
            let (Some(kind), Some(coarse), Some(fine), Some(current)) =
                (cols.next(), cols.next(), cols.next(), cols.next())
            else {
                continue;
            };
            let kind = usize::from(kind == "P");
            let (Ok(c), Ok(f), Ok(i)) = (coarse.parse::<usize>(), fine.parse::<usize>(), current.trim().parse::<f64>())
            else {
                continue;
            };
            if let Some(slot) = t.get_mut(kind).and_then(|k| k.get_mut(c)).and_then(|row| row.get_mut(f)) {
                *slot = i;
            }
        }
        t
    })
}

fn kind_of(device: &str) -> usize {
    usize::from(device.ends_with('P'))
}

/// The current of a (coarse, fine) setting of a bias.
pub fn current(bias: &BiasParam, coarse: u8, fine: u8) -> f64 {
    let row = table().get(kind_of(bias.device)).and_then(|k| k.get(usize::from(coarse)));
    row.and_then(|r| r.get(usize::from(fine))).map_or(0.0, |i| i * bias.scale)
}

/// Rockpool's `analog_to_digital`: per coarse value the fine index closest to the current (first
/// on ties), then the closest of those six (lowest coarse on ties). Out-of-range currents land on
/// the nearest end, as on the chip; callers compare `current` with what they asked for.
pub fn setting(bias: &BiasParam, wanted: f64) -> Setting {
    let kind = kind_of(bias.device);
    let mut best = Setting { coarse: 0, fine: 0, current: f64::NAN };
    let mut best_err = f64::INFINITY;
    for (coarse, row) in table().get(kind).into_iter().flatten().enumerate() {
        let mut row_best = (0usize, f64::INFINITY, 0.0);
        for (fine, i) in row.iter().enumerate() {
            let value = i * bias.scale;
            let err = (value - wanted).abs();
            if err < row_best.1 {
                row_best = (fine, err, value);
            }
        }
        if row_best.1 < best_err {
            best_err = row_best.1;
            best = Setting {
                coarse: u8::try_from(coarse).unwrap_or(0),
                fine: u8::try_from(row_best.0).unwrap_or(0),
                current: row_best.2,
            };
        }
    }
    best
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn bias(device: &str) -> &'static BiasParam {
        BIASES.iter().find(|b| b.device == device).unwrap()
    }

    #[test]
    fn reference_examples() {
        // reference §3.5, default currents
        let cases = [
            ("SOIF_LEAK_N", 5.3191e-12, 0, 29),
            ("SOIF_GAIN_N", 2.1277e-11, 0, 71),
            ("DEAM_ETAU_P", 8.6879e-11, 1, 208),
            ("DEAM_EGAIN_P", 8.6879e-9, 3, 92),
            ("SYPD_EXT_N", 3.5e-8, 4, 32),
            ("SOIF_REFR_N", 1.05e-9, 2, 53),
            ("SOIF_SPKTHR_P", 1e-7, 4, 243),
            ("SOIF_DC_P", 5e-13, 0, 4),
            ("SYAM_W0_P", 1e-9, 3, 31),
            ("SYAM_W3_P", 8e-9, 4, 31),
            ("SOAD_W_N", 5e-13, 0, 0),
            ("SOAD_PWTAU_N", 3.5e-7, 5, 42),
        ];
        for (device, current, coarse, fine) in cases {
            let s = setting(bias(device), current);
            assert_eq!((s.coarse, s.fine), (coarse, fine), "{device}");
        }
        let s = setting(bias("SOIF_LEAK_N"), 5.3191e-12);
        assert!((s.current - 5.2703e-12).abs() < 1e-16);
    }

    #[test]
    fn every_setting_round_trips_with_unit_scale() {
        let unit = BiasParam { sim: "x", device: "X_N", scale: 1.0 };
        for coarse in 0..6u8 {
            for fine in (0..=255u8).step_by(17) {
                let s = setting(&unit, current(&unit, coarse, fine));
                assert_eq!((s.coarse, s.fine), (coarse, fine));
            }
        }
    }
}
