//! Measurements and criteria in the words a reviewer reads: display names instead of internal
//! names, values rounded to the plan's resolution, fractions as percent, pencil hardness as a
//! grade name, and limits as a person writes them (`≥ 98 %`, `−10 °C ± 2 K`, `≤ 2H`), with the
//! proper minus sign.
//!
//! Every report (workbook, CSV, PDF) takes its measurement and criterion texts from here.

use crate::judge::{Aggregate, Comparison, Criterion};
use crate::plan::{Item, MeasurementSpec};

/// The cell text of a criterion that only records a value: never a pass.
pub const RECORDED: &str = "已记录 recorded";

/// Significant digits of a value whose measurement gives no resolution.
const DEFAULT_SIGNIFICANT_DIGITS: i32 = 4;

/// Resolution of a fraction shown as percent (0.1 %), when the plan gives none.
const PERCENT_RESOLUTION: f64 = 0.1;

/// Unit of the pencil hardness scale ([`pencil_grade`]).
pub const GRADE_UNIT: &str = "grade";

/// Unit of a yes / no measurement: 1 is yes, 0 is no ([`yes_no`]).
pub const BOOL_UNIT: &str = "bool";

/// A yes / no value as the reports write it.
pub const YES: &str = "是 yes";
/// See [`YES`].
pub const NO: &str = "否 no";

/// A measurement as one of an item's criteria or results names it: its display names and how
/// its values are shown.
#[derive(Debug, Clone, Copy)]
pub struct Measure<'a> {
    /// The name steps and criteria use.
    pub name: &'a str,
    /// The plan's spec of it, when a step of the item produces it.
    pub spec: Option<&'a MeasurementSpec>,
}

impl<'a> Measure<'a> {
    /// The measurement `name` of `item`.
    pub fn of(item: &'a Item, name: &'a str) -> Measure<'a> {
        Measure {
            name,
            spec: item.measurement(name),
        }
    }

    /// `人脸支付成功率 face payment success rate`; either name alone when the plan gives one;
    /// the internal name when it gives neither.
    pub fn label(&self) -> String {
        let zh = self.spec.and_then(|s| s.label_zh.as_deref());
        let en = self.spec.and_then(|s| s.label_en.as_deref());
        match (zh, en) {
            (Some(zh), Some(en)) => format!("{zh} {en}"),
            (Some(one), None) | (None, Some(one)) => one.to_string(),
            (None, None) => self.name.to_string(),
        }
    }

    fn resolution(&self) -> Option<f64> {
        self.spec.and_then(|s| s.resolution)
    }
}

/// How the values of one criterion are shown: its aggregate fixes whether they are a count, a
/// fraction (percent) or values in the measurement's own unit.
#[derive(Debug, Clone, Copy)]
pub struct Scale<'a> {
    aggregate: Aggregate,
    unit: &'a str,
    resolution: Option<f64>,
}

