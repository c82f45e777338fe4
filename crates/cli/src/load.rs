//! Reading data files into the warehouse, with progress on a terminal for large ones.

use crate::args::TenantForArgs;
use bi_platform::{LoadError, LoadReport, Warehouse};
use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Chunk size for reading files: large enough to be fast, small enough to stream.
pub(crate) const CHUNK: usize = 8 << 20;
/// Files at least this large show progress on a terminal.
pub(crate) const PROGRESS_FROM: u64 = 32 << 20;
/// Parquet is compressed: a smaller file is already many rows.
pub(crate) const PARQUET_PROGRESS_FROM: u64 = 4 << 20;

/// The files loaded, and those refused for want of a tenant (SPEC §1).
pub(crate) struct Loaded {
    pub(crate) reports: Vec<LoadReport>,
    /// Ad-platform exports that name no tenant and were given none: each a usage error
    /// (exit 2), with the message saying so.
    pub(crate) without_tenant: Vec<String>,
}

impl Loaded {
    /// Exit 2, naming each file that needs `--tenant-for`, when there is one.
    pub(crate) fn tenant_usage_error(&self) -> Option<ExitCode> {
        if self.without_tenant.is_empty() {
            return None;
        }
        for message in &self.without_tenant {
            eprintln!("error: {message}");
        }
        eprintln!("\nGive each such file its client with --tenant-for FILE=TENANT.");
        Some(ExitCode::from(2))
    }
}

/// Loads `files` in order, each with the tenant `--tenant-for` gives it.
pub(crate) fn load_all(
    warehouse: &mut Warehouse,
    files: &[PathBuf],
    tenants: &TenantForArgs,
) -> Loaded {
    let mut loaded = Loaded {
        reports: Vec::new(),
        without_tenant: Vec::new(),
    };
    for path in files {
        let (reports, needs_tenant) = load_file(warehouse, path, tenants.tenant_of(path));
        if needs_tenant {
            for r in &reports {
                if let Some(error) = &r.error {
                    loaded.without_tenant.push(format!("{}: {error}", r.file));
                }
            }
        }
        loaded.reports.extend(reports);
    }
    loaded
}

/// Loads one file; `true` beside its reports when it was refused because it is an ad
/// platform's export that names no tenant and `tenant` is `None`.
pub(crate) fn load_file(
    warehouse: &mut Warehouse,
    path: &Path,
    tenant: Option<&str>,
) -> (Vec<LoadReport>, bool) {
    let name = path.display().to_string();
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            return (
                vec![LoadReport::failed(
                    &name,
                    format!("cannot open the file: {e}"),
                )],
                false,
            )
        }
    };
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let show_progress = total >= PROGRESS_FROM && io::stderr().is_terminal();
    let mut stream = warehouse
        .stream(&name)
        .with_tenant(tenant.map(str::to_string));
    if total > 0 {
        stream = stream.with_expected_bytes(total);
    }
    if show_progress || (total >= PARQUET_PROGRESS_FROM && io::stderr().is_terminal()) {
        let name = name.clone();
        let started = Instant::now();
        stream = stream.with_row_progress(move |done, rows| {
            eprint!(
                "\rdecoding {name}: {:>3}% ({done} of {rows} rows, {:.1} s)",
                done * 100 / rows.max(1),
                started.elapsed().as_secs_f64()
            );
            if done >= rows {
                eprintln!();
            }
        });
    }
    // Each thread gets a few MB of a chunk to read.
    let mut buffer = vec![0u8; CHUNK.max(warehouse.threads() << 21)];
    let started = Instant::now();
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                warehouse.push(&mut stream, &buffer[..n]);
                if show_progress {
                    let done = stream.bytes_read();
                    let secs = started.elapsed().as_secs_f64().max(1e-9);
                    eprint!(
                        "\rloading {name}: {:>3}% ({} of {} MB, {:.0} MB/s)",
                        done * 100 / total.max(1),
                        done >> 20,
                        total >> 20,
                        done as f64 / secs / 1e6
                    );
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                warehouse.cancel(stream.id());
                return (
                    vec![LoadReport::failed(
                        &name,
                        format!("cannot read the file: {e}"),
                    )],
                    false,
                );
            }
        }
    }
    if show_progress {
        eprintln!(
            "\rloading {name}: done in {:.1} s{:30}",
            started.elapsed().as_secs_f64(),
            ""
        );
    }
    let ingested = stream.finish();
    let needs_tenant = matches!(ingested.result, Err(LoadError::NoTenant { .. }));
    (warehouse.commit(ingested), needs_tenant)
}

/// Loads the files in order for a command whose output is not the load reports
/// (`sql`, `export`): each file that failed, or had rows rejected, is named on
/// stderr in one line. Returns the reports.
/// `Err` with exit status 2 when a file needs `--tenant-for` (each named on stderr).
pub(crate) fn load_quietly(
    warehouse: &mut Warehouse,
    files: &[PathBuf],
    tenants: &TenantForArgs,
) -> Result<Vec<LoadReport>, ExitCode> {
    if let Err(e) = tenants.check(files) {
        eprintln!("error: {e}");
        return Err(ExitCode::from(2));
    }
    let loaded = load_all(warehouse, files, tenants);
    if let Some(code) = loaded.tenant_usage_error() {
        return Err(code);
    }
    let loads = loaded.reports;
    for l in &loads {
        if let Some(e) = &l.error {
            eprintln!("{}: {e}", l.file);
        } else if l.rows_rejected > 0 {
            eprintln!(
                "{}: {} rows rejected (bi-platform report lists them)",
                l.file, l.rows_rejected
            );
        }
    }
    Ok(loads)
}
