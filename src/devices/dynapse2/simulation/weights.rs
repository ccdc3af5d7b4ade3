//! Sparse weight matrices for the event-driven simulator: compressed rows by pre-synaptic
//! index (reference §0: `W[pre][post]`), so a spike costs its fan-out, not N.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::error::SimError;

/// A weight matrix `(n_pre, n_post)` in compressed sparse rows: row `i` lists the
/// post-synaptic targets of pre-synaptic `i` in increasing order with their weights (units of
/// `Iscale`). Exact zeros are not stored (they contribute nothing to the drive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SparseWeights {
    n_pre: usize,
    n_post: usize,
    /// `row_start[i]..row_start[i + 1]` indexes row `i` in `post` and `weight`.
    row_start: Vec<usize>,
    post: Vec<u32>,
    weight: Vec<f64>,
}

impl SparseWeights {
    /// An all-zero `(n_pre, n_post)` matrix.
    pub fn empty(n_pre: usize, n_post: usize) -> Self {
        SparseWeights { n_pre, n_post, row_start: vec![0; n_pre + 1], post: Vec::new(), weight: Vec::new() }
    }

    /// Builds the sparse form of a dense `(n_pre, n_post)` matrix; `what` names it in errors
    /// ("w_in", "w_rec"). Every entry must be finite.
    pub fn from_dense(what: &'static str, dense: ArrayView2<'_, f64>) -> Result<Self, SimError> {
        let (n_pre, n_post) = dense.dim();
        if u32::try_from(n_post).is_err() {
            let found = (n_pre, n_post);
            return Err(SimError::ShapeMismatch { what, expected: (n_pre, u32::MAX as usize), found });
        }
        let mut out = SparseWeights::empty(n_pre, n_post);
        out.row_start.clear();
        out.row_start.push(0);
        for (pre, row) in dense.outer_iter().enumerate() {
            for (post, &value) in row.iter().enumerate() {
                if !value.is_finite() {
                    return Err(SimError::NonFiniteWeight { what, pre, post, value });
                }
                if value != 0.0 {
                    // post < n_post <= u32::MAX, checked above
                    out.post.push(post as u32);
                    out.weight.push(value);
                }
            }
            out.row_start.push(out.post.len());
        }
        Ok(out)
    }

    /// Builds a `(n_pre, n_post)` matrix from `(pre, post, weight)` entries in any order, without
    /// a dense matrix. An entry given twice keeps its last value (as assigning into a dense
    /// matrix would); zeros are not stored. Every weight must be finite and every index in range.
    pub fn from_entries(
        what: &'static str,
        n_pre: usize,
        n_post: usize,
        mut entries: Vec<(usize, usize, f64)>,
    ) -> Result<Self, SimError> {
        if u32::try_from(n_post).is_err() {
            let found = (n_pre, n_post);
            return Err(SimError::ShapeMismatch { what, expected: (n_pre, u32::MAX as usize), found });
        }
        if let Some(&(pre, post, value)) = entries.iter().find(|e| !e.2.is_finite()) {
            return Err(SimError::NonFiniteWeight { what, pre, post, value });
        }
        if let Some(&(pre, post, _)) = entries.iter().find(|e| e.0 >= n_pre || e.1 >= n_post) {
            let found = (pre + 1, post + 1);
            return Err(SimError::ShapeMismatch { what, expected: (n_pre, n_post), found });
        }
        // stable: entries for the same (pre, post) stay in the order given, the last one wins
        entries.sort_by_key(|&(pre, post, _)| (pre, post));
        let mut out = SparseWeights::empty(n_pre, n_post);
        let mut counts = vec![0usize; n_pre];
        let mut iter = entries.into_iter().peekable();
        while let Some((pre, post, value)) = iter.next() {
            if iter.peek().is_some_and(|next| next.0 == pre && next.1 == post) {
                continue;
            }
            if value != 0.0 {
                // post < n_post <= u32::MAX, checked above
                out.post.push(post as u32);
                out.weight.push(value);
                if let Some(c) = counts.get_mut(pre) {
                    *c += 1;
                }
            }
        }
        out.row_start.clear();
        out.row_start.push(0);
        let mut total = 0;
        for c in counts {
            total += c;
            out.row_start.push(total);
        }
        Ok(out)
    }

    /// `(n_pre, n_post)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.n_pre, self.n_post)
    }

    /// Number of stored (non-zero) weights.
    pub fn nnz(&self) -> usize {
        self.post.len()
    }

    /// Targets and weights of pre-synaptic `pre` (empty if out of range).
    pub fn row(&self, pre: usize) -> (&[u32], &[f64]) {
        let range = match (self.row_start.get(pre), self.row_start.get(pre + 1)) {
            (Some(&a), Some(&b)) => a..b,
            _ => 0..0,
        };
        match (self.post.get(range.clone()), self.weight.get(range)) {
            (Some(p), Some(w)) => (p, w),
            _ => (&[], &[]),
        }
    }

    /// The dense matrix again (for tests and small outputs).
    pub fn to_dense(&self) -> Array2<f64> {
        let mut dense = Array2::zeros((self.n_pre, self.n_post));
        for pre in 0..self.n_pre {
            let (posts, weights) = self.row(pre);
            for (&post, &w) in posts.iter().zip(weights) {
                if let Some(slot) = dense.get_mut((pre, post as usize)) {
                    *slot = w;
                }
            }
        }
        dense
    }

    /// Row boundaries, targets and weights (for the simulator to convert once).
    pub(crate) fn parts(&self) -> (&[usize], &[u32], &[f64]) {
        (&self.row_start, &self.post, &self.weight)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn dense_round_trip_skips_zeros() {
        let w = array![[0.0, 1.5, 0.0], [0.0, 0.0, 0.0], [-2.0, 0.0, 3.0]];
        let s = SparseWeights::from_dense("w_rec", w.view()).unwrap();
        assert_eq!(s.shape(), (3, 3));
        assert_eq!(s.nnz(), 3);
        assert_eq!(s.row(2), (&[0u32, 2][..], &[-2.0, 3.0][..]));
        assert_eq!(s.row(1), (&[][..], &[][..]));
        assert_eq!(s.row(7), (&[][..], &[][..]));
        assert_eq!(s.to_dense(), w);
    }

    #[test]
    fn entries_build_the_same_matrix_as_dense() {
        let w = array![[0.0, 1.5, 0.0], [0.0, 0.0, 0.0], [-2.0, 0.0, 3.0]];
        let entries = vec![(2, 2, 3.0), (0, 1, 9.0), (2, 0, -2.0), (0, 1, 1.5), (1, 1, 4.0), (1, 1, 0.0)];
        let s = SparseWeights::from_entries("w_rec", 3, 3, entries).unwrap();
        assert_eq!(s, SparseWeights::from_dense("w_rec", w.view()).unwrap());
        let out_of_range = SparseWeights::from_entries("w_rec", 3, 3, vec![(3, 0, 1.0)]);
        assert!(matches!(out_of_range, Err(SimError::ShapeMismatch { .. })));
        let nan = SparseWeights::from_entries("w_in", 3, 3, vec![(0, 2, f64::NAN)]);
        assert!(matches!(nan, Err(SimError::NonFiniteWeight { what: "w_in", pre: 0, post: 2, .. })));
    }

    #[test]
    fn non_finite_weights_are_located() {
        let w = array![[0.0, 1.0], [f64::INFINITY, 0.0]];
        let err = SparseWeights::from_dense("w_in", w.view()).unwrap_err();
        assert!(matches!(err, SimError::NonFiniteWeight { what: "w_in", pre: 1, post: 0, .. }));
    }
}