impl<'a> Scale<'a> {
    /// The scale of `criterion`'s aggregated value for `measure`.
    pub fn of(criterion: &'a Criterion, measure: &Measure<'_>) -> Scale<'a> {
        Scale {
            aggregate: criterion.aggregate,
            unit: criterion.unit.as_str(),
            resolution: measure.resolution(),
        }
    }

    /// The scale of raw values of a measurement in `unit` (no aggregate).
    pub fn raw(unit: &'a str, measure: &Measure<'_>) -> Scale<'a> {
        Scale {
            aggregate: Aggregate::Last,
            unit,
            resolution: measure.resolution(),
        }
    }

    fn is_percent(&self) -> bool {
        self.aggregate == Aggregate::Rate
    }

    fn is_grade(&self) -> bool {
        self.unit == GRADE_UNIT && !matches!(self.aggregate, Aggregate::Count | Aggregate::Std)
    }

    /// A yes / no value: a boolean measurement's own values (not a count, a rate, a mean or a
    /// spread of them).
    fn is_yes_no(&self) -> bool {
        self.unit == BOOL_UNIT
            && !matches!(
                self.aggregate,
                Aggregate::Count | Aggregate::Std | Aggregate::Mean | Aggregate::Rate
            )
    }

    /// A word for values that have one (a grade, yes / no).
    fn word(&self, value: f64) -> Option<String> {
        if self.is_grade() {
            Some(pencil_grade(value))
        } else if self.is_yes_no() {
            Some(yes_no(value).to_string())
        } else {
            None
        }
    }

    /// A measured value, rounded: `99.2 %`, `31.4 °C`, `2H`, `是 yes`, `3`.
    pub fn value(&self, value: f64) -> String {
        if let Some(word) = self.word(value) {
            return word;
        }
        if self.is_percent() {
            return format!("{} %", rounded(value * 100.0, Some(PERCENT_RESOLUTION)));
        }
        let resolution = match self.aggregate {
            Aggregate::Count => Some(1.0),
            _ => self.resolution,
        };
        with_unit(rounded(value, resolution), self.shown_unit())
    }

    /// Several measured values, rounded, the unit written once: `0.2, 0.3 mm`.
    pub fn values(&self, values: &[f64]) -> String {
        if self.word(0.0).is_some() {
            let words: Vec<String> = values.iter().filter_map(|v| self.word(*v)).collect();
            return words.join(", ");
        }
        let numbers: Vec<String> = values
            .iter()
            .map(|v| {
                if self.is_percent() {
                    rounded(v * 100.0, Some(PERCENT_RESOLUTION))
                } else {
                    rounded(*v, self.resolution)
                }
            })
            .collect();
        let unit = if self.is_percent() {
            "%"
        } else {
            self.shown_unit()
        };
        match unit {
            "" => numbers.join(", "),
            "°" => format!("{}°", numbers.join("°, ")),
            unit => format!("{} {unit}", numbers.join(", ")),
        }
    }

    /// A limit as written in the plan (not rounded): `98 %`, `−10 °C`, `2H`, `是 yes`.
    pub fn limit(&self, value: f64) -> String {
        if let Some(word) = self.word(value) {
            return word;
        }
        if self.is_percent() {
            return format!("{} %", exact(value * 100.0));
        }
        with_unit(exact(value), self.shown_unit())
    }

    /// A tolerance: a difference, so `°C` shows as `K`.
    pub fn tolerance(&self, value: f64) -> String {
        if self.is_percent() {
            return format!("{} %", exact(value * 100.0));
        }
        let unit = match self.shown_unit() {
            "°C" => "K",
            unit => unit,
        };
        with_unit(exact(value), unit)
    }

    /// The unit written after a number: none for counts and plain ratios.
    fn shown_unit(&self) -> &str {
        match (self.aggregate, self.unit) {
            (Aggregate::Count, _) | (_, "count" | "1" | BOOL_UNIT) => "",
            (_, unit) => unit,
        }
    }
}

/// `98`, `3 cycles`, `45°` (an angle's degree sign takes no space).
fn with_unit(number: String, unit: &str) -> String {
    match unit {
        "" => number,
        "°" => format!("{number}°"),
        unit => format!("{number} {unit}"),
    }
}

/// What an aggregate says before its value: `max`, `mean`, … ; nothing for the last value, a
/// rate or a count.
pub fn aggregate_word(aggregate: Aggregate) -> &'static str {
    match aggregate {
        Aggregate::Last | Aggregate::Rate => "",
        Aggregate::Min => "min",
        Aggregate::Max => "max",
        Aggregate::Mean => "mean",
        Aggregate::Median => "median",
        Aggregate::P5 => "P5",
        Aggregate::P95 => "P95",
        Aggregate::Std => "std dev",
        Aggregate::Count => "readings",
    }
}

/// A criterion's aggregated value as a reviewer reads it: `max 31.4 °C`, `99.2 %`, `2H`.
pub fn aggregated_value(criterion: &Criterion, measure: &Measure<'_>, value: f64) -> String {
    prefixed(
        aggregate_word(criterion.aggregate),
        &Scale::of(criterion, measure).value(value),
    )
}

/// `word rest`, or `rest` alone when there is no word.
fn prefixed(word: &str, rest: &str) -> String {
    if word.is_empty() {
        rest.to_string()
    } else {
        format!("{word} {rest}")
    }
}

