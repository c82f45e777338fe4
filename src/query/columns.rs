//! What a result's columns hold: each column's name, its [`ColumnType`] and a label for
//! people, declared once here (the dashboards) or derived from the plan and the values
//! (SQL results, [`crate::sql::types`]). The page and the command line format a cell by
//! its column's type, never by guessing from the column's name.
//!
//! The JSON shapes of SPEC §7 stay as they are (`columns` is a list of names): the types
//! travel beside them, through their own call (`dashboardInfo` in the page's binding)
//! or as an extra member of the page's own SQL result.

use serde::{Deserialize, Serialize};

pub use crate::model::columns::ColumnType;

/// One column of a result: `{"name", "type", "label"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColumnType,
    pub label: String,
}

/// A column declared in code (a dashboard's): what [`ResultColumn`] holds, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDecl {
    pub name: &'static str,
    pub ty: ColumnType,
    pub label: &'static str,
}

impl ColumnDecl {
    /// The declared column as result data.
    pub fn to_column(self) -> ResultColumn {
        ResultColumn {
            name: self.name.to_string(),
            ty: self.ty,
            label: self.label.to_string(),
        }
    }
}

/// A declaration, in the const tables of the dashboards.
pub const fn decl(name: &'static str, ty: ColumnType, label: &'static str) -> ColumnDecl {
    ColumnDecl { name, ty, label }
}

/// A result column that is the star schema's `column`, as the column table declares it.
pub const fn star(column: crate::model::columns::Column) -> ColumnDecl {
    let def = column.def();
    ColumnDecl {
        name: def.name,
        ty: def.ty,
        label: def.label,
    }
}

/// A column compares equal to its name, so a result's columns can be checked against a
/// list of names (`assert_eq!(result.columns, ["tenant_id", ...])`).
impl PartialEq<&str> for ColumnDecl {
    fn eq(&self, other: &&str) -> bool {
        self.name == *other
    }
}

impl PartialEq<ColumnDecl> for String {
    fn eq(&self, other: &ColumnDecl) -> bool {
        self == other.name
    }
}

impl PartialEq<ColumnDecl> for &str {
    fn eq(&self, other: &ColumnDecl) -> bool {
        *self == other.name
    }
}

impl Serialize for ColumnDecl {
    /// A declared column is written as its name: the `columns` of SPEC §7.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name)
    }
}

/// A label for a column that has none declared (a SQL alias): the name with
/// underscores as spaces, its first letter upper-case (`total_spent` is "Total spent").
///
/// ```
/// use bi_platform::query::columns::label_of;
/// assert_eq!(label_of("total_spent"), "Total spent");
/// assert_eq!(label_of("SUM(spend)"), "SUM(spend)");
/// ```
pub fn label_of(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_written_in_snake_case_and_read_back() {
        for ty in [
            ColumnType::Text,
            ColumnType::Integer,
            ColumnType::Code,
            ColumnType::Number,
            ColumnType::Money,
            ColumnType::Ratio,
            ColumnType::Date,
        ] {
            let json = serde_json::to_string(&ty).unwrap();
            assert_eq!(json, json.to_lowercase());
            assert_eq!(serde_json::from_str::<ColumnType>(&json).unwrap(), ty);
        }
        let column = decl("avg_ctr", ColumnType::Ratio, "Avg CTR").to_column();
        assert_eq!(
            serde_json::to_value(&column).unwrap(),
            serde_json::json!({"name": "avg_ctr", "type": "ratio", "label": "Avg CTR"})
        );
    }

    #[test]
    fn a_declared_column_is_written_and_compared_as_its_name() {
        let d = decl("tenant_id", ColumnType::Text, "Tenant");
        assert_eq!(serde_json::to_string(&[d]).unwrap(), r#"["tenant_id"]"#);
        assert_eq!(&[d][..], ["tenant_id"]);
        assert_eq!(vec!["tenant_id".to_string()], &[d][..]);
    }
}
