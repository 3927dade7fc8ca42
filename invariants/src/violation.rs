//! Typed violations, each carrying what reproduces it.
//!
//! Every variant names its invariant (I1-I8) in its `Display`, which reads
//! like a bug report: what was found, what was expected, and the rule.
//! Checks push violations through a `Collector`, which keeps at most
//! [`REPORT_CAP`] of each kind and counts the rest in one
//! [`Violation::Omitted`] per kind, so a badly broken graph with a million
//! nodes still gives a readable report and an exact count.

use std::fmt;

use hnswlab::{Layer, NodeId, Slot};

/// The invariant name of [`crate::check_consolidated`]'s violations.
pub const CONSOLIDATED: &str = "consolidated";
/// The invariant name of [`crate::check_live_search`]'s violations.
pub const LIVE_SEARCH: &str = "live-search";
/// The invariant name of [`crate::check_churn_rot`]'s violations.
pub const CHURN_ROT: &str = "churn-rot";
/// The invariant name of [`crate::check_bridged`]'s violations.
pub const BRIDGED: &str = "bridged";

/// Violations of one kind kept in full; the rest are only counted.
pub const REPORT_CAP: usize = 20;

/// One broken invariant.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Violation {
    /// I1: a link names an id that is not a node (`target >= len`).
    LinkOutOfRange {
        /// The node whose list holds the link.
        node: NodeId,
        /// The layer of the list.
        layer: Layer,
        /// The bad id.
        target: NodeId,
        /// Number of nodes in the graph.
        len: usize,
    },
    /// I1: a node links to itself.
    SelfLink {
        /// The node.
        node: NodeId,
        /// The layer of the list.
        layer: Layer,
    },
    /// I1: a list names the same neighbour more than once.
    DuplicateLink {
        /// The node whose list repeats.
        node: NodeId,
        /// The layer of the list.
        layer: Layer,
        /// The repeated neighbour.
        target: NodeId,
    },
    /// I1: a list is longer than its capacity (`m0` on layer 0, `m` above).
    ListTooLong {
        /// The node.
        node: NodeId,
        /// The layer of the list.
        layer: Layer,
        /// The list's length.
        len: usize,
        /// The capacity on that layer.
        capacity: usize,
    },
    /// I1: a link on layer `l` targets a node whose level is below `l`.
    LinkToLowerNode {
        /// The node whose list holds the link.
        node: NodeId,
        /// The layer of the list.
        layer: Layer,
        /// The target.
        target: NodeId,
        /// The target's level (`< layer`).
        target_level: Layer,
    },
    /// I1: a node reports a non-empty list on a layer above its level.
    ListAboveLevel {
        /// The node.
        node: NodeId,
        /// Its level.
        level: Layer,
        /// The layer above its level.
        layer: Layer,
        /// Length of the list found there.
        len: usize,
    },
    /// I1: a node's vector does not have `dim` coordinates (a short buffer).
    VectorLength {
        /// The node.
        node: NodeId,
        /// The view's dimension.
        expected: usize,
        /// The vector's length.
        got: usize,
    },
    /// I1: a node's vector has a NaN or infinite coordinate (the first one).
    NonFiniteVector {
        /// The node.
        node: NodeId,
        /// Position of the coordinate.
        coordinate: usize,
        /// Its value.
        value: f32,
    },
    /// I2: the graph has no nodes but an entry point is set.
    EntryInEmptyGraph {
        /// The entry point reported.
        entry: NodeId,
    },
    /// I2: the graph has nodes but no entry point.
    MissingEntry {
        /// Number of nodes.
        len: usize,
    },
    /// I2: the entry point is not a node.
    EntryOutOfRange {
        /// The entry point reported.
        entry: NodeId,
        /// Number of nodes.
        len: usize,
    },
    /// I2: the entry point's level differs from the stored maximum level.
    EntryLevelMismatch {
        /// The entry point.
        entry: NodeId,
        /// Its level.
        entry_level: Layer,
        /// The stored maximum level.
        max_level: Layer,
    },
    /// I2: the stored maximum level differs from the highest node level.
    MaxLevelMismatch {
        /// The stored maximum level.
        stored: Layer,
        /// The highest level of any node.
        highest: Layer,
        /// The first node (lowest id) with the highest level.
        node: NodeId,
    },
    /// I3 (symmetric policy): an edge without its reverse.
    OneWayEdge {
        /// The source of the edge.
        node: NodeId,
        /// The layer.
        layer: Layer,
        /// The target, which does not link back.
        neighbour: NodeId,
    },
    /// I3 insert post-condition: a selected neighbour whose list had room does
    /// not link back to the new node.
    MissingBackLink {
        /// The new node.
        node: NodeId,
        /// The layer.
        layer: Layer,
        /// The selected neighbour.
        neighbour: NodeId,
        /// `|N(neighbour)|` before the back-link, from the trace.
        len_before: usize,
        /// The list capacity on the layer.
        capacity: usize,
    },
    /// I3 insert post-condition, read by the inserting worker of a concurrent
    /// build right after its insert returned: a selected neighbour whose list
    /// had room lacks the new node, and no write dropped it from a full list
    /// (a back-link lost to a concurrent write, or never written).
    LostBackLink {
        /// The new node.
        node: NodeId,
        /// The layer.
        layer: Layer,
        /// The selected neighbour.
        neighbour: NodeId,
    },
    /// I3 insert trace: a back-link's `kept` flag disagrees with the graph.
    TraceMismatch {
        /// The new node.
        node: NodeId,
        /// The layer.
        layer: Layer,
        /// The selected neighbour.
        neighbour: NodeId,
        /// What the trace says (`kept`).
        traced: bool,
        /// Whether the neighbour's list contains the new node now.
        actual: bool,
    },
    /// I3/I4 insert trace: the trace names an id that is not a node.
    TraceOutOfRange {
        /// The new node named by the trace.
        node: NodeId,
        /// The layer of the offending entry (`None` for the trace's own node).
        layer: Option<Layer>,
        /// The bad id.
        id: NodeId,
        /// Number of nodes.
        len: usize,
    },
    /// I4: searching for a node's own stored vector does not find it (or an
    /// identical vector, or anything as close).
    NotFindable {
        /// The node searched for.
        node: NodeId,
        /// The beam width used.
        ef: usize,
        /// The top result (`None` if the search returned nothing).
        found: Option<NodeId>,
        /// The top result's distance to the query.
        found_dist: f32,
        /// `metric.distance(v, v)` for the query vector.
        self_dist: f32,
    },
    /// I5 (hard only under `require_reachable`): a node is not reachable from
    /// the entry point over its layer's out-edges.
    Unreachable {
        /// The node.
        node: NodeId,
        /// The layer.
        layer: Layer,
        /// The entry point the walk started from (`None` if there is no valid one).
        entry: Option<NodeId>,
    },
    /// I5 (hard only under `require_reachable`): a node other than the entry
    /// point has no in-edge on a layer.
    ZeroInDegree {
        /// The node.
        node: NodeId,
        /// The layer.
        layer: Layer,
    },
    /// I6: an exhaustive search (`ef = n`) over a strongly connected layer 0
    /// disagrees with brute force.
    Inexact {
        /// The node whose stored vector was the query.
        query: NodeId,
        /// k used.
        k: usize,
        /// ef used.
        ef: usize,
        /// Ids the search returned, in order.
        got: Vec<NodeId>,
        /// Ids of the exact k-NN (ties by id), in order.
        want: Vec<NodeId>,
    },
    /// I6, layer-0 form: SEARCH-LAYER on layer 0 from the entry point with
    /// `ef = n` disagrees with brute force over the nodes reachable from it.
    InexactLayer0 {
        /// The node whose stored vector was the query.
        query: NodeId,
        /// k used (at most 10, at most the reachable nodes).
        k: usize,
        /// ef used (the node count).
        ef: usize,
        /// Nodes reachable from the entry point on layer 0.
        reachable: usize,
        /// The first k ids the search returned, in order.
        got: Vec<NodeId>,
        /// The k nearest reachable ids (ties by id), in order.
        want: Vec<NodeId>,
    },
    /// I7: the count of nodes with level `>= level` does not fit the law
    /// `P(level >= l) = exp(-l / mL)`.
    LevelLaw {
        /// The level `l` tested.
        level: u8,
        /// Nodes with level `>= l`.
        observed: usize,
        /// `n exp(-l / mL)`.
        expected: f64,
        /// Number of nodes.
        n: usize,
        /// The `mL` tested.
        ml: f64,
        /// The statistic `G = n KL(observed/n || p)`.
        statistic: f64,
    },
    /// I7: a node's level exceeds the level cap.
    LevelAboveCap {
        /// The node.
        node: NodeId,
        /// Its level.
        level: Layer,
        /// The cap.
        cap: u8,
    },
    /// I8: the live node count differs from the number of live labels expected.
    CountMismatch {
        /// Number of nodes.
        len: usize,
        /// Number of inserts the caller made.
        inserted: usize,
    },
    /// I8: `id_of(label(id)) != Some(id)` (a missing or duplicate label).
    LabelMismatch {
        /// The node.
        node: NodeId,
        /// Its label.
        label: u64,
        /// What `id_of(label)` returned.
        id_of: Option<NodeId>,
    },
    /// I1: a link names a free slot (consolidated away: it has no lists and
    /// no node may point to it; a dangling edge, catalogue F17).
    LinkToFreeSlot {
        /// The node whose list holds the link.
        node: NodeId,
        /// The layer of the list.
        layer: Layer,
        /// The free slot.
        target: NodeId,
    },
    /// I1: a free slot still has a non-empty list.
    FreeSlotWithLinks {
        /// The free slot.
        node: NodeId,
        /// The layer of the list.
        layer: Layer,
        /// Length of the list.
        len: usize,
    },
    /// I2: the entry point is a free slot (a consolidation kept a stale entry
    /// point: catalogue F17).
    EntryFree {
        /// The entry point.
        entry: NodeId,
    },
    /// I8: a deleted id's label still maps back to it (the delete left the
    /// label in the lookup: catalogue F16).
    DeletedLabelMapped {
        /// The deleted id.
        node: NodeId,
        /// Its (old) label.
        label: u64,
        /// Its state.
        slot: Slot,
    },
    /// Consolidated (F17): a tombstone remains after a delete consolidation.
    TombstoneRemains {
        /// The tombstone.
        node: NodeId,
    },
    /// Consolidated (F17): an edge points into a tombstone or a free slot.
    EdgeIntoDead {
        /// The node whose list holds the edge.
        node: NodeId,
        /// The layer of the list.
        layer: Layer,
        /// The dead target.
        target: NodeId,
        /// The target's state.
        slot: Slot,
    },
    /// Consolidated (F17): the entry point is not live although live nodes
    /// remain, or there is none.
    EntryNotLive {
        /// The entry point (`None` if there is none).
        entry: Option<NodeId>,
        /// Its state, if it is an id of the graph.
        slot: Option<Slot>,
        /// Live nodes in the graph.
        live: usize,
    },
    /// Consolidated (F17): the entry point's level is below the highest live level.
    EntryBelowLiveTop {
        /// The entry point.
        entry: NodeId,
        /// Its level.
        level: Layer,
        /// The highest level of a live node.
        top: Layer,
        /// The lowest live id on that level.
        node: NodeId,
    },
    /// Consolidated (F17): no node is live, yet an entry point is set.
    EntryWithoutLive {
        /// The entry point.
        entry: NodeId,
    },
    /// Bridged: a consolidation cut a path `node -> via -> target` through
    /// the deleted `via` on `layer`, and `node`, whose list has room, no
    /// longer reaches `target` within two hops.
    DeadPathCut {
        /// The live node whose list held the deleted node.
        node: NodeId,
        /// The layer.
        layer: Layer,
        /// The deleted (now free) node the path went through.
        via: NodeId,
        /// The live end of the path.
        target: NodeId,
        /// `node`'s list length after the consolidation.
        len: usize,
        /// The list capacity on `layer`.
        cap: usize,
    },
    /// Live search (F14): a result is not a live node (a tombstone, a free
    /// slot, or a label that does not map back to the result's id).
    ReturnedDead {
        /// Position of the query.
        query: usize,
        /// The result's id.
        id: NodeId,
        /// The result's label.
        label: u64,
    },
    /// Live search (F14): a label appears twice in one result list.
    RepeatedLabel {
        /// Position of the query.
        query: usize,
        /// The label.
        label: u64,
    },
    /// Live search (F14): results not ascending by distance.
    ResultsNotSorted {
        /// Position of the query.
        query: usize,
        /// First position `i` with `distance[i] > distance[i + 1]`.
        position: usize,
    },
    /// Live search (F14): fewer than `min(k, live)` results although every
    /// live node is reachable on layer 0 from every node.
    ShortResults {
        /// Position of the query.
        query: usize,
        /// Results returned.
        got: usize,
        /// `min(k, live)`.
        want: usize,
    },
    /// Live search (F14): the search returned an error although a node is live.
    SearchFailed {
        /// Position of the query.
        query: usize,
        /// The error.
        error: String,
    },
    /// Churn rot (F15): after rounds of deletes and reinserts, more live nodes
    /// are unreachable on layer 0 than in a fresh build of the same live set,
    /// by more than the tolerance.
    ChurnRot {
        /// Delete policy.
        policy: String,
        /// Rounds run.
        rounds: usize,
        /// Live nodes unreachable on layer 0 after churn.
        unreachable: usize,
        /// Live nodes after churn.
        live: usize,
        /// Live nodes unreachable on layer 0 in the fresh build.
        rebuild_unreachable: usize,
        /// The tolerance on the unreachable fraction.
        delta: f64,
    },
    /// Churn rot (F15): an operation of the churn failed, so the run could not finish.
    ChurnFailed {
        /// Delete policy.
        policy: String,
        /// Round of the failure.
        round: usize,
        /// The error.
        error: String,
    },
    /// More violations of `kind` were found than [`REPORT_CAP`]; this many
    /// were counted but not kept.
    Omitted {
        /// The variant name of the omitted violations.
        kind: &'static str,
        /// How many were left out.
        omitted: usize,
    },
}

