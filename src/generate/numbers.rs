//! Ids and numbers written straight into a byte buffer, without allocation: tenant ids
//! padded to sort, integers, and cents with exactly two decimals.

/// Digits of tenant numbers: 3, or more when there are more than 999 tenants.
pub(super) fn tenant_id_width(tenants: u32) -> usize {
    decimal_digits(u64::from(tenants)).max(3)
}

/// Digits of 0-based ids for `count` items: 3, or those of `count - 1` if wider.
pub(super) fn index_width(count: u64) -> usize {
    decimal_digits(count.saturating_sub(1)).max(3)
}

fn decimal_digits(mut v: u64) -> usize {
    let mut digits = 1;
    while v >= 10 {
        v /= 10;
        digits += 1;
    }
    digits
}

/// Appends `tenant_<index + 1>`, zero-padded to `width` digits.
pub(super) fn push_tenant_id(buf: &mut Vec<u8>, index: u32, width: usize) {
    buf.extend_from_slice(b"tenant_");
    push_padded(buf, u64::from(index) + 1, width);
}

pub(super) fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[start..]);
}

pub(super) fn push_padded(buf: &mut Vec<u8>, v: u64, width: usize) {
    for _ in decimal_digits(v)..width {
        buf.push(b'0');
    }
    push_u64(buf, v);
}

/// Appends cents as a decimal with exactly two decimals (`12345` -> `123.45`).
pub(super) fn push_cents(buf: &mut Vec<u8>, cents: u64) {
    push_u64(buf, cents / 100);
    let c = (cents % 100) as u8;
    buf.extend_from_slice(&[b'.', b'0' + c / 10, b'0' + c % 10]);
}

#[cfg(feature = "xlsx-writer")]
pub(super) fn cents_f64(cents: u64) -> f64 {
    cents as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::tests::{campaigns, spec};

    #[test]
    fn ids_are_padded_to_sort() {
        let mut out = Vec::new();
        push_tenant_id(&mut out, 0, tenant_id_width(999));
        assert_eq!(out, b"tenant_001");
        out.clear();
        push_tenant_id(&mut out, 999, tenant_id_width(1000));
        assert_eq!(out, b"tenant_1000");
        out.clear();
        push_tenant_id(&mut out, 0, tenant_id_width(1000));
        assert_eq!(out, b"tenant_0001");
        assert_eq!(index_width(0), 3);
        assert_eq!(index_width(1000), 3);
        assert_eq!(index_width(1001), 4);

        // 4 tenants of 1,000: tenant 1 gets over 1,000 rows, so ids are 4 wide.
        let csv = campaigns(&spec(4, 1000));
        let second = csv.lines().nth(1).unwrap();
        assert!(second.starts_with("tenant_001,camp_tenant_001_0000,Campaign 1 - "));
    }

    #[test]
    fn money_formatting() {
        for (c, s) in [
            (0, "0.00"),
            (5, "0.05"),
            (100, "1.00"),
            (123_456, "1234.56"),
        ] {
            let mut buf = Vec::new();
            push_cents(&mut buf, c);
            assert_eq!(String::from_utf8(buf).unwrap(), s);
        }
        let mut buf = Vec::new();
        push_u64(&mut buf, u64::MAX);
        assert_eq!(String::from_utf8(buf).unwrap(), u64::MAX.to_string());
    }
}
