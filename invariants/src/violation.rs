//! Typed violations, each carrying what reproduces it.

use std::fmt;

/// One broken invariant (to be completed with the checks).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Violation {}

impl fmt::Display for Violation {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

/// Every violation a check found (non-empty).
#[derive(Clone, Debug, PartialEq)]
pub struct Violations(pub Vec<Violation>);

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for v in &self.0 {
            writeln!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}
