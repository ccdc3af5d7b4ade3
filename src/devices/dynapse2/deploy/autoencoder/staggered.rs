//! Float32 arrays placed at chosen offsets modulo 4 KiB.
//!
//! A block's arrays all have the same size, so the allocator hands them out at nearly the same
//! address modulo 4096. A loop that stores to one of them and then loads from another at the same
//! index then suffers "4K aliasing": the CPU decides whether a load may depend on an earlier
//! store from the low 12 address bits alone, and on a false match the load waits. Giving every
//! array of a loop its own 512-byte slot modulo 4096 removes the false matches.

use std::ops::{Deref, DerefMut};

/// Bytes between two slots.
const SLOT_BYTES: usize = 512;
const PAGE: usize = 4096;
const FLOAT: usize = std::mem::size_of::<f32>();

/// A float32 array whose first element sits at `slot * 512` bytes modulo 4096.
pub struct Staggered {
    buf: Vec<f32>,
    start: usize,
    len: usize,
}

impl Staggered {
    /// `values` copied to an address in slot `slot` (taken modulo 8).
    pub fn new(values: &[f32], slot: usize) -> Staggered {
        Staggered::at(values, (slot % (PAGE / SLOT_BYTES)) * SLOT_BYTES)
    }

    /// `values` copied to an address `offset` bytes past a 4 KiB boundary (offset a multiple of 4).
    pub fn at(values: &[f32], offset: usize) -> Staggered {
        let len = values.len();
        let mut buf = vec![0.0f32; len + PAGE / FLOAT];
        let address = buf.as_ptr() as usize % PAGE;
        let target = offset % PAGE;
        // the allocator aligns to at least 4 bytes, so the distance is whole floats
        let start = (target + PAGE - address) % PAGE / FLOAT;
        if let Some(slice) = buf.get_mut(start..start + len) {
            slice.copy_from_slice(values);
        }
        Staggered { buf, start, len }
    }

    /// `len` zeros in slot `slot`.
    pub fn zeros(len: usize, slot: usize) -> Staggered {
        Staggered::new(&vec![0.0; len], slot)
    }
}

impl Deref for Staggered {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        self.buf.get(self.start..self.start + self.len).unwrap_or_default()
    }
}

impl DerefMut for Staggered {
    fn deref_mut(&mut self) -> &mut [f32] {
        self.buf.get_mut(self.start..self.start + self.len).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_land_in_their_slots_with_their_values() {
        let values: Vec<f32> = (0..3000).map(|i| i as f32).collect();
        for slot in 0..8 {
            let a = Staggered::new(&values, slot);
            assert_eq!(a.as_ptr() as usize % PAGE, slot * SLOT_BYTES);
            assert_eq!(&*a, values.as_slice());
        }
        assert!(Staggered::zeros(0, 3).is_empty());
        assert_eq!(Staggered::at(&values, 3584).as_ptr() as usize % PAGE, 3584);
    }
}
