//! Unit tests of tentative execution (`tentative.rs`).

use super::*;
