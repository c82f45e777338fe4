//! Scalar functions with SQLite's behaviour: text, numbers, `LIKE`, NULL handling
//! (`COALESCE`, `IFNULL`, `NULLIF`), and [`call`], which dispatches every scalar
//! function (the date and time ones to `datetime`).

mod datetime;

use crate::sql::error::SqlError;
use crate::sql::plan::Func;
use crate::sql::value::{total_cmp, Val};
use datetime::{format_time, strftime, time_of};
use std::cmp::Ordering;

fn err(message: impl Into<String>) -> SqlError {
    SqlError::new(message)
}

/// Arguments each function takes: (least, most).
pub fn arity(f: Func) -> (usize, usize) {
    match f {
        Func::Abs | Func::Upper | Func::Lower | Func::Length | Func::Typeof => (1, 1),
        Func::Round => (1, 2),
        Func::Substr => (2, 3),
        Func::Coalesce => (2, usize::MAX),
        Func::IfNull | Func::NullIf | Func::Instr => (2, 2),
        Func::Iif | Func::Replace => (3, 3),
        Func::Trim | Func::LTrim | Func::RTrim => (1, 2),
        Func::Min | Func::Max => (2, usize::MAX),
        Func::Date | Func::Time | Func::DateTime | Func::JulianDay => (0, usize::MAX),
        Func::StrfTime => (1, usize::MAX),
    }
}

/// The function called `name` (case-insensitive), if supported.
pub fn by_name(name: &str) -> Option<Func> {
    Some(match name.to_ascii_lowercase().as_str() {
        "abs" => Func::Abs,
        "round" => Func::Round,
        "upper" => Func::Upper,
        "lower" => Func::Lower,
        "length" => Func::Length,
        "substr" | "substring" => Func::Substr,
        "coalesce" => Func::Coalesce,
        "ifnull" => Func::IfNull,
        "nullif" => Func::NullIf,
        "iif" => Func::Iif,
        "trim" => Func::Trim,
        "ltrim" => Func::LTrim,
        "rtrim" => Func::RTrim,
        "replace" => Func::Replace,
        "instr" => Func::Instr,
        "typeof" => Func::Typeof,
        "min" => Func::Min,
        "max" => Func::Max,
        "date" => Func::Date,
        "time" => Func::Time,
        "datetime" => Func::DateTime,
        "julianday" => Func::JulianDay,
        "strftime" => Func::StrfTime,
        _ => return None,
    })
}

fn text_arg(v: &Val<'_>) -> Option<String> {
    v.to_text().map(|t| t.into_owned())
}

/// SQLite's `round(x, n)`.
pub fn round(x: f64, n: i64) -> f64 {
    let n = n.clamp(0, 30) as usize;
    if !x.is_finite() {
        return x;
    }
    if x.abs() >= 4_503_599_627_370_496.0 {
        return x;
    }
    if n == 0 {
        return if x < 0.0 {
            -(((-x) + 0.5) as i64 as f64)
        } else {
            ((x + 0.5) as i64) as f64
        };
    }
    // The decimal digits of x (17 significant, as SQLite's printf produces them),
    // rounded half away from zero at n decimals.
    let sci = format!("{:.16e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    // Position (in digits) of the last kept decimal: digit i has weight 10^(exp - i).
    let keep = exp + 1 + n as i64;
    if keep < 0 {
        return 0.0 * x.signum();
    }
    let keep = keep as usize;
    let mut kept: Vec<u8> = digits.iter().take(keep).copied().collect();
    while kept.len() < keep {
        kept.push(b'0');
    }
    let round_up = digits.get(keep).is_some_and(|&d| d >= b'5');
    let mut text = String::new();
    let mut value: Vec<u8> = kept.iter().map(|d| d - b'0').collect();
    let mut exp_adj = exp;
    if round_up {
        let mut i = value.len();
        loop {
            if i == 0 {
                value.insert(0, 1);
                exp_adj += 1;
                break;
            }
            i -= 1;
            if value[i] == 9 {
                value[i] = 0;
            } else {
                value[i] += 1;
                break;
            }
        }
    }
    if value.is_empty() {
        return 0.0;
    }
    text.push_str("0.");
    for d in &value {
        text.push((b'0' + d) as char);
    }
    text.push_str(&format!("e{}", exp_adj + 1));
    let r: f64 = text.parse().unwrap_or(0.0);
    if x < 0.0 {
        -r
    } else {
        r
    }
}

/// `LIKE`: `%` any run, `_` one character, ASCII letters case-insensitive.
pub fn like(pattern: &str, text: &str, escape: Option<char>) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let eq =
        |a: char, b: char| a == b || (a.is_ascii() && b.is_ascii() && a.eq_ignore_ascii_case(&b));
    // Iterative matching with backtracking to the last `%`.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() {
            let c = p[pi];
            if Some(c) == escape {
                if pi + 1 < p.len() && ti < t.len() && eq(p[pi + 1], t[ti]) {
                    pi += 2;
                    ti += 1;
                    continue;
                }
            } else if c == '%' {
                star = Some((pi, ti));
                pi += 1;
                continue;
            } else if ti < t.len() && (c == '_' || eq(c, t[ti])) {
                pi += 1;
                ti += 1;
                continue;
            }
        } else if ti == t.len() {
            return true;
        }
        match star {
            Some((sp, st)) if st < t.len() => {
                star = Some((sp, st + 1));
                pi = sp + 1;
                ti = st + 1;
            }
            _ => return false,
        }
    }
}

