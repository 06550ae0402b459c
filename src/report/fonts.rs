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

/// The embedded font plotters refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("DejaVu Sans ({style}) is not a valid font")]
pub struct InvalidFont {
    /// The style whose bytes did not register (`normal`, `bold`).
    pub style: &'static str,
}

static REGISTRATION: OnceLock<Result<(), InvalidFont>> = OnceLock::new();

/// Makes sure [`FONT_FAMILY`] is registered; `chart` names the file that needs it (for the
/// error). Registration runs once; its outcome is remembered.
pub(crate) fn ensure_fonts(chart: &Path) -> Result<(), ReportError> {
    REGISTRATION
        .get_or_init(register_dejavu)
        .clone()
        .map_err(|source| ReportError::Font {
            path: chart.to_path_buf(),
            source,
        })
}

fn register_dejavu() -> Result<(), InvalidFont> {
    let styles = [
        (FontStyle::Normal, "normal", dejavu::sans::regular()),
        (FontStyle::Bold, "bold", dejavu::sans::bold()),
    ];
    for (style, name, bytes) in styles {
        register_font(FONT_FAMILY, style, bytes).map_err(|_| InvalidFont { style: name })?;
    }
    Ok(())
}
