//! Parsing one cell's text into a typed value (SPEC §3).
//!
//! Everything works on bytes, not `str`: a delimited file is parsed before its encoding is
//! known (UTF-8 or Windows-1252 is decided at the end of the file), and every character the
//! grammar cares about is ASCII — except the currency signs, which are accepted in both
//! encodings (`€` is `E2 82 AC` in UTF-8 and `80` in Windows-1252; `£` is `C2 A3` / `A3`).
//!
//! Grammar of a number (money, counts, years, months):
//!
//! ```text
//! [sign] [currency [space]] [sign] digits-with-grouping [decimal-mark digits] [[space] currency]
//! ```
//!
//! where grouping is either no separator at all or groups of exactly three digits after
//! the first group of one to three. The decimal mark is `.` and the thousands separator
//! `,`, swapped in files delimited by `;` ([`NumberFormat::decimal_comma`]). Exponents are
//! never accepted.

use crate::model::date::{day_from_ymd, Day};
use std::fmt;

/// Why a cell could not be read as the column's type. Shown to users as the reason of a
/// rejected row, so each message quotes the value and says what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    /// Not a number at all.
    NotANumber(String),
    /// `1e3`: exponent notation is refused in every column.
    Exponent(String),
    /// Thousands separators not in groups of three (`1,23`).
    BadGrouping(String),
    /// A fraction in a whole-number column (`1.5`).
    NotWhole(String),
    /// Too large for the column's storage.
    TooLarge(String),
    /// Not in any accepted date format.
    NotADate(String),
    /// A date format was recognised but the day does not exist (`2024-02-30`).
    NoSuchDate(String),
    /// A spreadsheet error value cached in a formula cell (`#DIV/0!`).
    CellError(String),
    /// A value of another kind (a JSON object, a boolean) where a number or date belongs.
    WrongKind(String),
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::NotANumber(v) => write!(f, "'{v}' is not a number"),
            ValueError::Exponent(v) => {
                write!(
                    f,
                    "'{v}' uses an exponent, which is not accepted; write the number out in full"
                )
            }
            ValueError::BadGrouping(v) => {
                write!(
                    f,
                    "'{v}' has thousands separators that are not in groups of three"
                )
            }
            ValueError::NotWhole(v) => write!(f, "'{v}' is not a whole number"),
            ValueError::TooLarge(v) => write!(f, "'{v}' is too large"),
            ValueError::NotADate(v) => write!(
                f,
                "'{v}' is not a date (expected YYYY-MM-DD, YYYY/MM/DD, DD.MM.YYYY or M/D/YYYY)"
            ),
            ValueError::NoSuchDate(v) => write!(f, "'{v}' is not a valid calendar date"),
            ValueError::CellError(v) => write!(f, "the cell holds the spreadsheet error {v}"),
            ValueError::WrongKind(v) => write!(f, "{v} is not a number, text or date"),
        }
    }
}

/// How numbers are written in one file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NumberFormat {
    /// `true` in files delimited by `;`: `,` is the decimal mark and `.` groups thousands.
    pub decimal_comma: bool,
}

impl NumberFormat {
    fn marks(self) -> (u8, u8) {
        if self.decimal_comma {
            (b',', b'.')
        } else {
            (b'.', b',')
        }
    }
}

/// Trims ASCII whitespace (and the non-breaking space of UTF-8 and Windows-1252, which
/// spreadsheets put around numbers) from both ends.
pub fn trim(mut s: &[u8]) -> &[u8] {
    loop {
        match s {
            [b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c, rest @ ..] => s = rest,
            [0xc2, 0xa0, rest @ ..] => s = rest,
            _ => break,
        }
    }
    loop {
        match s {
            [rest @ .., b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c] => s = rest,
            [rest @ .., 0xc2, 0xa0] => s = rest,
            _ => break,
        }
    }
    s
}

/// The markers of a missing value (SPEC §3), compared after trimming. Whitespace-only
/// cells trim to empty.
pub fn is_missing(trimmed: &[u8]) -> bool {
    matches!(trimmed, b"" | b"NA" | b"N/A" | b"null" | b"NULL" | b"-")
}

