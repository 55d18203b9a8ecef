//! The device serial-number rule through the public API only: every part's violation, many
//! violations at once, expected-code mismatches, multibyte input and generated SNs.

use facebench::sn::{check, generate, OsType, SerialNumber, SnPart, SnProblem, SN_LEN};

const VALID: &str = "ABAK1012345678900000000";

fn lines(sn: &str, vendor: Option<&str>, model: Option<&str>) -> Vec<String> {
    match check(sn, vendor, model) {
        Ok(parsed) => panic!("{sn:?} checked valid: {parsed:?}"),
        Err(errors) => errors.to_string().lines().map(str::to_string).collect(),
    }
}

#[test]
fn a_valid_sn_splits_into_its_parts() {
    let sn = check("CDWM7ABCDEFGHIJ0Z9Y8X7W", Some("CD"), Some("M7")).unwrap();
    assert_eq!(
        sn,
        SerialNumber {
            vendor_code: "CD".to_string(),
            os: OsType::Windows,
            model_code: "M7".to_string(),
            vendor_serial: "ABCDEFGHIJ".to_string(),
            random: "0Z9Y8X7W".to_string(),
        }
    );
    assert_eq!(sn.to_string(), "CDWM7ABCDEFGHIJ0Z9Y8X7W");
    assert_eq!(check(VALID, None, None).map(|s| s.os), Ok(OsType::Android));
}

#[test]
fn parts_tile_the_23_characters() {
    let mut next = 1;
    for part in SnPart::ALL {
        assert_eq!(part.first(), next, "{}", part.name());
        next = part.last() + 1;
    }
    assert_eq!(next, SN_LEN + 1);
}

#[test]
fn wrong_length() {
    assert_eq!(
        lines("ABAK10123456789000000", None, None),
        ["length is 21, must be 23"]
    );
    assert_eq!(lines("", None, None), ["length is 0, must be 23"]);
    assert_eq!(
        lines(&format!("{VALID}\n"), None, None),
        [
            "length is 24, must be 23",
            r#"character 24 (beyond the 23rd) "\n": whitespace not allowed, use 0-9 and A-Z"#
        ]
    );
}

