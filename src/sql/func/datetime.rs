//! SQLite's date and time functions (`date`, `time`, `datetime`, `julianday`,
//! `strftime`) with `'now'` and SQLite's modifiers.
//!
//! Times are SQLite's: an `i64` of milliseconds since the Julian epoch (noon, 4714 BC
//! November 24, proleptic Gregorian), which makes 'YYYY-MM-DD' and day arithmetic exact.

use crate::model::date::{day_from_ymd, ymd_from_day, Day};
use crate::sql::error::SqlError;
use crate::sql::plan::Func;
use crate::sql::value::{real_to_text, Val};

/// Milliseconds per day.
const DAY_MS: i64 = 86_400_000;
/// Julian-epoch milliseconds of 1970-01-01 00:00.
const UNIX_EPOCH_JD_MS: i64 = 210_866_760_000_000;
/// The latest time SQLite represents (9999-12-31 23:59:59.999).
const MAX_JD_MS: i64 = 464_269_060_799_999;

fn jd_of_day(day: Day) -> i64 {
    i64::from(day) * DAY_MS + UNIX_EPOCH_JD_MS
}

/// Day number and milliseconds into the day.
fn split(jd: i64) -> (Day, i64) {
    let unix = jd - UNIX_EPOCH_JD_MS;
    (unix.div_euclid(DAY_MS) as Day, unix.rem_euclid(DAY_MS))
}

fn parse_digits(b: &[u8], n: usize) -> Option<i64> {
    if b.len() < n || !b[..n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        b[..n]
            .iter()
            .fold(0i64, |a, d| a * 10 + i64::from(d - b'0')),
    )
}

/// `HH:MM[:SS[.fff]]` at the start of `b`: milliseconds and bytes used.
fn parse_hms(b: &[u8]) -> Option<(i64, usize)> {
    let h = parse_digits(b, 2)?;
    if b.get(2) != Some(&b':') {
        return None;
    }
    let m = parse_digits(&b[3..], 2)?;
    let mut used = 5;
    let mut ms = 0;
    if b.get(5) == Some(&b':') {
        let s = parse_digits(&b[6..], 2)?;
        used = 8;
        ms = s * 1000;
        if b.get(8) == Some(&b'.') {
            let mut i = 9;
            let mut scale = 100;
            while i < b.len() && b[i].is_ascii_digit() {
                ms += i64::from(b[i] - b'0') * scale;
                scale /= 10;
                i += 1;
            }
            used = i;
        }
    }
    if h > 24 || m > 59 || ms >= 60_000 {
        return None;
    }
    Some(((h * 60 + m) * 60_000 + ms, used))
}

/// A time value's text: `YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][Z]`, `HH:MM[:SS]`, or a number
/// (a Julian day).
fn parse_time_text(s: &str) -> Option<i64> {
    let t = s.trim();
    let b = t.as_bytes();
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        let y = parse_digits(b, 4)?;
        let m = parse_digits(&b[5..], 2)?;
        let d = parse_digits(&b[8..], 2)?;
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        // SQLite accepts day 31 of any month and lets it run into the next.
        let first = day_from_ymd(y as i32, m as u32, 1)?;
        let mut jd = jd_of_day(first + d as Day - 1);
        let mut rest = &b[10..];
        if let Some((&sep, tail)) = rest.split_first() {
            if sep == b' ' || sep == b'T' {
                let (ms, used) = parse_hms(tail)?;
                jd += ms;
                rest = &tail[used..];
            }
        }
        let rest = std::str::from_utf8(rest).ok()?.trim();
        if !(rest.is_empty() || rest.eq_ignore_ascii_case("z")) {
            return None;
        }
        return Some(jd);
    }
    if let Some((ms, used)) = parse_hms(b) {
        let rest = std::str::from_utf8(&b[used..]).ok()?.trim();
        if rest.is_empty() || rest.eq_ignore_ascii_case("z") {
            return Some(jd_of_day(day_from_ymd(2000, 1, 1)?) + ms);
        }
        return None;
    }
    match crate::sql::value::text_whole_number(t)? {
        Val::Int(i) => julian_number(i as f64),
        Val::Real(f) => julian_number(f),
        _ => None,
    }
}

fn julian_number(f: f64) -> Option<i64> {
    let ms = (f * DAY_MS as f64 + 0.5).floor();
    (0.0..=MAX_JD_MS as f64).contains(&ms).then_some(ms as i64)
}