/// Text of a value for messages: UTF-8 when it is, else Windows-1252 (the only other
/// single-byte encoding a delimited file may be in).
pub fn lossy(s: &[u8]) -> String {
    match std::str::from_utf8(s) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(s)
            .0
            .into_owned(),
    }
}

/// Trims a number's text, also dropping a Windows-1252 no-break space (a lone `A0`
/// byte), which never belongs to a number but often stands before a currency sign.
fn trim_number(mut s: &[u8]) -> &[u8] {
    loop {
        let t = trim(s);
        let t = t.strip_prefix(&[0xa0]).unwrap_or(t);
        let t = match t {
            [rest @ .., b] if *b == 0xa0 && !rest.ends_with(&[0xc2]) => rest,
            _ => t,
        };
        if t.len() == s.len() {
            return t;
        }
        s = t;
    }
}

fn strip_currency_prefix(s: &[u8]) -> Option<&[u8]> {
    for sign in [&b"$"[..], "€".as_bytes(), "£".as_bytes(), &[0x80], &[0xa3]] {
        if let Some(rest) = s.strip_prefix(sign) {
            return Some(rest);
        }
    }
    None
}

fn strip_currency_suffix(s: &[u8]) -> Option<&[u8]> {
    for sign in [&b"$"[..], "€".as_bytes(), "£".as_bytes(), &[0x80], &[0xa3]] {
        if let Some(rest) = s.strip_suffix(sign) {
            return Some(rest);
        }
    }
    None
}

/// A number split into its parts, still as digit strings.
struct Decimal<'a> {
    negative: bool,
    /// Integer digits, separators removed later by [`Decimal::integer_digits`].
    int_part: &'a [u8],
    /// Fraction digits (may be empty).
    frac: &'a [u8],
    thousands: u8,
}

impl Decimal<'_> {
    fn integer_digits(&self) -> impl Iterator<Item = u8> + '_ {
        let sep = self.thousands;
        self.int_part.iter().copied().filter(move |&b| b != sep)
    }
}

fn split_number(raw: &[u8], format: NumberFormat) -> Result<Decimal<'_>, ValueError> {
    let (decimal_mark, thousands) = format.marks();
    let mut s = trim_number(raw);
    let mut negative = false;
    let mut signed = false;
    let take_sign = |s: &mut &[u8], negative: &mut bool, signed: &mut bool| {
        if let [first @ (b'-' | b'+'), rest @ ..] = *s {
            *negative = *first == b'-';
            *signed = true;
            *s = trim_number(rest);
        }
    };
    take_sign(&mut s, &mut negative, &mut signed);
    if let Some(rest) = strip_currency_prefix(s) {
        s = trim_number(rest);
        if !signed {
            take_sign(&mut s, &mut negative, &mut signed);
        }
    } else if let Some(rest) = strip_currency_suffix(s) {
        s = trim_number(rest);
    }
    if s.iter().any(|b| matches!(b, b'e' | b'E')) && s.iter().any(u8::is_ascii_digit) {
        return Err(ValueError::Exponent(lossy(trim(raw))));
    }
    let (int_part, frac) = match s.iter().rposition(|&b| b == decimal_mark) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, &s[..0]),
    };
    let not_a_number = || ValueError::NotANumber(lossy(trim(raw)));
    if int_part.is_empty() && frac.is_empty() {
        return Err(not_a_number());
    }
    if !frac.iter().all(u8::is_ascii_digit) || (s.len() > int_part.len() && frac.is_empty()) {
        return Err(not_a_number());
    }
    if !int_part
        .iter()
        .all(|&b| b.is_ascii_digit() || b == thousands)
    {
        return Err(not_a_number());
    }
    if int_part.contains(&thousands) {
        let mut groups = int_part.split(|&b| b == thousands);
        let first = groups.next().unwrap_or_default();
        if first.is_empty() || first.len() > 3 || groups.any(|g| g.len() != 3) {
            return Err(ValueError::BadGrouping(lossy(trim(raw))));
        }
    }
    Ok(Decimal {
        negative,
        int_part,
        frac,
        thousands,
    })
}