impl Violation {
    /// The variant name, e.g. `"SelfLink"`: the key the report cap counts by.
    pub fn kind(&self) -> &'static str {
        match self {
            Violation::LinkOutOfRange { .. } => "LinkOutOfRange",
            Violation::SelfLink { .. } => "SelfLink",
            Violation::DuplicateLink { .. } => "DuplicateLink",
            Violation::ListTooLong { .. } => "ListTooLong",
            Violation::LinkToLowerNode { .. } => "LinkToLowerNode",
            Violation::ListAboveLevel { .. } => "ListAboveLevel",
            Violation::VectorLength { .. } => "VectorLength",
            Violation::NonFiniteVector { .. } => "NonFiniteVector",
            Violation::EntryInEmptyGraph { .. } => "EntryInEmptyGraph",
            Violation::MissingEntry { .. } => "MissingEntry",
            Violation::EntryOutOfRange { .. } => "EntryOutOfRange",
            Violation::EntryLevelMismatch { .. } => "EntryLevelMismatch",
            Violation::MaxLevelMismatch { .. } => "MaxLevelMismatch",
            Violation::OneWayEdge { .. } => "OneWayEdge",
            Violation::MissingBackLink { .. } => "MissingBackLink",
            Violation::LostBackLink { .. } => "LostBackLink",
            Violation::TraceMismatch { .. } => "TraceMismatch",
            Violation::TraceOutOfRange { .. } => "TraceOutOfRange",
            Violation::NotFindable { .. } => "NotFindable",
            Violation::Unreachable { .. } => "Unreachable",
            Violation::ZeroInDegree { .. } => "ZeroInDegree",
            Violation::Inexact { .. } => "Inexact",
            Violation::InexactLayer0 { .. } => "InexactLayer0",
            Violation::LevelLaw { .. } => "LevelLaw",
            Violation::LevelAboveCap { .. } => "LevelAboveCap",
            Violation::CountMismatch { .. } => "CountMismatch",
            Violation::LabelMismatch { .. } => "LabelMismatch",
            Violation::LinkToFreeSlot { .. } => "LinkToFreeSlot",
            Violation::FreeSlotWithLinks { .. } => "FreeSlotWithLinks",
            Violation::EntryFree { .. } => "EntryFree",
            Violation::DeletedLabelMapped { .. } => "DeletedLabelMapped",
            Violation::TombstoneRemains { .. } => "TombstoneRemains",
            Violation::EdgeIntoDead { .. } => "EdgeIntoDead",
            Violation::EntryNotLive { .. } => "EntryNotLive",
            Violation::EntryBelowLiveTop { .. } => "EntryBelowLiveTop",
            Violation::EntryWithoutLive { .. } => "EntryWithoutLive",
            Violation::DeadPathCut { .. } => "DeadPathCut",
            Violation::ReturnedDead { .. } => "ReturnedDead",
            Violation::RepeatedLabel { .. } => "RepeatedLabel",
            Violation::ResultsNotSorted { .. } => "ResultsNotSorted",
            Violation::ShortResults { .. } => "ShortResults",
            Violation::SearchFailed { .. } => "SearchFailed",
            Violation::ChurnRot { .. } => "ChurnRot",
            Violation::ChurnFailed { .. } => "ChurnFailed",
            Violation::Omitted { .. } => "Omitted",
        }
    }

    /// The invariant broken: `"I1"` to `"I8"`, or one of the churn checks
    /// [`CONSOLIDATED`], [`BRIDGED`], [`LIVE_SEARCH`], [`CHURN_ROT`] (`"-"` for
    /// [`Violation::Omitted`]).
    pub fn invariant(&self) -> &'static str {
        match self {
            Violation::LinkOutOfRange { .. }
            | Violation::SelfLink { .. }
            | Violation::DuplicateLink { .. }
            | Violation::ListTooLong { .. }
            | Violation::LinkToLowerNode { .. }
            | Violation::ListAboveLevel { .. }
            | Violation::VectorLength { .. }
            | Violation::NonFiniteVector { .. }
            | Violation::LinkToFreeSlot { .. }
            | Violation::FreeSlotWithLinks { .. } => "I1",
            Violation::EntryInEmptyGraph { .. }
            | Violation::MissingEntry { .. }
            | Violation::EntryOutOfRange { .. }
            | Violation::EntryLevelMismatch { .. }
            | Violation::MaxLevelMismatch { .. }
            | Violation::EntryFree { .. } => "I2",
            Violation::OneWayEdge { .. }
            | Violation::MissingBackLink { .. }
            | Violation::LostBackLink { .. }
            | Violation::TraceMismatch { .. }
            | Violation::TraceOutOfRange { .. } => "I3",
            Violation::NotFindable { .. } => "I4",
            Violation::Unreachable { .. } | Violation::ZeroInDegree { .. } => "I5",
            Violation::Inexact { .. } | Violation::InexactLayer0 { .. } => "I6",
            Violation::LevelLaw { .. } | Violation::LevelAboveCap { .. } => "I7",
            Violation::CountMismatch { .. }
            | Violation::LabelMismatch { .. }
            | Violation::DeletedLabelMapped { .. } => "I8",
            Violation::TombstoneRemains { .. }
            | Violation::EdgeIntoDead { .. }
            | Violation::EntryNotLive { .. }
            | Violation::EntryBelowLiveTop { .. }
            | Violation::EntryWithoutLive { .. } => CONSOLIDATED,
            Violation::DeadPathCut { .. } => BRIDGED,
            Violation::ReturnedDead { .. }
            | Violation::RepeatedLabel { .. }
            | Violation::ResultsNotSorted { .. }
            | Violation::ShortResults { .. }
            | Violation::SearchFailed { .. } => LIVE_SEARCH,
            Violation::ChurnRot { .. } | Violation::ChurnFailed { .. } => CHURN_ROT,
            Violation::Omitted { .. } => "-",
        }
    }
}

