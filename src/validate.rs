//! Structural validation of a graph someone else produced, before it is trusted.
//!
//! [`check`] reads any [`GraphView`] and lists every structural [`Defect`]:
//! the local invariants hnswlib asserts where it writes links (list size within
//! capacity, no self-link, no link above the target's level) plus the
//! whole-graph ones (entry point present iff non-empty and on the top level,
//! labels a bijection among live nodes, vectors finite and `dim` long) and
//! the rule a delete consolidation must keep (a free slot has no lists and no
//! link points to it; "the top" is the top of the slots that are not free).
//! It never panics on a
//! malformed view: a view method is only called with an id in `0..len`, and a
//! link target is looked up only after it was checked to be in range.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::ids::{Layer, NodeId};
use crate::tombstones::Slot;
use crate::view::GraphView;

/// One structural defect of a graph, with the numbers that locate it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Defect {
    /// A list holds more links than its layer allows (m above layer 0, m0 on layer 0).
    ListTooLong {
        /// Owner of the list.
        node: NodeId,
        /// Layer of the list.
        layer: Layer,
        /// Links in the list.
        len: usize,
        /// The layer's capacity.
        capacity: usize,
    },
    /// A link names an id outside `0..len`.
    LinkOutOfRange {
        /// Owner of the list.
        node: NodeId,
        /// Layer of the list.
        layer: Layer,
        /// The link target.
        target: NodeId,
        /// Number of nodes.
        len: usize,
    },
    /// A node links to itself.
    SelfLink {
        /// The node.
        node: NodeId,
        /// Layer of the list.
        layer: Layer,
    },
    /// The same target appears twice in one list.
    DuplicateLink {
        /// Owner of the list.
        node: NodeId,
        /// Layer of the list.
        layer: Layer,
        /// The repeated target.
        target: NodeId,
    },
    /// A link to a free (consolidated-away) slot: a dangling edge (F17).
    LinkToFreeSlot {
        /// Owner of the list.
        node: NodeId,
        /// Layer of the list.
        layer: Layer,
        /// The free slot.
        target: NodeId,
    },
    /// A free slot that still has links of its own.
    FreeSlotWithLinks {
        /// The slot.
        node: NodeId,
        /// Layer of the non-empty list.
        layer: Layer,
    },
    /// A link on `layer` to a node whose level is below `layer`.
    LinkBelowLevel {
        /// Owner of the list.
        node: NodeId,
        /// Layer of the list.
        layer: Layer,
        /// The link target.
        target: NodeId,
        /// The target's level.
        target_level: Layer,
    },
    /// A non-empty graph without an entry point (invariant I2).
    MissingEntryPoint {
        /// Number of nodes.
        len: usize,
    },
    /// An empty graph that names an entry point (invariant I2).
    EntryPointInEmptyGraph {
        /// The stored entry point.
        entry: NodeId,
    },
    /// The entry point is outside `0..len`.
    EntryPointOutOfRange {
        /// The stored entry point.
        entry: NodeId,
        /// Number of nodes.
        len: usize,
    },
    /// The entry point is a free slot (a consolidation kept a stale entry point: F17).
    EntryPointFree {
        /// The stored entry point.
        entry: NodeId,
    },
    /// The entry point's level is not the highest level of any node.
    EntryPointNotOnTop {
        /// The stored entry point.
        entry: NodeId,
        /// Its level.
        level: Layer,
        /// The highest node level.
        top: Layer,
    },
    /// The stored maximum level is not the highest node level.
    MaxLevelMismatch {
        /// The stored maximum level.
        stored: Layer,
        /// The highest node level.
        top: Layer,
    },
    /// Two nodes carry the same label, so the label-to-id map cannot be a bijection.
    LabelMappedTwice {
        /// The label.
        label: u64,
        /// The first node carrying it.
        first: NodeId,
        /// A later node carrying it.
        second: NodeId,
    },
    /// A vector component is NaN or infinite (the first such component of the node).
    NonFiniteComponent {
        /// The node.
        node: NodeId,
        /// Position of the component.
        coordinate: usize,
        /// Its value.
        value: f32,
    },
    /// A stored vector's length differs from the graph's dimension.
    VectorLength {
        /// The node.
        node: NodeId,
        /// The graph's dimension.
        expected: usize,
        /// The vector's length.
        got: usize,
    },
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Defect::ListTooLong { node, layer, len, capacity } => {
                write!(f, "list of {node} on {layer} holds {len} links, capacity is {capacity}")
            }
            Defect::LinkOutOfRange { node, layer, target, len } => {
                write!(f, "link {node} -> {target} on {layer}: no such node ({len} nodes)")
            }
            Defect::SelfLink { node, layer } => write!(f, "self-link {node} -> {node} on {layer}"),
            Defect::DuplicateLink { node, layer, target } => {
                write!(f, "duplicate link {node} -> {target} on {layer}")
            }
            Defect::LinkToFreeSlot { node, layer, target } => {
                write!(f, "link {node} -> {target} on {layer}: {target} is a free slot")
            }
            Defect::FreeSlotWithLinks { node, layer } => write!(f, "free slot {node} has links on {layer}"),
            Defect::LinkBelowLevel { node, layer, target, target_level } => {
                write!(f, "link {node} -> {target} on {layer}: target level is {target_level}")
            }
            Defect::MissingEntryPoint { len } => write!(f, "no entry point in a graph of {len} nodes"),
            Defect::EntryPointInEmptyGraph { entry } => write!(f, "entry point {entry} in an empty graph"),
            Defect::EntryPointOutOfRange { entry, len } => {
                write!(f, "entry point {entry} out of range ({len} nodes)")
            }
            Defect::EntryPointFree { entry } => write!(f, "entry point {entry} is a free slot"),
            Defect::EntryPointNotOnTop { entry, level, top } => {
                write!(f, "entry point {entry} has level {level}, the top level is {top}")
            }
            Defect::MaxLevelMismatch { stored, top } => {
                write!(f, "stored max level {stored} is not the top node level {top}")
            }
            Defect::LabelMappedTwice { label, first, second } => {
                write!(f, "label {label} is carried by both {first} and {second}")
            }
            Defect::NonFiniteComponent { node, coordinate, value } => {
                write!(f, "vector of {node} has non-finite value {value} at coordinate {coordinate}")
            }
            Defect::VectorLength { node, expected, got } => {
                write!(f, "vector of {node} has length {got}, dim is {expected}")
            }
        }
    }
}

