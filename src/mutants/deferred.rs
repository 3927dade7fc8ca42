//! **deferred-connectivity**: a bulk insert that adds every node first and
//! connects them afterwards. Each insert returns before its node is linked,
//! so the vector is not searchable right after its insertion (I4), and the
//! graph has nodes but no entry point meanwhile (I2).

use crate::error::Result;
use crate::ids::NodeId;
use crate::index::Hnsw;
use crate::insert::InsertTrace;
use crate::strategy::{BuildInput, Built, Commit, Kind, Observer, Strategy};

pub(super) struct DeferredConnectivity;

impl Strategy for DeferredConnectivity {
    fn name(&self) -> &'static str {
        "deferred-connectivity"
    }
    fn kind(&self) -> Kind {
        Kind::Mutant
    }
    fn description(&self) -> &'static str {
        "adds all nodes first, links them afterwards"
    }
    fn build(&self, input: &BuildInput<'_>, mut observer: Option<Observer<'_>>) -> Result<Built> {
        let n = input.rows()?;
        let mut h = Hnsw::new(input.dim, input.params.clone())?;
        h.reserve(n)?;
        for i in 0..n {
            let id = h.allocate(i as u64, input.row(i))?;
            let trace = InsertTrace { node: id, level: h.graph.level(id), layers: Vec::new(), promoted: false };
            if let Some(o) = observer.as_deref_mut() {
                o(Commit { segment: 0, view: &h, traces: std::slice::from_ref(&trace), afterwards: &[] });
            }
        }
        for i in 0..n {
            h.connect(NodeId(i as u32));
        }
        Ok(Built::single(h))
    }
}
