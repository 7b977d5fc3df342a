//! CSV files the service writes, made safe to open in a spreadsheet: a text cell that
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula
//! (a name typed as `=HYPERLINK(…)`), so it gets a leading `'`, which spreadsheets show as
//! text. Numbers (`-12.50`) are left as they are.

use std::io::Write;

/// `cell`, neutralised if a spreadsheet would read it as a formula.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<rust_decimal::Decimal>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// A CSV writer that neutralises every cell it writes.
pub struct SafeCsv<W: Write>(csv::Writer<W>);

impl<W: Write> SafeCsv<W> {
    pub fn new(writer: csv::Writer<W>) -> SafeCsv<W> {
        SafeCsv(writer)
    }

    pub fn write_record<I, T>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let cells: Vec<String> = record.into_iter().map(|c| spreadsheet_safe(c.as_ref()).into_owned()).collect();
        self.0.write_record(&cells)
    }

    /// The written bytes' destination, once everything is flushed to it.
    pub fn into_inner(self) -> std::io::Result<W> {
        self.0.into_inner().map_err(|e| e.into_error())
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// A neutralising CSV writer into memory.
pub fn csv_in_memory() -> SafeCsv<Vec<u8>> {
    SafeCsv::new(csv::Writer::from_writer(Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://evil.example\")", "'=HYPERLINK(\"http://evil.example\")"),
            ("+44 7700", "'+44 7700"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-cmd", "'-cmd"),
            ("\tTab", "'\tTab"),
            ("-12.50", "-12.50"),
            ("+3", "+3"),
            ("Harbour Care", "Harbour Care"),
        ] {
            assert_eq!(spreadsheet_safe(cell), written, "{cell:?}");
        }
        let mut out = csv_in_memory();
        out.write_record(["=1+1", "5"]).unwrap();
        assert_eq!(String::from_utf8(out.into_inner().unwrap()).unwrap(), "'=1+1,5\n");
    }
}
