//! **no-truncation**: overflowing lists are not shrunk to Mmax (iris-mpc#1220
//! removed the truncation): lists grow to 4x their capacity while the index
//! still reports the paper's m and m0, so I1 sees lists longer than allowed.

use crate::error::Result;
use crate::index::Hnsw;
use crate::strategy::sequential::insert_all;
use crate::strategy::{BuildInput, Built, Kind, Observer, Strategy};

pub(super) struct NoTruncation;

impl Strategy for NoTruncation {
    fn name(&self) -> &'static str {
        "no-truncation"
    }
    fn kind(&self) -> Kind {
        Kind::Mutant
    }
    fn description(&self) -> &'static str {
        "never shrinks an overflowing list"
    }
    fn build(&self, input: &BuildInput<'_>, observer: Option<Observer<'_>>) -> Result<Built> {
        let p = input.params;
        let h = Hnsw::with_list_room(input.dim, p.clone(), 4 * p.m(), 4 * p.m0())?;
        Ok(Built::single(insert_all(h, input, observer)?))
    }
}
