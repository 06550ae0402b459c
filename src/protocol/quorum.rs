//! Quorum arithmetic (Castro & Liskov §4.1-4.3; TOCS'02 §4 for n > 3f+1).
//!
//! A certificate is a set of matching votes from distinct replicas: `quorum(n, f)` of them, f
//! at most `default_f(n)` by default. The vote keeper (`vote_keeper.rs`) holds a slot's votes per
//! (view, digest), one per replica (a replica voting twice counts once).

/// The quorum size `q = ceil((n + f + 1) / 2)`: any two quorums share at least f+1 replicas,
/// one of them honest. It is `2f + 1` when `n = 3f + 1`.
pub fn quorum(n: u32, f: u32) -> u32 {
    (n + f + 1).div_ceil(2)
}

/// The default fault bound `f = floor((n - 1) / 3)`.
pub fn default_f(n: u32) -> u32 {
    n.saturating_sub(1) / 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quorum_sizes() {
        // (n, f, q)
        let table = [
            (1, 0, 1),
            (4, 1, 3),
            (5, 1, 4),
            (6, 1, 4),
            (7, 2, 5),
            (10, 3, 7),
            (100, 33, 67),
        ];
        for (n, f, q) in table {
            assert_eq!(default_f(n), f, "f for n={n}");
            assert_eq!(quorum(n, f), q, "q for n={n}");
            // Two quorums intersect in at least f+1 replicas.
            assert!(2 * q - n > f, "intersection for n={n}");
        }
    }
}
