//! "Did you mean": the item ids closest to a mistyped one.

use super::Plan;

/// At most this many suggestions are offered.
const MAX_SUGGESTIONS: usize = 3;

impl Plan {
    /// The plan's item ids closest to `id` (a typo, another case, a missing dash), best first;
    /// empty when none is close.
    pub fn closest_ids(&self, id: &str) -> Vec<&str> {
        closest_names(id, self.items.iter().map(|item| item.id.as_str()))
    }

    /// "the plan has no `what` `id`", with the closest ids when there are any.
    pub fn no_such(&self, what: &str, id: &str) -> String {
        let close = self.closest_ids(id);
        if close.is_empty() {
            format!("the plan has no {what} `{id}`")
        } else {
            format!(
                "the plan has no {what} `{id}`; did you mean {}?",
                close.join(", ")
            )
        }
    }
}

/// The `names` closest to `wanted` ignoring ASCII case (a typo, a missing dash), best first;
/// empty when none is close. Also used for device types on the command line.
pub fn closest_names<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let wanted = wanted.to_ascii_uppercase();
    let limit = (wanted.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = names
        .map(|name| (edit_distance(&wanted, &name.to_ascii_uppercase()), name))
        .filter(|(distance, _)| *distance <= limit)
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, name)| name)
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
}
