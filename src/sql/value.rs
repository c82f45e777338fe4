//! SQL values with SQLite's semantics: storage classes, comparison, arithmetic, and the
//! conversions between text and numbers.
//!
//! ```text
//!  Val        storage class   notes
//!  Null       NULL            smallest in ORDER BY
//!  Int        INTEGER         i64; + - * overflow to REAL as SQLite does
//!  Real       REAL            f64; NaN becomes NULL
//!  Money      REAL            exact i128 millionths (spend, revenue, ...): sums stay exact,
//!                             a REAL with the same value in results
//!  Str/String TEXT            borrowed from the warehouse's dictionaries / computed
//!  Date       TEXT            a day number that behaves as its 'YYYY-MM-DD' text
//! ```
//!
//! Money is the one extension: SQLite would hold `spend` as a double; here it stays
//! fixed point through `+`, `-`, `*` by integers and `SUM`, and becomes a double where
//! SQLite's answer is a double anyway (division, `AVG`, mixing with a REAL).

use crate::model::date::{format_day, iso_bytes as date_bytes, Day};
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

/// Millionths in one unit of money.
pub const MICROS: i128 = 1_000_000;

/// One SQL value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'w> {
    Null,
    Int(i64),
    Real(f64),
    /// Fixed-point millionths, a REAL to SQL.
    Money(i128),
    /// Text borrowed from the warehouse.
    Str(&'w str),
    /// Text computed by the query.
    String(Rc<str>),
    /// A calendar day, the TEXT `YYYY-MM-DD` to SQL.
    Date(Day),
}

/// The storage class of a value, in SQLite's sort order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Null,
    Numeric,
    Text,
}

impl<'w> Val<'w> {
    /// The number JSON holds for this value once read (`None`: not a number, or one
    /// written as null): what the page receives, however the value is sent.
    pub fn json_number(&self) -> Option<f64> {
        match self {
            Val::Int(i) => Some(*i as f64),
            Val::Real(f) if f.is_finite() => Some(*f),
            Val::Money(m) => Some(money_f64(*m)),
            _ => None,
        }
    }

    /// Computed text.
    pub fn text(s: impl Into<Rc<str>>) -> Self {
        Val::String(s.into())
    }

    /// A REAL, or NULL for NaN (SQLite never yields NaN).
    pub fn real(f: f64) -> Self {
        if f.is_nan() {
            Val::Null
        } else {
            Val::Real(f)
        }
    }

    /// SQLite's boolean: 1 or 0.
    pub fn bool(b: bool) -> Self {
        Val::Int(i64::from(b))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }

    pub fn class(&self) -> Class {
        match self {
            Val::Null => Class::Null,
            Val::Int(_) | Val::Real(_) | Val::Money(_) => Class::Numeric,
            Val::Str(_) | Val::String(_) | Val::Date(_) => Class::Text,
        }
    }

