//! "Did you mean": the names closest to a mistyped one, by edit distance.

/// At most this many suggestions are offered.
const MAX_SUGGESTIONS: usize = 3;

/// The `candidates` closest to `word` (a typo, another case, a missing dash), best first; empty
/// when none is close. Case is ignored in the comparison.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Vec<&'c str> {
    let wanted = word.to_lowercase();
    let limit = (wanted.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|candidate| (edit_distance(&wanted, &candidate.to_lowercase()), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, candidate)| candidate)
        .collect()
}

/// Levenshtein distance in characters: insertions, deletions and substitutions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            let insert = current[j] + 1;
            let delete = previous[j + 1] + 1;
            current.push(substitute.min(insert).min(delete));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_single_character_edits() {
        assert_eq!(edit_distance("CLM-001", "CLM-001"), 0);
        assert_eq!(edit_distance("CLM-01", "CLM-001"), 1);
        assert_eq!(edit_distance("CLM-010", "CLM-001"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("温升", "温度"), 1);
    }

    #[test]
    fn closest_ignores_case_and_ranks_best_first() {
        let keys = ["protocol", "port", "baud", "parity"];
        assert_eq!(closest("protocl", keys), ["protocol"]);
        assert_eq!(closest("PORT", keys), ["port"]);
        assert!(closest("thermocouple", keys).is_empty());
    }
}
