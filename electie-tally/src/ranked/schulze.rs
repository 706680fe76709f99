//! Schulze method with winning votes, with Elekto's "no opinion" semantics.
//!
//! A ballot gives each candidate a rank (1 = most preferred, equal ranks allowed) or
//! `None` ("no opinion"). A candidate with no opinion takes part in *no* pairwise
//! comparison on that ballot — it is not ranked below the others. `d[x][y]` counts
//! ballots ranking both with `x` strictly better; a link `x → y` has strength
//! `d[x][y]` when `d[x][y] > d[y][x]`, else 0; strongest paths by Floyd–Warshall;
//! candidates are ordered by how many others they beat on strongest paths, equal
//! counts forming a tied group (as Elekto ranks them).

use crate::error::{Error, Result};

/// Every intermediate of a Schulze count, candidates by input index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schulze {
    /// `pairwise[x][y]`: ballots preferring `x` to `y`.
    pub pairwise: Vec<Vec<u64>>,
    /// `strongest[x][y]`: strength of the strongest path from `x` to `y`.
    pub strongest: Vec<Vec<u64>>,
    /// Number of candidates each one beats (`strongest[x][y] > strongest[y][x]`).
    pub wins: Vec<usize>,
    /// Tied groups, best first; inside a group, input order.
    pub ranking: Vec<Vec<usize>>,
}

/// The most candidates [`schulze`] counts: far above any real ballot, and small enough
/// that the strongest paths (`n³` steps, two `n × n` tables) take about a tenth of a
/// second (850 candidates took over 10 s in the fuzzing build, which libFuzzer calls a
/// hang).
pub const MAX_CANDIDATES: usize = 500;

/// Counts `ballots` over `candidates` candidates.
///
/// ```
/// use electie_tally::ranked::schulze;
/// let ballots = vec![
///     vec![Some(1), Some(2), None],
///     vec![Some(2), Some(1), Some(3)],
///     vec![Some(1), Some(3), Some(2)],
///     vec![None, Some(1), Some(2)],
/// ];
/// let result = schulze(3, &ballots)?;
/// assert_eq!(result.ranking, vec![vec![0], vec![1], vec![2]]);
/// # Ok::<(), electie_tally::Error>(())
/// ```
///
/// # Errors
/// [`Error::TooManyRankedCandidates`] above [`MAX_CANDIDATES`] (checked before any
/// allocation); [`Error::LengthMismatch`] for a ballot without one entry per candidate.
pub fn schulze(candidates: usize, ballots: &[Vec<Option<u32>>]) -> Result<Schulze> {
    if candidates > MAX_CANDIDATES {
        return Err(Error::TooManyRankedCandidates {
            candidates,
            max: MAX_CANDIDATES,
        });
    }
    let n = candidates;
    let mut pairwise = vec![vec![0u64; n]; n];
    for (index, ballot) in ballots.iter().enumerate() {
        if ballot.len() != n {
            return Err(Error::LengthMismatch {
                what: "ballot",
                index,
                expected: n,
                found: ballot.len(),
            });
        }
        for (x, rank_x) in ballot.iter().enumerate() {
            let Some(rx) = rank_x else { continue };
            for (y, rank_y) in ballot.iter().enumerate() {
                if let Some(ry) = rank_y
                    && rx < ry
                {
                    pairwise[x][y] += 1;
                }
            }
        }
    }
    let mut strongest = vec![vec![0u64; n]; n];
    for x in 0..n {
        for y in 0..n {
            if x != y && pairwise[x][y] > pairwise[y][x] {
                strongest[x][y] = pairwise[x][y];
            }
        }
    }
    for via in 0..n {
        for x in 0..n {
            if x == via {
                continue;
            }
            for y in 0..n {
                if y == via || y == x {
                    continue;
                }
                let through = strongest[x][via].min(strongest[via][y]);
                if through > strongest[x][y] {
                    strongest[x][y] = through;
                }
            }
        }
    }
    let wins: Vec<usize> = (0..n)
        .map(|x| {
            (0..n)
                .filter(|&y| x != y && strongest[x][y] > strongest[y][x])
                .count()
        })
        .collect();
    let mut levels: Vec<usize> = wins.clone();
    levels.sort_unstable_by(|a, b| b.cmp(a));
    levels.dedup();
    let ranking = levels
        .into_iter()
        .map(|w| (0..n).filter(|&x| wins[x] == w).collect())
        .collect();
    Ok(Schulze {
        pairwise,
        strongest,
        wins,
        ranking,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `rank_ballots` fuzz target: a huge candidate count with no ballot
    /// allocated `n × n` tables (out of memory) or ran `n³` steps (a hang).
    #[test]
    fn too_many_candidates_is_an_error_before_any_work() {
        for candidates in [MAX_CANDIDATES + 1, 100_000_000, usize::MAX] {
            assert_eq!(
                schulze(candidates, &[]),
                Err(Error::TooManyRankedCandidates {
                    candidates,
                    max: MAX_CANDIDATES
                })
            );
        }
        assert!(schulze(850, &[]).is_err(), "the fuzzer's timeout input");
        let ranked = schulze(40, &[]).expect("within the limit");
        assert_eq!(ranked.ranking, vec![(0..40).collect::<Vec<_>>()]);
    }
}