fn ids(list: &[NodeId]) -> String {
    let parts: Vec<String> = list.iter().map(|id| id.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::LinkOutOfRange { node, layer, target, len } => write!(
                f,
                "I1 structure: node {node} on {layer} links to {target}, but the graph has \
                 only {len} nodes; a link must target an existing id"
            ),
            Violation::SelfLink { node, layer } => {
                write!(f, "I1 structure: node {node} on {layer} links to itself; self-links are forbidden")
            }
            Violation::DuplicateLink { node, layer, target } => write!(
                f,
                "I1 structure: node {node} on {layer} lists {target} more than once; a \
                 neighbour list must not repeat a node"
            ),
            Violation::ListTooLong { node, layer, len, capacity } => write!(
                f,
                "I1 structure: node {node} on {layer} has {len} neighbours, capacity is \
                 {capacity}; a list holds at most m0 on L0 and m above"
            ),
            Violation::LinkToLowerNode { node, layer, target, target_level } => write!(
                f,
                "I1 structure: node {node} on {layer} links to {target} whose level is {}; a \
                 link on layer l must join nodes of level >= l",
                target_level.0
            ),
            Violation::ListAboveLevel { node, level, layer, len } => write!(
                f,
                "I1 structure: node {node} has level {} but a {len}-entry list on {layer}; a \
                 node must have no list above its level",
                level.0
            ),
            Violation::EntryInEmptyGraph { entry } => write!(
                f,
                "I2 entry point: the graph has no nodes but entry point {entry} is set; the \
                 graph is empty iff there is no entry point"
            ),
            Violation::MissingEntry { len } => write!(
                f,
                "I2 entry point: the graph has {len} nodes but no entry point; the graph is \
                 empty iff there is no entry point"
            ),
            Violation::EntryOutOfRange { entry, len } => write!(
                f,
                "I2 entry point: entry point {entry} is not a node (the graph has {len}); the \
                 entry point must be an existing id"
            ),
            Violation::EntryLevelMismatch { entry, entry_level, max_level } => write!(
                f,
                "I2 entry point: entry point {entry} has level {} but the stored max level \
                 is {}; level(ep) must equal the stored max level",
                entry_level.0, max_level.0
            ),
            Violation::MaxLevelMismatch { stored, highest, node } => write!(
                f,
                "I2 entry point: the stored max level is {} but the highest node level is {} \
                 (first at node {node}); they must be equal",
                stored.0, highest.0
            ),
            Violation::OneWayEdge { node, layer, neighbour } => write!(
                f,
                "I3 bidirectional (symmetric): edge {node} -> {neighbour} on {layer} has no \
                 reverse {neighbour} -> {node}; under the Symmetric policy every edge has its \
                 reverse"
            ),
            Violation::MissingBackLink { node, layer, neighbour, len_before, capacity } => write!(
                f,
                "I3 insert post-condition: new node {node} selected {neighbour} on {layer}, \
                 but {neighbour} does not link back although its list had {len_before} < \
                 {capacity} entries before the back-link; only a full list may drop the new \
                 node"
            ),
            Violation::LostBackLink { node, layer, neighbour } => write!(
                f,
                "I3 insert post-condition (concurrent, read right after the insert): new node \
                 {node} selected {neighbour} on {layer}, whose list had room, but {neighbour} \
                 does not link back and no write dropped {node} from a full list since; the \
                 back-link was lost to another write or not yet written"
            ),
            Violation::TraceMismatch { node, layer, neighbour, traced, actual } => write!(
                f,
                "I3 insert trace: the trace of {node} says the back-link {neighbour} -> {node} \
                 on {layer} was {}, but the graph {} it; the trace must describe the graph",
                if *traced { "kept" } else { "dropped" },
                if *actual { "has" } else { "lacks" }
            ),
            Violation::TraceOutOfRange { node, layer, id, len } => {
                let at = layer.map_or(String::new(), |l| format!(" on {l}"));
                write!(
                    f,
                    "I3 insert trace: the trace of {node} names {id}{at}, which is not a node \
                     (the graph has {len}); a trace must name existing ids"
                )
            }
            Violation::NotFindable { node, ef, found, found_dist, self_dist } => {
                let got = found.map_or("nothing".to_string(), |id| format!("{id} at distance {found_dist}"));
                write!(
                    f,
                    "I4 searchability: searching for the stored vector of {node} (k = 1, ef = \
                     {ef}) returned {got}, neither {node}, an identical vector, nor anything \
                     within the self-distance {self_dist}; a node must find itself right after \
                     its insert"
                )
            }
            Violation::Unreachable { node, layer, entry } => {
                let from = entry.map_or("no valid entry point".to_string(), |e| format!("entry point {e}"));
                write!(
                    f,
                    "I5 reachability: node {node} on {layer} cannot be reached from {from} \
                     over {layer}'s out-edges; every node must be reachable on every layer it \
                     is on"
                )
            }
            Violation::ZeroInDegree { node, layer } => write!(
                f,
                "I5 reachability: node {node} on {layer} has no in-edge, so no search can \
                 arrive at it; every node but the entry point needs in-degree >= 1"
            ),
            Violation::Inexact { query, k, ef, got, want } => write!(
                f,
                "I6 exactness: querying the stored vector of {query} with k = {k}, ef = {ef} \
                 returned {} but brute force gives {}; with layer 0 strongly connected and ef \
                 >= n the search visits every node and must be exact",
                ids(got),
                ids(want)
            ),
            Violation::InexactLayer0 { query, k, ef, reachable, got, want } => write!(
                f,
                "I6 exactness (layer 0): SEARCH-LAYER from the entry point for the stored vector \
                 of {query} with ef = {ef} returned {} first, but the {k} nearest of the \
                 {reachable} nodes reachable from the entry point are {}; with ef >= n nothing \
                 is evicted and the search must expand every reachable node",
                ids(got),
                ids(want)
            ),
            Violation::LevelLaw { level, observed, expected, n, ml, statistic } => write!(
                f,
                "I7 level law: {observed} of {n} nodes have level >= {level}, expected \
                 {expected:.1} under P(level >= l) = exp(-l / mL) with mL = {ml:.4} (G = \
                 {statistic:.1} > {:.1}: false-positive rate < 1e-9 per level)",
                crate::levels::THRESHOLD
            ),
            Violation::LevelAboveCap { node, level, cap } => {
                write!(f, "I7 level law: node {node} has level {} above the level cap {cap}", level.0)
            }
            Violation::VectorLength { node, expected, got } => write!(
                f,
                "I1 structure: the vector of node {node} has {got} coordinates, the view's dim is \
                 {expected}; every node needs a whole vector (is the vector buffer short?)"
            ),
            Violation::NonFiniteVector { node, coordinate, value } => write!(
                f,
                "I1 structure: the vector of node {node} has the non-finite value {value} at \
                 coordinate {coordinate}; distances to it are meaningless"
            ),
            Violation::CountMismatch { len, inserted } => {
                write!(
                    f,
                    "I8 counts: the graph has {len} live nodes but {inserted} vectors were inserted and not deleted"
                )
            }
            Violation::LabelMismatch { node, label, id_of } => {
                let got = id_of.map_or("None".to_string(), |id| id.to_string());
                write!(
                    f,
                    "I8 counts: node {node} has label {label} but id_of({label}) is {got}; \
                     labels and ids must be a bijection (a duplicate or lost label)"
                )
            }
            Violation::LinkToFreeSlot { node, layer, target } => write!(
                f,
                "I1 structure: node {node} links to {target} on {layer}, a free slot; a consolidated \
                 slot has no in-edges (a dangling edge)"
            ),
            Violation::FreeSlotWithLinks { node, layer, len } => {
                write!(f, "I1 structure: free slot {node} has {len} links on {layer}; a consolidated slot has no lists")
            }
            Violation::EntryFree { entry } => write!(
                f,
                "I2 entry point: the entry point {entry} is a free slot; a tombstone may be the entry \
                 point, a consolidated slot never (a stale cached entry point)"
            ),
            Violation::DeletedLabelMapped { node, label, slot } => write!(
                f,
                "I8 counts: id_of({label}) is {node}, which is {slot:?}; a deleted label must not map \
                 back to its slot (labels and live nodes are a bijection)"
            ),
            Violation::TombstoneRemains { node } => write!(
                f,
                "consolidated: {node} is still a tombstone after the consolidation; every dead slot must be free"
            ),
            Violation::EdgeIntoDead { node, layer, target, slot } => write!(
                f,
                "consolidated: {node} -> {target} on {layer} points to a {slot:?} slot; after a \
                 consolidation no edge on any layer points into a dead slot"
            ),
            Violation::EntryNotLive { entry, slot, live } => {
                let e = entry.map_or("none".to_string(), |e| e.to_string());
                write!(
                    f,
                    "consolidated: the entry point is {e} ({slot:?}) while {live} nodes are live; after a \
                     consolidation it must be live"
                )
            }
            Violation::EntryBelowLiveTop { entry, level, top, node } => write!(
                f,
                "consolidated: the entry point {entry} has level {}, but live node {node} has level {}; \
                 the entry point must be maximal among live nodes",
                level.0, top.0
            ),
            Violation::EntryWithoutLive { entry } => {
                write!(f, "consolidated: no node is live, yet the entry point is {entry}; it must be none")
            }
            Violation::DeadPathCut { node, layer, via, target, len, cap } => write!(
                f,
                "bridged: on layer {} the consolidation cut the path {node} -> {via} -> {target} through the \
                 deleted {via}, and {node} ({len} of {cap} links) no longer reaches {target} within two hops; \
                 a list with room must keep every such path within two hops",
                layer.0
            ),
            Violation::ReturnedDead { query, id, label } => write!(
                f,
                "live-search: query {query} returned {id} (label {label}), which is not a live node \
                 whose label maps back to it; searches return only live labels"
            ),
            Violation::RepeatedLabel { query, label } => {
                write!(f, "live-search: query {query} returned label {label} twice; labels in a result are unique")
            }
            Violation::ResultsNotSorted { query, position } => write!(
                f,
                "live-search: query {query}: result {position} is farther than result {}; results \
                 ascend by distance",
                position + 1
            ),
            Violation::ShortResults { query, got, want } => write!(
                f,
                "live-search: query {query} returned {got} results, {want} expected (min(k, live)): every \
                 live node is reachable, so a tombstone filtered after the result bound is the likely \
                 cause (F14)"
            ),
            Violation::SearchFailed { query, error } => {
                write!(f, "live-search: query {query} failed although a node is live: {error}")
            }
            Violation::ChurnRot { policy, rounds, unreachable, live, rebuild_unreachable, delta } => write!(
                f,
                "churn-rot: after {rounds} rounds of churn under {policy}, {unreachable} of {live} live \
                 nodes are unreachable on layer 0, a fresh build of the same live set leaves \
                 {rebuild_unreachable}; the fraction may exceed the fresh build's by at most {delta} (F15)"
            ),
            Violation::ChurnFailed { policy, round, error } => {
                write!(f, "churn-rot: round {round} of churn under {policy} failed: {error}")
            }
            Violation::Omitted { kind, omitted } => write!(
                f,
                "... and {omitted} more {kind} violations not shown (at most {REPORT_CAP} \
                 per kind)"
            ),
        }
    }
}