    /// `typeof()`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Int(_) => "integer",
            Val::Real(_) | Val::Money(_) => "real",
            _ => "text",
        }
    }

    /// The text of a TEXT value (dates formatted); `None` for other classes.
    pub fn as_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Val::Str(s) => Some(std::borrow::Cow::Borrowed(s)),
            Val::String(s) => Some(std::borrow::Cow::Borrowed(s)),
            Val::Date(d) => Some(std::borrow::Cow::Owned(format_day(*d))),
            _ => None,
        }
    }

    /// The value as text, as SQLite converts it (`CAST(x AS TEXT)`, `||`); `None` for NULL.
    pub fn to_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Val::Null => None,
            Val::Int(i) => Some(i.to_string().into()),
            Val::Real(f) => Some(real_to_text(*f).into()),
            Val::Money(m) => Some(real_to_text(money_f64(*m)).into()),
            _ => self.as_text(),
        }
    }

    /// The value as a double (`sqlite3_value_double`): text by its numeric prefix.
    pub fn to_f64(&self) -> f64 {
        match self {
            Val::Null => 0.0,
            Val::Int(i) => *i as f64,
            Val::Real(f) => *f,
            Val::Money(m) => money_f64(*m),
            _ => match text_prefix_number(&self.as_text().unwrap_or_default()) {
                Val::Int(i) => i as f64,
                Val::Real(f) => f,
                _ => 0.0,
            },
        }
    }

    /// The value as a number for arithmetic: numbers as they are, text by its longest
    /// numeric prefix (`'12abc'` is 12, `'abc'` 0), NULL stays NULL.
    pub fn to_numeric(&self) -> Val<'w> {
        match self {
            Val::Null | Val::Int(_) | Val::Real(_) | Val::Money(_) => self.clone(),
            _ => text_prefix_number(&self.as_text().unwrap_or_default()),
        }
    }

    /// SQLite's NUMERIC affinity applied to a value: text that is a well-formed number
    /// (as a whole, spaces around allowed) becomes that number; anything else stays.
    pub fn numeric_affinity(self) -> Val<'w> {
        match &self {
            Val::Str(_) | Val::String(_) => {
                match text_whole_number(&self.as_text().unwrap_or_default()) {
                    Some(n) => n,
                    None => self,
                }
            }
            _ => self,
        }
    }

    /// SQLite's TEXT affinity: numbers become their text.
    pub fn text_affinity(self) -> Val<'w> {
        match &self {
            Val::Int(_) | Val::Real(_) | Val::Money(_) => {
                Val::text(self.to_text().unwrap_or_default().as_ref())
            }
            _ => self,
        }
    }

    /// Truthiness for WHERE, AND, CASE WHEN: `None` for NULL.
    pub fn truth(&self) -> Option<bool> {
        match self {
            Val::Null => None,
            Val::Int(i) => Some(*i != 0),
            Val::Real(f) => Some(*f != 0.0),
            Val::Money(m) => Some(*m != 0),
            _ => Some(self.to_f64() != 0.0),
        }
    }

    /// A value that outlives the warehouse borrow (text copied).
    pub fn into_static(self) -> Val<'static> {
        match self {
            Val::Null => Val::Null,
            Val::Int(i) => Val::Int(i),
            Val::Real(f) => Val::Real(f),
            Val::Money(m) => Val::Money(m),
            Val::Str(s) => Val::String(s.into()),
            Val::String(s) => Val::String(s),
            Val::Date(d) => Val::Date(d),
        }
    }
}

/// The double nearest a money value.
pub fn money_f64(m: i128) -> f64 {
    // Integer division first keeps the result correctly rounded for the values money
    // takes (|m| < 2^63): whole units and the remainder are exact in f64.
    if m.unsigned_abs() < (1u128 << 53) {
        m as f64 / 1e6
    } else {
        (m / MICROS) as f64 + (m % MICROS) as f64 / 1e6
    }
}

/// SQLite's text of a double: 15 significant digits, `.0` added to whole numbers,
/// exponent form `1.0e+20` outside 1e-4..1e15.
pub fn real_to_text(f: f64) -> String {
    if f.is_nan() {
        return String::new();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Inf".into() } else { "-Inf".into() };
    }
    if f == 0.0 {
        return "0.0".into();
    }
    // Shortest form with at most 15 significant digits, as %!.15g.
    let sci = format!("{:.14e}", f);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if !(-4..15).contains(&exp) {
        out.push_str(&digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

/// Scans a number at the start of `s` (after spaces): the value and the bytes used.
fn scan_number(s: &str) -> Option<(Val<'static>, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    let start = i;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    let mut real = false;
    if i < b.len() && b[i] == b'.' {
        let mut j = i + 1;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if digits > 0 || j > i + 1 {
            digits += j - i - 1;
            real = true;
            i = j;
        }
    }
    if digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let exp_start = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > exp_start {
            real = true;
            i = j;
        }
    }
    let text = &s[start..i];
    if !real {
        if let Ok(v) = text.parse::<i64>() {
            return Some((Val::Int(v), i));
        }
    }
    let f: f64 = text.parse().ok()?;
    Some((Val::Real(f), i))
}

/// The longest numeric prefix of text (`'12abc'` -> 12), 0 when there is none.
pub fn text_prefix_number(s: &str) -> Val<'static> {
    scan_number(s).map_or(Val::Int(0), |(v, _)| v)
}

/// Text that is a number as a whole (spaces around allowed), as that number.
pub fn text_whole_number(s: &str) -> Option<Val<'static>> {
    let (v, used) = scan_number(s)?;
    s[used..]
        .bytes()
        .all(|c| c.is_ascii_whitespace())
        .then_some(v)
}

