//! The units a plan may use, in one place.
//!
//! The list is documented in `testplans/README.md`; keep the two in step.

/// Every unit facebench knows. `1` is a dimensionless ratio.
pub const KNOWN_UNITS: &[&str] = &[
    "°C",
    "K",
    "K/min",
    "%RH",
    "%",
    "h",
    "min",
    "s",
    "ms",
    "mm",
    "cm",
    "m",
    "kg",
    "g",
    "N",
    "Hz",
    "m/s²",
    "g_n",
    "Grms",
    "oct/min",
    "kV",
    "V",
    "A",
    "W",
    "lux",
    "fps",
    "count",
    "cycles",
    "KiB/cycle",
    "1/cycle",
    "class",
    "grade",
    "ΔE",
    "°",
    "kPa",
    "MB",
    "mL",
    "g/L",
    "pH",
    "mg/L",
    "km",
    "km/h",
    "W/m²/nm",
    "bool",
    "1",
];

/// True when `unit` is one of [`KNOWN_UNITS`] (exact, case-sensitive: `MB` is not `mb`).
pub fn is_known_unit(unit: &str) -> bool {
    KNOWN_UNITS.contains(&unit)
}

/// Units an operator may type after a value, with the quantity they measure and the factor to
/// that quantity's base unit (`10.1 in` into a plan's `mm`). Temperatures are left out: `K` in
/// a plan is often a difference, where an offset would be wrong.
const CONVERSIONS: &[(&str, &str, f64)] = &[
    ("mm", "length", 1e-3),
    ("cm", "length", 1e-2),
    ("m", "length", 1.0),
    ("km", "length", 1e3),
    ("in", "length", 0.0254),
    ("inch", "length", 0.0254),
    ("\"", "length", 0.0254),
    ("ft", "length", 0.3048),
    ("ms", "time", 1e-3),
    ("s", "time", 1.0),
    ("min", "time", 60.0),
    ("h", "time", 3600.0),
    ("g", "mass", 1e-3),
    ("kg", "mass", 1.0),
    ("lb", "mass", 0.453_592_37),
    ("kPa", "pressure", 1e3),
    ("Pa", "pressure", 1.0),
    ("mL", "volume", 1e-6),
    ("L", "volume", 1e-3),
];

/// One value the operator typed, in the plan's unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Entered {
    /// The value in the plan's unit.
    pub value: f64,
    /// What was typed, when it was not a bare number (`10.1 in`, `2H`), for the echo.
    pub typed: Option<String>,
}

/// Parses what an operator typed for a measurement in `unit`: values separated by commas or
/// spaces, each a bare number (taken in `unit`), a number with a unit that converts to it
/// (`10.1 in`, `256mm`), or for `grade` a pencil hardness (`2H`, `H`, `F`, `HB`, `B`, `3B`:
/// number of H, so HB = −1 and B = −2), or for `bool` yes / no ([`yes_no`]) or 1 / 0. The
/// error says what could not be taken and why.
pub fn parse_entry(line: &str, unit: &str) -> Result<Vec<Entered>, String> {
    let tokens: Vec<&str> = line
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    let mut values = Vec::new();
    let mut index = 0;
    while index < tokens.len() {
        let token = tokens[index];
        index += 1;
        if unit == "bool" {
            if let Some(value) = yes_no(token) {
                values.push(Entered {
                    value,
                    typed: Some(token.to_string()),
                });
                continue;
            }
        }
        if unit == "grade" {
            if let Some(value) = pencil_grade(token) {
                values.push(Entered {
                    value,
                    typed: Some(token.to_string()),
                });
                continue;
            }
        }
        let (number, mut suffix) =
            split_number(token).ok_or_else(|| format!("`{token}` is not a number"))?;
        if unit == "bool" {
            if number != 0.0 && number != 1.0 {
                return Err(format!("`{token}` is not yes / no (enter yes, no, 1 or 0)"));
            }
            values.push(Entered {
                value: number,
                typed: None,
            });
            continue;
        }
        if suffix.is_empty() && tokens.get(index).is_some_and(|t| split_number(t).is_none()) {
            suffix = tokens[index];
            index += 1;
        }
        if suffix.is_empty() || suffix == unit {
            let typed = (!suffix.is_empty()).then(|| format!("{number} {suffix}"));
            values.push(Entered {
                value: number,
                typed,
            });
            continue;
        }
        let value = convert(number, suffix, unit)?;
        values.push(Entered {
            value,
            typed: Some(format!("{number} {suffix}")),
        });
    }
    Ok(values)
}

/// `value` in `from` converted to `to`, when both measure the same quantity.
pub fn convert(value: f64, from: &str, to: &str) -> Result<f64, String> {
    let find = |unit: &str| CONVERSIONS.iter().find(|(name, _, _)| *name == unit);
    let Some(&(_, quantity, from_factor)) = find(from) else {
        return Err(format!(
            "`{from}` is not a unit facebench converts (enter {to})"
        ));
    };
    match find(to) {
        Some(&(_, target, to_factor)) if target == quantity => Ok(value * from_factor / to_factor),
        _ => Err(format!("{from} cannot be converted to {to} (enter {to})")),
    }
}

