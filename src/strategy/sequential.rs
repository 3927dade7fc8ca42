//! **sequential**: the reference insert (Alg. 1), one vector at a time. The
//! oracle the other strategies are compared with.

use super::{BuildInput, Built, Commit, Observer, Strategy};
use crate::error::Result;
use crate::index::Hnsw;

/// One insert after another, a commit after each.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sequential;

/// Insert every row of `input` into `h` in order, committing after each.
pub(crate) fn insert_all(mut h: Hnsw, input: &BuildInput<'_>, mut observer: Option<Observer<'_>>) -> Result<Hnsw> {
    let n = input.rows()?;
    h.reserve(n);
    for i in 0..n {
        let trace = h.insert_traced(i as u64, input.row(i))?;
        if let Some(o) = observer.as_deref_mut() {
            o(Commit { segment: 0, view: &h, traces: std::slice::from_ref(&trace) });
        }
    }
    Ok(h)
}

impl Strategy for Sequential {
    fn name(&self) -> &'static str {
        "sequential"
    }
    fn description(&self) -> &'static str {
        "reference Alg. 1, one vector at a time"
    }
    fn build(&self, input: &BuildInput<'_>, observer: Option<Observer<'_>>) -> Result<Built> {
        let h = Hnsw::new(input.dim, input.params.clone())?;
        Ok(Built::single(insert_all(h, input, observer)?))
    }
}