/// Every violation a check found (non-empty). At most [`REPORT_CAP`] per
/// kind are kept; a [`Violation::Omitted`] per kind counts the rest.
#[derive(Clone, Debug, PartialEq)]
pub struct Violations(pub Vec<Violation>);

impl Violations {
    /// How many violations of `kind` were found, kept or omitted.
    pub fn count(&self, kind: &str) -> usize {
        self.0
            .iter()
            .map(|v| match v {
                Violation::Omitted { kind: k, omitted } if *k == kind => *omitted,
                v if v.kind() == kind => 1,
                _ => 0,
            })
            .sum()
    }

    /// True if some violation of `kind` was found.
    pub fn has(&self, kind: &str) -> bool {
        self.count(kind) > 0
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for v in &self.0 {
            writeln!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

/// Gathers violations, keeping at most [`REPORT_CAP`] per kind.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    kept: Vec<Violation>,
    /// (kind, number found), in order of first appearance.
    counts: Vec<(&'static str, usize)>,
}

impl Collector {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Record `v`; keep it if fewer than [`REPORT_CAP`] of its kind are kept.
    pub(crate) fn push(&mut self, v: Violation) {
        let kind = v.kind();
        let found = match self.counts.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, c)) => {
                *c += 1;
                *c
            }
            None => {
                self.counts.push((kind, 1));
                1
            }
        };
        if found <= REPORT_CAP {
            self.kept.push(v);
        }
    }

