//! ISTA drop numbering and drop heights.
//!
//! Faces are numbered as in ISTA 1A/2A (and GB/T 4857.5): 1 top, 2 right side, 3 bottom,
//! 4 left side, 5 near end, 6 far end; opposite faces are 1–3, 2–4 and 5–6. An edge is two
//! adjacent faces (`2-3`), a corner three mutually adjacent faces (`2-3-5`). Heights by packaged
//! mass follow the ISTA 1A and 2A tables (test-items.md §3.2 MEC-DP).

use super::Orientation;

/// Which drop-height table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropStandard {
    /// ISTA 1A: 76 / 61 / 46 / 31 / 20 cm.
    Ista1A,
    /// ISTA 2A: 97 / 81 / 66 / 51 / 31 cm.
    Ista2A,
}

/// Upper bounds (exclusive) of the mass brackets, kg.
const MASS_BRACKETS_KG: [f64; 5] = [10.0, 19.0, 28.0, 45.0, 68.0];
const ISTA_1A_MM: [f64; 5] = [760.0, 610.0, 460.0, 310.0, 200.0];
const ISTA_2A_MM: [f64; 5] = [970.0, 810.0, 660.0, 510.0, 310.0];

/// The drop height for a packaged mass, mm; `None` for a mass that is not positive or is
/// 68 kg and above (outside these tables).
pub fn drop_height_mm(standard: DropStandard, packaged_mass_kg: f64) -> Option<f64> {
    if packaged_mass_kg.is_nan() || packaged_mass_kg <= 0.0 {
        return None;
    }
    let table = match standard {
        DropStandard::Ista1A => ISTA_1A_MM,
        DropStandard::Ista2A => ISTA_2A_MM,
    };
    let bracket = MASS_BRACKETS_KG
        .iter()
        .position(|&upper| packaged_mass_kg < upper)?;
    table.get(bracket).copied()
}

/// The ten-drop sequence: corner 2-3-5, the three edges radiating from it, then the six faces.
pub fn ten_drop_sequence() -> [(Orientation, &'static str); 10] {
    [
        (Orientation::Corner, "2-3-5"),
        (Orientation::Edge, "2-3"),
        (Orientation::Edge, "3-5"),
        (Orientation::Edge, "2-5"),
        (Orientation::Face, "1"),
        (Orientation::Face, "2"),
        (Orientation::Face, "3"),
        (Orientation::Face, "4"),
        (Orientation::Face, "5"),
        (Orientation::Face, "6"),
    ]
}

fn opposite(face: u8) -> u8 {
    match face {
        1 => 3,
        3 => 1,
        2 => 4,
        4 => 2,
        5 => 6,
        _ => 5,
    }
}

/// Parses `"3"`, `"2-3"`, `"2-3-5"` into face numbers 1–6.
pub fn parse_faces(id: &str) -> Result<Vec<u8>, String> {
    id.split('-')
        .map(|part| match part.trim().parse::<u8>() {
            Ok(face @ 1..=6) => Ok(face),
            _ => Err(format!("`{part}` in `{id}` is not a face 1–6")),
        })
        .collect()
}

/// Checks that `id` names a face, edge or corner matching `orientation`.
pub fn validate_target(orientation: Orientation, id: &str) -> Result<(), String> {
    if orientation == Orientation::Free {
        return if id.trim().is_empty() {
            Ok(())
        } else {
            Err(format!("free fall takes no target, got `{id}`"))
        };
    }
    let faces = parse_faces(id)?;
    let wanted = match orientation {
        Orientation::Face => 1,
        Orientation::Edge => 2,
        _ => 3,
    };
    if faces.len() != wanted {
        return Err(format!(
            "a {orientation} names {wanted} face(s), `{id}` names {}",
            faces.len()
        ));
    }
    for (index, &a) in faces.iter().enumerate() {
        for &b in faces.iter().skip(index + 1) {
            if a == b || opposite(a) == b {
                return Err(format!("faces {a} and {b} in `{id}` do not meet"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_by_bracket() {
        assert_eq!(drop_height_mm(DropStandard::Ista1A, 4.2), Some(760.0));
        assert_eq!(drop_height_mm(DropStandard::Ista1A, 9.99), Some(760.0));
        assert_eq!(drop_height_mm(DropStandard::Ista2A, 10.0), Some(810.0));
        assert_eq!(drop_height_mm(DropStandard::Ista1A, 19.0), Some(460.0));
        assert_eq!(drop_height_mm(DropStandard::Ista1A, 67.9), Some(200.0));
        assert_eq!(drop_height_mm(DropStandard::Ista2A, 30.0), Some(510.0));
        assert_eq!(drop_height_mm(DropStandard::Ista2A, 0.0), None);
        assert_eq!(drop_height_mm(DropStandard::Ista2A, f64::NAN), None);
        assert_eq!(drop_height_mm(DropStandard::Ista2A, 68.0), None);
    }

    #[test]
    fn targets() {
        for (orientation, id) in ten_drop_sequence() {
            assert_eq!(validate_target(orientation, id), Ok(()), "{id}");
        }
        assert!(validate_target(Orientation::Edge, "1-3").is_err());
        assert!(validate_target(Orientation::Corner, "2-3-4").is_err());
        assert!(validate_target(Orientation::Face, "7").is_err());
        assert!(validate_target(Orientation::Face, "2-3").is_err());
        assert!(validate_target(Orientation::Face, "").is_err());
        assert!(validate_target(Orientation::Free, "").is_ok());
        assert!(validate_target(Orientation::Free, "3").is_err());
    }
}
