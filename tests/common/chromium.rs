//! Headless Debian `chromium` for the browser tests: is it installed (a failure under `CI`, a
//! skip with a notice elsewhere), and opening a harness page from a `file://` URL with
//! `--dump-dom`, returning the JSON report the harness wrote into its DOM between `RESULTS `
//! and ` END`, plus chromium's `CONSOLE` log lines from stderr (which also carry errors thrown
//! while a page built itself, and content-security-policy refusals).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::run_binary;

/// The browser the tests drive (Debian's package name and binary).
pub const CHROMIUM: &str = "chromium";

/// Is chromium there? Fails when the `CI` variable is set (`.ci/run` installs it), skips with a
/// notice naming `test` otherwise.
pub fn chromium_present(test: &str) -> bool {
    let found = Command::new(CHROMIUM)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "`{CHROMIUM}` is not installed, and CI is set: .ci/run installs it \
             (apt-get install -y chromium)"
        );
        eprintln!("notice: `{CHROMIUM}` not found; {test} skipped (apt-get install -y chromium)");
    }
    found
}

/// `text` with the entities `--dump-dom` writes in text nodes decoded.
pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Writes `harness` to `dir/harness_name` and opens it in headless chromium (`window` as
/// `W,H`); returns the JSON the harness wrote between `RESULTS ` and ` END`, and chromium's
/// `CONSOLE` log lines.
pub fn run_harness(
    dir: &Path,
    harness_name: &str,
    harness: &str,
    window: &str,
) -> (Value, Vec<String>) {
    let page = dir.join(harness_name);
    std::fs::write(&page, harness).expect("write the harness");
    let url = format!("file://{}", page.display());
    let profile = dir.join("chromium-profile");
    let run = run_binary(
        Path::new(CHROMIUM),
        CHROMIUM,
        [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            &format!("--window-size={window}"),
            "--enable-logging=stderr",
            "--v=0",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            &url,
        ],
    );
    // The profile is chromium's, not a result: leave the folder as the test found it.
    let _ = std::fs::remove_dir_all(&profile);
    let _ = std::fs::remove_file(&page);
    assert_eq!(run.code(), Some(0), "chromium failed:\n{}", run.show());
    let start = run
        .stdout
        .find("RESULTS ")
        .unwrap_or_else(|| panic!("the harness wrote no results:\n{}", run.show()))
        + "RESULTS ".len();
    let len = run.stdout[start..].find(" END").expect("the results' end");
    let report: Value = serde_json::from_str(&unescape(&run.stdout[start..start + len]))
        .unwrap_or_else(|e| panic!("the results are not JSON ({e}):\n{}", run.stdout));
    let console = run
        .stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (report, console)
}