/// The time of `args[0]` after the modifiers `args[1..]`; `None` (NULL) when invalid.
pub(super) fn time_of(
    args: &[Val<'_>],
    now: &impl Fn() -> Result<i64, SqlError>,
) -> Result<Option<i64>, SqlError> {
    let Some(first) = args.first() else {
        return Ok(Some(now()? + UNIX_EPOCH_JD_MS));
    };
    let mut jd = match first {
        Val::Null => return Ok(None),
        Val::Date(d) => jd_of_day(*d),
        Val::Int(i) => match julian_number(*i as f64) {
            Some(j) => j,
            None => return Ok(None),
        },
        Val::Real(_) | Val::Money(_) => match julian_number(first.to_f64()) {
            Some(j) => j,
            None => return Ok(None),
        },
        _ => {
            let text = first.as_text().unwrap_or_default();
            if text.trim().eq_ignore_ascii_case("now") {
                now()? + UNIX_EPOCH_JD_MS
            } else {
                match parse_time_text(&text) {
                    Some(j) => j,
                    None => return Ok(None),
                }
            }
        }
    };
    for (i, m) in args[1..].iter().enumerate() {
        let Some(text) = m.to_text() else {
            return Ok(None);
        };
        let numeric_first =
            i == 0 && matches!(first.clone().numeric_affinity(), Val::Int(_) | Val::Real(_));
        match apply_modifier(jd, &text, numeric_first, first)? {
            Some(j) => jd = j,
            None => return Ok(None),
        }
        if !(0..=MAX_JD_MS).contains(&jd) {
            return Ok(None);
        }
    }
    Ok(Some(jd))
}

fn ymd_ms(jd: i64) -> (i64, i64, i64, i64) {
    let (day, ms) = split(jd);
    let (y, m, d) = ymd_from_day(day);
    (i64::from(y), i64::from(m), i64::from(d), ms)
}

/// `jd` of a calendar date whose month and day may run past their ends (as SQLite
/// normalizes them).
fn from_ymd_ms(y: i64, m: i64, d: i64, ms: i64) -> Option<i64> {
    let months = y * 12 + (m - 1);
    let (y, m) = (months.div_euclid(12), months.rem_euclid(12) + 1);
    let first = day_from_ymd(i32::try_from(y).ok()?, m as u32, 1)?;
    Some(jd_of_day(first) + (d - 1) * DAY_MS + ms)
}

fn apply_modifier(
    jd: i64,
    modifier: &str,
    numeric_first: bool,
    first: &Val<'_>,
) -> Result<Option<i64>, SqlError> {
    let m = modifier.trim().to_ascii_lowercase();
    match m.as_str() {
        "start of day" => {
            let (day, _) = split(jd);
            return Ok(Some(jd_of_day(day)));
        }
        "start of month" => {
            let (y, mo, _, _) = ymd_ms(jd);
            return Ok(from_ymd_ms(y, mo, 1, 0));
        }
        "start of year" => {
            let (y, _, _, _) = ymd_ms(jd);
            return Ok(from_ymd_ms(y, 1, 1, 0));
        }
        "unixepoch" if numeric_first => {
            let secs = first.to_f64();
            let ms = (secs * 1000.0).round();
            if !ms.is_finite() {
                return Ok(None);
            }
            return Ok(Some(ms as i64 + UNIX_EPOCH_JD_MS));
        }
        "localtime" | "utc" | "auto" | "subsec" | "subsecond" | "unixepoch" | "julianday" => {
            return Err(SqlError::new(format!(
                "not supported: the date modifier '{modifier}'"
            )))
        }
        _ => {}
    }
    if let Some(n) = m.strip_prefix("weekday ") {
        let Ok(n) = n.trim().parse::<i64>() else {
            return Ok(None);
        };
        if !(0..=6).contains(&n) {
            return Ok(None);
        }
        // 0 is Sunday.
        let z = ((jd + 129_600_000) / DAY_MS) % 7;
        let z = if z > n { z - 7 } else { z };
        return Ok(Some(jd + (n - z) * DAY_MS));
    }
    // "[+-]N unit"
    let (number, unit) = match m.find(|c: char| c.is_ascii_whitespace()) {
        Some(i) => (&m[..i], m[i..].trim()),
        None => return Ok(None),
    };
    let Ok(n) = number.parse::<f64>() else {
        return Ok(None);
    };
    if !n.is_finite() {
        return Ok(None);
    }
    let unit = unit.strip_suffix('s').unwrap_or(unit);
    let rounder = if n < 0.0 { -0.5 } else { 0.5 };
    Ok(match unit {
        "day" => Some(jd + (n * DAY_MS as f64 + rounder) as i64),
        "hour" => Some(jd + (n * 3_600_000.0 + rounder) as i64),
        "minute" => Some(jd + (n * 60_000.0 + rounder) as i64),
        "second" => Some(jd + (n * 1000.0 + rounder) as i64),
        "month" => {
            let (y, mo, d, ms) = ymd_ms(jd);
            let whole = n.trunc() as i64;
            let base = from_ymd_ms(y, mo + whole, d, ms);
            let frac = n - n.trunc();
            base.map(|b| {
                if frac != 0.0 {
                    b + (frac * 30.0 * DAY_MS as f64 + rounder) as i64
                } else {
                    b
                }
            })
        }
        "year" => {
            let (y, mo, d, ms) = ymd_ms(jd);
            let whole = n.trunc() as i64;
            let base = from_ymd_ms(y + whole, mo, d, ms);
            let frac = n - n.trunc();
            base.map(|b| {
                if frac != 0.0 {
                    b + (frac * 365.0 * DAY_MS as f64 + rounder) as i64
                } else {
                    b
                }
            })
        }
        _ => None,
    })
}

pub(super) fn format_time<'w>(f: Func, jd: i64) -> Val<'w> {
    let (day, ms) = split(jd);
    let (y, m, d) = ymd_from_day(day);
    if !(0..=9999).contains(&y) {
        return Val::Null;
    }
    let (h, mi, s) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60);
    match f {
        Func::Date => {
            if y >= 1 {
                Val::Date(day)
            } else {
                Val::text(format!("{y:04}-{m:02}-{d:02}"))
            }
        }
        Func::Time => Val::text(format!("{h:02}:{mi:02}:{s:02}")),
        Func::DateTime => Val::text(format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}")),
        _ => Val::real(jd as f64 / DAY_MS as f64),
    }
}

