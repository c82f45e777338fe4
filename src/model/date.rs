//! Calendar dates as day numbers.
//!
//! A date is stored as an `i32` count of days since 1970-01-01 (negative before it), so a
//! date column is a plain `Vec<i32>`, ranges are integer comparisons and "days apart" is
//! a subtraction. The conversions are Howard Hinnant's `days_from_civil` /
//! `civil_from_days` algorithms, exact for the whole proleptic Gregorian calendar.
//! `dim_date`'s attributes (year, quarter, month, ISO week, weekday) are derived here on
//! demand instead of being stored per row.

/// Days since 1970-01-01.
pub type Day = i32;

/// Day number of a calendar date, or `None` when the date does not exist
/// (month outside 1..=12, day past the month's end, year outside 1..=9999).
pub fn day_from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
    if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    if day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Number of days of `month` (1..=12) in `year`.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Gregorian leap year rule.
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_from_civil(year: i32, month: u32, day: u32) -> Day {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Year, month (1..=12) and day (1..=31) of a day number.
pub fn ymd_from_day(day: Day) -> (i32, u32, u32) {
    let z = day + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// ISO 8601 text, `YYYY-MM-DD`.
pub fn format_day(day: Day) -> String {
    with_iso_day(day, str::to_string)
}

/// Calls `f` with the ISO 8601 text of `day`, written on the stack for years 0-9999
/// (results write a date per row: a `format!` and a `String` for each one was a tenth
/// of `daily_performance`'s time in the page).
pub fn with_iso_day<R>(day: Day, f: impl FnOnce(&str) -> R) -> R {
    let (y, m, d) = ymd_from_day(day);
    if !(0..=9999).contains(&y) {
        return f(&format!("{y:04}-{m:02}-{d:02}"));
    }
    let text = iso_bytes(day);
    f(std::str::from_utf8(&text).expect("ASCII digits"))
}

/// `YYYY-MM-DD` of a day as bytes; a year outside 0-9999 (which no file can hold) is
/// clamped into it.
pub fn iso_bytes(day: Day) -> [u8; 10] {
    let (y, m, d) = ymd_from_day(day);
    let y = y.clamp(0, 9999) as u32;
    let digit = |v: u32| b'0' + (v % 10) as u8;
    [
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(d / 10),
        digit(d),
    ]
}

/// Weekday, Monday = 1 .. Sunday = 7 (ISO 8601).
pub fn iso_weekday(day: Day) -> u32 {
    // 1970-01-01 was a Thursday (4).
    ((day as i64 + 3).rem_euclid(7) + 1) as u32
}

/// ISO 8601 week-numbering year and week (1..=53).
pub fn iso_week(day: Day) -> (i32, u32) {
    let weekday = iso_weekday(day) as i32;
    // The Thursday of this ISO week decides its year.
    let thursday = day - weekday + 4;
    let (year, _, _) = ymd_from_day(thursday);
    let jan1 = days_from_civil(year, 1, 1);
    (year, ((thursday - jan1) / 7 + 1) as u32)
}

/// Quarter 1..=4 of a month 1..=12.
pub fn quarter_of_month(month: u32) -> u32 {
    month.div_ceil(3)
}

/// The attributes of `dim_date` for one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DateAttributes {
    pub year: i32,
    pub quarter: u32,
    pub month: u32,
    pub iso_week: u32,
    pub weekday: u32,
}

/// `dim_date` row for a day.
pub fn date_attributes(day: Day) -> DateAttributes {
    let (year, month, _) = ymd_from_day(day);
    DateAttributes {
        year,
        quarter: quarter_of_month(month),
        month,
        iso_week: iso_week(day).1,
        weekday: iso_weekday(day),
    }
}

/// Day number of an Excel date serial (time of day dropped), in the 1900 or the 1904
/// date system. The 1900 system counts the non-existent 1900-02-29 (serial 60, a Lotus
/// 1-2-3 bug Excel kept), so serial 60 is refused and serials below it are shifted by one.
pub fn day_from_excel_serial(serial: f64, is_1904: bool) -> Option<Day> {
    if !serial.is_finite() || !(0.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let whole = serial.floor() as i32;
    let day = if is_1904 {
        days_from_civil(1904, 1, 1) + whole
    } else if whole == 60 || whole == 0 {
        return None;
    } else if whole < 60 {
        days_from_civil(1899, 12, 31) + whole
    } else {
        days_from_civil(1899, 12, 30) + whole
    };
    let (y, _, _) = ymd_from_day(day);
    (1..=9999).contains(&y).then_some(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_day_of_four_centuries() {
        let start = day_from_ymd(1900, 1, 1).unwrap();
        let end = day_from_ymd(2300, 12, 31).unwrap();
        let mut expected = (1900, 1, 1);
        for day in start..=end {
            assert_eq!(ymd_from_day(day), expected);
            assert_eq!(day_from_ymd(expected.0, expected.1, expected.2), Some(day));
            let (y, m, d) = expected;
            expected = if d < days_in_month(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn epoch_and_known_days() {
        assert_eq!(day_from_ymd(1970, 1, 1), Some(0));
        assert_eq!(day_from_ymd(2024, 11, 13), Some(20040));
        assert_eq!(format_day(20040), "2024-11-13");
        assert_eq!(
            day_from_ymd(2024, 2, 29).map(format_day).as_deref(),
            Some("2024-02-29")
        );
    }

    #[test]
    fn iso_text_on_the_stack_equals_the_formatted_text() {
        let formatted = |day: Day| {
            let (y, m, d) = ymd_from_day(day);
            format!("{y:04}-{m:02}-{d:02}")
        };
        // Every day from 0001-01-01 to 9999-12-31 takes the stack path; the days
        // around its ends (year 0, negative years, 10000 and beyond) the fallback.
        let first = day_from_ymd(1, 1, 1).unwrap() - 800;
        let last = day_from_ymd(9999, 12, 31).unwrap() + 800;
        for day in (first..=last).step_by(7).chain([first, last]) {
            assert_eq!(format_day(day), formatted(day), "day {day}");
        }
    }

    #[test]
    fn refuses_impossible_dates() {
        assert_eq!(day_from_ymd(2023, 2, 29), None);
        assert_eq!(day_from_ymd(2024, 13, 1), None);
        assert_eq!(day_from_ymd(2024, 4, 31), None);
        assert_eq!(day_from_ymd(2024, 1, 0), None);
        assert_eq!(day_from_ymd(0, 1, 1), None);
        assert_eq!(day_from_ymd(1900, 2, 29), None);
        assert!(day_from_ymd(2000, 2, 29).is_some());
    }

    #[test]
    fn weekday_and_iso_week() {
        let d = day_from_ymd(2024, 11, 25).unwrap(); // a Monday
        assert_eq!(iso_weekday(d), 1);
        assert_eq!(iso_week(d), (2024, 48));
        // 2021-01-03 (Sunday) belongs to ISO week 53 of 2020.
        assert_eq!(iso_week(day_from_ymd(2021, 1, 3).unwrap()), (2020, 53));
        // 2024-12-30 (Monday) is in week 1 of 2025.
        assert_eq!(iso_week(day_from_ymd(2024, 12, 30).unwrap()), (2025, 1));
        let attrs = date_attributes(day_from_ymd(2024, 8, 15).unwrap());
        assert_eq!((attrs.year, attrs.quarter, attrs.month), (2024, 3, 8));
        assert_eq!(attrs.weekday, 4);
    }

    #[test]
    fn excel_serials_in_both_date_systems() {
        let ymd = |s, b| day_from_excel_serial(s, b).map(format_day);
        assert_eq!(ymd(1.0, false).as_deref(), Some("1900-01-01"));
        assert_eq!(ymd(59.0, false).as_deref(), Some("1900-02-28"));
        assert_eq!(ymd(60.0, false), None, "1900-02-29 does not exist");
        assert_eq!(ymd(61.0, false).as_deref(), Some("1900-03-01"));
        assert_eq!(ymd(45609.0, false).as_deref(), Some("2024-11-13"));
        assert_eq!(
            ymd(45609.75, false).as_deref(),
            Some("2024-11-13"),
            "time dropped"
        );
        assert_eq!(ymd(0.0, true).as_deref(), Some("1904-01-01"));
        assert_eq!(ymd(44147.0, true).as_deref(), Some("2024-11-13"));
        assert_eq!(ymd(-1.0, false), None);
        assert_eq!(ymd(f64::NAN, false), None);
    }
}