/// Compares an integer with a double exactly.
fn cmp_int_real(i: i64, r: f64) -> Ordering {
    if r.is_nan() {
        return Ordering::Greater;
    }
    if r >= 9.223_372_036_854_776e18 {
        return Ordering::Less;
    }
    if r < -9.223_372_036_854_776e18 {
        return Ordering::Greater;
    }
    let t = r.trunc();
    match i.cmp(&(t as i64)) {
        Ordering::Equal => 0.0f64.partial_cmp(&(r - t)).unwrap_or(Ordering::Equal),
        o => o,
    }
}

/// Compares two numeric values exactly where both are exact.
fn cmp_numeric(a: &Val<'_>, b: &Val<'_>) -> Ordering {
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => x.cmp(y),
        (Val::Money(x), Val::Money(y)) => x.cmp(y),
        (Val::Int(x), Val::Money(y)) => (i128::from(*x) * MICROS).cmp(y),
        (Val::Money(x), Val::Int(y)) => x.cmp(&(i128::from(*y) * MICROS)),
        (Val::Int(x), Val::Real(y)) => cmp_int_real(*x, *y),
        (Val::Real(x), Val::Int(y)) => cmp_int_real(*y, *x).reverse(),
        _ => {
            let (x, y) = (a.to_f64(), b.to_f64());
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
    }
}

/// Compares two text values by bytes (SQLite's BINARY collation).
fn cmp_text(a: &Val<'_>, b: &Val<'_>) -> Ordering {
    match (a, b) {
        (Val::Date(x), Val::Date(y)) => x.cmp(y),
        (Val::Date(x), _) => date_bytes(*x)[..].cmp(b.as_text().unwrap_or_default().as_bytes()),
        (_, Val::Date(y)) => a
            .as_text()
            .unwrap_or_default()
            .as_bytes()
            .cmp(&date_bytes(*y)[..]),
        _ => a
            .as_text()
            .unwrap_or_default()
            .as_bytes()
            .cmp(b.as_text().unwrap_or_default().as_bytes()),
    }
}

/// SQLite's total order of values (ORDER BY, MIN/MAX, DISTINCT, GROUP BY): NULL, then
/// numbers by value, then text by bytes.
pub fn total_cmp(a: &Val<'_>, b: &Val<'_>) -> Ordering {
    match a.class().cmp(&b.class()) {
        Ordering::Equal => match a.class() {
            Class::Null => Ordering::Equal,
            Class::Numeric => cmp_numeric(a, b),
            Class::Text => cmp_text(a, b),
        },
        o => o,
    }
}

/// A comparison in an expression: NULL when either side is NULL.
pub fn sql_cmp(a: &Val<'_>, b: &Val<'_>) -> Option<Ordering> {
    if a.is_null() || b.is_null() {
        None
    } else {
        Some(total_cmp(a, b))
    }
}

/// A value as a hash key (groups, `DISTINCT`, `IN` sets): equal keys are equal SQL
/// values (1, 1.0 and money 1.00 are one key), so they hash alike.
#[derive(Debug, Clone)]
pub struct ValKey<'w>(pub Val<'w>);

