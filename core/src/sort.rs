//! One stable sort for the whole crate.
//!
//! Each `sort_by` call with its own comparator makes the compiler emit its own copy of the
//! standard library's sort, several KiB of WebAssembly each, and the npm package has a size
//! budget. These helpers sort a list of positions through one comparator type (`&dyn Fn`), so
//! the crate carries one copy; a dynamic call per comparison costs nothing that matters for
//! the lists sorted here (goals, recommendations, categories, months).

use std::cmp::Ordering;

/// Sorts `v` by `cmp`, stably (like `slice::sort_by`).
pub(crate) fn sort_by<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..v.len()).collect();
    sort_positions(&mut order, &|a, b| cmp(&v[a], &v[b]));
    let mut slots: Vec<Option<T>> = std::mem::take(v).into_iter().map(Some).collect();
    *v = order.iter().filter_map(|&i| slots[i].take()).collect();
}

/// Sorts `v` by a key, stably (like `slice::sort_by_key`).
pub(crate) fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, key: impl Fn(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Sorts positions `order` by `cmp` of two positions, stably: the one copy of the standard
/// sort that the crate, and a caller with the same size concern, use.
#[inline(never)]
pub fn sort_positions(order: &mut [usize], cmp: &dyn Fn(usize, usize) -> Ordering) {
    order.sort_by(|&a, &b| cmp(a, b));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably_like_the_standard_sort() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for n in [0usize, 1, 2, 3, 17, 100, 1000] {
            let v: Vec<(u64, usize)> = (0..n)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed % 10, i)
                })
                .collect();
            let mut ours = v.clone();
            sort_by_key(&mut ours, |p| p.0);
            let mut std = v;
            std.sort_by_key(|p| p.0);
            assert_eq!(ours, std, "n = {n}");
        }
    }
}