/// The requirement as a person writes it: `≥ 98 %`, `max ≤ 2 K`, `mean −10 °C ± 2 K`,
/// `23 … 27 °C`, `= 0`, `≥ H`; [`RECORDED`] for a criterion that only records its value. A
/// number the limit lacks shows as `?`.
pub fn requirement_words(criterion: &Criterion, measure: &Measure<'_>) -> String {
    let scale = Scale::of(criterion, measure);
    let limit = &criterion.limit;
    let show = |n: Option<f64>| n.map_or_else(|| "?".to_string(), |n| scale.limit(n));
    let number = |n: Option<f64>| n.map_or_else(|| "?".to_string(), |n| bare_limit(&scale, n));
    let text = match criterion.compare {
        Comparison::LOG => {
            let aggregate = bracketed(aggregate_word(criterion.aggregate));
            return format!("{RECORDED} {aggregate}").trim_end().to_string();
        }
        Comparison::GE => format!("≥ {}", show(limit.value)),
        Comparison::GT => format!("> {}", show(limit.value)),
        Comparison::LE => format!("≤ {}", show(limit.value)),
        Comparison::LT => format!("< {}", show(limit.value)),
        Comparison::EQ => format!("= {}", show(limit.value)),
        Comparison::NE => format!("≠ {}", show(limit.value)),
        Comparison::GELE => format!("{} … {}", number(limit.low), show(limit.high)),
        Comparison::GTLT => format!("> {} and < {}", number(limit.low), show(limit.high)),
        Comparison::GELT => format!("≥ {} and < {}", number(limit.low), show(limit.high)),
        Comparison::GTLE => format!("> {} and ≤ {}", number(limit.low), show(limit.high)),
        Comparison::EQT => format!(
            "{} ± {}",
            show(limit.value),
            limit
                .tolerance
                .map_or_else(|| "?".to_string(), |t| scale.tolerance(t)),
        ),
    };
    prefixed(aggregate_word(criterion.aggregate), &text)
}

/// `(max)`, or nothing.
fn bracketed(word: &str) -> String {
    if word.is_empty() {
        String::new()
    } else {
        format!("({word})")
    }
}

/// The lower bound of a range: its number without the unit the upper bound carries (grades
/// keep their name).
fn bare_limit(scale: &Scale<'_>, value: f64) -> String {
    if let Some(word) = scale.word(value) {
        word
    } else if scale.is_percent() {
        exact(value * 100.0)
    } else {
        exact(value)
    }
}

/// A criterion line of the criterion column: `label: requirement`.
pub fn criterion_line(item: &Item, criterion: &Criterion) -> String {
    let measure = Measure::of(item, &criterion.measurement);
    format!(
        "{}: {}",
        measure.label(),
        requirement_words(criterion, &measure)
    )
}

/// The pencil hardness grade of a plan value (the number of H): 9H … 2H, H (1), F (0),
/// HB (−1), B (−2), 2B (−3) … 9B (−10). Values between grades round to the nearest; values
/// off the scale show the number with the unit.
pub fn pencil_grade(value: f64) -> String {
    let rounded = value.round();
    if !(-10.0..=9.0).contains(&rounded) {
        return format!("{} grade", exact(value));
    }
    match rounded as i32 {
        1 => "H".to_string(),
        0 => "F".to_string(),
        -1 => "HB".to_string(),
        -2 => "B".to_string(),
        h if h > 1 => format!("{h}H"),
        b => format!("{}B", -b - 1),
    }
}

/// [`YES`] for a value of a half or more (1 is yes), else [`NO`].
pub fn yes_no(value: f64) -> &'static str {
    if value >= 0.5 {
        YES
    } else {
        NO
    }
}

/// A number with the proper minus sign (U+2212) instead of a hyphen.
fn signed(text: String) -> String {
    match text.strip_prefix('-') {
        Some(magnitude) if magnitude.chars().any(|c| c != '0' && c != '.') => {
            format!("−{magnitude}")
        }
        Some(magnitude) => magnitude.to_string(),
        None => text,
    }
}

/// A value rounded to `resolution` with as many decimals as the resolution has (`0.1` → one),
/// or to [`DEFAULT_SIGNIFICANT_DIGITS`] significant digits without one.
pub fn rounded(value: f64, resolution: Option<f64>) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    match resolution.filter(|r| r.is_finite() && *r > 0.0) {
        Some(resolution) => {
            let decimals = (-resolution.log10() - 1e-9).ceil().max(0.0) as usize;
            let steps = (value / resolution).round();
            signed(format!("{:.decimals$}", steps * resolution))
        }
        None => significant(value, DEFAULT_SIGNIFICANT_DIGITS),
    }
}