    /// `Ok(value)` if nothing was recorded, else every kept violation plus
    /// one [`Violation::Omitted`] per kind that overflowed.
    pub(crate) fn finish<T>(mut self, value: T) -> Result<T, Violations> {
        if self.kept.is_empty() {
            return Ok(value);
        }
        for (kind, c) in self.counts {
            if c > REPORT_CAP {
                self.kept.push(Violation::Omitted { kind, omitted: c - REPORT_CAP });
            }
        }
        Err(Violations(self.kept))
    }
}

#[cfg(test)]
mod tests {
    use hnswlab::{Layer, NodeId};

    use super::*;

    fn self_link(i: u32) -> Violation {
        Violation::SelfLink { node: NodeId(i), layer: Layer(0) }
    }

    /// The cap on both sides: a kind found exactly `REPORT_CAP` times is kept
    /// whole with no `Omitted`; one found once more keeps `REPORT_CAP` and
    /// counts one omitted; `count` and `has` see every violation found, and
    /// nothing recorded is `Ok`.
    #[test]
    fn the_report_cap_keeps_exactly_its_number_per_kind() {
        assert_eq!(Collector::new().finish(7), Ok(7));
        let mut c = Collector::new();
        for i in 0..REPORT_CAP as u32 {
            c.push(self_link(i));
        }
        for len in 0..=REPORT_CAP {
            c.push(Violation::MissingEntry { len });
        }
        c.push(Violation::EntryInEmptyGraph { entry: NodeId(3) });
        let v = c.finish(()).expect_err("violations were recorded");
        let kept = |kind: &str| v.0.iter().filter(|x| x.kind() == kind).count();
        assert_eq!((kept("SelfLink"), kept("MissingEntry"), kept("Omitted")), (REPORT_CAP, REPORT_CAP, 1));
        assert_eq!(v.0.last(), Some(&Violation::Omitted { kind: "MissingEntry", omitted: 1 }));
        assert_eq!(v.0[REPORT_CAP], Violation::MissingEntry { len: 0 }, "the first found are kept, in order");
        assert_eq!((v.count("SelfLink"), v.count("MissingEntry"), v.count("EntryInEmptyGraph")), (20, 21, 1));
        assert!(v.has("EntryInEmptyGraph") && !v.has("NotFindable"));
        assert_eq!(v.count("NotFindable"), 0);
    }
}