/// The leading number of `token` and the rest (`256mm` → 256, `mm`); `None` when it does not
/// start with a finite number.
fn split_number(token: &str) -> Option<(f64, &str)> {
    (1..=token.len())
        .rev()
        .filter(|end| token.is_char_boundary(*end))
        .find_map(|end| {
            let number = token[..end].parse::<f64>().ok().filter(|x| x.is_finite())?;
            Some((number, &token[end..]))
        })
}

/// A yes / no answer as 1 / 0: `yes`, `y`, `true`, `ok`, `是` / `no`, `n`, `false`, `否`;
/// case-insensitive.
pub fn yes_no(token: &str) -> Option<f64> {
    match token.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "ok" | "是" => Some(1.0),
        "no" | "n" | "false" | "否" => Some(0.0),
        _ => None,
    }
}

/// A pencil hardness as a number of H: `3H` = 3, `H` = 1, `F` = 0, `HB` = −1, `B` = −2,
/// `2B` = −3; case-insensitive.
pub fn pencil_grade(token: &str) -> Option<f64> {
    let upper = token.trim().to_ascii_uppercase();
    match upper.as_str() {
        "F" => return Some(0.0),
        "HB" => return Some(-1.0),
        _ => {}
    }
    let letter = upper.chars().last()?;
    let count = &upper[..upper.len() - 1];
    let count: u32 = if count.is_empty() {
        1
    } else {
        count.parse().ok().filter(|n| (1..=9).contains(n))?
    };
    match letter {
        'H' => Some(f64::from(count)),
        'B' => Some(-1.0 - f64::from(count)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_no_answers_are_one_and_zero() {
        assert_eq!(
            values("yes, 否 N 1 0 OK", "bool"),
            [1.0, 0.0, 0.0, 1.0, 0.0, 1.0]
        );
        assert!(parse_entry("maybe", "bool").is_err());
        assert!(parse_entry("2", "bool").is_err());
        assert!(is_known_unit("bool"));
    }

    fn values(line: &str, unit: &str) -> Vec<f64> {
        parse_entry(line, unit)
            .unwrap()
            .into_iter()
            .map(|e| e.value)
            .collect()
    }

    #[test]
    fn bare_numbers_are_in_the_plan_unit_and_units_convert() {
        assert_eq!(values("256", "mm"), [256.0]);
        assert_eq!(values("1, 2 3", "mm"), [1.0, 2.0, 3.0]);
        let inches = values("10.1 in", "mm");
        assert!((inches[0] - 256.54).abs() < 1e-9, "{inches:?}");
        assert_eq!(values("256mm 25.6 cm", "mm"), [256.0, 256.0]);
        assert_eq!(values("2 min", "s"), [120.0]);
        let typed = parse_entry("10.1 in", "mm").unwrap();
        assert_eq!(typed[0].typed.as_deref(), Some("10.1 in"));
        assert_eq!(parse_entry("7", "mm").unwrap()[0].typed, None);
    }

    #[test]
    fn a_unit_of_another_quantity_or_garbage_is_refused() {
        assert!(parse_entry("10 kg", "mm")
            .unwrap_err()
            .contains("kg cannot be converted to mm"));
        assert!(parse_entry("ten", "mm")
            .unwrap_err()
            .contains("`ten` is not a number"));
        assert!(parse_entry("10 parsecs", "mm").is_err());
        assert!(parse_entry("NaN", "mm").is_err());
    }

    #[test]
    fn pencil_grades_are_numbers_of_h() {
        assert_eq!(values("2H", "grade"), [2.0]);
        assert_eq!(values("h", "grade"), [1.0]);
        assert_eq!(values("F HB B 2B", "grade"), [0.0, -1.0, -2.0, -3.0]);
        assert_eq!(values("3", "grade"), [3.0]);
        assert!(parse_entry("2X", "grade").is_err());
        assert_eq!(pencil_grade("HH"), None);
    }

    #[test]
    fn knows_the_documented_units_exactly() {
        for unit in ["°C", "%RH", "m/s²", "ΔE", "W/m²/nm", "1", "count"] {
            assert!(is_known_unit(unit), "{unit}");
        }
        for unit in ["", "degC", "c", "mb", "°c", " s"] {
            assert!(!is_known_unit(unit), "{unit:?}");
        }
    }

    #[test]
    fn readme_lists_every_known_unit() {
        let readme = include_str!("../../testplans/README.md");
        for unit in KNOWN_UNITS {
            assert!(
                readme.contains(&format!("`{unit}`")),
                "{unit} missing from README"
            );
        }
    }
}