/// Parses money or any other decimal into fixed point millionths (6 decimal places),
/// rounding digits past the 6th half to even. Negative values parse (validation rejects
/// them where the contract says so).
pub fn parse_decimal_millionths(raw: &[u8], format: NumberFormat) -> Result<i64, ValueError> {
    if let Some(value) = plain_decimal(raw, format) {
        return Ok(value);
    }
    let number = split_number(raw, format)?;
    let too_large = || ValueError::TooLarge(lossy(trim(raw)));
    let mut value: i128 = 0;
    for digit in number.integer_digits() {
        value = value * 10 + i128::from(digit - b'0');
        if value > i128::from(i64::MAX) {
            return Err(too_large());
        }
    }
    let mut frac_value: i128 = 0;
    for i in 0..6 {
        let digit = number.frac.get(i).map_or(0, |d| d - b'0');
        frac_value = frac_value * 10 + i128::from(digit);
    }
    let mut total = value * 1_000_000 + frac_value;
    if number.frac.len() > 6 {
        let rest = &number.frac[6..];
        let round_up = match rest[0] {
            b'6'..=b'9' => true,
            b'5' if rest[1..].iter().any(|&d| d != b'0') => true,
            b'5' => total % 2 == 1, // exactly half: to even
            _ => false,
        };
        if round_up {
            total += 1;
        }
    }
    if number.negative {
        total = -total;
    }
    i64::try_from(total).map_err(|_| too_large())
}

/// The common shape `123` or `123.45` (at most 6 decimals, 12 integer digits) read in
/// one pass; `None` sends anything else through the full grammar.
#[inline]
fn plain_decimal(raw: &[u8], format: NumberFormat) -> Option<i64> {
    let (decimal_mark, _) = format.marks();
    let (int_part, frac, has_mark) = match raw.iter().position(|&b| b == decimal_mark) {
        Some(i) => (&raw[..i], &raw[i + 1..], true),
        None => (raw, &raw[..0], false),
    };
    let plain = !int_part.is_empty()
        && int_part.len() <= 12
        && (!has_mark || (1..=6).contains(&frac.len()))
        && int_part.iter().all(u8::is_ascii_digit)
        && frac.iter().all(u8::is_ascii_digit);
    if !plain {
        return None;
    }
    let whole = int_part
        .iter()
        .fold(0i64, |v, d| v * 10 + i64::from(d - b'0'));
    let mut fraction = frac.iter().fold(0i64, |v, d| v * 10 + i64::from(d - b'0'));
    for _ in frac.len()..6 {
        fraction *= 10;
    }
    Some(whole * 1_000_000 + fraction)
}

/// Parses a whole number: digits with optional grouping, or a decimal whose fraction is
/// all zeros (`12.0`, as spreadsheets export counts). Negative values parse.
pub fn parse_integer(raw: &[u8], format: NumberFormat) -> Result<i64, ValueError> {
    if raw.len() <= 18 && !raw.is_empty() && raw.iter().all(u8::is_ascii_digit) {
        // The common case, bare digits, without the general grammar.
        return Ok(raw.iter().fold(0i64, |v, d| v * 10 + i64::from(d - b'0')));
    }
    let number = split_number(raw, format)?;
    if number.frac.iter().any(|&d| d != b'0') {
        return Err(ValueError::NotWhole(lossy(trim(raw))));
    }
    let mut value: i64 = 0;
    for digit in number.integer_digits() {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(digit - b'0')))
            .ok_or_else(|| ValueError::TooLarge(lossy(trim(raw))))?;
    }
    Ok(if number.negative { -value } else { value })
}

/// A date as read from text. Slash dates `A/B/YYYY` stay unresolved until the whole
/// column has been seen: they are month/day unless some value of the column has A > 12.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParsedDate {
    /// A definite day.
    Day(Day),
    /// `A/B/YYYY`, to be resolved with the column's rule.
    Slash { a: u8, b: u8, year: u16 },
}

