//! A series file as the page shows it: the columns worth a curve, downsampled to at most
//! [`MAX_POINTS`] points however long the run, so memory and the page stay bounded.

use serde::Serialize;

/// Points kept per series; past it every other point is dropped and only every second row
/// read after that is kept (the stride doubles).
pub const MAX_POINTS: usize = 1200;

/// Which rig wrote a series, from its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesKind {
    /// `chamber.csv`: set point and process value.
    Chamber,
    /// `camera-<stream>.csv`: per-second frame rate, drops and luma.
    Camera,
    /// `thermal.csv`: one column per thermocouple.
    Thermal,
}

impl SeriesKind {
    /// The kind of `<name>.csv`, or `None` for series the page does not draw (drop rig, camera
    /// cycles and interval histograms).
    pub fn of(name: &str) -> Option<SeriesKind> {
        match name {
            "chamber" => Some(SeriesKind::Chamber),
            "thermal" => Some(SeriesKind::Thermal),
            "camera-cycles" => None,
            _ if name.starts_with("camera-") && !name.ends_with("-intervals") => {
                Some(SeriesKind::Camera)
            }
            _ => None,
        }
    }
}

/// One drawn column: its name and the CSV columns summed into it.
#[derive(Debug, Clone)]
struct Column {
    name: String,
    sources: Vec<usize>,
}

/// The columns a kind draws, given the file's header.
fn columns(kind: SeriesKind, header: &[&str]) -> Vec<Column> {
    let at = |name: &str| header.iter().position(|h| *h == name);
    let named = |names: &[&str], shown: &str| {
        let sources: Vec<usize> = names.iter().filter_map(|n| at(n)).collect();
        (!sources.is_empty()).then(|| Column {
            name: shown.to_string(),
            sources,
        })
    };
    match kind {
        SeriesKind::Chamber => ["temp_sp", "temp_pv", "rh_sp", "rh_pv"]
            .iter()
            .filter_map(|n| named(&[n], n))
            .collect(),
        SeriesKind::Camera => [
            named(&["fps"], "fps"),
            named(&["device_drops", "harness_drops"], "drops"),
            named(&["luma_mean"], "luma_mean"),
        ]
        .into_iter()
        .flatten()
        .collect(),
        SeriesKind::Thermal => header
            .iter()
            .enumerate()
            .filter(|(_, h)| !matches!(**h, "elapsed_s" | "utc" | "note"))
            .map(|(i, h)| Column {
                name: (*h).to_string(),
                sources: vec![i],
            })
            .collect(),
    }
}

/// One point: x (elapsed seconds of the run's clock) and one value per column (`None`: gap).
pub type Point = (f64, Vec<Option<f64>>);

/// A series being followed.
#[derive(Debug)]
pub struct SeriesView {
    kind: SeriesKind,
    x: usize,
    columns: Vec<Column>,
    points: Vec<Point>,
    stride: u64,
    rows: u64,
}

/// What a batch of rows changed.
#[derive(Debug, Default, PartialEq)]
pub struct Added {
    /// The kept points were thinned: the page must replace them all.
    pub thinned: bool,
    /// Points kept from the batch.
    pub points: Vec<Point>,
}

impl SeriesView {
    /// A series of `kind` whose CSV header is `header`; `None` without an `elapsed_s` column.
    pub fn new(kind: SeriesKind, header: &str) -> Option<SeriesView> {
        let cells: Vec<&str> = header.split(',').map(str::trim).collect();
        let x = cells.iter().position(|h| *h == "elapsed_s")?;
        Some(SeriesView {
            kind,
            x,
            columns: columns(kind, &cells),
            points: Vec::new(),
            stride: 1,
            rows: 0,
        })
    }

    /// The kind.
    pub fn kind(&self) -> SeriesKind {
        self.kind
    }

