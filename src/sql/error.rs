//! The SQL layer's one error: what went wrong, and where in the text when known.

use serde::Serialize;

/// Why a query cannot run: a syntax error (with its line and column), a name that does
/// not resolve, something not supported, or a failure while running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SqlError {
    pub message: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
}

impl SqlError {
    pub fn new(message: impl Into<String>) -> Self {
        SqlError {
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            if !self.message.contains("Line: ") {
                write!(f, " (line {line}, column {column})")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for SqlError {}
