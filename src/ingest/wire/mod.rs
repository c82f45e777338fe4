//! A small binary codec for handing engine data between the page's workers.
//!
//! The page reads a large file with several web workers, each with its own wasm
//! memory: the engine worker hands a piece of the file to a parsing worker, which
//! sends back the typed columns it staged ([`crate::ingest::delimited::parse_piece`],
//! written by [`write_fork`]). Without shared memory, that trip is bytes in a
//! `postMessage`: this module writes them as little-endian values at their stored width
//! (a column of `u32` keys is a memcpy, not a per-value serde walk, which for a million
//! rows would cost more than parsing them) and reads them back with every length checked, so bytes that are not what the
//! writer wrote give an error, never a panic or an out-of-bounds read.
//!
//! ```
//! use bi_platform::ingest::wire::{Reader, Writer};
//! let mut w = Writer::default();
//! w.u64(7);
//! w.u32s(&[1, 2, 3]);
//! w.text("hé");
//! let bytes = w.into_bytes();
//! let mut r = Reader::new(&bytes);
//! assert_eq!(r.u64().unwrap(), 7);
//! assert_eq!(r.u32s().unwrap(), vec![1, 2, 3]);
//! assert_eq!(r.text().unwrap(), "hé");
//! assert!(r.end().is_ok());
//! assert!(Reader::new(&bytes[..5]).u64().is_err());
//! ```

mod fork;

pub use fork::{read_fork, read_fork_spec, write_fork, write_fork_spec};
use std::fmt;

/// Bytes that are not what a [`Writer`] wrote: cut short, a length past the end, text
/// that is not UTF-8, or bytes left over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed worker message: {}", self.0)
    }
}

impl std::error::Error for WireError {}

/// Writes values one after another.
#[derive(Debug, Default)]
pub struct Writer {
    out: Vec<u8>,
}

macro_rules! slices {
    ($($put:ident, $get:ident, $t:ty;)*) => {
        impl Writer {
            $(
                /// A length, then the values at their width, little-endian.
                pub fn $put(&mut self, values: &[$t]) {
                    const WIDTH: usize = std::mem::size_of::<$t>();
                    self.count(values.len());
                    // Sized once, then filled: a push per value checked the capacity
                    // each time and could not be vectorised (a byte at a time for the
                    // text arena, which every parsing worker's answer writes).
                    let start = self.out.len();
                    self.out.resize(start + std::mem::size_of_val(values), 0);
                    for (to, v) in self.out[start..].chunks_exact_mut(WIDTH).zip(values) {
                        to.copy_from_slice(&v.to_le_bytes());
                    }
                }
            )*
        }
        impl Reader<'_> {
            $(
                /// Values written by the `Writer` method of the same shape.
                pub fn $get(&mut self) -> Result<Vec<$t>, WireError> {
                    const WIDTH: usize = std::mem::size_of::<$t>();
                    let n = self.count_of(WIDTH)?;
                    let bytes = self.take(n * WIDTH)?;
                    Ok(bytes
                        .chunks_exact(WIDTH)
                        .map(|c| <$t>::from_le_bytes(c.try_into().expect("WIDTH bytes")))
                        .collect())
                }
            )*
        }
    };
}

slices! {
    u8s, u8s, u8;
    u16s, u16s, u16;
    u32s, u32s, u32;
    i32s, i32s, i32;
    u64s, u64s, u64;
    i64s, i64s, i64;
}

impl Writer {
    /// A writer with room for `bytes` before it grows.
    pub fn with_capacity(bytes: usize) -> Self {
        Writer {
            out: Vec::with_capacity(bytes),
        }
    }

    /// One `u64`.
    pub fn u64(&mut self, value: u64) {
        self.out.extend_from_slice(&value.to_le_bytes());
    }

    /// A length or index.
    pub fn count(&mut self, n: usize) {
        self.u64(n as u64);
    }

    /// One byte.
    pub fn u8(&mut self, value: u8) {
        self.out.push(value);
    }

    /// A flag.
    pub fn flag(&mut self, value: bool) {
        self.out.push(u8::from(value));
    }

    /// UTF-8 text.
    pub fn text(&mut self, text: &str) {
        self.u8s(text.as_bytes());
    }

    /// Text or nothing.
    pub fn opt_text(&mut self, text: Option<&str>) {
        self.flag(text.is_some());
        if let Some(text) = text {
            self.text(text);
        }
    }

    /// The bytes written.
    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }
}

/// Reads what a [`Writer`] wrote, in the same order.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if n > self.bytes.len() {
            return Err(WireError(format!(
                "{n} bytes wanted, {} left",
                self.bytes.len()
            )));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    /// One `u64`.
    pub fn u64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    /// A length or index.
    pub fn count(&mut self) -> Result<usize, WireError> {
        let n = self.u64()?;
        usize::try_from(n).map_err(|_| WireError(format!("{n} does not fit this machine")))
    }

    /// A count of items at least `width` bytes each, checked against the bytes left,
    /// so that a wrong length never makes a reader reserve memory for nothing.
    fn count_of(&mut self, width: usize) -> Result<usize, WireError> {
        let n = self.count()?;
        if n.saturating_mul(width.max(1)) > self.bytes.len() {
            return Err(WireError(format!(
                "{n} items of {width} bytes announced, {} bytes left",
                self.bytes.len()
            )));
        }
        Ok(n)
    }

    /// A length of items at least `width` bytes each, checked against the bytes left.
    pub fn items(&mut self, width: usize) -> Result<usize, WireError> {
        self.count_of(width)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }

    /// A flag.
    pub fn flag(&mut self) -> Result<bool, WireError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(WireError(format!("{other} is not a flag"))),
        }
    }

    /// UTF-8 text.
    pub fn text(&mut self) -> Result<String, WireError> {
        String::from_utf8(self.u8s()?).map_err(|_| WireError("text is not UTF-8".into()))
    }

    /// Text or nothing.
    pub fn opt_text(&mut self) -> Result<Option<String>, WireError> {
        Ok(if self.flag()? {
            Some(self.text()?)
        } else {
            None
        })
    }

    /// Checks that every byte was read.
    pub fn end(&self) -> Result<(), WireError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(WireError(format!("{} bytes left over", self.bytes.len())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cut_of_a_message_is_refused() {
        let mut w = Writer::default();
        w.i64s(&[-5, i64::MAX]);
        w.opt_text(Some("x"));
        w.opt_text(None);
        w.flag(true);
        w.u16s(&[9]);
        let bytes = w.into_bytes();
        let read = |b: &[u8]| -> Result<(), WireError> {
            let mut r = Reader::new(b);
            assert_eq!(r.i64s()?, vec![-5, i64::MAX]);
            assert_eq!(r.opt_text()?, Some("x".to_string()));
            assert_eq!(r.opt_text()?, None);
            assert!(r.flag()?);
            assert_eq!(r.u16s()?, vec![9]);
            r.end()
        };
        read(&bytes).unwrap();
        for cut in 0..bytes.len() {
            assert!(read(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn a_huge_announced_length_is_an_error_not_an_allocation() {
        let mut w = Writer::default();
        w.u64(u64::MAX / 2);
        let bytes = w.into_bytes();
        assert!(Reader::new(&bytes).u64s().is_err());
        assert!(Reader::new(&bytes).items(1).is_err());
    }
}
