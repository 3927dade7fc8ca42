//! What can be wrong inside a foreign index file that is still readable,
//! each defect located by byte offset (and node / layer where it has one).

use std::fmt;

use crate::ids::{Layer, NodeId};

/// One defect of a foreign index file. Offsets are bytes from the start of
/// the file; for a link, the offset of its slot.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum FileDefect {
    /// The file ends inside a part; what lies beyond was not read.
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Where the missing part starts.
        offset: u64,
        /// Bytes the part needs.
        needed: u64,
        /// File length.
        len: u64,
    },
    /// Bytes after the last part the format defines.
    TrailingBytes {
        /// Where they start.
        offset: u64,
        /// How many.
        len: u64,
    },
    /// A header field contradicts another one or the file (the graph is
    /// still read; the field's value is not used).
    HeaderMismatch {
        /// The field.
        field: &'static str,
        /// Its offset.
        offset: u64,
        /// The value read.
        found: i128,
        /// The rule it breaks.
        rule: String,
    },
    /// A node's record is malformed in a way that does not stop reading
    /// (flag bits, a link-block size that is not a whole number of blocks,
    /// a level above what a layer number holds).
    BadRecord {
        /// The node.
        node: NodeId,
        /// Offset of the bad field.
        offset: u64,
        /// The value read.
        found: u64,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// A list count above the layer's capacity; the list was clamped.
    ListTooLong {
        /// Owner of the list.
        node: NodeId,
        /// Layer.
        layer: Layer,
        /// Offset of the count.
        offset: u64,
        /// The count read.
        count: u64,
        /// The layer's capacity.
        capacity: usize,
    },
    /// A link to an id that is not a node (dropped).
    LinkOutOfRange {
        /// Owner of the list.
        node: NodeId,
        /// Layer.
        layer: Layer,
        /// Offset of the slot.
        offset: u64,
        /// The id read.
        target: i64,
        /// Number of nodes.
        len: usize,
    },
    /// A node links to itself (dropped).
    SelfLink {
        /// The node.
        node: NodeId,
        /// Layer.
        layer: Layer,
        /// Offset of the slot.
        offset: u64,
    },
    /// A target listed again in the same list (the repeat was dropped).
    DuplicateLink {
        /// Owner of the list.
        node: NodeId,
        /// Layer.
        layer: Layer,
        /// Offset of the repeated slot.
        offset: u64,
        /// The target.
        target: NodeId,
    },
    /// A link on a layer above the target's level (dropped).
    LinkBelowLevel {
        /// Owner of the list.
        node: NodeId,
        /// Layer.
        layer: Layer,
        /// Offset of the slot.
        offset: u64,
        /// The target.
        target: NodeId,
        /// The target's level.
        target_level: Layer,
    },
    /// The entry point is not a node (replaced by the first top-level node).
    EntryOutOfRange {
        /// Offset of the field.
        offset: u64,
        /// The entry point read.
        entry: i64,
        /// Number of nodes.
        len: usize,
    },
    /// The entry point is not on the top level (replaced by the first top-level node).
    EntryNotOnTop {
        /// Offset of the field.
        offset: u64,
        /// The entry point.
        entry: NodeId,
        /// Its level.
        level: Layer,
        /// The highest node level.
        top: Layer,
    },
    /// The stored maximum level is no node's level (replaced by the highest).
    MaxLevelMismatch {
        /// Offset of the field.
        offset: u64,
        /// The stored value.
        stored: i64,
        /// The highest node level (`None` in an empty index).
        top: Option<Layer>,
    },
    /// Two live nodes carry the same label.
    LabelMappedTwice {
        /// The label.
        label: u64,
        /// The first node carrying it.
        first: NodeId,
        /// A later node carrying it.
        second: NodeId,
        /// Offset of the later node's label.
        offset: u64,
    },
    /// A vector component is NaN or infinite (the first one of the node).
    NonFinite {
        /// The node.
        node: NodeId,
        /// Offset of the component.
        offset: u64,
        /// Its position in the vector.
        coordinate: usize,
    },
}

