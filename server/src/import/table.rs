//! Reads a spreadsheet (CSV in UTF-8 or GB18030, or the first sheet of an XLSX workbook) into rows of text with their
//! row numbers as a spreadsheet shows them, and finds columns by header name.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::FileError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
}

impl FileKind {
    /// XLSX files are ZIP archives; anything else is read as CSV.
    pub fn sniff(bytes: &[u8]) -> FileKind {
        if bytes.starts_with(b"PK\x03\x04") {
            FileKind::Xlsx
        } else {
            FileKind::Csv
        }
    }
}

#[derive(Debug)]
pub struct Table {
    pub headers: Vec<String>,
    /// (row number, cells); the header is row 1 and blank rows are skipped.
    pub rows: Vec<(u64, Vec<String>)>,
}

pub fn read(bytes: &[u8]) -> Result<Table, FileError> {
    let table = match FileKind::sniff(bytes) {
        FileKind::Csv => read_csv(bytes)?,
        FileKind::Xlsx => read_xlsx(bytes)?,
    };
    if table.headers.iter().all(|h| h.trim().is_empty()) {
        return Err(FileError::new(
            "文件为空或缺少表头行",
            "the file is empty or has no header row",
        ));
    }
    Ok(table)
}

/// Spreadsheets exported by Chinese office software are often GB18030 (GBK); UTF-8 (with or without BOM) is tried
/// first.
fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Table, FileError> {
    let text = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut headers = None;
    let mut rows = Vec::new();
    // Row numbers as a spreadsheet shows them: blank lines are rows (the csv crate skips them silently), a line break
    // inside a quoted cell is not. A record's first line is found from where the reader stands after it.
    let mut breaks_inside_cells = 0u64;
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            FileError::new(
                format!("第{line}行附近无法按CSV解析：{e}"),
                format!("invalid CSV near line {line}: {e}"),
            )
        })?;
        if !more {
            break;
        }
        let after = reader.position();
        let ends_the_file_without_newline =
            after.byte() as usize >= text.len() && !text.ends_with('\n');
        let last_line = if ends_the_file_without_newline {
            after.line()
        } else {
            after.line().saturating_sub(1)
        };
        let breaks_here: u64 = record.iter().map(|c| c.matches('\n').count() as u64).sum();
        let row = last_line.saturating_sub(breaks_here + breaks_inside_cells);
        breaks_inside_cells += breaks_here;
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        if headers.is_none() {
            headers = Some(cells);
        } else if cells.iter().any(|c| !c.is_empty()) {
            if rows.len() >= MAX_ROWS {
                return Err(too_many_rows());
            }
            rows.push((row, cells));
        }
    }
    Ok(Table {
        headers: headers.unwrap_or_default(),
        rows,
    })
}

/// Most bytes the parts of an XLSX file may unpack to. A register of a whole city is a few megabytes. [P]
pub const MAX_XLSX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// Most data rows one import reads; larger files are imported in parts. [P]
pub const MAX_ROWS: usize = 100_000;
/// Most columns read per row: the importers know a few dozen.
const MAX_COLUMNS: u32 = 200;

fn too_many_rows() -> FileError {
    FileError::new(
        format!("文件超过{MAX_ROWS}行，请分批导入"),
        format!("more than {MAX_ROWS} rows; import the file in parts"),
    )
}

/// Refuses an XLSX whose parts unpack to more than [`MAX_XLSX_UNPACKED_BYTES`], as its directory declares them or, if
/// it lies, as they really unpack (counted without keeping anything), before the workbook is opened: a small file can
/// otherwise expand to gigabytes in memory.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), FileError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        FileError::new(
            format!("无法读取Excel文件：{e}"),
            format!("cannot read the XLSX file: {e}"),
        )
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let mut declared: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(|e| unreadable(&e))?;
        declared = declared.saturating_add(entry.size());
    }
    // The directory may lie: unpack into nothing, counting, and stop one byte past the limit.
    let mut unpacked: u64 = 0;
    if declared <= MAX_XLSX_UNPACKED_BYTES {
        for index in 0..archive.len() {
            let entry = archive.by_index(index).map_err(|e| unreadable(&e))?;
            let budget = MAX_XLSX_UNPACKED_BYTES + 1 - unpacked;
            unpacked += std::io::copy(
                &mut std::io::Read::take(entry, budget),
                &mut std::io::sink(),
            )
            .map_err(|e| unreadable(&e))?;
            if unpacked > MAX_XLSX_UNPACKED_BYTES {
                break;
            }
        }
    }
    if declared.max(unpacked) > MAX_XLSX_UNPACKED_BYTES {
        return Err(FileError::new(
            format!(
                "Excel文件解压后超过{}MB，请删去多余的工作表或分批导入",
                MAX_XLSX_UNPACKED_BYTES / (1024 * 1024)
            ),
            format!(
                "the workbook unpacks to more than {} MiB; remove other sheets or import in parts",
                MAX_XLSX_UNPACKED_BYTES / (1024 * 1024)
            ),
        ));
    }
    Ok(())
}

