//! **sequential**: the reference insert (Alg. 1), one vector at a time. The
//! oracle the other strategies are compared with.

use super::{BuildInput, Built, Commit, Observer, Strategy};
use crate::distance::prepare;
use crate::error::Result;
use crate::hooks::{Hooks, Reference};
use crate::ids::NodeId;
use crate::index::Hnsw;
use crate::insert::InsertTrace;
use crate::lists::Local;
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
    insert_row_with(h, label, row, &Reference)
}

/// [`insert_row`] with `hooks`' deviations (its level and its Alg. 1).
pub(crate) fn insert_row_with<H>(h: &mut Hnsw, label: u64, row: &[f32], hooks: &H) -> Result<InsertTrace>
where
    H: for<'a> Hooks<Local<'a>>,
{
    let mut lap = Lap::start(0);
    let id = prepare(h.params.metric, h.dim(), row).and_then(|v| {
        let level = hooks.level(&h.params, NodeId(h.len() as u32));
        h.allocate_at(label, &v, level)
    });
    lap.charge(&mut h.stats.profile, Phase::Alloc, 0);
    Ok(h.connect_with(id?, hooks))
}

/// Insert every row of `input` into `h` in order, committing after each.
pub(crate) fn insert_all(h: Hnsw, input: &BuildInput<'_>, observer: Option<Observer<'_>>) -> Result<Hnsw> {
    insert_all_with(h, input, observer, &Reference)
}

/// [`insert_all`] with `hooks`' deviations.
pub(crate) fn insert_all_with<H>(
    mut h: Hnsw,
    input: &BuildInput<'_>,
    mut observer: Option<Observer<'_>>,
    hooks: &H,
) -> Result<Hnsw>
where
    H: for<'a> Hooks<Local<'a>>,
{
    let n = input.rows()?;
    reserve(&mut h, n)?;
    for i in 0..n {
        let trace = insert_row_with(&mut h, i as u64, input.row(i), hooks)?;
        if let Some(o) = observer.as_deref_mut() {
            o(Commit { segment: 0, view: &h, traces: std::slice::from_ref(&trace), afterwards: &[] });
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