impl PartialEq for ValKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        total_cmp(&self.0, &other.0) == Ordering::Equal
    }
}

impl Eq for ValKey<'_> {}

/// Hashes a value consistently with [`total_cmp`] equality.
pub fn hash_val<H: Hasher>(v: &Val<'_>, state: &mut H) {
    match v {
        Val::Null => 0u8.hash(state),
        Val::Int(i) => {
            1u8.hash(state);
            i.hash(state);
        }
        Val::Money(m) if m % MICROS == 0 => match i64::try_from(m / MICROS) {
            Ok(i) => {
                1u8.hash(state);
                i.hash(state);
            }
            Err(_) => {
                2u8.hash(state);
                money_f64(*m).to_bits().hash(state);
            }
        },
        Val::Money(m) => {
            2u8.hash(state);
            money_f64(*m).to_bits().hash(state);
        }
        Val::Real(f) => {
            if f.fract() == 0.0 && *f >= -9.2e18 && *f <= 9.2e18 {
                1u8.hash(state);
                (*f as i64).hash(state);
            } else {
                2u8.hash(state);
                // -0.0 and 0.0 are integral, handled above.
                f.to_bits().hash(state);
            }
        }
        Val::Date(d) => {
            3u8.hash(state);
            state.write(&date_bytes(*d));
        }
        Val::Str(_) | Val::String(_) => {
            3u8.hash(state);
            state.write(v.as_text().unwrap_or_default().as_bytes());
        }
    }
}

impl Hash for ValKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_val(&self.0, state);
    }
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

fn real_op(op: Arith, x: f64, y: f64) -> Val<'static> {
    match op {
        Arith::Add => Val::real(x + y),
        Arith::Sub => Val::real(x - y),
        Arith::Mul => Val::real(x * y),
        Arith::Div => {
            if y == 0.0 {
                Val::Null
            } else {
                Val::real(x / y)
            }
        }
        Arith::Rem => {
            // SQLite: the remainder of the integer parts, as a REAL... of the values
            // themselves since 3.x: fmod semantics on the doubles' integer parts.
            let (a, b) = (x.trunc(), y.trunc());
            if b == 0.0 {
                Val::Null
            } else {
                Val::real(a % b)
            }
        }
    }
}

/// `a op b` with SQLite's rules: integers stay integers (overflow becomes REAL, `/`
/// truncates, division by zero is NULL), money stays exact through `+ - *` by integers.
pub fn arith<'w>(op: Arith, a: &Val<'w>, b: &Val<'w>) -> Val<'w> {
    let (a, b) = (a.to_numeric(), b.to_numeric());
    match (&a, &b) {
        (Val::Null, _) | (_, Val::Null) => Val::Null,
        (Val::Int(x), Val::Int(y)) => {
            let (x, y) = (*x, *y);
            match op {
                Arith::Add => x
                    .checked_add(y)
                    .map_or_else(|| real_op(op, x as f64, y as f64), Val::Int),
                Arith::Sub => x
                    .checked_sub(y)
                    .map_or_else(|| real_op(op, x as f64, y as f64), Val::Int),
                Arith::Mul => x
                    .checked_mul(y)
                    .map_or_else(|| real_op(op, x as f64, y as f64), Val::Int),
                Arith::Div => {
                    if y == 0 {
                        Val::Null
                    } else {
                        x.checked_div(y)
                            .map_or_else(|| real_op(op, x as f64, y as f64), Val::Int)
                    }
                }
                Arith::Rem => {
                    if y == 0 {
                        Val::Null
                    } else {
                        Val::Int(x.checked_rem(y).unwrap_or(0))
                    }
                }
            }
        }
        (Val::Money(x), Val::Money(y)) => match op {
            Arith::Add => Val::Money(x + y),
            Arith::Sub => Val::Money(x - y),
            _ => real_op(op, money_f64(*x), money_f64(*y)),
        },
        (Val::Money(x), Val::Int(y)) | (Val::Int(y), Val::Money(x)) => {
            let scaled = i128::from(*y) * MICROS;
            let swapped = matches!(a, Val::Int(_));
            match op {
                Arith::Add => Val::Money(x + scaled),
                Arith::Sub if swapped => Val::Money(scaled - x),
                Arith::Sub => Val::Money(x - scaled),
                Arith::Mul => x
                    .checked_mul(i128::from(*y))
                    .filter(|p| p.unsigned_abs() < (1u128 << 100))
                    .map_or_else(|| real_op(op, a.to_f64(), b.to_f64()), Val::Money),
                _ => real_op(op, a.to_f64(), b.to_f64()),
            }
        }
        _ => real_op(op, a.to_f64(), b.to_f64()),
    }
}