/// Every structural defect of `view`, in node order, then entry point, max
/// level and labels; empty for a well-formed graph.
pub fn check<V: GraphView + ?Sized>(view: &V) -> Vec<Defect> {
    check_with_capacity(view, view.m(), view.m0())
}

/// [`check`] with list capacities `m` (above layer 0) and `m0` (layer 0)
/// instead of the view's own: a graph adopted under other params must fit them.
pub(crate) fn check_with_capacity<V: GraphView + ?Sized>(view: &V, m: usize, m0: usize) -> Vec<Defect> {
    let mut defects = Vec::new();
    // Ids are u32; a view claiming more nodes is only walked as far as ids reach.
    let len = view.len().min(u32::MAX as usize);
    let dim = view.dim();
    let levels: Vec<Layer> = (0..len as u32).map(|i| view.level(NodeId(i))).collect();
    let slots: Vec<Slot> = (0..len as u32).map(|i| view.slot(NodeId(i))).collect();
    let top = levels.iter().zip(&slots).filter(|(_, &s)| s != Slot::Free).map(|(&l, _)| l).max();
    let mut seen = HashSet::new();
    for (i, &level) in levels.iter().enumerate() {
        let node = NodeId(i as u32);
        let v = view.vector(node);
        if v.len() != dim {
            defects.push(Defect::VectorLength { node, expected: dim, got: v.len() });
        }
        if let Some((coordinate, &value)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            defects.push(Defect::NonFiniteComponent { node, coordinate, value });
        }
        for l in 0..=level.0 {
            let layer = Layer(l);
            let list = view.neighbours(node, layer);
            let capacity = if l == 0 { m0 } else { m };
            if list.len() > capacity {
                defects.push(Defect::ListTooLong { node, layer, len: list.len(), capacity });
            }
            if slots[i] == Slot::Free && !list.is_empty() {
                defects.push(Defect::FreeSlotWithLinks { node, layer });
            }
            seen.clear();
            for &target in list {
                if target.index() >= len {
                    defects.push(Defect::LinkOutOfRange { node, layer, target, len });
                    continue;
                }
                if target == node {
                    defects.push(Defect::SelfLink { node, layer });
                }
                if !seen.insert(target) {
                    defects.push(Defect::DuplicateLink { node, layer, target });
                }
                if slots[target.index()] == Slot::Free {
                    defects.push(Defect::LinkToFreeSlot { node, layer, target });
                }
                let target_level = levels[target.index()];
                if target_level < layer {
                    defects.push(Defect::LinkBelowLevel { node, layer, target, target_level });
                }
            }
        }
    }
    match (top, view.entry_point()) {
        (None, Some(entry)) => defects.push(Defect::EntryPointInEmptyGraph { entry }),
        (Some(_), None) => defects.push(Defect::MissingEntryPoint { len }),
        (Some(_), Some(entry)) if entry.index() >= len => defects.push(Defect::EntryPointOutOfRange { entry, len }),
        (Some(_), Some(entry)) if slots[entry.index()] == Slot::Free => defects.push(Defect::EntryPointFree { entry }),
        (Some(top), Some(entry)) if levels[entry.index()] != top => {
            defects.push(Defect::EntryPointNotOnTop { entry, level: levels[entry.index()], top })
        }
        _ => {}
    }
    if let Some(top) = top {
        let stored = view.max_level();
        if stored != top {
            defects.push(Defect::MaxLevelMismatch { stored, top });
        }
    }
    let mut owners: HashMap<u64, NodeId> = HashMap::with_capacity(len);
    for i in (0..len as u32).filter(|&i| slots[i as usize] == Slot::Live) {
        let second = NodeId(i);
        let label = view.label(second);
        if let Some(&first) = owners.get(&label) {
            defects.push(Defect::LabelMappedTwice { label, first, second });
        } else {
            owners.insert(label, second);
        }
    }
    defects
}
