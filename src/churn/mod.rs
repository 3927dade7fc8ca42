//! TEMPORARY stub of the core churn API (CHURN_API.md), so the experiment
//! compiles before the core lands; reverted before merging main.
#![allow(missing_docs, clippy::missing_errors_doc)]

use crate::{Hnsw, NodeId, Result};

pub trait DeletePolicy: Send + Sync {
    fn name(&self) -> &'static str;
    fn delete(&self, index: &mut Hnsw, labels: &[u64]) -> Result<()>;
    fn insert(&self, index: &mut Hnsw, label: u64, v: &[f32]) -> Result<NodeId>;
    fn update(&self, index: &mut Hnsw, label: u64, v: &[f32]) -> Result<NodeId>;
    fn finish(&self, index: &mut Hnsw) -> Result<()>;
}

struct Stub(&'static str);

impl DeletePolicy for Stub {
    fn name(&self) -> &'static str {
        self.0
    }
    fn delete(&self, _: &mut Hnsw, _: &[u64]) -> Result<()> {
        unimplemented!("stub")
    }
    fn insert(&self, index: &mut Hnsw, label: u64, v: &[f32]) -> Result<NodeId> {
        index.insert(label, v)
    }
    fn update(&self, _: &mut Hnsw, _: u64, _: &[f32]) -> Result<NodeId> {
        unimplemented!("stub")
    }
    fn finish(&self, _: &mut Hnsw) -> Result<()> {
        Ok(())
    }
}

pub fn policies() -> Vec<Box<dyn DeletePolicy>> {
    names().into_iter().map(|n| Box::new(Stub(n)) as Box<dyn DeletePolicy>).collect()
}

pub fn by_name(name: &str) -> Option<Box<dyn DeletePolicy>> {
    policies().into_iter().find(|p| p.name() == name)
}

pub fn names() -> Vec<&'static str> {
    vec!["tombstone", "replace", "consolidate", "rebuild"]
}
