//! Splitting a script into its statements, outside quotes and comments, so each can
//! run (and fail) on its own.

/// Splits a text into its statements at the `;`s outside quotes and comments, each with
/// the line it starts on (0-based), dropping pieces with nothing but blanks and
/// comments: so each statement can run (and fail) on its own.
pub fn split_statements(sql: &str) -> Vec<(u64, &str)> {
    fn push<'a>(
        sql: &'a str,
        from: usize,
        to: usize,
        has_code: bool,
        out: &mut Vec<(u64, &'a str)>,
    ) {
        if has_code {
            let line = sql[..from].matches('\n').count() as u64;
            out.push((line, &sql[from..to]));
        }
    }
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0usize, 0usize);
    let mut has_code = false;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                has_code = true;
                i += 1;
                while i < b.len() {
                    if b[i] == q {
                        if b.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'[' => {
                has_code = true;
                while i < b.len() && b[i] != b']' {
                    i += 1;
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b';' => {
                push(sql, start, i, has_code, &mut out);
                has_code = false;
                i += 1;
                start = i;
            }
            c => {
                if !c.is_ascii_whitespace() {
                    has_code = true;
                }
                i += 1;
            }
        }
    }
    push(sql, start.min(b.len()), b.len(), has_code, &mut out);
    out
}
