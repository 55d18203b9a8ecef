//! Every plan the built-in catalog names loads cleanly from `testplans/`, and matches the
//! catalog's standard.

use std::path::Path;

use facebench::catalog::Catalog;
use facebench::plan::load_plan;

#[test]
fn every_catalog_plan_loads_cleanly() {
    let catalog = Catalog::builtin();
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("testplans");
    let mut problems = Vec::new();
    for standard in &catalog.standards {
        match load_plan(&folder.join(&standard.plan), &catalog) {
            Ok(loaded) => {
                assert_eq!(loaded.plan.standard, standard.id, "{}", standard.plan);
                assert_eq!(loaded.plan.version, standard.version, "{}", standard.plan);
                assert!(
                    !loaded.plan.items.is_empty(),
                    "{} has no items",
                    standard.plan
                );
                for item in &loaded.plan.items {
                    assert!(
                        standard.sheets.get(item.sheet).applies(),
                        "{}: {} is on a sheet the standard does not take",
                        standard.plan,
                        item.id
                    );
                }
            }
            Err(errors) => problems.push(errors.to_string()),
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
