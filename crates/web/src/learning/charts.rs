//! Charts drawn on the server as SVG, so they need no JavaScript and read the same in every
//! browser. Each chart has a title and description for screen readers, and the pages show
//! the same figures as a table beside it.

use selfdirect_domain::Money;
use std::fmt::Write;

/// Writes pence as money, for charts of spending.
pub fn pounds(pence: i64) -> String {
    Money::from_pence(pence).to_string()
}

/// Escapes text for SVG (which is XML).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Horizontal bars, one per labelled value, longest bar = largest value; `show` writes a
/// value in words (money, or a count).
pub fn bar_chart(id: &str, title: &str, bars: &[(String, i64)], show: impl Fn(i64) -> String) -> String {
    const LABEL_WIDTH: i64 = 300;
    const BAR_SPACE: i64 = 380;
    const ROW: i64 = 32;
    let width = LABEL_WIDTH + BAR_SPACE + 120;
    let height = ROW * bars.len().max(1) as i64 + 10;
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="sd-chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(&bars.iter().map(|(l, v)| format!("{l}: {}", show(*v))).collect::<Vec<_>>().join("; "))
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = i as i64 * ROW + 5;
        // Integer arithmetic: the bar's length is its share of the largest, in whole pixels.
        let length = ((*value).max(0) * BAR_SPACE / max).max(1);
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end">{}</text><rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{}" fill="#1d70b8"></rect><text x="{}" y="{}">{}</text>"##,
            LABEL_WIDTH - 8,
            y + 20,
            escape(label),
            ROW - 8,
            LABEL_WIDTH + length + 6,
            y + 20,
            escape(&show(*value))
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Columns over time, one per labelled period.
pub fn column_chart(id: &str, title: &str, columns: &[(String, i64)], show: impl Fn(i64) -> String) -> String {
    const HEIGHT: i64 = 220;
    const COLUMN: i64 = 56;
    let width = (COLUMN * columns.len().max(1) as i64 + 20).max(300);
    let max = columns.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="sd-chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {width} {}" width="100%" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        HEIGHT + 30,
        escape(title),
        escape(&columns.iter().map(|(l, v)| format!("{l}: {}", show(*v))).collect::<Vec<_>>().join("; "))
    );
    for (i, (label, value)) in columns.iter().enumerate() {
        let x = i as i64 * COLUMN + 10;
        let h = ((*value).max(0) * (HEIGHT - 10) / max).max(1);
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="{}" width="{}" height="{h}" fill="#1d70b8"></rect><text x="{}" y="{}" text-anchor="middle">{}</text>"##,
            HEIGHT - h,
            COLUMN - 12,
            x + (COLUMN - 12) / 2,
            HEIGHT + 20,
            escape(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_in_proportion_and_text_is_escaped() {
        let svg = bar_chart("c", "Spend <by> kind", &[("Day services & clubs".into(), 20_000), ("Personal assistants".into(), 10_000)], pounds);
        assert!(svg.contains(r#"width="380""#) && svg.contains(r#"width="190""#), "{svg}");
        assert!(svg.contains("Spend &lt;by&gt; kind") && svg.contains("Day services &amp; clubs"));
        assert!(svg.contains(r#"role="img""#) && svg.contains("<desc id=\"c-desc\">Day services &amp; clubs: £200.00; Personal assistants: £100.00</desc>"));
    }

    #[test]
    fn columns_scale_to_the_tallest_and_an_empty_chart_is_still_valid() {
        let svg = column_chart("m", "By month", &[("2026-04".into(), 5), ("2026-05".into(), 10)], |n| format!("{n} people"));
        assert!(svg.contains(r#"height="105""#) && svg.contains(r#"height="210""#), "{svg}");
        assert!(svg.contains("2026-04: 5 people; 2026-05: 10 people"), "{svg}");
        let empty = column_chart("e", "Nothing", &[], pounds);
        assert!(empty.starts_with("<svg") && empty.ends_with("</svg>"));
    }
}
