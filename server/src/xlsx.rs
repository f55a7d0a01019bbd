//! What every Excel export shares: a named sheet with a bold header row of Chinese titles.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

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
