//! Parsing dates in text files (SPEC §3): the month/day or day/month slash rule, ISO
//! dates with times and zones, other formats and unparseable dates.

use crate::common::*;
use bi_platform::Warehouse;

#[test]
fn slash_dates_are_month_day_by_default() {
    let body = "t1,c1,03/04/2024,100,10,1,1,2\n\
                t1,c2,12/31/2024,100,10,1,1,2\n\
                t1,c3,1/2/2024,100,10,1,1,2\n";
    let (w, r) = fresh("md.csv", &csv(body));
    assert_eq!(r.rows_loaded, 3, "{r:#?}");
    assert_eq!(fact(&w, "c1").date, "2024-03-04");
    assert_eq!(fact(&w, "c2").date, "2024-12-31");
    assert_eq!(fact(&w, "c3").date, "2024-01-02");
}

#[test]
fn one_slash_date_with_a_first_number_above_12_makes_the_column_day_month() {
    // The deciding value comes last: earlier rows are resolved with it too.
    let body = "t1,c1,03/04/2024,100,10,1,1,2\n\
                t1,c2,2024-05-06,100,10,1,1,2\n\
                t1,c3,13/04/2024,100,10,1,1,2\n";
    let (w, r) = fresh("dm.csv", &csv(body));
    assert_eq!(r.rows_loaded, 3, "{r:#?}");
    assert_eq!(fact(&w, "c1").date, "2024-04-03");
    assert_eq!(
        fact(&w, "c2").date,
        "2024-05-06",
        "ISO dates are not affected"
    );
    assert_eq!(fact(&w, "c3").date, "2024-04-13");
}

#[test]
fn a_rejected_rows_slash_date_still_switches_the_rule() {
    // Row 3 is rejected (clicks > impressions) but its 25/12/2024 still decides.
    let body = "t1,c1,03/04/2024,100,10,1,1,2\n\
                t1,c2,25/12/2024,100,200,1,1,2\n";
    let (w, r) = fresh("dm.csv", &csv(body));
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    assert_eq!(rejected_lines(&r), [3]);
    assert_eq!(fact(&w, "c1").date, "2024-04-03");
    // Also when the row is rejected for having too many fields.
    let body = "t1,c1,03/04/2024,100,10,1,1,2\n\
                t1,c2,25/12/2024,100,10,1,1,2,surplus\n";
    let (w, r) = fresh("dm2.csv", &csv(body));
    assert_eq!(rejected_lines(&r), [3], "{r:#?}");
    assert_eq!(fact(&w, "c1").date, "2024-04-03");
}

#[test]
fn under_day_month_a_month_above_12_is_rejected() {
    let body = "t1,c1,04/25/2024,100,10,1,1,2\n\
                t1,c2,13/04/2024,100,10,1,1,2\n\
                t1,c3,01/02/2024,100,10,1,1,2\n";
    let (w, r) = fresh("dm.csv", &csv(body));
    assert_eq!(r.rows_loaded, 2, "{r:#?}");
    assert_eq!(rejected_lines(&r), [2]);
    assert_eq!(rejected_columns(&r), [Some("date")]);
    assert_eq!(fact(&w, "c3").date, "2024-02-01");
    assert_accounting(&r);
}

#[test]
fn the_slash_rule_is_per_file() {
    let mut w = Warehouse::new();
    load_one(&mut w, "a.csv", &csv("t1,a1,13/04/2024,100,10,1,1,2\n"));
    load_one(&mut w, "b.csv", &csv("t1,b1,03/04/2024,100,10,1,1,2\n"));
    assert_eq!(fact(&w, "a1").date, "2024-04-13");
    assert_eq!(fact(&w, "b1").date, "2024-03-04", "b.csv has no A > 12");
}

#[test]
fn iso_dates_with_time_and_zone_and_other_formats() {
    let body = "t1,c1,2024-11-13T23:30:00-05:00,100,10,1,1,2\n\
                t1,c2,2024-11-13 10:00:00Z,100,10,1,1,2\n\
                t1,c3,2024-11-13T01:00:00+09:00,100,10,1,1,2\n\
                t1,c4,13.11.2024,100,10,1,1,2\n\
                t1,c5,2024/11/13,100,10,1,1,2\n\
                t1,c6,2024-11-13,100,10,1,1,2\n";
    let (w, r) = fresh("iso.csv", &csv(body));
    assert_eq!(r.rows_loaded, 6, "{r:#?}");
    for f in facts(&w) {
        assert_eq!(f.date, "2024-11-13", "{}", f.campaign);
    }
}

#[test]
fn unparseable_dates_are_rejected() {
    let body = "t1,c1,2024-02-30,100,10,1,1,2\n\
                t1,c2,45609,100,10,1,1,2\n\
                t1,c3,Nov 13 2024,100,10,1,1,2\n\
                t1,c4,31.02.2024,100,10,1,1,2\n\
                t1,c5,2024-02-29,100,10,1,1,2\n";
    let (w, r) = fresh("bad.csv", &csv(body));
    assert_eq!(r.rows_loaded, 1, "{r:#?}");
    assert_eq!(rejected_lines(&r), [2, 3, 4, 5]);
    assert!(rejected_columns(&r).iter().all(|c| *c == Some("date")));
    assert_eq!(fact(&w, "c5").date, "2024-02-29");
}

#[test]
fn any_slash_value_with_a_first_number_above_12_switches_the_column() {
    // SPEC §3: month/day "unless some value in that column (on any row, rejected or not)
    // has A > 12". 13/13/2024 and 32/01/2024 are not dates either way (their rows are
    // rejected), but their A is above 12, so 03/04/2024 is the 3rd of April.
    for decider in ["13/13/2024", "32/01/2024"] {
        let body = format!(
            "t1,c1,03/04/2024,100,10,1,1,2\n\
             t1,c2,{decider},100,10,1,1,2\n"
        );
        let (w, r) = fresh("dm.csv", &csv(&body));
        assert_eq!(rejected_lines(&r), [3], "{decider}: {r:#?}");
        assert_eq!(rejected_columns(&r), [Some("date")], "{decider}");
        assert_eq!(fact(&w, "c1").date, "2024-04-03", "{decider} has A > 12");
    }
}

#[test]
fn slash_dates_in_another_column_do_not_switch_the_date_column() {
    let file = "tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue,end_date\n\
                t1,c1,03/04/2024,100,10,1,1,2,13/04/2024\n";
    let (w, r) = fresh("other.csv", file.as_bytes());
    assert_eq!(r.extra_columns, ["end_date"]);
    assert_eq!(fact(&w, "c1").date, "2024-03-04");
}