pub(super) fn strftime(format: &str, jd: i64) -> Option<String> {
    let (day, ms) = split(jd);
    let (y, m, d) = ymd_from_day(day);
    let (h, mi, s) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60);
    let jan1 = day_from_ymd(y, 1, 1)?;
    let yday = i64::from(day - jan1); // 0-based
    let wday = (i64::from(day) + 4).rem_euclid(7); // 0 = Sunday
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'd' => out.push_str(&format!("{d:02}")),
            'e' => out.push_str(&format!("{d:2}")),
            'f' => out.push_str(&format!("{:06.3}", (ms % 60_000) as f64 / 1000.0)),
            'H' => out.push_str(&format!("{h:02}")),
            'k' => out.push_str(&format!("{h:2}")),
            'I' => out.push_str(&format!("{:02}", if h % 12 == 0 { 12 } else { h % 12 })),
            'l' => out.push_str(&format!("{:2}", if h % 12 == 0 { 12 } else { h % 12 })),
            'j' => out.push_str(&format!("{:03}", yday + 1)),
            'J' => out.push_str(&real_to_text(jd as f64 / DAY_MS as f64)),
            'm' => out.push_str(&format!("{m:02}")),
            'M' => out.push_str(&format!("{mi:02}")),
            's' => out.push_str(&((jd - UNIX_EPOCH_JD_MS).div_euclid(1000)).to_string()),
            'S' => out.push_str(&format!("{s:02}")),
            'w' => out.push_str(&wday.to_string()),
            'u' => out.push_str(&(if wday == 0 { 7 } else { wday }).to_string()),
            'W' => out.push_str(&format!("{:02}", (yday + 7 - (wday + 6) % 7) / 7)),
            'U' => out.push_str(&format!("{:02}", (yday + 7 - wday) / 7)),
            'Y' => out.push_str(&format!("{y:04}")),
            'F' => out.push_str(&format!("{y:04}-{m:02}-{d:02}")),
            'T' => out.push_str(&format!("{h:02}:{mi:02}:{s:02}")),
            'R' => out.push_str(&format!("{h:02}:{mi:02}")),
            'p' => out.push_str(if h >= 12 { "PM" } else { "AM" }),
            'P' => out.push_str(if h >= 12 { "pm" } else { "am" }),
            '%' => out.push('%'),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Result<i64, SqlError> {
        // 2024-11-13 10:30:00 UTC
        Ok(1_731_493_800_000)
    }

    fn date(args: &[&str]) -> Option<String> {
        let args: Vec<Val<'_>> = args.iter().map(|a| Val::text(*a)).collect();
        match time_of(&args, &now)
            .unwrap()
            .map(|jd| format_time(Func::Date, jd))
        {
            None | Some(Val::Null) => None,
            Some(v) => Some(v.to_text().unwrap().into_owned()),
        }
    }

    #[test]
    fn date_modifiers() {
        assert_eq!(
            date(&["2024-11-13", "-30 days"]).as_deref(),
            Some("2024-10-14")
        );
        assert_eq!(
            date(&["2024-11-13", "start of month"]).as_deref(),
            Some("2024-11-01")
        );
        assert_eq!(
            date(&["2024-01-31", "+1 month"]).as_deref(),
            Some("2024-03-02")
        );
        assert_eq!(
            date(&["2024-11-13", "start of year", "+1 year"]).as_deref(),
            Some("2025-01-01")
        );
        assert_eq!(
            date(&["2024-11-13", "weekday 0"]).as_deref(),
            Some("2024-11-17")
        );
        assert_eq!(date(&["now"]).as_deref(), Some("2024-11-13"));
        assert_eq!(
            date(&["2024-11-13 23:00:00", "+2 hours"]).as_deref(),
            Some("2024-11-14")
        );
        assert_eq!(date(&["garbage"]), None);
        assert_eq!(date(&["2024-11-13", "+1 fortnight"]), None);
    }
}
