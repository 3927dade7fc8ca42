//! Mutants that change one step of Alg. 1 inside the sequential insert, each
//! a [`Hooks`] implementation run by the one insert engine.

use crate::error::Result;
use crate::hooks::Hooks;
use crate::ids::{Layer, NodeId};
use crate::index::Hnsw;
use crate::insert::{link_back, Cx, Edge, Plan};
use crate::level::level;
use crate::lists::{ListStore, Promotion};
use crate::params::Params;
use crate::profile::{Lap, Phase, Profile};
use crate::search::{Scored, Scratch};
use crate::strategy::sequential::insert_all_with;
use crate::strategy::{BuildInput, Built, Kind, Observer, Strategy};
use crate::BackLink;

/// Which step of Alg. 1 the mutant changes.
#[derive(Clone, Copy, Debug)]
enum Deviation {
    SkipNavigation,
    OneWayEdges,
    StaleEntryPoint,
    EarlyPromotion,
    WrongLayerBackLink,
    FlatLevels,
}

struct Alg1Mutant {
    name: &'static str,
    description: &'static str,
    deviation: Deviation,
}

pub(super) fn all() -> Vec<Box<dyn Strategy>> {
    let m =
        |name, description, deviation| -> Box<dyn Strategy> { Box::new(Alg1Mutant { name, description, deviation }) };
    vec![
        m(
            "skip-navigation",
            "links at its layers to the entry point's neighbourhood, no search",
            Deviation::SkipNavigation,
        ),
        m("one-way-edges", "never adds the reverse connection", Deviation::OneWayEdges),
        m("stale-entry-point", "never promotes the entry point", Deviation::StaleEntryPoint),
        m("early-promotion", "promotes the entry point before linking it", Deviation::EarlyPromotion),
        m("wrong-layer-backlink", "writes back-links on the highest shared layer", Deviation::WrongLayerBackLink),
        m("flat-levels", "every node draws node 0's level", Deviation::FlatLevels),
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
        let h = Hnsw::new(input.dim, input.params.clone())?;
        let h = match self.deviation {
            Deviation::SkipNavigation => insert_all_with(h, input, observer, &SkipNavigation),
            Deviation::OneWayEdges => insert_all_with(h, input, observer, &OneWayEdges),
            Deviation::StaleEntryPoint => insert_all_with(h, input, observer, &StaleEntryPoint),
            Deviation::EarlyPromotion => insert_all_with(h, input, observer, &EarlyPromotion),
            Deviation::WrongLayerBackLink => insert_all_with(h, input, observer, &WrongLayerBackLink),
            Deviation::FlatLevels => insert_all_with(h, input, observer, &FlatLevels),
        }?;
        Ok(Built::single(h))
    }
}

/// No descent and no SEARCH-LAYER: candidates are the entry point and its
/// neighbours on each layer ("simplified insertion").
struct SkipNavigation;

impl<S: ListStore> Hooks<S> for SkipNavigation {
    fn plan(&self, g: &S, top: Option<(NodeId, Layer)>, params: &Params, s: &mut Scratch, q: NodeId) -> Plan {
        let mut lap = Lap::start(s.distances);
        let level = g.level(q);
        let mut plan = Plan { q, level, layers: Vec::new(), profile: Profile::default() };
        let Some((ep_id, top)) = top else {
            return plan;
        };
        let (metric, qv) = (params.metric, g.vector(q));
        let ep = Scored { dist: metric.distance(qv, g.vector(ep_id)), id: ep_id };
        s.distances += 1;
        lap.charge(&mut plan.profile, Phase::Descent, s.distances);
        let mut buf = Vec::new();
        for lc in (0..=level.min(top).0).rev().map(Layer) {
            g.copy_neighbours(ep_id, lc, &mut buf);
            let mut pool = vec![ep];
            pool.extend(buf.iter().map(|&e| Scored { dist: metric.distance(qv, g.vector(e)), id: e }));
            s.distances += buf.len() as u64;
            pool.sort_unstable();
            plan.select_layer(g, params, s, &mut lap, &pool, lc);
        }
        plan
    }
}

/// Never adds the reverse connection `e -> q`.
struct OneWayEdges;

impl<S: ListStore> Hooks<S> for OneWayEdges {
    fn link_back(&self, cx: &mut Cx<'_, S, Self>, edge: Edge, _: &mut Vec<NodeId>) -> BackLink {
        let Edge { from: e, to: q, layer: lc } = edge;
        BackLink { neighbour: e, len_before: cx.store.list_len(e, lc), kept: cx.store.contains(e, lc, q) }
    }
}

/// Never promotes the entry point after the first insert (F1).
struct StaleEntryPoint;

impl<S: ListStore> Hooks<S> for StaleEntryPoint {
    const PROMOTION: Promotion = Promotion::Never;
}

/// Promotes the entry point before the new node is linked (muninndb#471).
struct EarlyPromotion;

impl<S: ListStore> Hooks<S> for EarlyPromotion {
    const PROMOTION: Promotion = Promotion::Early;
}

/// Writes the back-link on the highest layer both nodes share instead of
/// the current layer (hnswlib-rs#37).
struct WrongLayerBackLink;

impl<S: ListStore> Hooks<S> for WrongLayerBackLink {
    fn link_back(&self, cx: &mut Cx<'_, S, Self>, edge: Edge, stranded: &mut Vec<NodeId>) -> BackLink {
        let Edge { from: e, to: q, layer: lc } = edge;
        let len_before = cx.store.list_len(e, lc);
        let shared = Layer(cx.store.level(e).0.min(cx.store.level(q).0));
        link_back(cx, Edge { layer: shared, ..edge }, stranded);
        BackLink { neighbour: e, len_before, kept: cx.store.contains(e, lc, q) }
    }
}

/// Every node draws the level of node 0: a level RNG re-seeded per insert (F5, F10).
struct FlatLevels;

impl<S: ListStore> Hooks<S> for FlatLevels {
    fn level(&self, params: &Params, _: NodeId) -> Layer {
        level(params.seed, NodeId(0), params.ml, params.level_cap)
    }
}
