//! The models of a run: its samples grouped by (vendor, model), the unit every report is
//! written for.
//!
//! A run may hold several units of several models (a lab's mixed chamber load). Every report
//! (workbook, CSV, `run.json`, camera checklist, submission folder) is written once per model,
//! with a result per sample. Samples keep their run-wide numbers (the numbers the prompts,
//! the journal and `facebench record --sample` use), so a model's samples may be 2 and 5.

use std::collections::BTreeMap;

use crate::journal::RunState;
use crate::unit::Unit;

use super::names::model_folder_name;

/// One model of a run and its samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// Vendor, as the units name it.
    pub vendor: String,
    /// Model, as the units name it.
    pub model: String,
    /// The model's samples with their run-wide sample numbers (from 1), in sample order.
    pub samples: Vec<(u32, Unit)>,
}

impl Model {
    /// The model's first sample (every model has one).
    pub fn first_unit(&self) -> &Unit {
        &self.samples[0].1
    }

    /// The run-wide sample numbers of the model's samples.
    pub fn sample_numbers(&self) -> Vec<u32> {
        self.samples.iter().map(|(n, _)| *n).collect()
    }

    /// True when `sample` is one of the model's samples.
    pub fn has_sample(&self, sample: u32) -> bool {
        self.samples.iter().any(|(n, _)| *n == sample)
    }

    /// The folder the model's reports and submission go into: `<vendor>-<model>`, each part
    /// sanitised (see [`model_folder_name`]).
    pub fn folder_name(&self) -> String {
        model_folder_name(&self.vendor, &self.model)
    }

    /// The run restricted to this model: its units only, renumbered 1, 2, … in sample order,
    /// with their results and history. For builders that work on a whole run (the camera
    /// checklist); the reports themselves keep the run-wide numbers.
    pub fn restrict(&self, state: &RunState) -> RunState {
        let renumber: BTreeMap<u32, u32> = self
            .samples
            .iter()
            .zip(1u32..)
            .map(|((global, _), local)| (*global, local))
            .collect();
        let mut restricted = state.clone();
        restricted.units = self.samples.iter().map(|(_, u)| u.clone()).collect();
        restricted.results = state
            .results
            .iter()
            .map(|(item, by_sample)| {
                let kept = by_sample
                    .iter()
                    .filter_map(|(sample, result)| {
                        let local = *renumber.get(sample)?;
                        let mut result = result.clone();
                        result.sample = local;
                        Some((local, result))
                    })
                    .collect();
                (item.clone(), kept)
            })
            .collect();
        restricted.history = state
            .history
            .iter()
            .map(|(item, results)| {
                let kept = results
                    .iter()
                    .filter_map(|entry| {
                        let mut entry = entry.clone();
                        entry.result.sample = *renumber.get(&entry.sample)?;
                        Some(entry)
                    })
                    .collect();
                (item.clone(), kept)
            })
            .collect();
        restricted
    }
}

/// The run's models in order of their first sample, each with its samples in sample order.
/// Units group by exact (vendor, model).
pub fn models(state: &RunState) -> Vec<Model> {
    let mut models: Vec<Model> = Vec::new();
    for (sample, unit) in state.samples() {
        let entry = (sample, unit.clone());
        match models
            .iter_mut()
            .find(|m| m.vendor == unit.vendor && m.model == unit.model)
        {
            Some(model) => model.samples.push(entry),
            None => models.push(Model {
                vendor: unit.vendor.clone(),
                model: unit.model.clone(),
                samples: vec![entry],
            }),
        }
    }
    models
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn units_group_by_vendor_and_model_in_sample_order() {
        let mut state = fixtures::state_with_units(&[
            ("Acme", "A1"),
            ("Acme", "B2"),
            ("Acme", "A1"),
            ("Other", "A1"),
        ]);
        state.units[3].device_sn.push('x');
        let models = models(&state);
        let shape: Vec<(&str, &str, Vec<u32>)> = models
            .iter()
            .map(|m| (m.vendor.as_str(), m.model.as_str(), m.sample_numbers()))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("Acme", "A1", vec![1, 3]),
                ("Acme", "B2", vec![2]),
                ("Other", "A1", vec![4]),
            ]
        );
        assert_eq!(models[0].folder_name(), "Acme-A1");
        assert!(models[0].has_sample(3) && !models[0].has_sample(2));
    }

    #[test]
    fn a_restricted_run_renumbers_the_model_samples() {
        let state = fixtures::state_with_units(&[("Acme", "A1"), ("Acme", "B2"), ("Acme", "A1")]);
        let model = &models(&state)[0];
        let restricted = model.restrict(&state);
        assert_eq!(restricted.units.len(), 2);
        assert_eq!(restricted.units[1], state.units[2]);
        for (item, by_sample) in &restricted.results {
            for (sample, result) in by_sample {
                assert_eq!(*sample, result.sample, "{item}");
                let global = if *sample == 1 { 1 } else { 3 };
                assert_eq!(result.device_sn, state.results[item][&global].device_sn);
            }
        }
        assert!(restricted
            .history
            .values()
            .flatten()
            .all(|r| r.sample == 1 || r.sample == 2));
    }

    #[test]
    fn hostile_names_make_one_plain_folder() {
        let state = fixtures::state_with_units(&[("../..", "a/b\\c")]);
        let name = models(&state)[0].folder_name();
        assert!(
            !name.contains(['/', '\\']) && name != ".." && !name.is_empty(),
            "{name}"
        );
    }
}