impl ParsedDate {
    /// Resolves a slash date with the column's rule; `None` if the day does not exist.
    pub fn resolve(self, day_first: bool) -> Option<Day> {
        match self {
            ParsedDate::Day(day) => Some(day),
            ParsedDate::Slash { a, b, year } => {
                let (month, day) = if day_first { (b, a) } else { (a, b) };
                day_from_ymd(i32::from(year), u32::from(month), u32::from(day))
            }
        }
    }
}

/// Reads 1 to `max` ASCII digits from the front of `s`.
fn digits(s: &[u8], min: usize, max: usize) -> Option<(u32, &[u8])> {
    let n = s
        .iter()
        .take(max + 1)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if n < min || n > max {
        return None;
    }
    let value = s[..n]
        .iter()
        .fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
    Some((value, &s[n..]))
}

/// What may follow the date itself: nothing, or a time (and zone) after `T` or a space,
/// which is dropped without conversion.
fn only_time_follows(rest: &[u8]) -> bool {
    match rest {
        [] => true,
        [b'T' | b't' | b' ', time @ ..] => time.first().is_some_and(u8::is_ascii_digit),
        _ => false,
    }
}

/// Parses a date in one of the formats of SPEC §3: `YYYY-MM-DD` (optionally with a time
/// and zone, dropped), `YYYY/MM/DD`, `DD.MM.YYYY`, or `A/B/YYYY` (left unresolved).
pub fn parse_date(raw: &[u8]) -> Result<ParsedDate, ValueError> {
    let s = trim(raw);
    let not_a_date = || ValueError::NotADate(lossy(s));
    let no_such = || ValueError::NoSuchDate(lossy(s));
    let ymd = |y: u32, m: u32, d: u32| {
        day_from_ymd(y as i32, m, d)
            .map(ParsedDate::Day)
            .ok_or_else(no_such)
    };
    if let Some((first, rest)) = digits(s, 1, 4) {
        match rest {
            [sep @ (b'-' | b'/'), rest @ ..]
                if s.len() >= 4 && s[..4].iter().all(u8::is_ascii_digit) =>
            {
                let (month, rest) = digits(rest, 1, 2).ok_or_else(not_a_date)?;
                let rest = rest.strip_prefix(&[*sep]).ok_or_else(not_a_date)?;
                let (day, rest) = digits(rest, 1, 2).ok_or_else(not_a_date)?;
                if !only_time_follows(rest) {
                    return Err(not_a_date());
                }
                return ymd(first, month, day);
            }
            [b'.', rest @ ..] if first <= 99 => {
                let (month, rest) = digits(rest, 1, 2).ok_or_else(not_a_date)?;
                let rest = rest.strip_prefix(b".").ok_or_else(not_a_date)?;
                let (year, rest) = digits(rest, 4, 4).ok_or_else(not_a_date)?;
                if !only_time_follows(rest) {
                    return Err(not_a_date());
                }
                return ymd(year, month, first);
            }
            [b'/', rest @ ..] if first <= 99 => {
                let (b, rest) = digits(rest, 1, 2).ok_or_else(not_a_date)?;
                let rest = rest.strip_prefix(b"/").ok_or_else(not_a_date)?;
                let (year, rest) = digits(rest, 4, 4).ok_or_else(not_a_date)?;
                if !only_time_follows(rest) {
                    return Err(not_a_date());
                }
                if year == 0
                    || first == 0
                    || b == 0
                    || (first > 12 && b > 12)
                    || first > 31
                    || b > 31
                {
                    return Err(no_such());
                }
                return Ok(ParsedDate::Slash {
                    a: first as u8,
                    b: b as u8,
                    year: year as u16,
                });
            }
            _ => {}
        }
    }
    Err(not_a_date())
}