/// `value` to `digits` significant digits, trailing zeros dropped; whole numbers keep every
/// digit (`1234.6` → `1235`).
fn significant(value: f64, digits: i32) -> String {
    if value == 0.0 {
        return "0".to_string();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (digits - 1 - magnitude).clamp(0, 12) as usize;
    let fixed = format!("{value:.decimals$}");
    let trimmed = if fixed.contains('.') {
        fixed.trim_end_matches('0').trim_end_matches('.')
    } else {
        fixed.as_str()
    };
    signed(trimmed.to_string())
}

/// A limit number as written: up to 10 significant digits (so 0.98 × 100 shows as `98`),
/// with the proper minus sign.
pub fn exact(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    significant(value, 10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::Limit;

    fn spec(name: &str, unit: &str, zh: &str, en: &str, res: Option<f64>) -> MeasurementSpec {
        MeasurementSpec {
            name: name.into(),
            unit: unit.into(),
            label_zh: Some(zh.into()),
            label_en: Some(en.into()),
            resolution: res,
        }
    }

    fn criterion(
        name: &str,
        aggregate: Aggregate,
        compare: Comparison,
        limit: Limit,
        unit: &str,
    ) -> Criterion {
        Criterion {
            measurement: name.into(),
            aggregate,
            compare,
            limit,
            unit: unit.into(),
        }
    }

    fn single(value: f64) -> Limit {
        Limit {
            value: Some(value),
            ..Limit::default()
        }
    }

    #[test]
    fn labels_are_bilingual_with_the_name_as_fallback() {
        let face = spec(
            "face_ok",
            "1",
            "人脸支付成功率",
            "face payment success rate",
            None,
        );
        let measure = Measure {
            name: "face_ok",
            spec: Some(&face),
        };
        assert_eq!(measure.label(), "人脸支付成功率 face payment success rate");
        let bare = Measure {
            name: "usb_reenum",
            spec: None,
        };
        assert_eq!(bare.label(), "usb_reenum");
    }

    #[test]
    fn rates_are_percent_rounded_to_a_tenth() {
        let face = spec(
            "face_ok",
            "1",
            "人脸支付成功率",
            "face payment success rate",
            None,
        );
        let measure = Measure {
            name: "face_ok",
            spec: Some(&face),
        };
        let c = criterion(
            "face_ok",
            Aggregate::Rate,
            Comparison::GE,
            single(0.99),
            "1",
        );
        let scale = Scale::of(&c, &measure);
        assert_eq!(scale.value(0.9917), "99.2 %");
        assert_eq!(scale.value(1.0), "100.0 %");
        assert_eq!(requirement_words(&c, &measure), "≥ 99 %");
        let line = format!("{}: {}", measure.label(), scale.value(0.9917));
        assert_eq!(line, "人脸支付成功率 face payment success rate: 99.2 %");
    }

    #[test]
    fn values_round_to_the_resolution_with_a_true_minus() {
        assert_eq!(rounded(25.349, Some(0.1)), "25.3");
        assert_eq!(rounded(25.0, Some(0.1)), "25.0");
        assert_eq!(rounded(-10.04, Some(0.1)), "−10.0");
        assert_eq!(rounded(-0.04, Some(0.1)), "0.0");
        assert_eq!(rounded(1234.0, Some(5.0)), "1235");
        assert_eq!(rounded(0.01234, Some(0.001)), "0.012");
        assert_eq!(rounded(31.23456, None), "31.23");
        assert_eq!(rounded(1234.56, None), "1235");
        assert_eq!(rounded(-0.000123456, None), "−0.0001235");
        assert_eq!(rounded(0.0, None), "0");
        assert_eq!(exact(-10.0), "−10");
        assert_eq!(exact(0.98 * 100.0), "98");
        assert!(!exact(-2.5).contains('-'));
    }

    #[test]
    fn criteria_read_as_a_person_writes_them() {
        let temp = spec(
            "chamber_temp",
            "°C",
            "箱内温度",
            "chamber temperature",
            Some(0.1),
        );
        let measure = Measure {
            name: "chamber_temp",
            spec: Some(&temp),
        };
        let eqt = Limit {
            value: Some(-10.0),
            tolerance: Some(2.0),
            ..Limit::default()
        };
        let range = Limit {
            low: Some(23.0),
            high: Some(27.0),
            ..Limit::default()
        };
        let cases = [
            (
                Aggregate::Mean,
                Comparison::EQT,
                eqt,
                "°C",
                "mean −10 °C ± 2 K",
            ),
            (Aggregate::Last, Comparison::EQT, eqt, "°C", "−10 °C ± 2 K"),
            (
                Aggregate::Max,
                Comparison::LE,
                single(77.0),
                "°C",
                "max ≤ 77 °C",
            ),
            (
                Aggregate::Mean,
                Comparison::GELE,
                range,
                "°C",
                "mean 23 … 27 °C",
            ),
            (
                Aggregate::Min,
                Comparison::GTLT,
                range,
                "°C",
                "min > 23 and < 27 °C",
            ),
            (
                Aggregate::Max,
                Comparison::EQ,
                single(0.0),
                "count",
                "max = 0",
            ),
            (
                Aggregate::Count,
                Comparison::GE,
                single(3.0),
                "count",
                "readings ≥ 3",
            ),
            (
                Aggregate::Last,
                Comparison::LE,
                single(3.0),
                "cycles",
                "≤ 3 cycles",
            ),
            (
                Aggregate::Max,
                Comparison::LOG,
                Limit::default(),
                "°C",
                "已记录 recorded (max)",
            ),
            (
                Aggregate::Last,
                Comparison::LOG,
                Limit::default(),
                "°C",
                "已记录 recorded",
            ),
            (
                Aggregate::Max,
                Comparison::GELE,
                Limit::default(),
                "°C",
                "max ? … ?",
            ),
        ];
        for (aggregate, compare, limit, unit, want) in cases {
            let c = criterion("chamber_temp", aggregate, compare, limit, unit);
            let words = requirement_words(&c, &measure);
            assert_eq!(words, want);
            assert!(!words.contains("− -") && !words.contains('-'), "{words}");
        }
        let c = criterion(
            "chamber_temp",
            Aggregate::Max,
            Comparison::LE,
            single(2.0),
            "°C",
        );
        assert_eq!(
            criterion_line_for(&c, &measure),
            "箱内温度 chamber temperature: max ≤ 2 °C"
        );
    }

    fn criterion_line_for(c: &Criterion, measure: &Measure<'_>) -> String {
        format!("{}: {}", measure.label(), requirement_words(c, measure))
    }

    #[test]
    fn pencil_hardness_is_a_grade_name() {
        let cases = [
            (9.0, "9H"),
            (2.0, "2H"),
            (1.0, "H"),
            (0.0, "F"),
            (-1.0, "HB"),
            (-2.0, "B"),
            (-3.0, "2B"),
            (-10.0, "9B"),
            (1.4, "H"),
            (12.0, "12 grade"),
            (-11.0, "−11 grade"),
        ];
        for (value, want) in cases {
            assert_eq!(pencil_grade(value), want, "{value}");
        }
        let pencil = spec(
            "pencil_hardness",
            "grade",
            "铅笔硬度",
            "pencil hardness",
            None,
        );
        let measure = Measure {
            name: "pencil_hardness",
            spec: Some(&pencil),
        };
        let c = criterion(
            "pencil_hardness",
            Aggregate::Last,
            Comparison::GE,
            single(2.0),
            "grade",
        );
        assert_eq!(requirement_words(&c, &measure), "≥ 2H");
        assert_eq!(Scale::of(&c, &measure).value(3.0), "3H");
    }

    #[test]
    fn yes_no_measurements_read_as_words() {
        let flag = spec("door_locked", "bool", "门锁闭合", "door locked", None);
        let measure = Measure {
            name: "door_locked",
            spec: Some(&flag),
        };
        let must = criterion(
            "door_locked",
            Aggregate::Min,
            Comparison::EQ,
            single(1.0),
            "bool",
        );
        assert_eq!(requirement_words(&must, &measure), "min = 是 yes");
        let scale = Scale::of(&must, &measure);
        assert_eq!(
            (scale.value(1.0), scale.value(0.0)),
            (YES.into(), NO.into())
        );
        let raw = Scale::raw("bool", &measure);
        assert_eq!(raw.values(&[1.0, 0.0, 1.0]), "是 yes, 否 no, 是 yes");
        let rate = criterion(
            "door_locked",
            Aggregate::Rate,
            Comparison::GE,
            single(0.9),
            "bool",
        );
        assert_eq!(Scale::of(&rate, &measure).value(0.75), "75.0 %");
        assert_eq!(requirement_words(&rate, &measure), "≥ 90 %");
        let count = criterion(
            "door_locked",
            Aggregate::Count,
            Comparison::GE,
            single(3.0),
            "bool",
        );
        assert_eq!(Scale::of(&count, &measure).value(4.0), "4");
        let mean = criterion(
            "door_locked",
            Aggregate::Mean,
            Comparison::LOG,
            Limit::default(),
            "bool",
        );
        assert_eq!(Scale::of(&mean, &measure).value(0.5), "0.5");
    }

    #[test]
    fn cjk_labels_pass_through_unchanged() {
        let s = spec("x", "mm", "跌落高度", "drop height", Some(1.0));
        let measure = Measure {
            name: "x",
            spec: Some(&s),
        };
        let scale = Scale::raw("mm", &measure);
        assert_eq!(
            format!("{}: {}", measure.label(), scale.value(749.6)),
            "跌落高度 drop height: 750 mm"
        );
        let angle = Scale::raw(
            "°",
            &Measure {
                name: "a",
                spec: None,
            },
        );
        assert_eq!(angle.value(45.0), "45°");
        assert_eq!(angle.values(&[45.0, -1.5]), "45°, −1.5°");
        assert_eq!(scale.values(&[0.2, 749.6]), "0, 750 mm");
    }
}
