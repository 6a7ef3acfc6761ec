//! Reporters: render a `RunReport` (`model`) for people (human, and html: one self-contained
//! page to publish), machines (json) and CI (junit, and markdown: a job summary).
//!
//! Owns: user-facing output formats. Must not: judge, send anything, or show a secret the
//! sanitizer masked.

pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod write;
