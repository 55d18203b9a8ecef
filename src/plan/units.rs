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
    "1",
];

/// True when `unit` is one of [`KNOWN_UNITS`] (exact, case-sensitive: `MB` is not `mb`).
pub fn is_known_unit(unit: &str) -> bool {
    KNOWN_UNITS.contains(&unit)
}

#[cfg(test)]
mod tests {
    use super::*;

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