/// `true` when the text has the shape of a slash date `A/B/YYYY` with A > 12, which
/// makes every slash date of its column day/month. Checked on every row, rejected or
/// not, and on the shape alone: `32/01/2024` is no date, but it still says the column is
/// written day first.
pub fn is_day_first_slash_date(raw: &[u8]) -> bool {
    let s = trim(raw);
    let Some((a, rest)) = digits(s, 1, 2) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix(b"/") else {
        return false;
    };
    let Some((_, rest)) = digits(rest, 1, 2) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix(b"/") else {
        return false;
    };
    let Some((_, rest)) = digits(rest, 4, 4) else {
        return false;
    };
    a > 12 && only_time_follows(rest)
}

/// Renders millionths as a decimal with up to 6 places and no trailing zeros beyond the
/// second (`1234.5` -> `1234.50`), exact for the whole `i64` range.
pub fn format_millionths(value: i64) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let (whole, frac) = (abs / 1_000_000, abs % 1_000_000);
    let mut frac_text = format!("{frac:06}");
    while frac_text.len() > 2 && frac_text.ends_with('0') {
        frac_text.pop();
    }
    format!("{sign}{whole}.{frac_text}")
}

/// Converts a spreadsheet's binary float to millionths through its shortest decimal form
/// (what the spreadsheet shows), so 0.1 stays exactly 100000 millionths.
pub fn float_to_millionths(value: f64) -> Result<i64, ValueError> {
    if !value.is_finite() {
        return Err(ValueError::NotANumber(value.to_string()));
    }
    // Rust's `Display` for f64 is the shortest round-trip form and never uses exponents.
    parse_decimal_millionths(value.to_string().as_bytes(), NumberFormat::default())
}

