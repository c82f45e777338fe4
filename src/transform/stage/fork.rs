//! A builder's forks: an empty builder for more rows of the current section, filled on
//! another thread (the parallel ingest's pieces) and absorbed back in file order, and
//! the plain parts the worker codec moves between them ([`crate::ingest::wire`]).

use super::*;

impl TableBuilder {
    /// An empty builder for more rows of the current section, to be filled on another
    /// thread and handed back to [`TableBuilder::absorb`]: same table, header mapping,
    /// number format and date system.
    pub fn fork(&self) -> TableBuilder {
        let section = self.section();
        let mut fork = TableBuilder::new(self.table);
        fork.extra_names = self.extra_names.clone();
        fork.extras = vec![Vec::new(); self.extras.len()];
        fork.source = self.source.clone();
        fork.sections.push(Section {
            sheet: section.sheet.clone(),
            slots: section.slots.clone(),
            extras: section.extras.clone(),
            format: section.format,
            is_1904: section.is_1904,
            day_first: false,
            pending_dates: Vec::new(),
            first_rejection: 0,
            platform: section.platform,
        });
        fork
    }

    /// Makes room for `rows` more rows at once, where their number is known (a parsing
    /// worker's piece: its line feeds), rather than growing each column by doubling.
    pub fn reserve_rows(&mut self, rows: usize) {
        self.rows.reserve(rows);
        for (_, values) in &mut self.columns {
            values.reserve(rows);
        }
    }

    /// Takes the rows of a [`fork`](TableBuilder::fork) that continue this builder's
    /// current section, as if they had been pushed here: `line_offset` is added to their
    /// lines (a fork counts lines from the start of its own bytes). The fork's text joins
    /// this builder's dictionary under new keys without being looked up (a repeat is then
    /// stored twice, which the commit's dimension dictionaries undo, as for a column staged
    /// by appending), its slash dates wait for this section's rule, and its evidence for
    /// that rule counts here.
    pub fn absorb(&mut self, fork: TableBuilder, line_offset: u64) {
        debug_assert_eq!(fork.table, self.table);
        debug_assert_eq!(fork.sections.len(), 1);
        debug_assert_eq!(fork.extra_names, self.extra_names);
        debug_assert!(fork.dropped.is_empty(), "a fork's section has not ended");
        let first_row = self.rows.len();
        let first_key = self.dict.append_all(&fork.dict);
        let shift = |key: u32| {
            if key == NULL_KEY {
                NULL_KEY
            } else {
                key + first_key
            }
        };
        for ((_, into), (_, from)) in self.columns.iter_mut().zip(fork.columns) {
            match (into, from) {
                (StagedValues::Text(a), StagedValues::Text(b)) => {
                    a.extend(b.into_iter().map(shift))
                }
                (StagedValues::Count(a), StagedValues::Count(b)) => a.extend(b),
                (StagedValues::Money(a), StagedValues::Money(b)) => a.extend(b),
                (StagedValues::Date(a), StagedValues::Date(b)) => a.extend(b),
                (StagedValues::Year(a), StagedValues::Year(b)) => a.extend(b),
                (StagedValues::Month(a), StagedValues::Month(b)) => a.extend(b),
                _ => unreachable!("a fork stages the same columns"),
            }
        }
        for (into, from) in self.extras.iter_mut().zip(fork.extras) {
            into.extend(from.into_iter().map(shift));
        }
        let section_index = self.sections.len() - 1;
        self.rows
            .extend(fork.rows.into_iter().map(|source| RowSource {
                line: source.line + line_offset,
                section: section_index as u16,
            }));
        self.rejected
            .extend(fork.rejected.into_iter().map(|rejected| RejectedRow {
                line: rejected.line + line_offset,
                ..rejected
            }));
        self.rows_read += fork.rows_read;
        let [fork_section] = <[Section; 1]>::try_from(fork.sections).expect("one section");
        let section = self.sections.last_mut().expect("section");
        section.day_first |= fork_section.day_first;
        section.pending_dates.extend(
            fork_section
                .pending_dates
                .into_iter()
                .map(|(row, date)| (row + first_row, date)),
        );
    }

    /// What [`TableBuilder::fork`] copies, as plain data, for a worker with its own
    /// memory to make the same fork with [`TableBuilder::from_fork_spec`] (the bytes
    /// between the two are `ingest::wire`'s).
    pub fn fork_spec(&self) -> ForkSpec {
        let section = self.section();
        ForkSpec {
            table: self.table,
            extra_names: self.extra_names.clone(),
            sheet: section.sheet.clone(),
            slots: section.slots.clone(),
            extras: section.extras.clone(),
            format: section.format,
            is_1904: section.is_1904,
            platform: section.platform,
        }
    }

    /// The empty fork that [`TableBuilder::fork_spec`] described. The caller has
    /// checked the spec: one slot per table column, extra columns in range.
    pub fn from_fork_spec(spec: ForkSpec) -> TableBuilder {
        debug_assert_eq!(spec.slots.len(), spec.table.columns().len());
        let mut fork = TableBuilder::new(spec.table);
        fork.extras = vec![Vec::new(); spec.extra_names.len()];
        fork.extra_names = spec.extra_names;
        fork.sections.push(Section {
            sheet: spec.sheet,
            slots: spec.slots,
            extras: spec.extras,
            format: spec.format,
            is_1904: spec.is_1904,
            day_first: false,
            pending_dates: Vec::new(),
            first_rejection: 0,
            platform: spec.platform,
        });
        fork
    }

    /// What a fork staged (its rows, text, rejections and slash-date evidence), borrowed,
    /// for the builder it was forked from to take back on another worker
    /// ([`TableBuilder::with_parts`], then [`absorb`](TableBuilder::absorb)).
    pub fn fork_view(&self) -> ForkView<'_> {
        debug_assert_eq!(self.sections.len(), 1, "a fork has one section");
        debug_assert!(self.dropped.is_empty(), "a fork's section has not ended");
        let section = self.section();
        ForkView {
            rows_read: self.rows_read,
            rows: &self.rows,
            columns: &self.columns,
            extras: &self.extras,
            dict: &self.dict,
            rejected: &self.rejected,
            sheet: section.sheet.as_deref(),
            day_first: section.day_first,
            pending_dates: &section.pending_dates,
        }
    }

    /// This fork (fresh from [`TableBuilder::fork`]) holding `parts`, ready for
    /// [`absorb`](TableBuilder::absorb). The caller has checked the parts against the
    /// fork: one column of the fork's kind per table column, each as long as the rows,
    /// text keys inside the text, slash dates of existing rows.
    pub fn with_parts(mut self, parts: ForkParts) -> TableBuilder {
        debug_assert_eq!(parts.columns.len(), self.columns.len());
        debug_assert_eq!(parts.extras.len(), self.extras.len());
        self.rows_read = parts.rows_read;
        self.rows = parts.rows;
        for ((_, values), staged) in self.columns.iter_mut().zip(parts.columns) {
            *values = staged;
        }
        self.extras = parts.extras;
        self.dict = parts.dict;
        self.rejected = parts.rejected;
        let section = self.sections.last_mut().expect("a fork has its section");
        section.day_first = parts.day_first;
        section.pending_dates = parts.pending_dates;
        self
    }
}
