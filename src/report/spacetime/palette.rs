//! The colours of the trace's pictures, defined once: the space-time chart draws with them and
//! the viewer (`trace.html`) receives them in its embedded data, so a pre-prepare (§4.2) or a
//! partition period has the same colour in the PNG and in the browser.

use plotters::style::RGBColor;
use serde::Serialize;

/// Message kinds in legend order, with their colours (`Message::kind` names); the last entry,
/// "other", is for any kind not listed.
pub(crate) const KINDS: [(&str, RGBColor); 15] = [
    ("request", RGBColor(110, 110, 110)),
    ("pre-prepare", RGBColor(31, 119, 180)),
    ("prepare", RGBColor(255, 127, 14)),
    ("commit", RGBColor(44, 160, 44)),
    ("reply", RGBColor(148, 103, 189)),
    ("checkpoint", RGBColor(188, 189, 34)),
    ("view-change", RGBColor(214, 39, 40)),
    ("new-view", RGBColor(140, 86, 75)),
    ("status", RGBColor(190, 190, 190)),
    ("fetch-state", RGBColor(23, 190, 207)),
    ("state", RGBColor(23, 150, 165)),
    ("fetch-batch", RGBColor(227, 119, 194)),
    ("batch", RGBColor(180, 80, 150)),
    ("commit-certificate", RGBColor(90, 60, 160)),
    ("other", RGBColor(60, 60, 60)),
];

/// Timed fault kinds (`FaultPeriod::kind`) with the colour of their shading (drawn translucent);
/// the last entry is for any other kind.
pub(crate) const PERIODS: [(&str, RGBColor); 5] = [
    ("crash", RGBColor(60, 60, 60)),
    ("partition", RGBColor(148, 103, 189)),
    ("slow", RGBColor(255, 170, 0)),
    ("loss", RGBColor(214, 39, 40)),
    ("other", RGBColor(214, 39, 40)),
];

/// A rejected input's mark.
pub(crate) const REJECT: RGBColor = RGBColor(220, 20, 60);
/// A routine rejection's mark (a late or duplicate copy): faded.
pub(crate) const ROUTINE_REJECT: RGBColor = RGBColor(200, 200, 200);

/// `color` as CSS writes it: "#1f77b4".
pub(crate) fn css(color: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", color.0, color.1, color.2)
}

/// The palette as the viewer reads it: (name, CSS colour) pairs, in legend order.
#[derive(Serialize)]
pub(crate) struct Palette {
    /// Message kinds (arrows).
    pub messages: Vec<(&'static str, String)>,
    /// Timed fault kinds (shading).
    pub periods: Vec<(&'static str, String)>,
    /// A rejected input's mark.
    pub reject: String,
    /// A routine rejection's mark.
    pub routine_reject: String,
}

/// The palette, for the viewer.
pub(crate) fn palette() -> Palette {
    let table = |t: &[(&'static str, RGBColor)]| t.iter().map(|(k, c)| (*k, css(*c))).collect();
    Palette {
        messages: table(&KINDS),
        periods: table(&PERIODS),
        reject: css(REJECT),
        routine_reject: css(ROUTINE_REJECT),
    }
}
