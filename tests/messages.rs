//! What the library prints: the CLI and the reports show these strings to a
//! user who has to act on them, so each names the ids, layers, sections and
//! sizes involved (an empty or generic message would leave them guessing).

use hnswlab::file::Section;
use hnswlab::{Defect, Error, ErrorKind, Layer, NodeId};

#[test]
fn ids_layers_and_sections_print_as_the_reports_spell_them() {
    assert_eq!((NodeId(12).to_string(), Layer(3).to_string()), ("#12".to_string(), "L3".to_string()));
    let sections = [Section::Header, Section::Params, Section::Shape, Section::Slots, Section::Lists(2)];
    let names: Vec<String> = sections.iter().map(|s| s.to_string()).collect();
    assert_eq!(names, ["header", "params", "shape", "slots", "lists L2"]);
}

#[test]
fn an_error_and_a_defect_name_what_they_are_about() {
    let e = Error::from(ErrorKind::DimensionMismatch { expected: 8, got: 3 });
    let text = e.to_string();
    assert!(text.contains('8') && text.contains('3'), "{text}");
    assert_eq!(text, e.kind().to_string());
    let d = Defect::ListTooLong { node: NodeId(4), layer: Layer(1), len: 9, capacity: 6 };
    assert_eq!(d.to_string(), "list of #4 on L1 holds 9 links, capacity is 6");
}