    /// The drawn columns' names.
    pub fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    /// The kept points.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// Takes data rows (CSV lines after the header; the free-text note is the last column, so
    /// the numbers before it split on commas); rows without a number in `elapsed_s` are skipped.
    pub fn add(&mut self, lines: &[String]) -> Added {
        let mut added = Added::default();
        for line in lines {
            let cells: Vec<&str> = line.split(',').collect();
            let Some(x) = cells.get(self.x).and_then(|c| c.trim().parse::<f64>().ok()) else {
                continue;
            };
            self.rows += 1;
            if !(self.rows - 1).is_multiple_of(self.stride) {
                continue;
            }
            let values = self
                .columns
                .iter()
                .map(|column| {
                    column.sources.iter().try_fold(0.0, |sum, &i| {
                        let cell = cells.get(i)?.trim();
                        cell.parse::<f64>().ok().map(|v| sum + v)
                    })
                })
                .collect();
            let point = (x, values);
            self.points.push(point.clone());
            added.points.push(point);
            if self.points.len() > MAX_POINTS {
                self.thin();
                added.thinned = true;
            }
        }
        if added.thinned {
            added.points = self.points.clone();
        }
        added
    }

    /// Keeps every other point and doubles the stride.
    fn thin(&mut self) {
        let kept: Vec<Point> = self.points.iter().step_by(2).cloned().collect();
        self.points = kept;
        // Row j·stride was kept; row i is kept from now on when i is a multiple of twice it.
        self.stride *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(from: u32, to: u32) -> Vec<String> {
        (from..to)
            .map(|s| format!("{s},2026-01-01T00:00:00Z,dwell,25.000,{}.5,,,", s % 7))
            .collect()
    }

    #[test]
    fn chamber_columns_and_gaps() {
        let header = "elapsed_s,utc,phase,temp_sp,temp_pv,rh_sp,rh_pv,note";
        let mut view = SeriesView::new(SeriesKind::Chamber, header).unwrap();
        assert_eq!(
            view.column_names(),
            ["temp_sp", "temp_pv", "rh_sp", "rh_pv"]
        );
        let added = view.add(&rows(0, 2));
        assert!(!added.thinned);
        assert_eq!(
            added.points[1],
            (1.0, vec![Some(25.0), Some(1.5), None, None])
        );
    }

    #[test]
    fn camera_drops_sum_both_counters() {
        let header = "elapsed_s,fps,device_drops,harness_drops,stalls,error_frames,luma_mean,\
                      luma_p5,luma_p95,clipped_fraction,exposure,note";
        let mut view = SeriesView::new(SeriesKind::Camera, header).unwrap();
        let added = view.add(&["3,29.5,2,1,0,0,120.0,1,2,0,,".to_string()]);
        assert_eq!(
            added.points,
            [(3.0, vec![Some(29.5), Some(3.0), Some(120.0)])]
        );
    }

    #[test]
    fn a_long_series_stays_bounded_and_spans_the_whole_run() {
        let header = "elapsed_s,utc,phase,temp_sp,temp_pv,rh_sp,rh_pv,note";
        let mut view = SeriesView::new(SeriesKind::Chamber, header).unwrap();
        let total = 72 * 3600 / 10;
        let mut thinned = false;
        for start in (0..total).step_by(1000) {
            thinned |= view.add(&rows(start, (start + 1000).min(total))).thinned;
        }
        assert!(thinned);
        assert!(view.points().len() <= MAX_POINTS);
        assert!(view.points().len() > MAX_POINTS / 2);
        assert_eq!(view.points()[0].0, 0.0);
        assert!(view.points().last().unwrap().0 > f64::from(total) * 0.99);
    }

    #[test]
    fn kinds_from_file_names() {
        assert_eq!(SeriesKind::of("camera-rgb"), Some(SeriesKind::Camera));
        assert_eq!(SeriesKind::of("camera-rgb-intervals"), None);
        assert_eq!(SeriesKind::of("camera-cycles"), None);
        assert_eq!(SeriesKind::of("drop"), None);
    }
}