/// Reads the first sheet cell by cell (never the sheet's whole declared rectangle at once), stopping past
/// [`MAX_ROWS`] rows.
fn read_xlsx(bytes: &[u8]) -> Result<Table, FileError> {
    check_unpacked_size(bytes)?;
    let unreadable = |e: &dyn std::fmt::Display| {
        FileError::new(
            format!("无法读取Excel文件：{e}"),
            format!("cannot read the XLSX file: {e}"),
        )
    };
    let mut workbook = Xlsx::new(Cursor::new(bytes.to_vec())).map_err(|e| unreadable(&e))?;
    let first = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| FileError::new("Excel文件没有工作表", "the workbook has no sheet"))?;
    let mut cells = workbook.worksheet_cells_reader(&first).map_err(|e| {
        FileError::new(
            format!("无法读取工作表：{e}"),
            format!("cannot read the sheet: {e}"),
        )
    })?;
    // Rows as they come (cells arrive row by row); a row's cells placed by column.
    let mut by_row: std::collections::BTreeMap<u32, Vec<String>> =
        std::collections::BTreeMap::new();
    while let Some(cell) = cells.next_cell().map_err(|e| unreadable(&e))? {
        let (row, column) = cell.get_position();
        if column >= MAX_COLUMNS {
            continue;
        }
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.is_empty() {
            continue;
        }
        if !by_row.contains_key(&row) && by_row.len() > MAX_ROWS {
            return Err(too_many_rows());
        }
        let cells = by_row.entry(row).or_default();
        if cells.len() <= column as usize {
            cells.resize(column as usize + 1, String::new());
        }
        cells[column as usize] = text;
    }
    let mut rows = by_row.into_iter();
    let headers = rows.next().map(|(_, cells)| cells).unwrap_or_default();
    Ok(Table {
        headers,
        rows: rows
            .map(|(row, cells)| (u64::from(row) + 1, cells))
            .collect(),
    })
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        // Codes typed into Excel become numbers; print whole numbers without a decimal point.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|d| d.date().format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| dt.to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A column the importer understands, with the header names it is known by.
pub struct Column {
    pub key: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

/// Header names compare without spaces, case or full-width punctuation: "法定代表人（负责人）" = "法定代表人(负责人)".
fn normalise_header(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*')
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

/// Maps column keys to cell positions; fails naming the required columns the header lacks.
pub fn locate(
    headers: &[String],
    columns: &[Column],
) -> Result<HashMap<&'static str, usize>, FileError> {
    let normalised: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
    let mut found = HashMap::new();
    let mut missing = Vec::new();
    for column in columns {
        let position = normalised.iter().position(|header| {
            column.key == header
                || column
                    .aliases
                    .iter()
                    .any(|alias| normalise_header(alias) == *header)
        });
        match position {
            Some(index) => {
                found.insert(column.key, index);
            }
            None if column.required => {
                missing.push(column.aliases.first().copied().unwrap_or(column.key))
            }
            None => {}
        }
    }
    if !missing.is_empty() {
        return Err(FileError::new(
            format!("缺少必需的列：{}", missing.join("、")),
            format!("required columns missing: {}", missing.join(", ")),
        ));
    }
    Ok(found)
}

/// The trimmed cell of `key` in `cells`, if the column exists and the cell is not blank.
pub fn cell<'a>(
    cells: &'a [String],
    positions: &HashMap<&'static str, usize>,
    key: &str,
) -> Option<&'a str> {
    positions
        .get(key)
        .and_then(|&i| cells.get(i))
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb18030_csv_is_decoded() {
        let (encoded, _, _) =
            encoding_rs::GB18030.encode("名称,统一社会信用代码\n测试合作社,91350100M000100Y43\n");
        let table = read(&encoded).expect("readable");
        assert_eq!(table.headers, vec!["名称", "统一社会信用代码"]);
        assert_eq!(
            table.rows,
            vec![(
                2,
                vec!["测试合作社".to_owned(), "91350100M000100Y43".to_owned()]
            )]
        );
    }

    #[test]
    fn bom_and_blank_rows_are_ignored_and_rows_keep_their_numbers() {
        let table = read("\u{feff}code,name\n\n330203,海曙区\n".as_bytes()).expect("readable");
        assert_eq!(table.headers, vec!["code", "name"]);
        assert_eq!(table.rows[0].0, 3);
    }

    #[test]
    fn line_breaks_inside_quoted_cells_do_not_shift_row_numbers() {
        let table = read("name,address\n\"甲\",\"第一行\n第二行\"\n乙,地址\n".as_bytes())
            .expect("readable");
        assert_eq!(
            table.rows.iter().map(|(row, _)| *row).collect::<Vec<_>>(),
            vec![2, 3]
        );
    }

    #[test]
    fn the_last_row_without_a_newline_keeps_its_number() {
        let table = read("code,name\n\n\n330203,海曙区".as_bytes()).expect("readable");
        assert_eq!(table.rows[0].0, 4);
    }

    #[test]
    fn headers_match_their_aliases() {
        let columns = [
            Column {
                key: "legal_representative",
                aliases: &["法定代表人(负责人)"],
                required: true,
            },
            Column {
                key: "address",
                aliases: &["住所"],
                required: false,
            },
        ];
        let found = locate(&["法定代表人（负责人）".to_owned()], &columns).expect("found");
        assert_eq!(found.get("legal_representative"), Some(&0));
        let error = locate(&["住所".to_owned()], &columns).expect_err("missing");
        assert!(error.0.zh.contains("法定代表人(负责人)"));
    }
}
