//! Parquet: the star schema out ([`export`]), through the `parquet` crate's low-level
//! column writer (feature `parquet`). Parquet files in are an ingest format
//! ([`crate::ingest::parquet`], also reachable here as [`read`]).
//!
//! Why no `arrow`: the warehouse is already columnar (typed vectors and dictionaries),
//! and the catalog's scans already give every value of a column in order, so the column
//! writer takes them directly; on the way in, each row group is decoded to cell text for
//! the staging ([`crate::ingest::columnar`]). Arrow's arrays would be a third columnar
//! layout between the two, and the `arrow` feature pulls in arrow-array, -buffer, -data,
//! -schema, -select, -ipc and their compute kernels: a much bigger wasm module and
//! compile, for nothing the engine needs.
//!
//! Codecs: snappy (pure Rust) everywhere; zstd natively only (the zstd crate wraps the C
//! library, which this toolchain does not build for wasm32). A file using another codec
//! is refused with a message naming it ([`read::ParquetFile::row_group`]).

pub mod export;
pub use crate::ingest::parquet as read;
