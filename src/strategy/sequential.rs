//! **sequential**: the reference insert (Alg. 1), one vector at a time. The
//! oracle the other strategies are compared with.

use super::{BuildInput, Built, Commit, Observer, Strategy};
use crate::error::Result;
use crate::index::Hnsw;
use crate::insert::InsertTrace;
use crate::profile::{Lap, Phase};

/// One insert after another, a commit after each.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sequential;

/// Reserve room for `n` more nodes in `h`, timed as [`Phase::Alloc`].
pub(crate) fn reserve(h: &mut Hnsw, n: usize) -> Result<()> {
    let mut lap = Lap::start(0);
    let reserved = h.reserve(n);
    lap.charge(&mut h.stats.profile, Phase::Alloc, 0);
    reserved
}

/// `Hnsw::insert_traced` with the allocation (validation, vector, label,
/// level, empty lists) timed as [`Phase::Alloc`]; `connect` profiles the rest.
pub(crate) fn insert_row(h: &mut Hnsw, label: u64, row: &[f32]) -> Result<InsertTrace> {
    let mut lap = Lap::start(0);
    let id = h.allocate(label, row);
    lap.charge(&mut h.stats.profile, Phase::Alloc, 0);
    Ok(h.connect(id?))
}

/// Insert every row of `input` into `h` in order, committing after each.
pub(crate) fn insert_all(mut h: Hnsw, input: &BuildInput<'_>, mut observer: Option<Observer<'_>>) -> Result<Hnsw> {
    let n = input.rows()?;
    reserve(&mut h, n)?;
    for i in 0..n {
        let trace = insert_row(&mut h, i as u64, input.row(i))?;
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
