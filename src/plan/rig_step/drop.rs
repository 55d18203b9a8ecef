//! Drop sequences: which faces, edges and corners, from what height.

use serde::{Deserialize, Serialize};

use crate::plan::diagnostic::Sink;
use crate::plan::ranges::{self, DURATION_S, HEIGHT_MM};
use crate::plan::reader::TableRef;

/// Measurements a drop step produces.
pub(super) const MEASUREMENTS: &[&str] = &["drops_done", "drop_height", "drop_faults"];

/// How the unit is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropMode {
    /// Free fall from a height (package or handheld drops).
    FreeFall,
    /// Drop-and-topple onto an edge or corner (benchtop equipment).
    Topple,
}

/// What part of the unit hits the surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DropOrientation {
    /// A face (one number).
    Face,
    /// An edge (two face numbers).
    Edge,
    /// A corner (three face numbers).
    Corner,
}

/// One drop of the sequence: `corner 2-3-5`, `edge 2-3`, `face 3`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropTarget {
    /// Face, edge or corner.
    pub orientation: DropOrientation,
    /// Face numbers joined by `-` (ISTA numbering 1..6).
    pub id: String,
}

impl DropTarget {
    /// Parses `face 3`, `edge 2-3`, `corner 2-3-5`.
    pub fn parse(text: &str) -> Result<DropTarget, String> {
        let (word, id) = text
            .trim()
            .split_once(' ')
            .ok_or_else(|| format!("`{text}`: expected `face N`, `edge N-N` or `corner N-N-N`"))?;
        let (orientation, faces) = match word {
            "face" => (DropOrientation::Face, 1),
            "edge" => (DropOrientation::Edge, 2),
            "corner" => (DropOrientation::Corner, 3),
            _ => return Err(format!("`{word}`: expected face, edge or corner")),
        };
        let numbers: Vec<&str> = id.trim().split('-').collect();
        let valid =
            numbers.len() == faces && numbers.iter().all(|n| matches!(n.parse::<u8>(), Ok(1..=6)));
        if !valid {
            return Err(format!(
                "`{text}`: a {word} needs {faces} face number(s) 1–6 joined by `-`"
            ));
        }
        Ok(DropTarget {
            orientation,
            id: numbers.join("-"),
        })
    }
}

/// A drop step's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DropSequence {
    /// Free fall or topple.
    pub mode: DropMode,
    /// Drop height, mm.
    pub height_mm: f64,
    /// Impact surface (recorded).
    pub surface: String,
    /// How faces are numbered (recorded, shown to the operator).
    pub face_numbering: String,
    /// The drops in order.
    pub sequence: Vec<DropTarget>,
    /// Pause between drops, s.
    pub interval_s: Option<f64>,
}

const KEYS: &[&str] = &[
    "mode",
    "height_mm",
    "surface",
    "face_numbering",
    "sequence",
    "interval_s",
];

/// Reads a drop step's params.
pub(super) fn resolve(sink: &mut Sink<'_>, params: TableRef<'_, '_>) -> Option<DropSequence> {
    let f = params.open(sink, KEYS);
    let mode = f.choice(
        sink,
        "mode",
        "drop mode",
        &["free_fall", "topple"],
        |s| match s {
            "free_fall" => Some(DropMode::FreeFall),
            "topple" => Some(DropMode::Topple),
            _ => None,
        },
    );
    let height_mm = ranges::required(sink, &f, "height_mm", HEIGHT_MM);
    let surface = f.string(sink, "surface");
    let face_numbering = f.opt_string(sink, "face_numbering");
    let interval_s = ranges::optional(sink, &f, "interval_s", DURATION_S);
    let mut sequence = Vec::new();
    let mut sequence_ok = true;
    let entries = f.opt_strings(sink, "sequence").unwrap_or_default();
    if entries.is_empty() {
        f.report_missing(
            sink,
            "sequence",
            ": list the drops, e.g. [\"corner 2-3-5\", \"edge 2-3\", \"face 1\"]",
        );
        sequence_ok = false;
    }
    for (index, entry) in entries.iter().enumerate() {
        match DropTarget::parse(entry.get_ref()) {
            Ok(target) => sequence.push(target),
            Err(message) => {
                sink.report(
                    &entry.span(),
                    &format!("{}[{index}]", f.path_of("sequence")),
                    message,
                );
                sequence_ok = false;
            }
        }
    }
    Some(DropSequence {
        mode: mode?.into_inner(),
        height_mm: height_mm?,
        surface: surface?.into_inner(),
        face_numbering: face_numbering.map(|s| s.into_inner()).unwrap_or_default(),
        sequence: sequence_ok.then_some(sequence)?,
        interval_s: interval_s?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_targets_parse_with_their_face_count() {
        let corner = DropTarget::parse("corner 2-3-5").unwrap();
        assert_eq!(corner.orientation, DropOrientation::Corner);
        assert_eq!(corner.id, "2-3-5");
        assert_eq!(
            DropTarget::parse("face 6").unwrap().orientation,
            DropOrientation::Face
        );
        assert!(DropTarget::parse("edge 2").is_err());
        assert!(DropTarget::parse("face 7").is_err());
        assert!(DropTarget::parse("wobble 1").is_err());
        assert!(DropTarget::parse("").is_err());
        assert!(DropTarget::parse("corner 2-3-").is_err());
    }
}
