//! The engine's layers, checked from its source (docs/architecture.md, "Layers").
//!
//! Every `.rs` file under `src/` is a module (`src/a/mod.rs` is `crate::a`, `src/a/b.rs`
//! is `crate::a::b`). Each `crate::`, `super::` and `self::` path a file names (in `use`
//! trees, grouped forms included, and in qualified paths in its code), and each path
//! through a child module it declares, lands in the deepest module file that exists;
//! a path through a `pub use` is followed to the file that defines the item, so a
//! parent re-exporting its children is not an import of them. Comments, strings and
//! `#[cfg(test)]` items are left out: tests may build a `Warehouse` to get a star
//! schema. Then:
//!
//! 1. no import cycle between files;
//! 2. no import cycle between top-level modules;
//! 3. no top-level module imports one of a higher layer ([`LAYERS`]).
//!
//! [`KNOWN_EXCEPTIONS`] lists the imports being removed now; it may only shrink.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The top-level modules by layer, lowest first: a module may import its own layer and
/// those below, never one above.
const LAYERS: &[(&str, &[&str])] = &[
    // Plain data every layer shares: the star schema, load reports, the heap counter,
    // the errors, the sample-data generator.
    ("model", &["model", "report", "memory", "error", "generate"]),
    // Cell values, validation, staging and commit into the star schema.
    ("transform", &["transform"]),
    // Readers per format, the worker codec, parallel pieces; the snapshot format.
    ("ingest", &["ingest", "snapshot"]),
    // Tenant scope, filters, the dashboards: the plan and executor of today.
    ("query", &["query"]),
    // Frontends compiling to queries: SQL and the pivot.
    ("frontends", &["sql", "pivot"]),
    // The facade tying loads, snapshots and queries together.
    ("facade", &["warehouse"]),
    // What the page shows for a query.
    ("view", &["chart", "view"]),
    // Files out: CSV, SQLite, Parquet, the pivot as a workbook.
    (
        "exports",
        &["export", "export_sqlite", "parquet", "pivot_xlsx"],
    ),
];

/// Imports that break the rules today and are being removed (issue 28), as
/// (importing file, imported file). Remove an entry when its import goes; the test
/// fails when an entry no longer matches an import, so the list can only shrink.
const KNOWN_EXCEPTIONS: &[(&str, &str)] = &[];

/// One import: the file it is in, its line, the line's text, the file it lands in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    from: String,
    to: String,
    line: usize,
    text: String,
}

// --- Reading the source --------------------------------------------------------------

