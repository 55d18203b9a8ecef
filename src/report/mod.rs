//! Reports rebuilt from the journal: workbook, CSV, JSON, and the submission bundle.
