//! Text encodings of delimited and JSON files (SPEC §3): UTF-8 with or without BOM,
//! UTF-16 with BOM (transcoded to UTF-8 as it streams), and Windows-1252 when the bytes
//! are not valid UTF-8.
//!
//! UTF-8 and Windows-1252 agree on every byte the parsers look at (delimiters, quotes,
//! digits, line breaks), so a file is parsed as bytes while [`Utf8Check`] watches whether
//! it is valid UTF-8; which of the two it was is decided at the end, and only the
//! distinct text values are decoded.

use crate::error::LoadError;
use crate::transform::stage::TextEncoding;

/// The byte order mark at the start of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bom {
    None,
    Utf8,
    Utf16Le,
    Utf16Be,
}

impl Bom {
    /// Detects a BOM; `None` when `bytes` is too short to tell and more may come.
    pub fn detect(bytes: &[u8], at_end: bool) -> Option<Bom> {
        if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
            Some(Bom::Utf8)
        } else if bytes.starts_with(&[0xFF, 0xFE]) {
            Some(Bom::Utf16Le)
        } else if bytes.starts_with(&[0xFE, 0xFF]) {
            Some(Bom::Utf16Be)
        } else if !at_end
            && bytes.len() < 3
            && [0xEFu8, 0xFF, 0xFE].contains(bytes.first().unwrap_or(&0xEF))
        {
            None
        } else {
            Some(Bom::None)
        }
    }

    /// Length of the mark in bytes.
    pub fn byte_len(self) -> usize {
        match self {
            Bom::None => 0,
            Bom::Utf8 => 3,
            Bom::Utf16Le | Bom::Utf16Be => 2,
        }
    }

    /// The UTF-16 decoder for a UTF-16 mark.
    pub fn utf16_decoder(self) -> Option<encoding_rs::Decoder> {
        match self {
            Bom::Utf16Le => Some(encoding_rs::UTF_16LE.new_decoder_without_bom_handling()),
            Bom::Utf16Be => Some(encoding_rs::UTF_16BE.new_decoder_without_bom_handling()),
            _ => None,
        }
    }
}

/// Bytes that Windows-1252 leaves undefined.
fn undefined_in_windows_1252(byte: u8) -> bool {
    matches!(byte, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D)
}

/// Watches a byte stream, chunk by chunk, for UTF-8 validity and for bytes undefined in
/// Windows-1252, so the encoding can be decided at the end whatever the chunking.
#[derive(Debug, Default)]
pub struct Utf8Check {
    invalid: bool,
    carry: Vec<u8>,
    offset: u64,
    undefined: Option<(u8, u64)>,
}

fn sequence_len(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

impl Utf8Check {
    /// Takes the next chunk.
    pub fn update(&mut self, chunk: &[u8]) {
        let start = self.offset;
        self.offset += chunk.len() as u64;
        if chunk.is_ascii() && self.carry.is_empty() {
            return;
        }
        if self.undefined.is_none() {
            if let Some(i) = chunk.iter().position(|&b| undefined_in_windows_1252(b)) {
                self.undefined = Some((chunk[i], start + i as u64));
            }
        }
        if self.invalid {
            return;
        }
        let mut data = chunk;
        if !self.carry.is_empty() {
            let need = sequence_len(self.carry[0]).saturating_sub(self.carry.len());
            let take = need.min(data.len());
            self.carry.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.carry.len() < sequence_len(self.carry[0]) {
                return;
            }
            if std::str::from_utf8(&self.carry).is_err() {
                self.invalid = true;
                return;
            }
            self.carry.clear();
        }
        if let Err(e) = std::str::from_utf8(data) {
            if e.error_len().is_none() {
                self.carry.extend_from_slice(&data[e.valid_up_to()..]);
            } else {
                self.invalid = true;
            }
        }
    }

    /// Whether a byte sequence seen is not UTF-8: the file is then Windows-1252 (or
    /// refused at the end, for a byte undefined there), whatever comes next.
    pub fn is_invalid(&self) -> bool {
        self.invalid
    }

    /// The encoding of everything seen: UTF-8 if valid, else Windows-1252 unless a byte
    /// undefined there occurred.
    pub fn finish(&self) -> Result<TextEncoding, LoadError> {
        if !self.invalid && self.carry.is_empty() {
            return Ok(TextEncoding::Utf8);
        }
        match self.undefined {
            Some((byte, offset)) => Err(LoadError::UnknownEncoding { byte, offset }),
            None => Ok(TextEncoding::Windows1252),
        }
    }
}

/// Decodes a whole buffer to text by the same rules (used for JSON).
pub fn decode_whole(bytes: &[u8]) -> Result<String, LoadError> {
    let bom = Bom::detect(bytes, true).unwrap_or(Bom::None);
    let body = &bytes[bom.byte_len()..];
    if let Some(mut decoder) = bom.utf16_decoder() {
        let mut out = String::with_capacity(body.len());
        let capacity = decoder
            .max_utf8_buffer_length(body.len())
            .unwrap_or(body.len() * 3);
        out.reserve(capacity);
        let _ = decoder.decode_to_string(body, &mut out, true);
        return Ok(out);
    }
    let mut check = Utf8Check::default();
    check.update(body);
    Ok(check.finish()?.decode(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_in_chunks(bytes: &[u8], size: usize) -> Result<TextEncoding, LoadError> {
        let mut check = Utf8Check::default();
        for chunk in bytes.chunks(size.max(1)) {
            check.update(chunk);
        }
        check.finish()
    }

    #[test]
    fn utf8_split_anywhere_stays_utf8() {
        let text = "Café – 12 € 😀 end".as_bytes();
        for size in 1..text.len() {
            assert_eq!(
                check_in_chunks(text, size),
                Ok(TextEncoding::Utf8),
                "chunk {size}"
            );
        }
    }

    #[test]
    fn invalid_utf8_is_windows_1252() {
        let text = b"Caf\xe9 \x80 12";
        for size in 1..text.len() {
            assert_eq!(check_in_chunks(text, size), Ok(TextEncoding::Windows1252));
        }
        assert_eq!(
            TextEncoding::Windows1252.decode(b"Caf\xe9 \x8012"),
            "Café €12"
        );
    }

    #[test]
    fn truncated_utf8_at_end_is_not_utf8() {
        assert_eq!(
            check_in_chunks(b"ab\xe2\x82", 2),
            Ok(TextEncoding::Windows1252)
        );
    }

    #[test]
    fn undefined_byte_makes_the_file_unreadable() {
        let err = check_in_chunks(b"ok \xe9 then \x81", 3).unwrap_err();
        assert_eq!(
            err,
            LoadError::UnknownEncoding {
                byte: 0x81,
                offset: 10
            }
        );
        // 0x81 inside valid UTF-8 ("Á" is C3 81) is fine while the file is UTF-8.
        assert_eq!(check_in_chunks("Á".as_bytes(), 1), Ok(TextEncoding::Utf8));
    }

    #[test]
    fn boms() {
        assert_eq!(Bom::detect(b"\xEF\xBB\xBFa", false), Some(Bom::Utf8));
        assert_eq!(Bom::detect(b"\xFF\xFEa\0", false), Some(Bom::Utf16Le));
        assert_eq!(Bom::detect(b"\xFE\xFF\0a", false), Some(Bom::Utf16Be));
        assert_eq!(Bom::detect(b"\xEF", false), None);
        assert_eq!(Bom::detect(b"ab", false), Some(Bom::None));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("[{\"a\":1}]".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode_whole(&utf16).unwrap(), "[{\"a\":1}]");
    }
}
