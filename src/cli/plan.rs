//! `facebench plan list | show | check | import`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use super::exit::CliError;
use super::paths::{load_catalog, plan_path, Found, Origin};
use super::summary::pad_cjk as pad;
use crate::catalog::{Catalog, Sheet, Standard};
use crate::journal::write_atomically;
use crate::plan::import::{import_workbook, SheetMapEntry};
use crate::plan::load_plan;

/// Plan subcommands.
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// All device types with their standard, and each standard's sheets.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The sheets and items that apply to a device type or standard.
    Show {
        /// Device-type id or Chinese name, or standard id.
        key: String,
        /// Usage, for device types whose standard depends on it.
        #[arg(long)]
        usage: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Validate a plan file and list every problem with file, line, column and field.
    Check {
        /// Plan files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Read the network's test-case workbook (.xls or .xlsx) into a draft plan with a
    /// `[template]` table, so `report` fills in a copy of that workbook; lists what it could not map.
    Import {
        /// The workbook.
        workbook: PathBuf,
        /// Catalog standard id; by default the standard whose Chinese name is in the file name.
        #[arg(long)]
        standard: Option<String>,
        /// `NAME=SHEET` maps a worksheet to a plan sheet (`气候环境=climate`);
        /// `NAME!ROLE=COLUMN` sets a column (roles: id, name, conditions, criterion, measured,
        /// result, note); `NAME!header=ROW` the header row. Repeatable.
        #[arg(long = "sheet-map", value_parser = SheetMapEntry::parse)]
        sheet_map: Vec<SheetMapEntry>,
        /// Write the draft here (the template path is recorded relative to it); default stdout.
        #[arg(short = 'o', long)]
        out: Option<PathBuf>,
    },
}

/// Runs a plan subcommand.
pub fn execute(command: PlanCommand) -> Result<ExitCode, CliError> {
    let catalog = load_catalog()?;
    match command {
        PlanCommand::List { json } => list(&catalog, json),
        PlanCommand::Show { key, usage, json } => show(&catalog, &key, usage.as_deref(), json),
        PlanCommand::Check { files } => check(&catalog, &files),
        PlanCommand::Import {
            workbook,
            standard,
            sheet_map,
            out,
        } => import(
            &catalog,
            &workbook,
            standard.as_deref(),
            &sheet_map,
            out.as_deref(),
        ),
    }?;
    Ok(ExitCode::SUCCESS)
}

fn list(catalog: &Catalog, as_json: bool) -> Result<(), CliError> {
    if as_json {
        let devices: Vec<_> = catalog
            .device_types
            .iter()
            .map(|d| {
                let standards: Vec<_> = d
                    .standard
                    .iter()
                    .map(|s| json!({ "usage": null, "standard": s }))
                    .chain(d.variants.iter().map(|v| json!({ "usage": v.usage, "standard": v.standard })))
                    .collect();
                json!({ "id": d.id, "name_zh": d.name_zh, "name_en": d.name_en, "standards": standards })
            })
            .collect();
        let plans: Vec<_> = plan_origins(catalog)?
            .into_iter()
            .map(|(standard, found)| json!({ "standard": standard.id, "path": found.path, "origin": found.origin.to_string() }))
            .collect();
        print_json(
            &json!({ "device_types": devices, "standards": catalog.standards, "plans": plans }),
        );
        return Ok(());
    }
    println!("{:<28} {:<16} {:<22} standard", "device type", "", "");
    for device in &catalog.device_types {
        let standards: Vec<String> = match &device.standard {
            Some(id) => vec![standard_label(catalog, id)],
            None => device
                .variants
                .iter()
                .map(|v| {
                    format!(
                        "{} ({}): {}",
                        v.usage,
                        v.name_zh,
                        standard_label(catalog, &v.standard)
                    )
                })
                .collect(),
        };
        println!(
            "{:<28} {} {}",
            device.id,
            pad(&device.name_zh, 22),
            standards.join("; ")
        );
    }
    println!();
    print!("{:<20}", "standard");
    for sheet in Sheet::ALL {
        print!(" {}", pad(sheet.name_zh(), 14));
    }
    println!();
    for standard in &catalog.standards {
        print!(
            "{:<20}",
            format!("{} v{}", standard.name_zh, standard.version)
        );
        for sheet in Sheet::ALL {
            print!(" {}", pad(standard.sheets.get(sheet).label(), 14));
        }
        println!("  ({})", standard.id);
    }
    println!();
    println!("{:<20} {:<26} from", "plan of", "file");
    for (standard, found) in plan_origins(catalog)? {
        println!(
            "{:<20} {:<26} {}",
            standard.id,
            standard.plan,
            describe(&found)
        );
    }
    Ok(())
}

/// Where a shipped file was read from: `built in`, or its layer and path.
fn describe(found: &Found) -> String {
    match found.origin {
        Origin::Embedded => found.origin.to_string(),
        _ => format!("{} ({})", found.origin, found.path.display()),
    }
}

/// Each standard's plan file and the layer it is read from (current folder, `$FACEBENCH_HOME`
/// or built in).
fn plan_origins(catalog: &Catalog) -> Result<Vec<(&Standard, Found)>, CliError> {
    catalog
        .standards
        .iter()
        .map(|standard| Ok((standard, plan_path(standard)?)))
        .collect()
}

fn standard_label(catalog: &Catalog, id: &str) -> String {
    catalog.standard(id).map_or(id.to_string(), |s| {
        format!("{} v{} ({})", s.name_zh, s.version, s.id)
    })
}

fn resolve_standard<'c>(
    catalog: &'c Catalog,
    key: &str,
    usage: Option<&str>,
) -> Result<&'c Standard, CliError> {
    match catalog.standard(key) {
        Some(standard) => Ok(standard),
        None => {
            let device_type = super::unit_args::known_device_type(catalog, key)?;
            catalog
                .standard_for(&device_type, usage)
                .map_err(CliError::input)
        }
    }
}

