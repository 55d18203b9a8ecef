//! A chamber's register tables as written in a station file: the `[chamber.registers]` map of
//! a `modbus-generic` chamber, and the `run_stop` register of a TEMI Modbus chamber.

use std::path::Path;

use crate::config::{load_document, read_document, Fields, Located, TableRef};
use crate::diagnostic::{Diagnostics, Sink};
use crate::rig::chamber::registers::{
    RegisterFormat, RegisterMap, RegisterSpec, RegisterTable, RunStopRegister, WordOrder,
};

/// Word orders by their station-file names.
pub(super) const WORD_ORDERS: [(&str, WordOrder); 2] = [
    ("high-first", WordOrder::HighFirst),
    ("low-first", WordOrder::LowFirst),
];
const FORMATS: [(&str, RegisterFormat); 5] = [
    ("u16", RegisterFormat::U16),
    ("i16", RegisterFormat::I16),
    ("u32", RegisterFormat::U32),
    ("i32", RegisterFormat::I32),
    ("f32", RegisterFormat::F32),
];
const TABLES: [(&str, RegisterTable); 2] = [
    ("holding", RegisterTable::Holding),
    ("input", RegisterTable::Input),
];

const MAP_KEYS: &[&str] = &[
    "temp_pv",
    "temp_sp",
    "humidity_pv",
    "humidity_sp",
    "run_stop",
];
const SPEC_KEYS: &[&str] = &["address", "format", "scale", "word_order", "table"];
const RUN_STOP_KEYS: &[&str] = &["address", "run", "stop"];

/// Reads a register-map file (the `[chamber.registers]` table on its own, as
/// `facebench sim` takes it with `--registers`); every problem is reported at once.
pub fn load_register_map(path: &Path) -> Result<RegisterMap, Diagnostics> {
    load_document(path, "register map", resolve_register_map)
}

/// Parses register-map TOML; `origin` names it in diagnostics.
pub fn parse_register_map(text: &str, origin: &str) -> Result<RegisterMap, Diagnostics> {
    read_document(text, origin, resolve_register_map)
}

/// Reads a register map and checks what the parser cannot see ([`RegisterMap::problems`]).
pub(super) fn resolve_register_map(
    sink: &mut Sink<'_>,
    table: TableRef<'_, '_>,
) -> Option<RegisterMap> {
    let map = table.open(sink, MAP_KEYS);
    let spec = |sink: &mut Sink<'_>, key| map.table(sink, key).and_then(|t| resolve_spec(sink, t));
    let temp_pv = spec(sink, "temp_pv");
    let temp_sp = spec(sink, "temp_sp");
    let humidity_pv = map
        .opt_table(sink, "humidity_pv")
        .map(|t| resolve_spec(sink, t));
    let humidity_sp = map
        .opt_table(sink, "humidity_sp")
        .map(|t| resolve_spec(sink, t));
    let run_stop = map
        .table(sink, "run_stop")
        .and_then(|t| resolve_run_stop(sink, t));
    let resolved = RegisterMap {
        temp_pv: temp_pv?,
        temp_sp: temp_sp?,
        humidity_pv: humidity_pv.map_or(Some(None), |s| s.map(Some))?,
        humidity_sp: humidity_sp.map_or(Some(None), |s| s.map(Some))?,
        run_stop: run_stop?,
    };
    let problems = resolved.problems();
    for (field, message) in &problems {
        let key = field.split('.').next().unwrap_or(field);
        let at = map.value_span(key).unwrap_or_else(|| map.span());
        sink.report(&at, &format!("{}.{field}", map.path()), message.clone());
    }
    problems.is_empty().then_some(resolved)
}

fn resolve_spec(sink: &mut Sink<'_>, table: TableRef<'_, '_>) -> Option<RegisterSpec> {
    let spec = table.open(sink, SPEC_KEYS);
    let address = spec.whole::<u16>(sink, "address");
    let format = named(sink, &spec, "format", "register format", &FORMATS);
    let scale = spec.opt_number(sink, "scale").map(Located::into_inner);
    let word_order = named(sink, &spec, "word_order", "word order", &WORD_ORDERS);
    let table = named(sink, &spec, "table", "register table", &TABLES);
    Some(RegisterSpec {
        address: address?.into_inner(),
        format: format.unwrap_or(RegisterFormat::I16),
        scale: scale.unwrap_or(1.0),
        word_order: word_order.unwrap_or_default(),
        table: table.unwrap_or_default(),
    })
}

/// The register that runs and stops the chamber, with its two values.
pub(super) fn resolve_run_stop(
    sink: &mut Sink<'_>,
    table: TableRef<'_, '_>,
) -> Option<RunStopRegister> {
    let register = table.open(sink, RUN_STOP_KEYS);
    let address = register.whole::<u16>(sink, "address");
    let run = register.whole::<u16>(sink, "run");
    let stop = register.whole::<u16>(sink, "stop");
    Some(RunStopRegister {
        address: address?.into_inner(),
        run: run?.into_inner(),
        stop: stop?.into_inner(),
    })
}

/// An optional key whose value is one of `names`.
pub(super) fn named<T: Copy>(
    sink: &mut Sink<'_>,
    fields: &Fields<'_, '_>,
    key: &str,
    what: &str,
    names: &[(&str, T)],
) -> Option<T> {
    let choices: Vec<&str> = names.iter().map(|(name, _)| *name).collect();
    fields
        .opt_choice(sink, key, what, &choices, |text| {
            names
                .iter()
                .find(|(name, _)| *name == text)
                .map(|(_, v)| *v)
        })
        .map(Located::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_register_map_file_reports_every_problem_with_its_key_path() {
        let text = "temp_pv = { address = 100, fromat = \"i16\" }\n\
                    temp_sp = { address = 300, format = \"i64\" }\n\
                    run_stop = { address = 70000, run = 1, stop = 0 }\n";
        let errors = parse_register_map(text, "map.toml").expect_err("three problems");
        let shown: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 3, "{shown:#?}");
        assert!(
            shown[0].starts_with(
                "map.toml:1:28 temp_pv.fromat: unknown key `fromat` (did you mean `format`?)"
            ),
            "{shown:#?}"
        );
        assert!(
            shown[1].starts_with("map.toml:2:37 temp_sp.format: unknown register format `i64`"),
            "{shown:#?}"
        );
        assert_eq!(
            shown[2],
            "map.toml:3:24 run_stop.address: expected a whole number from 0 to 65535"
        );
    }

    #[test]
    fn a_good_map_reads_with_its_defaults() {
        let map = parse_register_map(
            "temp_pv = { address = 100, scale = 0.1 }\ntemp_sp = { address = 300 }\n\
             run_stop = { address = 2000, run = 1, stop = 0 }\n",
            "map.toml",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(map.temp_pv.format, RegisterFormat::I16);
        assert_eq!(map.temp_sp.scale, 1.0);
        assert_eq!(map.temp_sp.word_order, WordOrder::HighFirst);
        assert_eq!(map.humidity_pv, None);
    }
}