/// `-x`.
pub fn negate<'w>(v: &Val<'w>) -> Val<'w> {
    match v.to_numeric() {
        Val::Int(i) => i.checked_neg().map_or(Val::Real(-(i as f64)), Val::Int),
        Val::Real(f) => Val::Real(-f),
        Val::Money(m) => Val::Money(-m),
        _ => Val::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_text_like_sqlite() {
        assert_eq!(real_to_text(0.1 + 0.2), "0.3");
        assert_eq!(real_to_text(100.0), "100.0");
        assert_eq!(real_to_text(1e20), "1.0e+20");
        assert_eq!(real_to_text(1e-5), "1.0e-05");
        assert_eq!(real_to_text(1.0 / 3.0), "0.333333333333333");
        assert_eq!(real_to_text(-2.5), "-2.5");
        assert_eq!(real_to_text(123456789012345678.0), "1.23456789012346e+17");
        assert_eq!(real_to_text(0.0001), "0.0001");
    }

    #[test]
    fn numbers_in_text() {
        assert_eq!(text_prefix_number("12abc"), Val::Int(12));
        assert_eq!(text_prefix_number(" 1.5x"), Val::Real(1.5));
        assert_eq!(text_prefix_number("abc"), Val::Int(0));
        assert_eq!(text_whole_number(" 12 "), Some(Val::Int(12)));
        assert_eq!(text_whole_number("12a"), None);
        assert_eq!(text_whole_number("1e3"), Some(Val::Real(1000.0)));
    }

    #[test]
    fn integer_semantics() {
        assert_eq!(arith(Arith::Div, &Val::Int(7), &Val::Int(2)), Val::Int(3));
        assert_eq!(arith(Arith::Div, &Val::Int(-7), &Val::Int(2)), Val::Int(-3));
        assert_eq!(arith(Arith::Div, &Val::Int(7), &Val::Int(0)), Val::Null);
        assert_eq!(
            arith(Arith::Add, &Val::Int(i64::MAX), &Val::Int(1)),
            Val::Real(i64::MAX as f64 + 1.0)
        );
        assert_eq!(
            arith(Arith::Add, &Val::Money(1_500_000), &Val::Int(1)),
            Val::Money(2_500_000)
        );
    }

    #[test]
    fn order_of_classes_and_mixed_numbers() {
        assert_eq!(total_cmp(&Val::Int(1), &Val::Real(1.0)), Ordering::Equal);
        assert_eq!(
            total_cmp(&Val::Money(1_000_000), &Val::Int(1)),
            Ordering::Equal
        );
        assert_eq!(total_cmp(&Val::Null, &Val::Int(-5)), Ordering::Less);
        assert_eq!(total_cmp(&Val::Int(5), &Val::Str("0")), Ordering::Less);
        assert_eq!(
            total_cmp(&Val::Date(20040), &Val::Str("2024-11-13")),
            Ordering::Equal
        );
        assert_eq!(
            total_cmp(&Val::Date(20040), &Val::Str("2024-11-2")),
            Ordering::Less
        );
    }
}
