//! What the operator sees after each unit: a large `PASS`, or a large `BLOCKED` followed by
//! every reason, in letters five lines tall so they read from across the bench.

use super::devices::LineResult;
use super::unit_check::UnitOutcome;

/// Five-line block letters of the two words.
const PASS: [&str; 5] = [
    "#####    ###    #####  #####",
    "#    #  #   #  #      #     ",
    "#####   #####   ####   #### ",
    "#       #   #       #      #",
    "#       #   #  #####  ##### ",
];

const BLOCKED: [&str; 5] = [
    "#####   #       ###    ####  #   #  ######  #####  ",
    "#    #  #      #   #  #      #  #   #       #    # ",
    "#####   #      #   #  #      ###    #####   #    # ",
    "#    #  #      #   #  #      #  #   #       #    # ",
    "#####   #####   ###    ####  #   #  ######  #####  ",
];

/// The banner of one unit: the block word, the SN, and for a blocked unit each reason on its
/// own line.
pub fn banner(outcome: &UnitOutcome) -> String {
    let record = &outcome.record;
    let word = match record.result {
        LineResult::Pass => &PASS,
        LineResult::Blocked => &BLOCKED,
    };
    let mut text = String::from("\n");
    for row in word {
        text.push_str("    ");
        text.push_str(row.trim_end());
        text.push('\n');
    }
    text.push_str(&format!(
        "\n    {} {}  camera {}  ({} line {})\n",
        record.result.word(),
        record.sn,
        if record.camera_sn.is_empty() {
            "—"
        } else {
            &record.camera_sn
        },
        record.station,
        outcome.line
    ));
    for reason in &record.reasons {
        text.push_str(&format!("      ✗ {reason}\n"));
    }
    text
}