impl FileDefect {
    /// The variant's name, for matching in reports and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            FileDefect::Truncated { .. } => "Truncated",
            FileDefect::TrailingBytes { .. } => "TrailingBytes",
            FileDefect::HeaderMismatch { .. } => "HeaderMismatch",
            FileDefect::BadRecord { .. } => "BadRecord",
            FileDefect::ListTooLong { .. } => "ListTooLong",
            FileDefect::LinkOutOfRange { .. } => "LinkOutOfRange",
            FileDefect::SelfLink { .. } => "SelfLink",
            FileDefect::DuplicateLink { .. } => "DuplicateLink",
            FileDefect::LinkBelowLevel { .. } => "LinkBelowLevel",
            FileDefect::EntryOutOfRange { .. } => "EntryOutOfRange",
            FileDefect::EntryNotOnTop { .. } => "EntryNotOnTop",
            FileDefect::MaxLevelMismatch { .. } => "MaxLevelMismatch",
            FileDefect::LabelMappedTwice { .. } => "LabelMappedTwice",
            FileDefect::NonFinite { .. } => "NonFinite",
        }
    }

    /// The byte offset the defect is located at.
    pub fn offset(&self) -> u64 {
        match self {
            FileDefect::Truncated { offset, .. }
            | FileDefect::TrailingBytes { offset, .. }
            | FileDefect::HeaderMismatch { offset, .. }
            | FileDefect::BadRecord { offset, .. }
            | FileDefect::ListTooLong { offset, .. }
            | FileDefect::LinkOutOfRange { offset, .. }
            | FileDefect::SelfLink { offset, .. }
            | FileDefect::DuplicateLink { offset, .. }
            | FileDefect::LinkBelowLevel { offset, .. }
            | FileDefect::EntryOutOfRange { offset, .. }
            | FileDefect::EntryNotOnTop { offset, .. }
            | FileDefect::MaxLevelMismatch { offset, .. }
            | FileDefect::LabelMappedTwice { offset, .. }
            | FileDefect::NonFinite { offset, .. } => *offset,
        }
    }
}

impl fmt::Display for FileDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}: ", self.offset())?;
        match self {
            FileDefect::Truncated { what, needed, len, .. } => {
                write!(f, "truncated: {what} needs {needed} bytes, the file has {len}")
            }
            FileDefect::TrailingBytes { len, .. } => write!(f, "{len} trailing bytes after the last part"),
            FileDefect::HeaderMismatch { field, found, rule, .. } => {
                write!(f, "header field `{field}` is {found}, {rule}")
            }
            FileDefect::BadRecord { node, found, rule, .. } => write!(f, "record of {node}: value {found}, {rule}"),
            FileDefect::ListTooLong { node, layer, count, capacity, .. } => {
                write!(f, "list of {node} on {layer} counts {count} links, capacity is {capacity} (clamped)")
            }
            FileDefect::LinkOutOfRange { node, layer, target, len, .. } => {
                write!(f, "link {node} -> {target} on {layer}: no such node ({len} nodes)")
            }
            FileDefect::SelfLink { node, layer, .. } => write!(f, "self-link {node} -> {node} on {layer}"),
            FileDefect::DuplicateLink { node, layer, target, .. } => {
                write!(f, "duplicate link {node} -> {target} on {layer}")
            }
            FileDefect::LinkBelowLevel { node, layer, target, target_level, .. } => {
                write!(f, "link {node} -> {target} on {layer}: target level is {target_level}")
            }
            FileDefect::EntryOutOfRange { entry, len, .. } => {
                write!(f, "entry point {entry} out of range ({len} nodes)")
            }
            FileDefect::EntryNotOnTop { entry, level, top, .. } => {
                write!(f, "entry point {entry} has level {level}, the top level is {top}")
            }
            FileDefect::MaxLevelMismatch { stored, top: Some(top), .. } => {
                write!(f, "stored max level {stored} matches no node (the top level is {top})")
            }
            FileDefect::MaxLevelMismatch { stored, top: None, .. } => {
                write!(f, "stored max level {stored} in an empty index")
            }
            FileDefect::LabelMappedTwice { label, first, second, .. } => {
                write!(f, "label {label} is carried by both {first} and {second}")
            }
            FileDefect::NonFinite { node, coordinate, .. } => {
                write!(f, "vector of {node} is not finite at coordinate {coordinate}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A defect prints where it is (`@offset: `) and the values that locate
    /// it, as `hnswlab check` lists it.
    #[test]
    fn a_defect_prints_its_offset_and_values() {
        let cases = [
            (FileDefect::TrailingBytes { offset: 70, len: 3 }, "@70: 3 trailing bytes after the last part"),
            (
                FileDefect::MaxLevelMismatch { offset: 48, stored: 4, top: None },
                "@48: stored max level 4 in an empty index",
            ),
            (
                FileDefect::LinkOutOfRange { node: NodeId(2), layer: Layer(1), offset: 900, target: 77, len: 5 },
                "@900: link #2 -> 77 on L1: no such node (5 nodes)",
            ),
            (
                FileDefect::LabelMappedTwice { label: 9, first: NodeId(1), second: NodeId(4), offset: 12 },
                "@12: label 9 is carried by both #1 and #4",
            ),
        ];
        for (d, want) in cases {
            assert_eq!(d.to_string(), want, "{}", d.kind());
            assert_eq!(d.offset(), want[1..want.find(':').unwrap()].parse::<u64>().unwrap());
        }
    }
}