/// A spreadsheet float as a whole number: `12.0` is 12, `1.5` is refused.
pub fn float_to_integer(value: f64) -> Result<i64, ValueError> {
    if !value.is_finite() {
        return Err(ValueError::NotANumber(value.to_string()));
    }
    if value.fract() != 0.0 {
        return Err(ValueError::NotWhole(value.to_string()));
    }
    if value.abs() >= 9.2e18 {
        return Err(ValueError::TooLarge(value.to_string()));
    }
    Ok(value as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::date::format_day;

    const DOT: NumberFormat = NumberFormat {
        decimal_comma: false,
    };
    const COMMA: NumberFormat = NumberFormat {
        decimal_comma: true,
    };

    fn money(s: &str) -> Result<i64, ValueError> {
        parse_decimal_millionths(s.as_bytes(), DOT)
    }

    #[test]
    fn missing_markers() {
        for m in ["", "NA", "N/A", "null", "NULL", "-"] {
            assert!(is_missing(trim(m.as_bytes())), "{m:?}");
        }
        assert!(is_missing(trim(b"   \t ")));
        assert!(!is_missing(trim(b"0")));
        assert!(!is_missing(trim(b"none")));
    }

    #[test]
    fn trims_ascii_and_nbsp() {
        assert_eq!(trim(b"  x y \r\n"), b"x y");
        assert_eq!(trim("\u{a0}12\u{a0}".as_bytes()), b"12");
    }

    #[test]
    fn money_plain_and_grouped() {
        assert_eq!(money("3868.44"), Ok(3_868_440_000));
        assert_eq!(money("1,234,567.5"), Ok(1_234_567_500_000));
        assert_eq!(money("0"), Ok(0));
        assert_eq!(money(".5"), Ok(500_000));
        assert_eq!(money("12"), Ok(12_000_000));
        assert_eq!(money("+7.25"), Ok(7_250_000));
    }

    #[test]
    fn money_currency_signs_before_and_after() {
        for s in [
            "$1,234.50",
            "$ 1,234.50",
            "1,234.50$",
            "1234.50 €",
            "€1234.5",
            "£ 1234.50",
            "1,234.5£",
        ] {
            assert_eq!(money(s), Ok(1_234_500_000), "{s}");
        }
        assert_eq!(money("-$5.00"), Ok(-5_000_000));
        assert_eq!(money("$-5.00"), Ok(-5_000_000));
        // Windows-1252 bytes of € and £.
        assert_eq!(parse_decimal_millionths(b"\x8012.00", DOT), Ok(12_000_000));
        assert_eq!(parse_decimal_millionths(b"12.00 \xa3", DOT), Ok(12_000_000));
        // A Windows-1252 no-break space (A0) before the sign.
        assert_eq!(
            parse_decimal_millionths(b"12,50\xa0\x80", COMMA),
            Ok(12_500_000)
        );
        assert_eq!(
            parse_decimal_millionths(b"\x80\xa012,50", COMMA),
            Ok(12_500_000)
        );
    }

    #[test]
    fn money_decimal_comma_files() {
        assert_eq!(
            parse_decimal_millionths(b"1.234,50", COMMA),
            Ok(1_234_500_000)
        );
        assert_eq!(
            parse_decimal_millionths(b"1234,5 \xe2\x82\xac", COMMA),
            Ok(1_234_500_000)
        );
        assert_eq!(parse_decimal_millionths(b"0,07", COMMA), Ok(70_000));
        assert!(matches!(
            parse_decimal_millionths(b"12.5", COMMA),
            Err(ValueError::BadGrouping(_))
        ));
    }

    #[test]
    fn plain_fast_path_agrees_with_the_grammar() {
        for s in [
            "0",
            "7",
            "3868.44",
            "12.5",
            "123456789012.123456",
            "1.",
            ".5",
            "1.2.3",
            "",
            "12,5",
        ] {
            let fast = plain_decimal(s.as_bytes(), DOT);
            let full = split_number(s.as_bytes(), DOT)
                .ok()
                .and_then(|_| money(s).ok());
            if let Some(v) = fast {
                assert_eq!(Some(v), full, "{s}");
            }
        }
        assert_eq!(plain_decimal(b"12.", DOT), None);
        assert_eq!(plain_decimal(b"12,5", COMMA), Some(12_500_000));
        assert_eq!(parse_integer(b"000123", DOT), Ok(123));
    }

    #[test]
    fn money_rounds_half_to_even_past_six_places() {
        assert_eq!(money("0.0000005"), Ok(0));
        assert_eq!(money("0.0000015"), Ok(2));
        assert_eq!(money("0.0000025"), Ok(2));
        assert_eq!(money("0.00000250001"), Ok(3));
        assert_eq!(money("0.0000024999"), Ok(2));
        assert_eq!(money("1.9999999"), Ok(2_000_000));
        assert_eq!(money("12578.31099204584"), Ok(12_578_310_992));
    }

    #[test]
    fn money_refusals() {
        assert!(matches!(money("abc"), Err(ValueError::NotANumber(_))));
        assert!(matches!(money("1e3"), Err(ValueError::Exponent(_))));
        assert!(matches!(money("1.5E-2"), Err(ValueError::Exponent(_))));
        assert!(matches!(money("1,23"), Err(ValueError::BadGrouping(_))));
        assert!(matches!(
            money("1234,567.0"),
            Err(ValueError::BadGrouping(_))
        ));
        assert!(matches!(money("12."), Err(ValueError::NotANumber(_))));
        assert!(matches!(money("$"), Err(ValueError::NotANumber(_))));
        assert!(matches!(money("1.2.3"), Err(ValueError::NotANumber(_))));
        assert!(matches!(
            money("99999999999999999999"),
            Err(ValueError::TooLarge(_))
        ));
        assert_eq!(
            money("1e3").unwrap_err().to_string(),
            "'1e3' uses an exponent, which is not accepted; write the number out in full"
        );
    }

    #[test]
    fn integers() {
        let int = |s: &str, f| parse_integer(s.as_bytes(), f);
        assert_eq!(int("19333", DOT), Ok(19333));
        assert_eq!(int("19,333", DOT), Ok(19333));
        assert_eq!(int("12.0", DOT), Ok(12));
        assert_eq!(int("12.000", DOT), Ok(12));
        assert_eq!(int("-4", DOT), Ok(-4));
        assert_eq!(int("24.505", COMMA), Ok(24505));
        assert_eq!(int("12,0", COMMA), Ok(12));
        assert!(matches!(int("1.5", DOT), Err(ValueError::NotWhole(_))));
        assert!(matches!(int("1e3", DOT), Err(ValueError::Exponent(_))));
        assert!(matches!(int("ten", DOT), Err(ValueError::NotANumber(_))));
        assert!(matches!(
            int("99999999999999999999", DOT),
            Err(ValueError::TooLarge(_))
        ));
    }

    fn date(s: &str) -> Result<ParsedDate, ValueError> {
        parse_date(s.as_bytes())
    }

    fn day(s: &str) -> String {
        match date(s) {
            Ok(ParsedDate::Day(d)) => format_day(d),
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn date_formats() {
        assert_eq!(day("2024-11-13"), "2024-11-13");
        assert_eq!(day(" 2024-1-5 "), "2024-01-05");
        assert_eq!(day("2024-11-13T23:59:59Z"), "2024-11-13");
        assert_eq!(day("2024-11-13 10:00:00+02:00"), "2024-11-13");
        assert_eq!(
            day("2024-11-13T01:00:00-08:00"),
            "2024-11-13",
            "zone dropped, not converted"
        );
        assert_eq!(day("2024/11/13"), "2024-11-13");
        assert_eq!(day("13.11.2024"), "2024-11-13");
        assert_eq!(
            date("11/13/2024"),
            Ok(ParsedDate::Slash {
                a: 11,
                b: 13,
                year: 2024
            })
        );
    }

    #[test]
    fn slash_dates_resolve_by_column_rule() {
        let d = date("03/04/2024").unwrap();
        assert_eq!(
            d.resolve(false).map(format_day).as_deref(),
            Some("2024-03-04")
        );
        assert_eq!(
            d.resolve(true).map(format_day).as_deref(),
            Some("2024-04-03")
        );
        assert!(is_day_first_slash_date(b"13/04/2024"));
        assert!(!is_day_first_slash_date(b"12/31/2024"));
        assert!(!is_day_first_slash_date(b"2024-12-31"));
        assert!(
            is_day_first_slash_date(b"13/13/2024"),
            "invalid, but still evidence"
        );
        assert!(is_day_first_slash_date(b"32/01/2024 10:00"));
        assert!(!is_day_first_slash_date(b"13/1/24"));
        // 04/25/2024 is fine month-first but has no month 25 day-first.
        assert_eq!(date("04/25/2024").unwrap().resolve(true), None);
    }

    #[test]
    fn date_refusals() {
        assert!(matches!(date("2024-02-30"), Err(ValueError::NoSuchDate(_))));
        assert!(matches!(date("2024-13-01"), Err(ValueError::NoSuchDate(_))));
        assert!(matches!(date("31.02.2024"), Err(ValueError::NoSuchDate(_))));
        assert!(matches!(date("13/13/2024"), Err(ValueError::NoSuchDate(_))));
        assert!(
            matches!(date("45609"), Err(ValueError::NotADate(_))),
            "bare serial in text"
        );
        assert!(matches!(date("Nov 13, 2024"), Err(ValueError::NotADate(_))));
        assert!(matches!(date("2024-11-13X"), Err(ValueError::NotADate(_))));
        assert!(matches!(date("24-11-13"), Err(ValueError::NotADate(_))));
    }

    #[test]
    fn formats_millionths_exactly() {
        assert_eq!(format_millionths(513_138_450_000), "513138.45");
        assert_eq!(format_millionths(1), "0.000001");
        assert_eq!(format_millionths(-2_500_000), "-2.50");
        assert_eq!(format_millionths(i64::MAX), "9223372036854.775807");
    }

    #[test]
    fn spreadsheet_floats() {
        assert_eq!(float_to_millionths(0.1), Ok(100_000));
        assert_eq!(float_to_millionths(12578.31099204584), Ok(12_578_310_992));
        assert_eq!(float_to_millionths(1e-7), Ok(0));
        assert_eq!(float_to_integer(12.0), Ok(12));
        assert!(matches!(
            float_to_integer(1.5),
            Err(ValueError::NotWhole(_))
        ));
        assert!(float_to_millionths(f64::NAN).is_err());
    }
}
