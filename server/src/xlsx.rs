//! What every export shares: tables with Chinese column titles, written as an XLSX workbook (one sheet per table, a
//! bold header row) or as CSV (UTF-8 with a byte-order mark, so that Excel opens the Chinese correctly).

use actix_web::HttpResponse;
use actix_web::http::header;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::error::{ApiError, ApiResult};

/// Adds a sheet named `name` with `titles` in bold in its first row; data rows start at row 1.
pub fn sheet_with_header<'a>(
    workbook: &'a mut Workbook,
    name: &str,
    titles: &[&str],
) -> Result<&'a mut Worksheet, XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    let bold = Format::new().set_bold();
    for (column, title) in titles.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, *title, &bold)?;
        sheet.set_column_width(column as u16, 16)?;
    }
    Ok(sheet)
}

/// A cell of an exported table.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_owned())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

impl From<f64> for Cell {
    fn from(number: f64) -> Self {
        Cell::Number(number)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Empty, Into::into)
    }
}

/// One sheet of an export.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    pub sheet: String,
    pub titles: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    Csv,
}

impl ExportFormat {
    /// `xlsx` (the default) or `csv`.
    pub fn parse(value: Option<&str>) -> ApiResult<ExportFormat> {
        match value.unwrap_or("xlsx") {
            "xlsx" => Ok(ExportFormat::Xlsx),
            "csv" => Ok(ExportFormat::Csv),
            _ => Err(
                ApiError::new(hezuo_mobile_api::ErrorCode::InvalidQuery).with_field(
                    "format",
                    "invalid",
                    "格式应为 xlsx 或 csv",
                    "format is xlsx or csv",
                ),
            ),
        }
    }
}

/// Whether a spreadsheet program would take text starting like this for a formula (`=`, `+`, `-`, `@`, or a tab or
/// carriage return before one). Text from phones and imports reaches every export, so such cells are neutralised:
/// in CSV with a leading apostrophe, in XLSX with Excel's quote prefix (shown as typed, never evaluated).
pub fn looks_like_formula(text: &str) -> bool {
    matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠')
    )
}

/// A text cell for CSV, neutralised when it could be read as a formula.
pub fn csv_text(text: &str) -> std::borrow::Cow<'_, str> {
    if looks_like_formula(text) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

pub fn workbook(tables: &[Table]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let quoted = Format::new().set_quote_prefix();
    for table in tables {
        let titles: Vec<&str> = table.titles.iter().map(String::as_str).collect();
        let sheet = sheet_with_header(&mut workbook, &table.sheet, &titles)?;
        for (index, cells) in table.rows.iter().enumerate() {
            let row = index as u32 + 1;
            for (column, cell) in cells.iter().enumerate() {
                let column = column as u16;
                match cell {
                    Cell::Text(text) if looks_like_formula(text) => {
                        sheet.write_string_with_format(row, column, text, &quoted)?
                    }
                    Cell::Text(text) => sheet.write_string(row, column, text)?,
                    Cell::Number(number) => sheet.write_number(row, column, *number)?,
                    Cell::Empty => sheet,
                };
            }
        }
    }
    workbook.save_to_buffer()
}

/// The tables as CSV; several tables follow each other, each under its sheet name, a blank line apart.
pub fn csv(tables: &[Table]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    for (index, table) in tables.iter().enumerate() {
        if tables.len() > 1 {
            if index > 0 {
                writer.write_record([""])?;
            }
            writer.write_record([table.sheet.as_str()])?;
        }
        writer.write_record(&table.titles)?;
        for cells in &table.rows {
            let record: Vec<String> = cells
                .iter()
                .map(|cell| match cell {
                    Cell::Text(text) => csv_text(text).into_owned(),
                    Cell::Number(number) => number.to_string(),
                    Cell::Empty => String::new(),
                })
                .collect();
            writer.write_record(&record)?;
        }
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

/// The tables as a download named `name` (without extension).
pub fn download(format: ExportFormat, name: &str, tables: &[Table]) -> ApiResult<HttpResponse> {
    let (body, content_type, extension) = match format {
        ExportFormat::Xlsx => (
            workbook(tables).map_err(ApiError::internal)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        ExportFormat::Csv => (
            csv(tables).map_err(ApiError::internal)?,
            "text/csv; charset=utf-8",
            "csv",
        ),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.{extension}\""),
        ))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting_and_starts_with_a_bom() {
        let table = Table {
            sheet: "表".to_owned(),
            titles: vec!["名称".to_owned(), "得分".to_owned()],
            rows: vec![
                vec!["甲,乙".into(), 90.5.into()],
                vec!["\"丙\"".into(), Cell::Empty],
            ],
        };
        let bytes = csv(&[table]).expect("csv");
        assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
        let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
        assert_eq!(text, "名称,得分\n\"甲,乙\",90.5\n\"\"\"丙\"\"\",\n");
    }

    #[test]
    fn text_that_a_spreadsheet_would_evaluate_is_neutralised() {
        let table = Table {
            sheet: "表".to_owned(),
            titles: vec!["名称".to_owned(), "得分".to_owned()],
            rows: vec![
                vec!["=HYPERLINK(\"http://x\",\"点我\")".into(), (-3.0).into()],
                vec!["@SUM(A1)".into(), Cell::Empty],
                vec!["＝1+1".into(), Cell::Empty],
                vec!["合作社-甲".into(), Cell::Empty],
            ],
        };
        let bytes = csv(std::slice::from_ref(&table)).expect("csv");
        let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
        assert_eq!(
            text,
            "名称,得分\n\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\",-3\n'@SUM(A1),\n'＝1+1,\n合作社-甲,\n"
        );
        // In the workbook the cell keeps its text, marked as text by the quote prefix.
        let book = workbook(&[table]).expect("xlsx");
        let mut archive =
            calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(std::io::Cursor::new(book))
                .expect("open");
        let range = calamine::Reader::worksheet_range(&mut archive, "表").expect("sheet");
        assert_eq!(
            range.get_value((1, 0)),
            Some(&calamine::Data::String(
                "=HYPERLINK(\"http://x\",\"点我\")".to_owned()
            ))
        );
    }
}