fn substr<'w>(x: &Val<'w>, start: i64, len: Option<i64>) -> Val<'w> {
    let text = x.to_text().unwrap_or_default();
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len() as i64;
    let mut p1 = start;
    let (mut p2, neg) = match len {
        Some(l) if l < 0 => (-(l.max(-i64::MAX)), true),
        Some(l) => (l, false),
        None => (i64::MAX / 4, false),
    };
    if p1 < 0 {
        p1 += n;
        if p1 < 0 {
            p2 += p1;
            if p2 < 0 {
                p2 = 0;
            }
            p1 = 0;
        }
    } else if p1 > 0 {
        p1 -= 1;
    } else if p2 > 0 {
        p2 -= 1;
    }
    if neg {
        p1 -= p2;
        if p1 < 0 {
            p2 += p1;
            p1 = 0;
        }
    }
    let from = p1.clamp(0, n) as usize;
    let to = (p1.saturating_add(p2)).clamp(0, n) as usize;
    Val::text(chars[from..to.max(from)].iter().collect::<String>())
}

fn trim_with(s: &str, chars: &str, left: bool, right: bool) -> String {
    let set: Vec<char> = chars.chars().collect();
    let mut t = s;
    if left {
        t = t.trim_start_matches(|c| set.contains(&c));
    }
    if right {
        t = t.trim_end_matches(|c| set.contains(&c));
    }
    t.to_string()
}

fn int_arg(v: &Val<'_>) -> i64 {
    match v.to_numeric() {
        Val::Int(i) => i,
        other => {
            let f = other.to_f64();
            if f.is_nan() {
                0
            } else {
                f.clamp(i64::MIN as f64, i64::MAX as f64) as i64
            }
        }
    }
}

