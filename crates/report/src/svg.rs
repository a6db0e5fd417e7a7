//! A tiny hand-written SVG builder: just the shapes the report's charts need.
//!
//! The output is meant to be inlined into an HTML5 page, so no `xmlns` attribute is written
//! (the HTML parser puts `<svg>` in the SVG namespace by itself) and the page makes no
//! reference to any URL. Every piece of text goes through [`escape`].

use std::fmt::Write as _;

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML/SVG text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Formats a coordinate with at most one decimal and no trailing `.0` (short and deterministic).
pub fn num(value: f64) -> String {
    let value = if value.is_finite() { value } else { 0.0 };
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == rounded.trunc() {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded:.1}")
    }
}

/// Horizontal anchor of a text element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Text starts at x.
    Start,
    /// Text is centred on x.
    Middle,
    /// Text ends at x.
    End,
}

impl Anchor {
    fn attr(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// An SVG document being drawn, in user units (1 unit = 1 CSS pixel at natural size).
#[derive(Debug)]
pub struct Svg {
    width: f64,
    height: f64,
    body: String,
}

impl Svg {
    /// An empty drawing of the given natural size.
    pub fn new(width: f64, height: f64) -> Self {
        Self { width, height, body: String::new() }
    }

    /// A rectangle; `extra` is appended verbatim inside the tag (attributes, already escaped).
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, extra: &str) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{}/>"#,
            num(x),
            num(y),
            num(w.max(0.0)),
            num(h.max(0.0)),
            escape(fill),
            space(extra)
        );
    }

    /// A rectangle with a tooltip (`<title>` child).
    #[allow(clippy::too_many_arguments)]
    pub fn rect_titled(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, extra: &str, tip: &str) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{}><title>{}</title></rect>"#,
            num(x),
            num(y),
            num(w.max(0.0)),
            num(h.max(0.0)),
            escape(fill),
            space(extra),
            escape(tip)
        );
    }

    /// A straight line.
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, extra: &str) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"{}/>"#,
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            escape(stroke),
            space(extra)
        );
    }

    /// A circle with a tooltip.
    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, fill: &str, extra: &str, tip: &str) {
        let _ = writeln!(
            self.body,
            r#"<circle cx="{}" cy="{}" r="{}" fill="{}"{}><title>{}</title></circle>"#,
            num(cx),
            num(cy),
            num(r),
            escape(fill),
            space(extra),
            escape(tip)
        );
    }

    /// A text element; `text` is escaped here.
    pub fn text(&mut self, x: f64, y: f64, anchor: Anchor, extra: &str, text: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" text-anchor="{}"{}>{}</text>"#,
            num(x),
            num(y),
            anchor.attr(),
            space(extra),
            escape(text)
        );
    }

    /// A text element with a tooltip carrying the full text (for truncated labels).
    pub fn text_titled(&mut self, x: f64, y: f64, anchor: Anchor, extra: &str, text: &str, tip: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" text-anchor="{}"{}><title>{}</title>{}</text>"#,
            num(x),
            num(y),
            anchor.attr(),
            space(extra),
            escape(tip),
            escape(text)
        );
    }

    /// The finished `<svg>` element: `title` is its accessible name (`<title>` and
    /// `aria-label`), `class` its CSS class.
    pub fn finish(self, title: &str, class: &str) -> String {
        format!(
            "<svg class=\"{}\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" \
             aria-label=\"{t}\">\n<title>{t}</title>\n{}</svg>\n",
            escape(class),
            self.body,
            w = num(self.width),
            h = num(self.height),
            t = escape(title),
        )
    }
}

fn space(extra: &str) -> String {
    if extra.is_empty() {
        String::new()
    } else {
        format!(" {extra}")
    }
}

/// Rough width in pixels of `text` set in a sans-serif font of `size` pixels (no font metrics
/// are available without a browser; this errs on the wide side).
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.6
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Linear interpolation through colour stops `(position, [r, g, b])`, `t` in [0, 1].
pub fn ramp(stops: &[(f64, [u8; 3])], t: f64) -> String {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let mut rgb = stops.last().map_or([0, 0, 0], |s| s.1);
    for pair in stops.windows(2) {
        let ((a, ca), (b, cb)) = (pair[0], pair[1]);
        if t <= b {
            let f = if b > a { (t - a) / (b - a) } else { 0.0 };
            for i in 0..3 {
                rgb[i] = (f64::from(ca[i]) + (f64::from(cb[i]) - f64::from(ca[i])) * f).round() as u8;
            }
            break;
        }
    }
    format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_five_characters() {
        assert_eq!(escape(r#"a&b<c>d"e'f"#), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
        assert_eq!(escape("plain ✓"), "plain ✓");
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(2.25), "2.3");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(f64::NAN), "0");
    }

    #[test]
    fn text_is_escaped_in_elements_and_titles() {
        let mut svg = Svg::new(10.0, 10.0);
        svg.text_titled(1.0, 2.0, Anchor::Start, "", "<b>", "\"q\"");
        let out = svg.finish("a < b", "c");
        assert!(out.contains("&lt;b&gt;</text>"), "{out}");
        assert!(out.contains("<title>&quot;q&quot;</title>"), "{out}");
        assert!(out.contains("aria-label=\"a &lt; b\""), "{out}");
        assert!(!out.contains("xmlns"), "{out}");
    }

    #[test]
    fn ramp_hits_its_stops() {
        let stops = [(0.0, [0, 0, 0]), (1.0, [255, 255, 255])];
        assert_eq!(ramp(&stops, 0.0), "#000000");
        assert_eq!(ramp(&stops, 1.0), "#ffffff");
        assert_eq!(ramp(&stops, 0.5), "#808080");
        assert_eq!(ramp(&stops, 7.0), "#ffffff");
    }

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo world", 5), "héll…");
    }
}