#[test]
fn each_part_reports_its_own_violation() {
    let cases = [
        (
            "aBAK1012345678900000000",
            r#"characters 1-2 (vendor code) "aB": lowercase (character 1) not allowed, use 0-9 and A-Z"#,
        ),
        (
            "ABXK1012345678900000000",
            r#"character 3 (OS type) "X": must be A (Android), W (Windows) or L (Linux)"#,
        ),
        (
            "ABaK1012345678900000000",
            r#"character 3 (OS type) "a": must be A (Android), W (Windows) or L (Linux)"#,
        ),
        (
            "ABAk1012345678900000000",
            r#"characters 4-5 (model code) "k1": lowercase (character 4) not allowed, use 0-9 and A-Z"#,
        ),
        (
            "ABAKB0123 5678900000000",
            r#"characters 6-15 (vendor serial) "0123 56789": whitespace (character 10) not allowed, use 0-9 and A-Z"#,
        ),
        (
            "ABAK101234567890000-00_",
            r#"characters 16-23 (random) "0000-00_": symbol (characters 20, 23) not allowed, use 0-9 and A-Z"#,
        ),
    ];
    for (sn, want) in cases {
        assert_eq!(lines(sn, None, None), [want], "{sn}");
    }
    assert_eq!(
        lines("ABAkm012345678900000000", None, None),
        [r#"characters 4-5 (model code) "km": lowercase not allowed, use 0-9 and A-Z"#]
    );
}

#[test]
fn every_violation_is_listed_at_once() {
    let got = lines("ab?k 0123456789x#\u{1}00000", Some("CD"), Some("K1"));
    assert_eq!(
        got,
        [
            r#"characters 1-2 (vendor code) "ab": lowercase not allowed, use 0-9 and A-Z"#,
            r#"character 3 (OS type) "?": must be A (Android), W (Windows) or L (Linux)"#,
            r#"characters 4-5 (model code) "k ": lowercase (character 4) and whitespace (character 5) not allowed, use 0-9 and A-Z"#,
            r#"characters 16-23 (random) "x#\u{1}00000": lowercase (character 16), control character (character 18) and symbol (character 17) not allowed, use 0-9 and A-Z"#,
        ]
    );
}

#[test]
fn expected_codes_must_match() {
    assert_eq!(
        lines(VALID, Some("CD"), Some("K1")),
        [r#"characters 1-2 (vendor code) "AB": does not match the expected "CD""#]
    );
    assert_eq!(
        lines(VALID, Some("AB"), Some("K2")),
        [r#"characters 4-5 (model code) "K1": does not match the expected "K2""#]
    );
    assert!(check(VALID, Some("AB"), Some("K1")).is_ok());
}

#[test]
fn multibyte_input_counts_characters_and_never_panics() {
    // 23 characters, 25 bytes: only the non-ASCII characters are wrong.
    let sn = "ABAK10123456é789000000Ａ";
    assert_eq!(sn.chars().count(), 23);
    assert_eq!(
        lines(sn, None, None),
        [
            r#"characters 6-15 (vendor serial) "0123456é78": non-ASCII (character 13) not allowed, use 0-9 and A-Z"#,
            r#"characters 16-23 (random) "9000000Ａ": non-ASCII (character 23) not allowed, use 0-9 and A-Z"#,
        ]
    );
    // 23 bytes but fewer characters; and a cut in the middle of a multibyte part.
    let short = "ABÄK10123456789000000";
    assert_eq!(short.len(), 22);
    let got = lines(short, None, None);
    assert_eq!(got[0], "length is 21, must be 23");
    assert!(got[1].contains(r#"character 3 (OS type) "Ä": non-ASCII"#));
    assert_eq!(
        lines("中文　", None, None),
        [
            "length is 3, must be 23",
            r#"characters 1-2 (vendor code) "中文": non-ASCII not allowed, use 0-9 and A-Z"#,
            r#"character 3 (OS type) "\u{3000}": whitespace not allowed, use 0-9 and A-Z"#,
        ]
    );
}

#[test]
fn generated_sns_check_valid_and_differ() {
    let mut seen = std::collections::HashSet::new();
    for _ in 0..200 {
        let sn = generate("AB", OsType::Linux, "K1", "0123456789").unwrap();
        let parsed = check(&sn, Some("AB"), Some("K1")).unwrap();
        assert_eq!(parsed.os, OsType::Linux);
        assert_eq!(parsed.vendor_serial, "0123456789");
        assert!(seen.insert(parsed.random), "repeated random part in {sn}");
    }
}

#[test]
fn generate_rejects_every_bad_part() {
    let err = generate("ABC", OsType::Android, "k1", "12345").unwrap_err();
    let got: Vec<String> = err.to_string().lines().map(str::to_string).collect();
    assert_eq!(
        got,
        [
            r#"vendor code "ABC": length is 3, must be 2"#,
            r#"model code "k1": lowercase (character 1) not allowed, use 0-9 and A-Z"#,
            r#"vendor serial "12345": length is 5, must be 10"#,
        ]
    );
    let err = generate("Ａ", OsType::Android, "K1", "0123456789").unwrap_err();
    assert_eq!(err.0.len(), 2);
    assert_eq!(
        err.0[0].problem,
        SnProblem::Length {
            actual: 1,
            expected: 2
        }
    );
}

#[test]
fn os_type_parses_letters_and_names() {
    for (text, want) in [
        ("A", OsType::Android),
        ("android", OsType::Android),
        ("W", OsType::Windows),
        ("Windows", OsType::Windows),
        ("l", OsType::Linux),
        (" LINUX ", OsType::Linux),
    ] {
        assert_eq!(text.parse::<OsType>(), Ok(want), "{text}");
    }
    let err = "ios".parse::<OsType>().unwrap_err();
    assert_eq!(
        err.to_string(),
        r#""ios" is not an OS type; use A (Android), W (Windows) or L (Linux)"#
    );
    assert_eq!(OsType::from_code('a'), None);
    assert_eq!(OsType::from_code('L'), Some(OsType::Linux));
}

#[test]
fn check_never_panics_on_mixed_input() {
    let alphabet: Vec<char> = "AWLZ09az -_\t\né中Ａ　😀".chars().collect();
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..5_000 {
        let len = (next() % 30) as usize;
        let sn: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        match check(&sn, Some("AW"), Some("L0")) {
            Ok(parsed) => assert_eq!(parsed.to_string(), sn),
            Err(errors) => {
                assert!(!errors.0.is_empty(), "{sn:?}");
                assert_eq!(errors.to_string().lines().count(), errors.0.len(), "{sn:?}");
            }
        }
    }
}