/// Calls a scalar function; `now` gives the statement's current time.
pub fn call<'w>(
    f: Func,
    mut args: Vec<Val<'w>>,
    now: impl Fn() -> Result<i64, SqlError>,
) -> Result<Val<'w>, SqlError> {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Val::Null);
    Ok(match f {
        Func::Coalesce => args.into_iter().find(|v| !v.is_null()).unwrap_or(Val::Null),
        Func::IfNull => {
            let b = args.pop().unwrap_or(Val::Null);
            let a = args.pop().unwrap_or(Val::Null);
            if a.is_null() {
                b
            } else {
                a
            }
        }
        Func::NullIf => {
            let (a, b) = (arg(0), arg(1));
            if !a.is_null() && !b.is_null() && total_cmp(&a, &b) == Ordering::Equal {
                Val::Null
            } else {
                a
            }
        }
        Func::Iif => {
            if arg(0).truth() == Some(true) {
                arg(1)
            } else {
                arg(2)
            }
        }
        Func::Typeof => Val::Str(arg(0).type_name()),
        Func::Min | Func::Max => {
            if args.iter().any(Val::is_null) {
                return Ok(Val::Null);
            }
            let want = if f == Func::Min {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            let mut best = arg(0);
            for v in args.into_iter().skip(1) {
                if total_cmp(&v, &best) == want {
                    best = v;
                }
            }
            best
        }
        _ if args.iter().any(Val::is_null)
            && !matches!(
                f,
                Func::Date | Func::Time | Func::DateTime | Func::JulianDay | Func::StrfTime
            ) =>
        {
            Val::Null
        }
        Func::Abs => match arg(0) {
            Val::Int(i) => Val::Int(i.checked_abs().ok_or_else(|| err("integer overflow"))?),
            Val::Money(m) => Val::Money(m.abs()),
            Val::Real(r) => Val::Real(r.abs()),
            other => Val::Real(other.to_f64().abs()),
        },
        Func::Round => {
            let n = if args.len() > 1 { int_arg(&arg(1)) } else { 0 };
            Val::real(round(arg(0).to_f64(), n))
        }
        Func::Upper => Val::text(text_arg(&arg(0)).unwrap_or_default().to_ascii_uppercase()),
        Func::Lower => Val::text(text_arg(&arg(0)).unwrap_or_default().to_ascii_lowercase()),
        Func::Length => Val::Int(text_arg(&arg(0)).unwrap_or_default().chars().count() as i64),
        Func::Substr => {
            let len = if args.len() > 2 {
                Some(int_arg(&arg(2)))
            } else {
                None
            };
            substr(&arg(0), int_arg(&arg(1)), len)
        }
        Func::Trim | Func::LTrim | Func::RTrim => {
            let s = text_arg(&arg(0)).unwrap_or_default();
            let chars = if args.len() > 1 {
                text_arg(&arg(1)).unwrap_or_default()
            } else {
                " ".to_string()
            };
            Val::text(trim_with(&s, &chars, f != Func::RTrim, f != Func::LTrim))
        }
        Func::Replace => {
            let (s, from, to) = (
                text_arg(&arg(0)).unwrap_or_default(),
                text_arg(&arg(1)).unwrap_or_default(),
                text_arg(&arg(2)).unwrap_or_default(),
            );
            if from.is_empty() {
                Val::text(s)
            } else {
                Val::text(s.replace(&from, &to))
            }
        }
        Func::Instr => {
            let (s, needle) = (
                text_arg(&arg(0)).unwrap_or_default(),
                text_arg(&arg(1)).unwrap_or_default(),
            );
            Val::Int(match s.find(&needle) {
                Some(byte) => s[..byte].chars().count() as i64 + 1,
                None => 0,
            })
        }
        Func::Date | Func::Time | Func::DateTime | Func::JulianDay => {
            let Some(jd) = time_of(&args, &now)? else {
                return Ok(Val::Null);
            };
            format_time(f, jd)
        }
        Func::StrfTime => {
            let format = arg(0);
            if format.is_null() {
                return Ok(Val::Null);
            }
            let format = text_arg(&format).unwrap_or_default();
            let rest = &args[1..];
            let rest: Vec<Val<'w>> = if rest.is_empty() {
                vec![Val::Str("now")]
            } else {
                rest.to_vec()
            };
            let Some(jd) = time_of(&rest, &now)? else {
                return Ok(Val::Null);
            };
            match strftime(&format, jd) {
                Some(s) => Val::text(s),
                None => Val::Null,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_and_substr() {
        assert!(like("a%c", "ABC", None));
        assert!(like("_b_", "abc", None));
        assert!(!like("a_", "abc", None));
        assert!(like("%", "", None));
        assert!(like("10!%", "10%", Some('!')));
        assert!(!like("10!%", "100", Some('!')));
        let s = Val::Str("hello");
        assert_eq!(substr(&s, 2, Some(3)), Val::text("ell"));
        assert_eq!(substr(&s, -3, None), Val::text("llo"));
        assert_eq!(substr(&s, 0, Some(2)), Val::text("h"));
        assert_eq!(substr(&s, 3, Some(-2)), Val::text("he"));
    }

    #[test]
    fn round_half_away_from_zero() {
        assert_eq!(round(2.5, 0), 3.0);
        assert_eq!(round(-2.5, 0), -3.0);
        assert_eq!(round(1.005, 2), 1.0);
        assert_eq!(round(0.125, 2), 0.13);
        assert_eq!(round(1234.5678, 2), 1234.57);
        assert_eq!(round(9.999, 2), 10.0);
    }
}
