//! Mutants that change one step of Alg. 1 inside the sequential insert.

use crate::error::Result;
use crate::index::Hnsw;
use crate::insert::Mutation;
use crate::strategy::sequential::insert_all;
use crate::strategy::{BuildInput, Built, Kind, Observer, Strategy};

struct Alg1Mutant {
    name: &'static str,
    description: &'static str,
    mutation: Mutation,
}

pub(super) fn all() -> Vec<Box<dyn Strategy>> {
    let m = |name, description, mutation| -> Box<dyn Strategy> { Box::new(Alg1Mutant { name, description, mutation }) };
    vec![
        m(
            "skip-navigation",
            "links at its layers to the entry point's neighbourhood, no search",
            Mutation::SkipNavigation,
        ),
        m("one-way-edges", "never adds the reverse connection", Mutation::OneWayEdges),
        m("stale-entry-point", "never promotes the entry point", Mutation::StaleEntryPoint),
        m("early-promotion", "promotes the entry point before linking it", Mutation::EarlyPromotion),
        m("wrong-layer-backlink", "writes back-links on the highest shared layer", Mutation::WrongLayerBackLink),
        m("flat-levels", "every node draws node 0's level", Mutation::FlatLevels),
    ]
}

impl Strategy for Alg1Mutant {
    fn name(&self) -> &'static str {
        self.name
    }
    fn kind(&self) -> Kind {
        Kind::Mutant
    }
    fn description(&self) -> &'static str {
        self.description
    }
    fn build(&self, input: &BuildInput<'_>, observer: Option<Observer<'_>>) -> Result<Built> {
        let mut h = Hnsw::new(input.dim, input.params.clone())?;
        h.mutation = self.mutation;
        Ok(Built::single(insert_all(h, input, observer)?))
    }
}