/// The source with comments, strings and character literals blanked (newlines kept, so
/// line numbers hold).
fn strip(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0 || !(b[i - 1].is_alphanumeric() || b[i - 1] == '_'))
            && {
                let mut j = i + 1;
                while b.get(j) == Some(&'#') {
                    j += 1;
                }
                b.get(j) == Some(&'"')
            }
        {
            let mut hashes = 0;
            out.push(' ');
            i += 1;
            while b[i] == '#' {
                hashes += 1;
                out.push(' ');
                i += 1;
            }
            out.push(' ');
            i += 1;
            while i < b.len() {
                if b[i] == '"' && (1..=hashes).all(|k| b.get(i + k) == Some(&'#')) {
                    for _ in 0..=hashes {
                        out.push(' ');
                    }
                    i += hashes + 1;
                    break;
                }
                out.push(blank(b[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A character literal ('a', '\n', '\u{..}'), or a lifetime ('a).
            let end = if next == Some('\\') {
                (i + 2..b.len()).find(|&j| b[j] == '\'')
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    for _ in i..=end {
                        out.push(' ');
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The index just past the item starting at `at`: its `;`, or its `{ ... }` block.
fn item_end(code: &[u8], at: usize) -> usize {
    let mut i = at;
    while i < code.len() && code[i] != b';' && code[i] != b'{' {
        i += 1;
    }
    if i >= code.len() || code[i] == b';' {
        return (i + 1).min(code.len());
    }
    let mut depth = 0;
    while i < code.len() {
        match code[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    code.len()
}

/// The code with its `#[cfg(test)]` (and `#[cfg(all(test, ..))]`) items blanked, and the names of the test-only
/// modules it declares (`#[cfg(test)] mod tests;`).
fn without_tests(code: &str) -> (String, Vec<String>) {
    let mut bytes = code.as_bytes().to_vec();
    let mut test_mods = Vec::new();
    let mut from = 0;
    while let Some(found) = code[from..].find("#[cfg(") {
        let at = from + found;
        let start = code[at..].find(']').map_or(code.len(), |e| at + e + 1);
        let attr: String = code[at..start].split_whitespace().collect();
        if attr != "#[cfg(test)]" && !attr.starts_with("#[cfg(all(test,") {
            from = start;
            continue;
        }
        let end = item_end(code.as_bytes(), start);
        let item = code[start..end].trim();
        if let Some(rest) = item.strip_prefix("mod ") {
            if let Some(name) = rest.strip_suffix(';') {
                test_mods.push(name.trim().to_string());
            }
        }
        for b in &mut bytes[at..end] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
        from = end;
    }
    (
        String::from_utf8(bytes).expect("blanking keeps UTF-8"),
        test_mods,
    )
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The paths of a `use` tree (`a::{b, c::{d, self}}` gives `a::b`, `a::c::d`, `a::c`),
/// each with the name it is bound to (`as` renames).
fn expand_use(tree: &str) -> Vec<(Vec<String>, String)> {
    fn go(prefix: &[String], tree: &str, out: &mut Vec<(Vec<String>, String)>) {
        let tree = tree.trim();
        if tree.is_empty() {
            return;
        }
        if let Some(open) = tree.find('{') {
            let head: Vec<String> = tree[..open]
                .split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            let inner = &tree[open + 1..tree.rfind('}').expect("a closed use group")];
            let mut base = prefix.to_vec();
            base.extend(head);
            let (mut depth, mut last) = (0, 0);
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        go(&base, &inner[last..i], out);
                        last = i + 1;
                    }
                    _ => {}
                }
            }
            go(&base, &inner[last..], out);
            return;
        }
        let (path, alias) = match tree.split_once(" as ") {
            Some((p, a)) => (p.trim(), Some(a.trim().to_string())),
            None => (tree, None),
        };
        let mut segments = prefix.to_vec();
        segments.extend(path.split("::").map(|s| s.trim().to_string()));
        if segments.last().map(String::as_str) == Some("self") {
            segments.pop();
        }
        let name = alias.unwrap_or_else(|| segments.last().cloned().unwrap_or_default());
        out.push((segments, name));
    }
    let mut out = Vec::new();
    go(&[], tree, &mut out);
    out
}

/// One source file, read.
struct File {
    /// Its path from the crate root, `src/...`.
    path: String,
    /// Its module path, `["crate", "a", "b"]`.
    module: Vec<String>,
    /// Code without comments, strings or test items.
    code: String,
    /// The code without its `use` statements either.
    rest: String,
    /// The child modules it declares.
    children: BTreeSet<String>,
    /// `pub use` re-exports: bound name -> the absolute path it names (`*` for globs).
    reexports: Vec<(String, Vec<String>)>,
    /// `use` statements: (line, absolute path) (relative and external paths resolved or
    /// dropped).
    uses: Vec<(usize, Vec<String>)>,
}

fn module_of(path: &Path) -> Vec<String> {
    let relative = path.strip_prefix("src").expect("a file under src/");
    let mut module = vec!["crate".to_string()];
    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if !last {
            module.push(part.clone());
        } else if part != "mod.rs" && part != "lib.rs" {
            module.push(part.trim_end_matches(".rs").to_string());
        }
    }
    module
}

/// `segments` (as written in `module`'s file, whose child modules are `children`)
/// from the crate root; `None` for an external path (`std::`, `serde::`, ...).
fn absolute(
    module: &[String],
    children: &BTreeSet<String>,
    segments: &[String],
) -> Option<Vec<String>> {
    let first = segments.first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" => return Some(segments.to_vec()),
        "self" => module.to_vec(),
        "super" => module[..module.len().saturating_sub(1)].to_vec(),
        name if children.contains(name) => {
            let mut m = module.to_vec();
            m.push(name.to_string());
            m
        }
        _ => return None,
    };
    let mut rest = &segments[1..];
    while rest.first().map(String::as_str) == Some("super") {
        base.pop();
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable src/") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rs_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn line_of(code: &str, at: usize) -> usize {
    code[..at].matches('\n').count() + 1
}

fn read_file(root: &Path, path: &Path) -> File {
    let src = std::fs::read_to_string(root.join(path)).expect("a readable source file");
    let (code, _) = without_tests(&strip(&src));
    let module = module_of(path);
    let mut children = BTreeSet::new();
    let mut statements = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let word_start = i == 0 || !is_ident(bytes[i - 1] as char);
        if word_start && code[i..].starts_with("mod ") {
            let end = item_end(bytes, i);
            let decl = code[i + 4..end].trim();
            if let Some(name) = decl.strip_suffix(';') {
                children.insert(name.trim().to_string());
            }
            i += 4;
        } else if word_start && code[i..].starts_with("use ") {
            let end = code[i..].find(';').map_or(code.len(), |e| i + e);
            let before = code[..i].trim_end();
            let public = before.ends_with("pub")
                || before.ends_with("pub(crate)")
                || before.ends_with("pub(super)");
            statements.push((i, end, public, code[i + 4..end].to_string()));
            i = end;
        } else {
            i += code[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    let mut reexports = Vec::new();
    let mut uses = Vec::new();
    // The code left for qualified paths: without its `use` statements.
    let mut rest = code.clone().into_bytes();
    for &(at, end, _, _) in &statements {
        for b in &mut rest[at..end] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    let rest = String::from_utf8(rest).expect("blanking keeps UTF-8");
    for (at, _, public, tree) in statements {
        let tree: String = tree.split_whitespace().collect::<Vec<_>>().join(" ");
        for (segments, name) in expand_use(&tree) {
            let Some(path) = absolute(&module, &children, &segments) else {
                continue;
            };
            if public {
                reexports.push((name, path));
            } else {
                uses.push((line_of(&code, at), path));
            }
        }
    }
    File {
        path: path.to_string_lossy().into_owned(),
        module,
        code,
        rest,
        children,
        reexports,
        uses,
    }
}

/// Every module file of the crate, test-only modules left out.
fn read_crate(root: &Path) -> Vec<File> {
    let mut paths = Vec::new();
    rs_files(&root.join("src"), &mut paths);
    let mut files: Vec<File> = paths
        .iter()
        .map(|p| p.strip_prefix(root).expect("under the root").to_path_buf())
        .filter(|p| !p.starts_with("src/bin"))
        .map(|p| read_file(root, &p))
        .collect();
    // Test-only modules (`#[cfg(test)] mod tests;`) are tests, not layers.
    let mut test_only = BTreeSet::new();
    for path in &paths {
        let src = std::fs::read_to_string(path).expect("a readable source file");
        let (_, test_mods) = without_tests(&strip(&src));
        let module = module_of(path.strip_prefix(root).expect("under the root"));
        for name in test_mods {
            let mut m = module.clone();
            m.push(name);
            test_only.insert(m);
        }
    }
    files.retain(|f| !test_only.contains(&f.module));
    files
}

// --- Resolving paths to files --------------------------------------------------------

struct Crate {
    files: Vec<File>,
    by_module: HashMap<Vec<String>, usize>,
    /// `#[macro_export]` macros: name -> defining file.
    macros: HashMap<String, usize>,
}

impl Crate {
    fn new(files: Vec<File>) -> Crate {
        let by_module = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.module.clone(), i))
            .collect();
        let mut macros = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            let mut rest = f.code.as_str();
            while let Some(at) = rest.find("#[macro_export]") {
                rest = &rest[at..];
                if let Some(m) = rest.find("macro_rules!") {
                    let name: String = rest[m + "macro_rules!".len()..]
                        .trim_start()
                        .chars()
                        .take_while(|&c| is_ident(c))
                        .collect();
                    macros.insert(name, i);
                }
                rest = &rest["#[macro_export]".len()..];
            }
        }
        Crate {
            files,
            by_module,
            macros,
        }
    }

    /// The file an absolute path lands in, following re-exports.
    fn resolve(&self, path: &[String], depth: usize) -> Option<usize> {
        if path.len() == 2 {
            if let Some(&file) = self.macros.get(&path[1]) {
                return Some(file);
            }
        }
        let (file, rest) = (1..=path.len())
            .rev()
            .find_map(|n| self.by_module.get(&path[..n]).map(|&f| (f, &path[n..])))?;
        if depth < 8 {
            if let Some(name) = rest.first() {
                let f = &self.files[file];
                for (bound, target) in &f.reexports {
                    if bound == name {
                        let mut through = target.clone();
                        through.extend(rest[1..].iter().cloned());
                        return self.resolve(&through, depth + 1).or(Some(file));
                    }
                }
                for (bound, target) in &f.reexports {
                    if bound == "*" {
                        let mut through = target[..target.len() - 1].to_vec();
                        through.extend(rest.iter().cloned());
                        if let Some(found) = self.resolve(&through, depth + 1) {
                            if !self.by_module.contains_key(&through[..through.len() - 1])
                                || found != file
                            {
                                return Some(found);
                            }
                        }
                    }
                }
            }
        }
        Some(file)
    }

    /// Every import of every file, self-imports left out.
    fn edges(&self) -> Vec<Edge> {
        let mut edges = BTreeSet::new();
        for (i, f) in self.files.iter().enumerate() {
            let lines: Vec<&str> = f.code.lines().collect();
            let mut add = |line: usize, path: &[String]| {
                if let Some(to) = self.resolve(path, 0) {
                    if to != i {
                        edges.insert(Edge {
                            from: f.path.clone(),
                            to: self.files[to].path.clone(),
                            line,
                            text: lines.get(line - 1).map_or("", |l| l.trim()).to_string(),
                        });
                    }
                }
            };
            for (line, path) in &f.uses {
                add(*line, path);
            }
            // Qualified paths in code: `crate::a::b`, `super::x`, `self::x`, `child::x`.
            let code = &f.rest;
            let bytes = code.as_bytes();
            let mut i = 0;
            while i < code.len() {
                let c = code[i..].chars().next().expect("in bounds");
                let starts = is_ident(c) && (i == 0 || !is_ident(bytes[i - 1] as char));
                let after_colons = i >= 2 && &code[i - 2..i] == "::";
                if starts && !after_colons {
                    let mut j = i;
                    let mut segments = Vec::new();
                    loop {
                        let len: usize = code[j..]
                            .chars()
                            .take_while(|&c| is_ident(c))
                            .map(char::len_utf8)
                            .sum();
                        if len == 0 {
                            break;
                        }
                        segments.push(code[j..j + len].to_string());
                        j += len;
                        if code[j..].starts_with("::") {
                            j += 2;
                        } else {
                            break;
                        }
                    }
                    if segments.len() > 1 {
                        if let Some(path) = absolute(&f.module, &f.children, &segments) {
                            add(line_of(code, i), &path);
                        }
                    }
                    i = j.max(i + 1);
                } else {
                    i += c.len_utf8();
                }
            }
        }
        edges.into_iter().collect()
    }
}

// --- The graph -----------------------------------------------------------------------

/// The cycles of a directed graph: its strongly connected components of more than one
/// node (Tarjan), each sorted, in sorted order.
fn cycles(edges: &[(String, String)]) -> Vec<Vec<String>> {
    let mut nodes: BTreeSet<&str> = BTreeSet::new();
    let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges {
        nodes.insert(a);
        nodes.insert(b);
        out.entry(a).or_default().push(b);
    }
    let nodes: Vec<&str> = nodes.into_iter().collect();
    let index_of: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let n = nodes.len();
    let (mut index, mut low, mut on_stack) = (vec![usize::MAX; n], vec![0; n], vec![false; n]);
    let (mut stack, mut next, mut found) = (Vec::new(), 0, Vec::new());
    // Iterative Tarjan: (node, next successor to look at).
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut k)) = work.last_mut() {
            let succ: Vec<usize> = out
                .get(nodes[v])
                .map(|s| s.iter().map(|w| index_of[w]).collect())
                .unwrap_or_default();
            if *k < succ.len() {
                let w = succ[*k];
                *k += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut component = Vec::new();
                    loop {
                        let w = stack.pop().expect("v is on the stack");
                        on_stack[w] = false;
                        component.push(nodes[w].to_string());
                        if w == v {
                            break;
                        }
                    }
                    if component.len() > 1 {
                        component.sort();
                        found.push(component);
                    }
                }
            }
        }
    }
    found.sort();
    found
}

fn top_module(path: &str) -> Option<String> {
    let rest = path.strip_prefix("src/")?;
    let first = rest.split('/').next()?;
    (first != "lib.rs").then(|| first.trim_end_matches(".rs").to_string())
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, ms)| ms.contains(&module))
}

fn crate_edges() -> Vec<Edge> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Crate::new(read_crate(root)).edges()
}

