//! Rockpool's `WeightHandler`: the non-zero weights of a cluster's matrix as one flat vector,
//! their signs, the scale that maps them into the autoencoder's range, and the way back.

use ndarray::{Array2, ArrayView2};

/// The training data of one cluster.
#[derive(Debug, Clone)]
pub struct Flat {
    /// Flat (row-major) indices of the non-zero entries of the matrix.
    pub index: Vec<usize>,
    /// `|w|` at those entries, in row-major order (Rockpool's `w_flat`).
    pub magnitude: Vec<f64>,
    /// `s = 1 / (max(w_flat) - min(w_flat) + 1)`; the autoencoder learns `x = s * w_flat`.
    pub scale: f64,
    pub shape: (usize, usize),
}

impl Flat {
    /// Flattens `weights` (pre x post; rows are the input channels then the neurons).
    pub fn new(weights: ArrayView2<f64>) -> Flat {
        let mut index = Vec::new();
        let mut magnitude = Vec::new();
        // `iter()` walks in logical row-major order whatever the memory layout.
        for (i, w) in weights.iter().enumerate() {
            if *w != 0.0 {
                index.push(i);
                magnitude.push(w.abs());
            }
        }
        let max = magnitude.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let min = magnitude.iter().copied().fold(f64::INFINITY, f64::min);
        let scale = if magnitude.is_empty() { 1.0 } else { 1.0 / (max - min + 1.0) };
        Flat { index, magnitude, scale, shape: weights.dim() }
    }

    /// The training target `x = s * |w|`, in float32 as Rockpool trains it.
    pub fn target(&self) -> Vec<f32> {
        self.magnitude.iter().map(|w| (self.scale * w) as f32).collect()
    }

    /// Puts per-weight values back at their matrix positions (zero elsewhere).
    pub fn scatter<T: Copy + Default>(&self, values: &[T]) -> Array2<T> {
        let mut out = Array2::from_elem(self.shape, T::default());
        if let Some(flat) = out.as_slice_mut() {
            for (i, v) in self.index.iter().zip(values) {
                if let Some(slot) = flat.get_mut(*i) {
                    *slot = *v;
                }
            }
        }
        out
    }
}

/// `sign(w)`: -1, 0 or +1 per entry, from the unquantized weights.
pub fn signs(weights: ArrayView2<f64>) -> Array2<i8> {
    weights.mapv(|w| {
        if w > 0.0 {
            1
        } else if w < 0.0 {
            -1
        } else {
            0
        }
    })
}

/// `sum_k bit_k * 2^k` for each weight (bit 0 = LSB = `Iw_0`).
pub fn bits_to_int(bits: &[Vec<bool>], n: usize) -> Vec<u8> {
    (0..n)
        .map(|m| {
            bits.iter().enumerate().fold(0u8, |acc, (k, row)| {
                let set = row.get(m).copied().unwrap_or(false);
                acc | (u8::from(set) << k)
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn reference_example_10_7() {
        // reference dynapse2.md §10.7: w_flat = [0.5, 1, 2], s = 1/(2 - 0.5 + 1) = 0.4
        let w = array![[0.5, 1.0], [2.0, 0.0]];
        let flat = Flat::new(w.view());
        assert_eq!(flat.magnitude, vec![0.5, 1.0, 2.0]);
        assert!((flat.scale - 0.4).abs() < 1e-15);
        assert_eq!(flat.target(), vec![0.2f32, 0.4, 0.8]);
        assert_eq!(signs(w.view()), array![[1, 1], [1, 0]]);
        // masks [[8, 14], [15, 0]] scatter back into place
        assert_eq!(flat.scatter(&[8u8, 14, 15]), array![[8, 14], [15, 0]]);
    }

    #[test]
    fn mask_encoding() {
        // [0,0,0,1] -> 8, [1,0,1,0] -> 5 (bits listed from Iw_0)
        let bits = vec![vec![false, true], vec![false, false], vec![false, true], vec![true, false]];
        assert_eq!(bits_to_int(&bits, 2), vec![8, 5]);
    }

    #[test]
    fn empty_matrix_has_no_weights() {
        let flat = Flat::new(Array2::<f64>::zeros((3, 2)).view());
        assert!(flat.magnitude.is_empty());
        assert_eq!(flat.scale, 1.0);
    }
}
