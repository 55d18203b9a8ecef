//! "Did you mean": the item ids closest to a mistyped one.

use super::Plan;
use crate::config::suggest::closest;

impl Plan {
    /// The plan's item ids closest to `id` (a typo, another case, a missing dash), best first;
    /// empty when none is close.
    pub fn closest_ids(&self, id: &str) -> Vec<&str> {
        closest(id, self.items.iter().map(|item| item.id.as_str()))
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