fn show(catalog: &Catalog, key: &str, usage: Option<&str>, as_json: bool) -> Result<(), CliError> {
    let standard = resolve_standard(catalog, key, usage)?;
    let found = plan_path(standard)?;
    let path = found.path.clone();
    let loaded = load_plan(&path, catalog).map_err(CliError::input)?;
    let device_type = catalog
        .device_types
        .iter()
        .find(|d| d.id.eq_ignore_ascii_case(key) || d.name_zh == key)
        .map(|d| d.id.as_str());
    let applies = |item: &&crate::plan::Item| device_type.is_none_or(|d| item.applies_to_device(d));
    if as_json {
        let sheets: Vec<_> = Sheet::ALL
            .into_iter()
            .map(|sheet| {
                let items: Vec<_> = loaded.plan.items_of(sheet).filter(applies).collect();
                json!({ "sheet": sheet.key(), "name_zh": sheet.name_zh(), "requirement": standard.sheets.get(sheet), "items": items })
            })
            .collect();
        print_json(
            &json!({ "standard": standard, "plan": path, "notice": loaded.plan.notice, "sheets": sheets }),
        );
        return Ok(());
    }
    println!(
        "{} v{} ({}), plan {}",
        standard.name_zh,
        standard.version,
        standard.id,
        describe(&found)
    );
    println!("{}", loaded.plan.notice);
    for sheet in Sheet::ALL {
        let requirement = standard.sheets.get(sheet);
        println!(
            "\n{} {} — {}",
            sheet.name_zh(),
            sheet.name_en(),
            requirement.label()
        );
        if !requirement.applies() {
            continue;
        }
        for item in loaded.plan.items_of(sheet).filter(applies) {
            let rigs: Vec<&str> = item.rigs_needed().iter().map(|k| k.key()).collect();
            let rigs = if rigs.is_empty() {
                String::new()
            } else {
                format!(" [{}]", rigs.join(", "))
            };
            println!(
                "  {:<8} {} / {} ({:?}{rigs})",
                item.id, item.name_zh, item.name_en, item.automation
            );
        }
    }
    Ok(())
}

fn check(catalog: &Catalog, files: &[PathBuf]) -> Result<(), CliError> {
    let mut failed = Vec::new();
    for file in files {
        match load_plan(file, catalog) {
            Ok(loaded) => println!("{}: ok, {} items", file.display(), loaded.plan.items.len()),
            Err(errors) => {
                eprintln!("{errors}");
                failed.push(file.display().to_string());
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::input(anyhow::anyhow!(
            "invalid plan: {}",
            failed.join(", ")
        )))
    }
}

fn import(
    catalog: &Catalog,
    workbook: &Path,
    standard: Option<&str>,
    sheet_map: &[SheetMapEntry],
    out: Option<&Path>,
) -> Result<(), CliError> {
    let imported = import_workbook(workbook, catalog, standard, sheet_map)
        .map_err(|e| CliError::input(anyhow::anyhow!(e)))?;
    let source = match out {
        Some(out) => relative_to(workbook, out.parent().unwrap_or(Path::new("")))?,
        None => workbook.display().to_string(),
    };
    let text = imported.to_toml(&source);
    match out {
        Some(out) => {
            let io_error =
                |path: &Path, e: std::io::Error| anyhow::anyhow!("{}: {e}", path.display());
            write_atomically(
                out,
                |file| {
                    file.write_all(text.as_bytes())
                        .map_err(|e| io_error(out, e))
                },
                io_error,
            )
            .map_err(CliError::harness)?;
            println!(
                "{}: {} items from {} (standard {}), template {source}",
                out.display(),
                imported.items.len(),
                workbook.display(),
                imported.standard.id
            );
        }
        None => print!("{text}"),
    }
    if !imported.unmapped.is_empty() {
        eprintln!("not mapped ({}):", imported.unmapped.len());
        for unmapped in &imported.unmapped {
            eprintln!("  {unmapped}");
        }
    }
    Ok(())
}

/// `path` relative to the folder `base` (both made absolute first), for the plan's
/// `[template] source`.
fn relative_to(path: &Path, base: &Path) -> Result<String, CliError> {
    let absolute = |p: &Path| {
        std::path::absolute(p).map_err(|e| CliError::input(anyhow::anyhow!("{}: {e}", p.display())))
    };
    let path = absolute(path)?;
    let base = absolute(if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    })?;
    let path_parts: Vec<_> = path.components().collect();
    let base_parts: Vec<_> = base.components().collect();
    let common = path_parts
        .iter()
        .zip(&base_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut relative = PathBuf::new();
    for _ in common..base_parts.len() {
        relative.push("..");
    }
    for part in &path_parts[common..] {
        relative.push(part);
    }
    Ok(relative.display().to_string())
}

fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}
