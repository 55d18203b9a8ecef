//! Recognising the header row of a test-case sheet and what each of its columns holds.

use super::workbook::SheetData;

/// How many rows from the top are searched for the header row.
const HEADER_SEARCH_ROWS: u32 = 15;

/// What a column of a test-case sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// 序号 / No.
    Id,
    /// 测试项目 / Test item.
    Name,
    /// 测试条件 / Conditions (or the method).
    Conditions,
    /// 判定标准 / Criterion.
    Criterion,
    /// 实测值 / Measured.
    Measured,
    /// 测试结果 / Result.
    Result,
    /// 备注 / Note.
    Note,
}

impl Role {
    /// Every role, in the order headings are tried (the more specific words first).
    pub const ALL: [Role; 7] = [
        Role::Id,
        Role::Criterion,
        Role::Measured,
        Role::Result,
        Role::Note,
        Role::Conditions,
        Role::Name,
    ];

    /// The key used by `--sheet-map` (`id`, `name`, …).
    pub fn key(self) -> &'static str {
        match self {
            Role::Id => "id",
            Role::Name => "name",
            Role::Conditions => "conditions",
            Role::Criterion => "criterion",
            Role::Measured => "measured",
            Role::Result => "result",
            Role::Note => "note",
        }
    }

    /// Parses a `--sheet-map` key.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == text)
    }

    /// Words that, found in a heading, mark this role (lower case).
    fn words(self) -> &'static [&'static str] {
        match self {
            Role::Id => &["序号", "编号", "用例id", "item no", "no.", "s/n"],
            Role::Criterion => &[
                "判定标准",
                "判定依据",
                "合格标准",
                "验收标准",
                "标准要求",
                "技术要求",
                "预期结果",
                "criteri",
                "acceptance",
                "requirement",
                "expected",
            ],
            Role::Measured => &[
                "实测",
                "测试数据",
                "测量值",
                "测试值",
                "measured",
                "reading",
                "data",
            ],
            Role::Result => &[
                "测试结果",
                "结果",
                "判定",
                "结论",
                "result",
                "verdict",
                "pass/fail",
            ],
            Role::Note => &["备注", "note", "remark", "comment"],
            Role::Conditions => &[
                "测试条件",
                "试验条件",
                "条件",
                "测试方法",
                "试验方法",
                "测试步骤",
                "condition",
                "method",
                "procedure",
            ],
            Role::Name => &[
                "测试项目",
                "测试项",
                "项目",
                "名称",
                "test item",
                "item",
                "name",
            ],
        }
    }

    /// Headings that mark this role only when they are the whole heading.
    fn exact(self) -> &'static [&'static str] {
        match self {
            Role::Id => &["no", "id", "#", "nr"],
            _ => &[],
        }
    }
}

/// The role a heading names, if any.
pub fn role_of(heading: &str) -> Option<Role> {
    let text = heading.to_lowercase();
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return None;
    }
    Role::ALL.into_iter().find(|role| {
        role.exact().contains(&compact.as_str())
            || text.lines().any(|l| role.exact().contains(&l.trim()))
            || role
                .words()
                .iter()
                .any(|w| text.contains(w) || compact.contains(&w.replace(' ', "")))
    })
}

/// A sheet's header row (0-based) and the column of each role found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The header row, 0-based.
    pub row: u32,
    /// `(role, column)`, the first column of each role.
    pub columns: Vec<(Role, u32)>,
}

impl Header {
    /// The column of a role.
    pub fn column(&self, role: Role) -> Option<u32> {
        self.columns
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, c)| *c)
    }

    /// Sets (or replaces) the column of a role.
    pub fn set(&mut self, role: Role, column: u32) {
        self.columns.retain(|(r, _)| *r != role);
        self.columns.push((role, column));
        self.columns.sort();
    }
}

/// The columns a row's headings name.
pub fn roles_in_row(sheet: &SheetData, row: u32) -> Vec<(Role, u32)> {
    let mut columns: Vec<(Role, u32)> = Vec::new();
    for column in 0..=sheet.last_column().unwrap_or(0) {
        if let Some(role) = role_of(&sheet.text(row, column)) {
            if !columns.iter().any(|(r, _)| *r == role) {
                columns.push((role, column));
            }
        }
    }
    columns.sort();
    columns
}

/// The first row near the top that names an item column and at least two other roles.
pub fn find_header(sheet: &SheetData) -> Option<Header> {
    let last = sheet.last_row()?.min(HEADER_SEARCH_ROWS);
    (0..=last).find_map(|row| {
        let columns = roles_in_row(sheet, row);
        let has_name = columns.iter().any(|(r, _)| *r == Role::Name);
        (has_name && columns.len() >= 3).then_some(Header { row, columns })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_english_headings_are_recognised() {
        let cases = [
            ("序号", Some(Role::Id)),
            ("No.", Some(Role::Id)),
            ("ID", Some(Role::Id)),
            ("测试项目\nTest item", Some(Role::Name)),
            ("测试条件", Some(Role::Conditions)),
            ("Test method", Some(Role::Conditions)),
            ("判定标准", Some(Role::Criterion)),
            ("Acceptance criteria", Some(Role::Criterion)),
            ("测试结果", Some(Role::Result)),
            ("判定结果", Some(Role::Result)),
            ("实测结果", Some(Role::Measured)),
            ("实测值 Measured", Some(Role::Measured)),
            ("备注", Some(Role::Note)),
            ("Remarks", Some(Role::Note)),
            ("微信刷脸支付 桌面收银测试用例", None),
            ("", None),
        ];
        for (heading, role) in cases {
            assert_eq!(role_of(heading), role, "{heading:?}");
        }
    }

    #[test]
    fn sheet_map_keys_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.key()), Some(role));
        }
        assert_eq!(Role::parse("verdict"), None);
    }
}