/// An import of a module's own `mod.rs` (or `lib.rs`) by a file under it: the items a
/// folder's files share live in its `mod.rs`, which also declares and calls them, so
/// this is the folder's own room, not a cycle. Cycles between sibling files, and
/// between folders, are still found.
fn is_to_parent(edge: &Edge) -> bool {
    let Some(folder) = edge
        .to
        .strip_suffix("mod.rs")
        .or_else(|| edge.to.strip_suffix("lib.rs"))
    else {
        return false;
    };
    edge.from.starts_with(folder)
}

fn is_exception(edge: &Edge) -> bool {
    KNOWN_EXCEPTIONS.contains(&(edge.from.as_str(), edge.to.as_str()))
}

fn describe(edges: &[&Edge]) -> String {
    edges
        .iter()
        .map(|e| {
            format!(
                "  {} -> {}  ({}:{}: {})",
                e.from, e.to, e.from, e.line, e.text
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn known_exceptions_are_still_imports() {
    let edges = crate_edges();
    for (from, to) in KNOWN_EXCEPTIONS {
        assert!(
            edges.iter().any(|e| e.from == *from && e.to == *to),
            "{from} no longer imports {to}: remove it from KNOWN_EXCEPTIONS"
        );
    }
}

#[test]
fn no_import_cycle_between_files() {
    let edges = crate_edges();
    let kept: Vec<&Edge> = edges
        .iter()
        .filter(|e| !is_exception(e) && !is_to_parent(e))
        .collect();
    let pairs: Vec<(String, String)> = kept
        .iter()
        .map(|e| (e.from.clone(), e.to.clone()))
        .collect();
    let found = cycles(&pairs);
    let report: Vec<String> = found
        .iter()
        .map(|files| {
            let inside: Vec<&Edge> = kept
                .iter()
                .copied()
                .filter(|e| files.contains(&e.from) && files.contains(&e.to))
                .collect();
            format!(
                "a cycle between {}:\n{}",
                files.join(", "),
                describe(&inside)
            )
        })
        .collect();
    assert!(found.is_empty(), "{}", report.join("\n"));
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let edges = crate_edges();
    let kept: Vec<(&Edge, String, String)> = edges
        .iter()
        .filter(|e| !is_exception(e))
        .filter_map(|e| Some((e, top_module(&e.from)?, top_module(&e.to)?)))
        .filter(|(_, a, b)| a != b)
        .collect();
    let pairs: Vec<(String, String)> = kept
        .iter()
        .map(|(_, a, b)| (a.clone(), b.clone()))
        .collect();
    let found = cycles(&pairs);
    let report: Vec<String> = found
        .iter()
        .map(|modules| {
            let inside: Vec<&Edge> = kept
                .iter()
                .filter(|(_, a, b)| modules.contains(a) && modules.contains(b))
                .map(|(e, _, _)| *e)
                .collect();
            format!(
                "a cycle between crate::{}:\n{}",
                modules.join(", crate::"),
                describe(&inside)
            )
        })
        .collect();
    assert!(found.is_empty(), "{}", report.join("\n"));
}

#[test]
fn lower_layers_never_import_higher_ones() {
    let edges = crate_edges();
    let mut problems = Vec::new();
    for e in edges.iter().filter(|e| !is_exception(e)) {
        let (Some(a), Some(b)) = (top_module(&e.from), top_module(&e.to)) else {
            continue;
        };
        match (layer_of(&a), layer_of(&b)) {
            (Some(la), Some(lb)) if la < lb => problems.push(format!(
                "crate::{a} ({}) imports crate::{b} ({}), a higher layer:\n{}",
                LAYERS[la].0,
                LAYERS[lb].0,
                describe(&[e])
            )),
            (None, _) => problems.push(format!("crate::{a} is in no layer of LAYERS")),
            (_, None) => problems.push(format!("crate::{b} is in no layer of LAYERS")),
            _ => {}
        }
    }
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_top_level_module_has_a_layer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let modules: BTreeSet<String> = read_crate(root)
        .iter()
        .filter_map(|f| top_module(&f.path))
        .collect();
    let missing: Vec<&String> = modules.iter().filter(|m| layer_of(m).is_none()).collect();
    assert!(
        missing.is_empty(),
        "modules in no layer of LAYERS: {missing:?}"
    );
}

// --- The checker checked -------------------------------------------------------------

fn pairs(edges: &[(&str, &str)]) -> Vec<(String, String)> {
    edges
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn cycles_are_found_and_chains_are_not() {
    let chain = pairs(&[("a", "b"), ("b", "c"), ("a", "c"), ("d", "a")]);
    assert!(cycles(&chain).is_empty());
    let looped = pairs(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("e", "e2")]);
    assert_eq!(cycles(&looped), vec![vec!["a", "b", "c"]]);
    let two = pairs(&[("x", "y"), ("y", "x"), ("p", "q"), ("q", "r"), ("r", "p")]);
    assert_eq!(cycles(&two), vec![vec!["p", "q", "r"], vec!["x", "y"]]);
}

#[test]
fn paths_are_read_from_use_trees_and_code_but_not_comments() {
    let src = "//! see crate::doc::only\n\
               use crate::{a::b, c::{d, e as f}, g};\n\
               use super::h;\n\
               // crate::commented::out\n\
               fn x() { let s = \"crate::in::a::string\"; crate::i::j(); child::k(); }\n\
               mod child;\n\
               #[cfg(test)]\n\
               mod tests { use crate::test::only; }\n";
    let (code, test_mods) = without_tests(&strip(src));
    assert!(test_mods.is_empty());
    assert!(!code.contains("doc::only") && !code.contains("commented") && !code.contains("in::a"));
    assert!(!code.contains("test::only"));
    let uses: Vec<Vec<String>> = expand_use("crate::{a::b, c::{d, e as f}, g}")
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    let joined: Vec<String> = uses.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        joined,
        ["crate::a::b", "crate::c::d", "crate::c::e", "crate::g"]
    );
    assert_eq!(
        module_of(Path::new("src/a/mod.rs")),
        ["crate", "a"].map(String::from)
    );
    assert_eq!(
        module_of(Path::new("src/a/b.rs")),
        ["crate", "a", "b"].map(String::from)
    );
    assert_eq!(
        module_of(Path::new("src/lib.rs")),
        ["crate"].map(String::from)
    );
}

#[test]
fn a_new_cycle_between_files_would_fail() {
    // The crate's own edges, plus one from the lowest module back up to the facade.
    let mut edges: Vec<(String, String)> = crate_edges()
        .iter()
        .filter(|e| !is_exception(e) && !is_to_parent(e))
        .map(|e| (e.from.clone(), e.to.clone()))
        .collect();
    edges.push(("src/model/star.rs".into(), "src/warehouse.rs".into()));
    let found = cycles(&edges);
    assert!(
        found
            .iter()
            .any(|c| c.contains(&"src/warehouse.rs".to_string())
                && c.contains(&"src/model/star.rs".to_string())),
        "{found:?}"
    );
}
