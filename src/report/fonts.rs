//! Registers the embedded DejaVu Sans font with plotters, once per process.
//!
//! Plotters' default font lookup needs system fontconfig; with the `ab_glyph` backend fonts
//! must instead be registered by name before any text is drawn.

use std::path::Path;
use std::sync::OnceLock;

use plotters::style::{register_font, FontStyle};

use super::ReportError;

/// The family name chart text uses.
pub(crate) const FONT_FAMILY: &str = "sans-serif";

static REGISTRATION: OnceLock<Result<(), String>> = OnceLock::new();

/// Makes sure [`FONT_FAMILY`] is registered; `chart` names the file that needs it (for the
/// error). Registration runs once; its outcome is remembered.
pub(crate) fn ensure_fonts(chart: &Path) -> Result<(), ReportError> {
    REGISTRATION
        .get_or_init(register_dejavu)
        .clone()
        .map_err(|message| ReportError::Font {
            path: chart.to_path_buf(),
            message,
        })
}

fn register_dejavu() -> Result<(), String> {
    let styles = [
        (FontStyle::Normal, dejavu::sans::regular()),
        (FontStyle::Bold, dejavu::sans::bold()),
    ];
    for (style, bytes) in styles {
        register_font(FONT_FAMILY, style, bytes)
            .map_err(|_| format!("DejaVu Sans ({}) is not a valid font", style.as_str()))?;
    }
    Ok(())
}
