//! Where a star table's memory goes ([`TableMemory`]): its columns at their stored
//! widths, its extra columns, its key index and the dictionaries its keys point into.

use crate::model::dict::Dictionary;
use crate::model::idtable::{self, IdTable};
use crate::model::keys::KeyColumn;
use crate::model::star_table::{Extras, StoredColumn, Values};

/// The memory of one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMemory {
    pub name: &'static str,
    /// Bytes a row takes (2 for a narrow key column, 4 once wide, 8 for money, ...).
    pub width: usize,
    /// Bytes the rows take: rows x width.
    pub bytes: usize,
    /// Bytes allocated: capacity x width (growth leaves room for more rows).
    pub heap_bytes: usize,
}

impl ColumnMemory {
    fn of<T>(name: &'static str, column: &Vec<T>) -> Self {
        let width = std::mem::size_of::<T>();
        ColumnMemory {
            name,
            width,
            bytes: column.len() * width,
            heap_bytes: column.capacity() * width,
        }
    }

    pub(super) fn of_stored(column: &StoredColumn<'_>) -> Self {
        match column.values {
            Values::Keys(keys) => Self::of_keys(column.name, keys),
            Values::U32(v) => Self::of(column.name, v),
            Values::I64(v) => Self::of(column.name, v),
            Values::Days(v) => Self::of(column.name, v),
            Values::U16(v) => Self::of(column.name, v),
            Values::U8(v) => Self::of(column.name, v),
        }
    }

    fn of_keys(name: &'static str, column: &KeyColumn) -> Self {
        ColumnMemory {
            name,
            width: column.width(),
            bytes: column.len() * column.width(),
            heap_bytes: column.heap_bytes(),
        }
    }
}

/// Where a table's memory goes: its columns, extra columns, key index and the
/// dictionaries its keys point into
/// ([`StarSchema::campaign_memory`](crate::model::star::StarSchema::campaign_memory)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableMemory {
    pub table: &'static str,
    pub rows: usize,
    pub columns: Vec<ColumnMemory>,
    /// Heap bytes of the extra (unknown) columns and their values.
    pub extras: usize,
    /// Heap bytes of the key index (a hash table of `u32` row numbers).
    pub index: usize,
    /// Bytes of each dictionary the table's keys point into (shared with the other
    /// tables), estimated from its values: text, end offsets and intern table.
    pub dictionaries: Vec<(&'static str, usize)>,
}

impl TableMemory {
    /// Bytes a row takes in the columns: the sum of their widths.
    pub fn row_width(&self) -> usize {
        self.columns.iter().map(|c| c.width).sum()
    }

    /// Bytes the rows take in the columns.
    pub fn column_bytes(&self) -> usize {
        self.columns.iter().map(|c| c.bytes).sum()
    }

    /// Bytes allocated for the columns.
    pub fn column_heap_bytes(&self) -> usize {
        self.columns.iter().map(|c| c.heap_bytes).sum()
    }

    /// Bytes of the dictionaries.
    pub fn dictionary_bytes(&self) -> usize {
        self.dictionaries.iter().map(|(_, b)| b).sum()
    }

    /// `bytes` per row (0 for an empty table).
    pub fn per_row(&self, bytes: usize) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            bytes as f64 / self.rows as f64
        }
    }
}

impl std::fmt::Display for TableMemory {
    /// One line: `fact_campaigns: 1000000 rows x 48 bytes in columns (tenant 2, ...),
    /// 45.8 MiB (allocated 45.8 MiB); key index 16.0 MiB (16.8 bytes a row);
    /// dictionaries 30.1 MiB`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const MIB: f64 = 1024.0 * 1024.0;
        let widths: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.width))
            .collect();
        write!(
            f,
            "{}: {} rows x {} bytes in columns ({}), {:.1} MiB (allocated {:.1} MiB); \
             key index {:.1} MiB ({:.1} bytes a row); dictionaries {:.1} MiB",
            self.table,
            self.rows,
            self.row_width(),
            widths.join(", "),
            self.column_bytes() as f64 / MIB,
            self.column_heap_bytes() as f64 / MIB,
            self.index as f64 / MIB,
            self.per_row(self.index),
            self.dictionary_bytes() as f64 / MIB,
        )?;
        if self.extras > 0 {
            write!(f, "; extra columns {:.1} MiB", self.extras as f64 / MIB)?;
        }
        Ok(())
    }
}

/// Bytes of a dictionary, from its values: the text, one end offset each and an intern
/// table ([`IdTable::slots_for`] slots of [`idtable::SLOT_BYTES`]).
pub(super) fn dictionary_bytes(dict: &Dictionary) -> usize {
    let values = dict.len();
    let text: usize = dict.values().map(str::len).sum();
    text + values * std::mem::size_of::<usize>()
        + IdTable::slots_for(values) * idtable::SLOT_BYTES as usize
}

/// Heap bytes of a table's extra columns and their dictionary.
pub(super) fn extras_bytes(extras: &Extras) -> usize {
    extras
        .columns
        .iter()
        .map(|c| c.capacity() * 4)
        .sum::<usize>()
        + if extras.columns.is_empty() {
            0
        } else {
            dictionary_bytes(&extras.values)
        }
}
