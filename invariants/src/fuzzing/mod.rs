//! Fuzz bodies: the code behind `fuzz/fuzz_targets/*.rs` and
//! `tests/fuzz_replay.rs` (hidden; cargo feature `fuzzing`).
//!
//! Each target is one input type (decoded by [`arbitrary`] exactly as
//! libFuzzer's `fuzz_target!` decodes it: `arbitrary_take_rest` over the whole
//! byte string) and one body that panics, with expected vs actual, when the
//! index or a strategy breaks a rule. The fuzz targets are one-line shims; the
//! replay test runs the committed regressions and random bytes through the
//! same bodies in an ordinary `cargo test`.
//!
//! | target | body | what must hold |
//! |---|---|---|
//! | `ops` | [`ops`] | arbitrary insert / duplicate / search / check sequences: typed errors matching the input's defect, a rejected insert changes nothing, `check_insert` + `check_all` after every accepted insert, search results valid (and exact where the census proves they must be) |
//! | `strategies_agree` | [`strategies_agree`] | every strategy on the same rows: same accept/reject, every commit and every result passes the checker, `batched` byte-identical to `sequential`, `batched-deterministic-parallel` independent of the thread count |
//! | `exact` | [`exact`] | n <= 64 searched with ef >= n: where layer 0 is strongly connected the result is the brute-force oracle's |
//! | `load_hnswlib`, `load_faiss` | [`load_hnswlib`], [`load_faiss`] | the bytes as an index file: a typed error or a graph that passes structural validation and can be searched (`foreign.rs`) |
//! | `params` | [`params`] | absurd parameters: a typed error or an index that takes a few inserts and a search |
//! | `load_hnswlab` | [`load_hnswlab`] | file bytes (optionally resealed): a typed `CorruptFile` error, or an index that passes the structural checks, searches, and re-encodes to the same bytes |
//!
//! Inputs print (`{:?}`) as Rust that rebuilds them after
//! `use hnswlab_invariants::fuzzing::*;` (enum variants are re-exported here,
//! vectors print as `List(vec![..])`, floats as [`Coord`] variants), so a
//! crasher shown by `cargo fuzz fmt` pastes into a named test.
//!
//! Oversized inputs (more than [`MAX_OPS`] ops, [`MAX_POINTS`] points, dim
//! above [`MAX_FUZZ_DIM`]) return at once instead of running slowly.

mod foreign;

use std::fmt;

use arbitrary::{Arbitrary, Unstructured};
use hnswlab::distance::prepare;
use hnswlab::oracle::exact_knn;
use hnswlab::registry;
use hnswlab::strategy::batched::Batched;
use hnswlab::strategy::deterministic_parallel::DeterministicParallel;
use hnswlab::strategy::{BuildInput, Built, Commit, Strategy};
use hnswlab::{Error, ErrorKind, GraphView, Hnsw, Metric, Neighbour, NodeId, Params, PrunePolicy, Selection, Snapshot};

use crate::{check_all, check_insert, Expectations, Health, Violation, Violations};

pub use self::foreign::{load_faiss, load_hnswlib, MAX_FILE};
mod load;
pub use load::{judge_loaded_search, load_hnswlab, load_hnswlab_seeds, MAX_FILE_BYTES};

pub use self::Coord::*;
pub use self::MetricInput::*;
pub use self::Op::*;
pub use self::PruneInput::*;
pub use self::SelectionInput::*;

/// Most operations an `ops` input may hold.
pub const MAX_OPS: usize = 256;
/// Most points a `strategies_agree` or `exact` input may hold.
pub const MAX_POINTS: usize = 64;
/// Largest dimension of `ops`, `strategies_agree` and `exact` inputs.
pub const MAX_FUZZ_DIM: usize = 16;
/// Most queries an `exact` input may hold.
pub const MAX_QUERIES: usize = 16;
/// Most inserts of a `params` input.
pub const MAX_PARAMS_INSERTS: usize = 8;

/// What a body checked. A body that checks nothing (a bound that skips
/// every input, a step left out) passes every input as surely as a correct
/// one; the replays and the bounds tests assert on these counts so that it
/// shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ran {
    /// Inserts the index accepted (each followed by its checks).
    pub inserts: usize,
    /// Searches that answered, each judged by [`check_results`].
    pub searches: usize,
    /// Whole-graph checks run ([`check_all`]).
    pub checks: usize,
    /// Strategy builds that succeeded under the checker.
    pub builds: usize,
}

impl std::ops::AddAssign for Ran {
    fn add_assign(&mut self, o: Ran) {
        self.inserts += o.inserts;
        self.searches += o.searches;
        self.checks += o.checks;
        self.builds += o.builds;
    }
}
/// Drop the violations that are not failures for graphs built with `p`:
/// I4 (`NotFindable`) unless `verify_inserts` is on (the paper's insert does
/// not guarantee it; see `tests/state_machine.rs`), or when the insert's
/// `verify_inserts` repair gave up and counted it (`i4_gave_up`: its
/// documented post-condition is "findable, or `findability_failures`
/// grew"). `None` when nothing is left.
fn tolerated_removed(p: &Params, v: Violations, i4_gave_up: bool) -> Option<Violations> {
    let tolerated = |kind: &str| kind == "NotFindable" && (!p.verify_inserts() || i4_gave_up);
    let left: Vec<Violation> =
        v.0.into_iter()
            .filter(|x| match x {
                Violation::Omitted { kind, .. } => !tolerated(kind),
                Violation::NotFindable { .. } => !tolerated("NotFindable"),
                _ => true,
            })
            .collect();
    (!left.is_empty()).then_some(Violations(left))
}

/// [`check_all`] minus tolerated violations: `Ok(None)` when only those were found.
fn check_all_open<V: GraphView + ?Sized>(view: &V, e: &Expectations, p: &Params) -> Result<Option<Health>, Violations> {
    match check_all(view, e) {
        Ok(h) => Ok(Some(h)),
        Err(v) => tolerated_removed(p, v, false).map_or(Ok(None), Err),
    }
}

/// [`check_insert`] minus tolerated violations.
fn check_insert_open<V: GraphView + ?Sized>(
    view: &V,
    t: &hnswlab::InsertTrace,
    e: &Expectations,
    p: &Params,
    i4_gave_up: bool,
) -> Result<(), Violations> {
    check_insert(view, t, e).or_else(|v| tolerated_removed(p, v, i4_gave_up).map_or(Ok(()), Err))
}

// ---------------------------------------------------------------------------
// Input building blocks
// ---------------------------------------------------------------------------

/// A `Vec` that prints as `List(vec![..])`, so inputs paste back as Rust.
#[derive(Clone, Default, PartialEq)]
pub struct List<T>(pub Vec<T>);

impl<T: fmt::Debug> fmt::Debug for List<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct VecLit<'a, T>(&'a [T]);
        impl<T: fmt::Debug> fmt::Debug for VecLit<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("vec!")?;
                f.debug_list().entries(self.0).finish()
            }
        }
        f.debug_tuple("List").field(&VecLit(&self.0)).finish()
    }
}

impl<'a, T: Arbitrary<'a>> Arbitrary<'a> for List<T> {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Vec::arbitrary(u).map(List)
    }
    fn arbitrary_take_rest(u: Unstructured<'a>) -> arbitrary::Result<Self> {
        Vec::arbitrary_take_rest(u).map(List)
    }
    // `size_hint` stays the trait's default, `(0, None)`: `Vec`'s own.
}

/// One coordinate: mostly small integers (so ties and duplicates happen),
/// plus every kind of float a caller can pass.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq)]
pub enum Coord {
    /// A small integer.
    Int(i8),
    /// `x / 64`.
    Frac(i16),
    /// `+0.0`.
    Zero,
    /// `-0.0`.
    NegZero,
    /// A quiet NaN.
    Nan,
    /// `+inf`.
    Inf,
    /// `-inf`.
    NegInf,
    /// The subnormal (or zero) with this sign bit and mantissa.
    Subnormal(u32),
    /// `x * 1e18`: around the largest norm the index accepts.
    Huge(i8),
    /// Any bit pattern.
    Bits(u32),
}

impl Coord {
    /// The `f32` this coordinate stands for.
    pub fn value(self) -> f32 {
        match self {
            Int(x) => f32::from(x),
            Frac(x) => f32::from(x) / 64.0,
            Zero => 0.0,
            NegZero => -0.0,
            Nan => f32::NAN,
            Inf => f32::INFINITY,
            NegInf => f32::NEG_INFINITY,
            Subnormal(b) => f32::from_bits(b & 0x807f_ffff),
            Huge(x) => f32::from(x) * 1e18,
            Bits(b) => f32::from_bits(b),
        }
    }
}

/// Mirror of [`Metric`].
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricInput {
    /// [`Metric::L2`].
    L2,
    /// [`Metric::InnerProduct`].
    Ip,
    /// [`Metric::Cosine`].
    Cosine,
}

impl MetricInput {
    /// The core's metric.
    pub fn metric(self) -> Metric {
        match self {
            L2 => Metric::L2,
            Ip => Metric::InnerProduct,
            Cosine => Metric::Cosine,
        }
    }
}

/// Mirror of [`Selection`].
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectionInput {
    /// Alg. 3.
    Simple,
    /// Alg. 4.
    Heuristic {
        /// `extendCandidates`.
        extend_candidates: bool,
        /// `keepPrunedConnections`.
        keep_pruned: bool,
    },
}

impl SelectionInput {
    /// The core's selection.
    pub fn selection(self) -> Selection {
        match self {
            Simple => Selection::Simple,
            Heuristic { extend_candidates, keep_pruned } => Selection::Heuristic { extend_candidates, keep_pruned },
        }
    }
}

/// Mirror of [`PrunePolicy`].
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PruneInput {
    /// [`PrunePolicy::Standard`].
    Standard,
    /// [`PrunePolicy::Symmetric`].
    Symmetric,
}

impl PruneInput {
    /// The core's policy.
    pub fn policy(self) -> PrunePolicy {
        match self {
            Standard => PrunePolicy::Standard,
            Symmetric => PrunePolicy::Symmetric,
        }
    }
}

/// Build parameters of fuzz-sized graphs (every field raw: invalid values
/// must be rejected by the builder with `InvalidParam`).
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct ParamsInput {
    /// `M`.
    pub m: u8,
    /// `Mmax0` (default 2M).
    pub m0: Option<u8>,
    /// `efConstruction`.
    pub ef_construction: u8,
    /// `mL = (x + 1) / 64` (default 1 / ln M).
    pub ml: Option<u8>,
    /// Level cap (default 16).
    pub level_cap: Option<u8>,
    /// Level seed.
    pub seed: u64,
    /// Neighbour selection.
    pub selection: SelectionInput,
    /// Prune policy.
    pub prune: PruneInput,
    /// Distance.
    pub metric: MetricInput,
    /// `verify_inserts`: I4 is a hard failure only when on.
    pub verify_inserts: bool,
}

impl ParamsInput {
    /// Whether the builder must reject these values (its documented ranges).
    /// (The default `Mmax0` = 2M is never below M, so only a given one can be.)
    pub fn invalid(&self) -> bool {
        self.m < 2
            || self.m0.is_some_and(|m0| m0 < self.m)
            || self.ef_construction == 0
            || self.level_cap.is_some_and(|c| c > 32)
    }

    /// The builder's answer, checked against [`ParamsInput::invalid`].
    pub fn build(&self) -> Option<Params> {
        let mut b = Params::builder()
            .m(usize::from(self.m))
            .ef_construction(usize::from(self.ef_construction))
            .seed(self.seed)
            .selection(self.selection.selection())
            .prune(self.prune.policy())
            .metric(self.metric.metric())
            .verify_inserts(self.verify_inserts);
        if let Some(m0) = self.m0 {
            b = b.m0(usize::from(m0));
        }
        if let Some(x) = self.ml {
            b = b.ml((f64::from(x) + 1.0) / 64.0);
        }
        if let Some(c) = self.level_cap {
            b = b.level_cap(c);
        }
        checked_params(b.build(), self.invalid(), self)
    }
}

fn checked_params(r: hnswlab::Result<Params>, invalid: bool, input: &dyn fmt::Debug) -> Option<Params> {
    match r {
        Ok(p) => {
            assert!(!invalid, "the builder accepted invalid parameters {input:?}: {p:?}");
            Some(p)
        }
        Err(e) => {
            assert!(
                matches!(e.kind(), ErrorKind::InvalidParam { .. }),
                "the builder rejected {input:?} with {e:?}, expected InvalidParam"
            );
            assert!(invalid, "the builder rejected valid parameters {input:?}: {e}");
            None
        }
    }
}

/// Resize small-integer coordinates to `dim` (truncate, or pad with zeros).
pub fn fit(v: &[i8], dim: usize) -> Vec<f32> {
    (0..dim).map(|i| v.get(i).map_or(0.0, |&x| f32::from(x))).collect()
}

/// The floats of a list of coordinates, length as given.
pub fn floats(v: &[Coord]) -> Vec<f32> {
    v.iter().map(|c| c.value()).collect()
}

// ---------------------------------------------------------------------------
// Expected errors
// ---------------------------------------------------------------------------

/// An input defect, i.e. the error kind it must produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Defect {
    /// `DimensionMismatch`.
    Dim,
    /// `NonFinite` at a coordinate.
    NonFinite,
    /// `NonFinite` for the norm (`coordinate == usize::MAX`).
    Overflow,
    /// `ZeroVector`.
    ZeroNorm,
    /// `DuplicateLabel`.
    DuplicateLabel,
    /// `ZeroK`.
    ZeroK,
    /// `EfLessThanK`.
    EfBelowK,
    /// `EmptyIndex`.
    Empty,
    /// `InvalidParam`.
    Param,
}

impl Defect {
    /// The defect an error reports.
    pub fn of(e: &Error) -> Defect {
        match e.kind() {
            ErrorKind::DimensionMismatch { .. } => Defect::Dim,
            ErrorKind::NormTooLarge { .. } => Defect::Overflow,
            ErrorKind::NonFinite { .. } => Defect::NonFinite,
            ErrorKind::ZeroVector { .. } => Defect::ZeroNorm,
            ErrorKind::DuplicateLabel { .. } => Defect::DuplicateLabel,
            ErrorKind::ZeroK => Defect::ZeroK,
            ErrorKind::EfLessThanK { .. } => Defect::EfBelowK,
            ErrorKind::EmptyIndex => Defect::Empty,
            ErrorKind::InvalidParam { .. } => Defect::Param,
            other => panic!("unexpected error kind {other:?}"),
        }
    }
}

/// What a call must do: `must` defects are certainly present (so the call
/// must fail), `may` defects sit on a rounding boundary. A failure must name
/// one of either.
#[derive(Clone, Debug, Default)]
pub struct Expect {
    /// Defects that make the call fail.
    pub must: Vec<Defect>,
    /// Defects the call may or may not report.
    pub may: Vec<Defect>,
}

/// The largest accepted squared norm (`distance::prepare`): half of
/// `f32::MAX` for the norm, so L2 between two vectors stays finite.
const NORM2_LIMIT: f64 = f32::MAX as f64 / 4.0;
/// Below this norm a cosine vector is a zero vector.
const ZERO_NORM: f64 = 1e-30;

impl Expect {
    /// The defects of vector `v` for an index of `metric` and `dim`.
    pub fn vector(metric: Metric, dim: usize, v: &[f32]) -> Expect {
        let mut x = Expect::default();
        if v.len() != dim {
            x.must.push(Defect::Dim);
        }
        if v.iter().any(|c| !c.is_finite()) {
            x.must.push(Defect::NonFinite);
            return x;
        }
        let norm2: f64 = v.iter().map(|&c| f64::from(c) * f64::from(c)).sum();
        if norm2 > NORM2_LIMIT * (1.0 + 1e-9) {
            x.must.push(Defect::Overflow);
            return x;
        }
        if norm2 >= NORM2_LIMIT * (1.0 - 1e-9) {
            x.may.push(Defect::Overflow);
        }
        if metric == Metric::Cosine {
            let norm = norm2.sqrt();
            if norm < ZERO_NORM * (1.0 - 1e-6) {
                x.must.push(Defect::ZeroNorm);
            } else if norm < ZERO_NORM * (1.0 + 1e-6) {
                x.may.push(Defect::ZeroNorm);
            }
        }
        x
    }

    /// Check a call's outcome; `v` is the vector it was given, if one (to
    /// check the error's fields), `what` describes the call.
    pub fn judge<T>(&self, r: &hnswlab::Result<T>, v: Option<&[f32]>, what: &dyn fmt::Display) {
        match r {
            Ok(_) => assert!(self.must.is_empty(), "{what}: accepted, expected an error for {:?}", self.must),
            Err(e) => {
                let d = Defect::of(e);
                assert!(
                    self.must.contains(&d) || self.may.contains(&d),
                    "{what}: error {e:?} ({d:?}), but the input's defects are {:?} (maybe {:?})",
                    self.must,
                    self.may
                );
                let Some(v) = v else { return };
                match *e.kind() {
                    ErrorKind::DimensionMismatch { got, .. } => {
                        assert_eq!(got, v.len(), "{what}: DimensionMismatch reports the wrong length: {e:?}")
                    }
                    ErrorKind::NonFinite { coordinate, value } => {
                        let c = v.get(coordinate).copied();
                        assert!(
                            c.is_some_and(|c| !c.is_finite() && c.to_bits() == value.to_bits()),
                            "{what}: NonFinite names coordinate {coordinate} = {value}, the vector has {c:?} there"
                        );
                    }
                    _ => {}
                }
            }
        }
    }
}

fn expectations(p: &Params, n: usize, exact_queries: usize) -> Expectations {
    Expectations { level_law: None, inserted: Some(n), exact_queries, ..Expectations::for_params(p) }
}

/// Whether a search with `ef >= n` over this graph must be exact: layer 0 is
/// one strongly connected component, or it is the only layer and every node
/// is reachable from the entry point.
pub fn must_be_exact(health: &Health, max_level: u8) -> bool {
    health.layers.first().is_some_and(|l0| l0.scc_count == 1 || (max_level == 0 && l0.unreachable == 0))
}

/// Check search results for `q` (as given) against the index: valid ids and
/// labels, recomputed distances, ascending by (distance, id), unique, at
/// most `k`; equal to the oracle when `exact`.
pub fn check_results(h: &Hnsw, q: &[f32], k: usize, found: &[Neighbour], exact: bool, what: &dyn fmt::Display) {
    let n = h.len();
    let metric = GraphView::metric(h);
    let q =
        prepare(metric, h.dim(), q).unwrap_or_else(|e| panic!("{what}: search accepted a query prepare rejects: {e}"));
    assert!(!found.is_empty(), "{what}: a search of a non-empty index returned nothing");
    assert!(found.len() <= k.min(n), "{what}: {} results for k = {k}, n = {n}", found.len());
    for (i, r) in found.iter().enumerate() {
        assert!(r.id.index() < n, "{what}: result {i} has id {} >= n = {n}", r.id.index());
        assert_eq!(r.label, h.label(r.id), "{what}: result {i} has the wrong label for id {}", r.id.index());
        let d = metric.distance(&q, h.vector(r.id));
        assert_eq!(
            r.distance.to_bits(),
            d.to_bits(),
            "{what}: result {i} (id {}) reports distance {}, recomputed {d}",
            r.id.index(),
            r.distance
        );
        assert!(r.distance.is_finite(), "{what}: result {i} has distance {}", r.distance);
        if i > 0 {
            let p = &found[i - 1];
            assert!(
                p.distance.total_cmp(&r.distance).then(p.id.cmp(&r.id)).is_lt(),
                "{what}: results {} and {i} out of order or repeated: {p:?} then {r:?}",
                i - 1
            );
        }
    }
    if exact {
        let want = exact_knn(h, &q, k);
        let got: Vec<(NodeId, u32)> = found.iter().map(|r| (r.id, r.distance.to_bits())).collect();
        let want: Vec<(NodeId, u32)> = want.iter().map(|s| (s.id, s.dist.to_bits())).collect();
        assert_eq!(
            got, want,
            "{what}: an exhaustive search (ef >= n, layer 0 strongly connected) differs from the oracle"
        );
    }
}

// ---------------------------------------------------------------------------
// ops
// ---------------------------------------------------------------------------

/// One step of an `ops` input.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub enum Op {
    /// Insert small integers, resized to the index dimension.
    Insert {
        /// Label (small, so duplicates happen).
        label: u8,
        /// Coordinates.
        v: List<i8>,
    },
    /// Insert arbitrary floats, length as given.
    InsertRaw {
        /// Label.
        label: u8,
        /// Coordinates.
        v: List<Coord>,
    },
    /// Insert under the label of an inserted node (`which % len`), or
    /// `which` when the index is empty.
    InsertDuplicate {
        /// Which node's label.
        which: u8,
        /// Coordinates, resized.
        v: List<i8>,
    },
    /// Search for arbitrary floats.
    Search {
        /// Query, length as given.
        q: List<Coord>,
        /// k.
        k: u8,
        /// ef.
        ef: u8,
    },
    /// Search for the vector given to an inserted node (`which % len`).
    SearchStored {
        /// Which node.
        which: u8,
        /// k.
        k: u8,
        /// ef.
        ef: u8,
    },
    /// Run every whole-graph check with 16 exactness queries.
    Check,
}

/// The `ops` input.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct OpsInput {
    /// Build parameters.
    pub params: ParamsInput,
    /// Dimension (0 must be rejected; above 16 the input is skipped).
    pub dim: u8,
    /// The operations, in order.
    pub ops: List<Op>,
}

struct OpsState {
    h: Hnsw,
    params: Params,
    /// Labels and the vectors given, by id.
    labels: Vec<u64>,
    given: Vec<Vec<f32>>,
    /// The census after the last accepted insert.
    health: Option<Health>,
    ran: Ran,
}

impl OpsState {
    fn insert(&mut self, label: u64, v: Vec<f32>, what: &dyn fmt::Display) {
        let metric = self.params.metric();
        let n = self.h.len();
        let before = Snapshot::of(&self.h).to_bytes();
        let mut expect = Expect::vector(metric, self.h.dim(), &v);
        if self.labels.contains(&label) {
            expect.must.push(Defect::DuplicateLabel);
        }
        let gave_up = self.h.stats().findability_failures;
        let r = self.h.insert_traced(label, &v);
        let gave_up = self.h.stats().findability_failures > gave_up;
        expect.judge(&r, Some(&v), what);
        let trace = match r {
            Ok(t) => t,
            Err(_) => {
                assert!(Snapshot::of(&self.h).to_bytes() == before, "{what}: a rejected insert changed the index");
                return;
            }
        };
        assert_eq!(trace.node, NodeId(n as u32), "{what}: the new node's id");
        assert_eq!(self.h.len(), n + 1, "{what}: len after an accepted insert");
        assert_eq!(self.h.id_of(label), Some(trace.node), "{what}: id_of(label)");
        let stored = self.h.vector(trace.node);
        if metric == Metric::Cosine {
            let norm: f64 = stored.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>().sqrt();
            assert!((norm - 1.0).abs() < 1e-4, "{what}: stored cosine vector has norm {norm}");
        } else {
            let same = stored.iter().zip(&v).all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{what}: stored vector {stored:?} differs from the given {v:?}");
        }
        let e = expectations(&self.params, n + 1, 2);
        if let Err(x) = check_insert_open(&self.h, &trace, &e, &self.params, gave_up) {
            panic!("{what}: check_insert failed:\n{x}");
        }
        match check_all_open(&self.h, &e, &self.params) {
            Ok(health) => self.health = health,
            Err(x) => panic!("{what}: check_all failed after the insert:\n{x}"),
        }
        self.labels.push(label);
        self.given.push(v);
        self.ran.inserts += 1;
        self.ran.checks += 1;
    }

    fn search(&mut self, q: &[f32], k: usize, ef: usize, what: &dyn fmt::Display) {
        let n = self.h.len();
        let mut expect = Expect::vector(self.params.metric(), self.h.dim(), q);
        if k == 0 {
            expect.must.push(Defect::ZeroK);
        }
        if ef < k {
            expect.must.push(Defect::EfBelowK);
        }
        if n == 0 {
            expect.must.push(Defect::Empty);
        }
        let r = self.h.search(q, k, ef);
        expect.judge(&r, Some(q), what);
        if let Err(e) = &r {
            if let ErrorKind::EfLessThanK { ef: e_ef, k: e_k } = *e.kind() {
                assert_eq!((e_ef, e_k), (ef, k), "{what}: EfLessThanK fields");
            }
        }
        if let Ok(found) = r {
            let exact = ef >= n && self.health.as_ref().is_some_and(|hl| must_be_exact(hl, self.h.max_level().0));
            check_results(&self.h, q, k, &found, exact, what);
            self.ran.searches += 1;
        }
    }

    fn check(&mut self, what: &dyn fmt::Display) {
        if let Err(x) = check_all_open(&self.h, &expectations(&self.params, self.h.len(), 16), &self.params) {
            panic!("{what}: check_all failed:\n{x}");
        }
        self.ran.checks += 1;
    }
}

impl OpsInput {
    /// Whether the `ops` body skips this input: more than [`MAX_OPS`] ops,
    /// or a dimension above [`MAX_FUZZ_DIM`] (rejected, not run slowly).
    pub fn oversized(&self) -> bool {
        self.ops.0.len() > MAX_OPS || usize::from(self.dim) > MAX_FUZZ_DIM
    }
}

/// The `ops` body.
pub fn ops(input: &OpsInput) -> Ran {
    let dim = usize::from(input.dim);
    if input.oversized() {
        return Ran::default();
    }
    let Some(params) = input.params.build() else { return Ran::default() };
    let h = match Hnsw::new(dim, params.clone()) {
        Ok(h) => {
            assert!(dim > 0, "Hnsw::new accepted dim 0");
            h
        }
        Err(e) => {
            assert!(dim == 0 && Defect::of(&e) == Defect::Param, "Hnsw::new({dim}) failed: {e:?}");
            return Ran::default();
        }
    };
    let mut st = OpsState { h, params, labels: Vec::new(), given: Vec::new(), health: None, ran: Ran::default() };
    for (step, op) in input.ops.0.iter().enumerate() {
        let what = format!("op {step} {op:?}");
        let what: &dyn fmt::Display = &what;
        match op {
            Insert { label, v } => st.insert(u64::from(*label), fit(&v.0, dim), what),
            InsertRaw { label, v } => st.insert(u64::from(*label), floats(&v.0), what),
            InsertDuplicate { which, v } => {
                let label = if st.labels.is_empty() {
                    u64::from(*which)
                } else {
                    st.labels[usize::from(*which) % st.labels.len()]
                };
                st.insert(label, fit(&v.0, dim), what);
            }
            Search { q, k, ef } => st.search(&floats(&q.0), usize::from(*k), usize::from(*ef), what),
            SearchStored { which, k, ef } => {
                if !st.given.is_empty() {
                    let q = st.given[usize::from(*which) % st.given.len()].clone();
                    st.search(&q, usize::from(*k), usize::from(*ef), what);
                }
            }
            Check => st.check(what),
        }
    }
    st.check(&"after the last op");
    st.ran
}

// ---------------------------------------------------------------------------
// strategies_agree
// ---------------------------------------------------------------------------

/// The `strategies_agree` input.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct AgreeInput {
    /// Build parameters.
    pub params: ParamsInput,
    /// Dimension (0 must make every strategy fail; above 16 skipped).
    pub dim: u8,
    /// Threads: `1 + threads % 3`.
    pub threads: u8,
    /// Batch size of an extra `batched` run (0 allowed).
    pub batch: u8,
    /// `max_batch` of an extra `batched-deterministic-parallel` run (0 allowed).
    pub max_batch: u8,
    /// Overwrite coordinate `(row % n, col % dim)` with this value.
    pub defect: Option<(u8, u8, Coord)>,
    /// Rows, small integers resized to `dim`.
    pub points: List<List<i8>>,
}

impl AgreeInput {
    /// The build's worker threads, `1..=3`: `1 + threads % 3`.
    pub fn worker_threads(&self) -> usize {
        1 + usize::from(self.threads % 3)
    }
}

struct Checked {
    name: String,
    result: hnswlab::Result<Built>,
    failures: Vec<String>,
}

/// Build with `s`, running `check_insert` on every trace and `check_all` at
/// every commit, and `check_all` with 16 exactness queries on every segment
/// at the end.
fn checked_build(s: &dyn Strategy, name: String, input: &BuildInput<'_>) -> Checked {
    let mut failures = Vec::new();
    // I4 misses under verify_inserts; the build's findability_failures must cover them.
    let mut i4_misses = 0u64;
    let commit_expect = Expectations { inserted: None, ..expectations(input.params, 0, 2) };
    let result = {
        let mut observe = |c: Commit<'_>| {
            for t in c.traces {
                if let Err(x) = check_insert_open(c.view, t, &commit_expect, input.params, false) {
                    let misses = x.count("NotFindable") as u64;
                    match tolerated_removed(input.params, x, true) {
                        None => i4_misses += misses,
                        Some(x) => failures.push(format!("after inserting {} (segment {}):\n{x}", t.node, c.segment)),
                    }
                }
            }
            if let Err(x) = check_all_open(c.view, &commit_expect, input.params) {
                failures.push(format!("at a commit of {} nodes (segment {}):\n{x}", c.view.len(), c.segment));
            }
        };
        s.build(input, Some(&mut observe))
    };
    if let Ok(b) = &result {
        let gave_up: u64 = b.segments.iter().map(|h| h.stats().findability_failures).sum();
        if i4_misses > gave_up {
            failures.push(format!("{i4_misses} inserts were not findable (I4) but findability_failures = {gave_up}"));
        }
        for (k, seg) in b.segments.iter().enumerate() {
            if let Err(x) = check_all_open(seg, &expectations(input.params, seg.len(), 16), input.params) {
                failures.push(format!("after the build (segment {k}):\n{x}"));
            }
        }
    }
    Checked { name, result, failures }
}

fn bytes(b: &Built) -> Vec<Vec<u8>> {
    b.segments.iter().map(|h| Snapshot::of(h).to_bytes()).collect()
}

/// `s` built on `input.threads` threads and again on one thread.
fn thread_pair(s: &dyn Strategy, name: &str, input: &BuildInput<'_>) -> (Checked, Checked) {
    let one_thread = BuildInput { threads: 1, ..*input };
    (checked_build(s, name.to_string(), input), checked_build(s, format!("{name} on 1 thread"), &one_thread))
}

/// Whether two runs built different graphs; `None` unless both built.
fn differ(a: &Checked, b: &Checked) -> Option<bool> {
    match (&a.result, &b.result) {
        (Ok(a), Ok(b)) => Some(bytes(a) != bytes(b)),
        _ => None,
    }
}

/// The thread-count judge of `strategies_agree`: whether `s` builds a
/// different graph on `input.threads` threads than on one (`None` unless both
/// builds succeed). A deterministic-parallel build must answer `Some(false)`.
pub fn depends_on_threads(s: &dyn Strategy, input: &BuildInput<'_>) -> Option<bool> {
    let (a, b) = thread_pair(s, "", input);
    differ(&a, &b)
}

/// The `strategies_agree` body.
pub fn strategies_agree(input: &AgreeInput) -> Ran {
    let dim = usize::from(input.dim);
    let n = input.points.0.len();
    if dim > MAX_FUZZ_DIM || n > MAX_POINTS {
        return Ran::default();
    }
    let Some(params) = input.params.build() else { return Ran::default() };
    let threads = input.worker_threads();
    let mut rows: Vec<Vec<f32>> = input.points.0.iter().map(|p| fit(&p.0, dim)).collect();
    if let (Some((r, c, x)), true) = (input.defect, n > 0 && dim > 0) {
        rows[usize::from(r) % n][usize::from(c) % dim] = x.value();
    }
    let data: Vec<f32> = rows.concat();
    let build_input = BuildInput { dim, params: &params, data: &data, threads };

    // What the rows demand: every row valid, or some row's defect reported.
    let metric = params.metric();
    let mut expect = Expect::default();
    if dim == 0 {
        expect.must.push(Defect::Dim);
        expect.may.push(Defect::Param);
    }
    for r in &rows {
        let x = Expect::vector(metric, dim, r);
        expect.must.extend(x.must);
        expect.may.extend(x.may);
    }

    let mut runs: Vec<Checked> =
        registry::strategies().iter().map(|s| checked_build(s.as_ref(), s.name().to_string(), &build_input)).collect();
    let custom_batch = Batched { batch: usize::from(input.batch) };
    runs.push(checked_build(&custom_batch, format!("{custom_batch:?}"), &build_input));
    let custom_dp = DeterministicParallel { max_batch: usize::from(input.max_batch) };
    let (dp, dp1) = thread_pair(&custom_dp, &format!("{custom_dp:?}"), &build_input);
    assert!(differ(&dp, &dp1) != Some(true), "{}: graph depends on the thread count (1 vs {threads})", dp.name);
    runs.extend([dp, dp1]);

    let seq = &runs[0];
    assert_eq!(seq.name, "sequential");
    let what = |name: &str| format!("{name} ({threads} threads, {n} rows)");
    expect.judge(&seq.result, None, &what("sequential"));
    for r in &runs {
        assert!(r.failures.is_empty(), "{}: the checker failed:\n{}", what(&r.name), r.failures.join("\n"));
        let symmetric_concurrent = r.name == "concurrent" && params.prune() == PrunePolicy::Symmetric;
        match (&seq.result, &r.result) {
            (_, Err(e)) if symmetric_concurrent => {
                assert_eq!(Defect::of(e), Defect::Param, "{}: {e:?}", what(&r.name))
            }
            (_, Ok(_)) if symmetric_concurrent => panic!("{}: accepted the Symmetric policy", what(&r.name)),
            (Ok(_), Err(e)) => panic!("{}: failed where sequential succeeded: {e}", what(&r.name)),
            (Err(e), Ok(_)) => panic!("{}: succeeded where sequential failed with {e}", what(&r.name)),
            // dim 0: `Hnsw::new` (InvalidParam) or `BuildInput::rows` (DimensionMismatch) may speak first.
            (Err(_), Err(b)) if dim == 0 => {
                assert!(matches!(Defect::of(b), Defect::Dim | Defect::Param), "{}: dim 0 gave {b:?}", what(&r.name))
            }
            (Err(a), Err(b)) => assert_eq!(
                Defect::of(a),
                Defect::of(b),
                "{}: failed with {b:?} where sequential failed with {a:?}",
                what(&r.name)
            ),
            (Ok(_), Ok(b)) => {
                assert_eq!(b.len(), n, "{}: built {} nodes from {n} rows", what(&r.name), b.len());
                for seg in &b.segments {
                    for id in 0..seg.len() as u32 {
                        let label = seg.label(NodeId(id));
                        let row = usize::try_from(label).ok().and_then(|l| rows.get(l));
                        assert!(row.is_some(), "{}: node {id} has label {label}, not a row", what(&r.name));
                    }
                }
            }
        }
    }
    let ran = Ran { builds: runs.iter().filter(|r| r.result.is_ok()).count(), ..Ran::default() };
    let Ok(seq_built) = &seq.result else { return ran };
    let seq_bytes = bytes(seq_built);
    for r in &runs {
        let Ok(b) = &r.result else { continue };
        let must_equal =
            r.name == "batched" || r.name.starts_with("Batched") || (r.name == "segment-parallel" && threads == 1);
        if must_equal {
            assert!(bytes(b) == seq_bytes, "{}: graph differs from sequential", what(&r.name));
        }
    }
    ran
}

// ---------------------------------------------------------------------------
// exact
// ---------------------------------------------------------------------------

/// One query of an `exact` input.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct Query {
    /// Coordinates, resized to the dimension.
    pub q: List<i8>,
    /// k (0 becomes 1).
    pub k: u8,
    /// `ef = max(n, k) + extra_ef`.
    pub extra_ef: u8,
}

/// The `exact` input.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct ExactInput {
    /// Build parameters.
    pub params: ParamsInput,
    /// Dimension, 1..=16 (others skipped).
    pub dim: u8,
    /// Queries (at most 16).
    pub queries: List<Query>,
    /// Rows (at most 64), small integers resized to `dim`; row `i` gets label `i`.
    pub points: List<List<i8>>,
}

/// The `exact` body.
pub fn exact(input: &ExactInput) -> Ran {
    let dim = usize::from(input.dim);
    if dim == 0 || dim > MAX_FUZZ_DIM || input.points.0.len() > MAX_POINTS || input.queries.0.len() > MAX_QUERIES {
        return Ran::default();
    }
    let Some(params) = input.params.build() else { return Ran::default() };
    let mut ran = Ran::default();
    let metric = params.metric();
    let mut h = Hnsw::new(dim, params.clone()).expect("dim is valid");
    for (i, p) in input.points.0.iter().enumerate() {
        let v = fit(&p.0, dim);
        let gave_up = h.stats().findability_failures;
        let r = h.insert_traced(i as u64, &v);
        let gave_up = h.stats().findability_failures > gave_up;
        let what = format!("insert of row {i} {v:?}");
        Expect::vector(metric, dim, &v).judge(&r, Some(&v), &what);
        if let Ok(t) = r {
            if let Err(x) = check_insert_open(&h, &t, &expectations(&params, h.len(), 0), &params, gave_up) {
                panic!("{what}: check_insert failed:\n{x}");
            }
            ran.inserts += 1;
        }
    }
    let n = h.len();
    let health = match check_all_open(&h, &expectations(&params, n, 16), &params) {
        Ok(hl) => hl,
        Err(x) => panic!("check_all failed on {n} nodes:\n{x}"),
    };
    ran.checks += 1;
    let exact = health.is_some_and(|hl| must_be_exact(&hl, h.max_level().0));
    for (i, qi) in input.queries.0.iter().enumerate() {
        let q = fit(&qi.q.0, dim);
        let k = usize::from(qi.k.max(1));
        let ef = n.max(k) + usize::from(qi.extra_ef);
        let what = format!("query {i} {q:?} k {k} ef {ef} on {n} nodes");
        let mut expect = Expect::vector(metric, dim, &q);
        if n == 0 {
            expect.must.push(Defect::Empty);
        }
        let r = h.search(&q, k, ef);
        expect.judge(&r, Some(&q), &what);
        if let Ok(found) = r {
            check_results(&h, &q, k, &found, exact, &what);
            if exact {
                assert_eq!(found.len(), k.min(n), "{what}: exhaustive search returned too few results");
            }
            ran.searches += 1;
        }
    }
    ran
}

// ---------------------------------------------------------------------------
// params
// ---------------------------------------------------------------------------

/// The `params` input: raw, possibly absurd values.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct ParamsFuzzInput {
    /// `M`.
    pub m: u64,
    /// `Mmax0`.
    pub m0: Option<u64>,
    /// `efConstruction`.
    pub ef_construction: u64,
    /// `mL` as `f64::from_bits`.
    pub ml_bits: Option<u64>,
    /// Level cap.
    pub level_cap: Option<u8>,
    /// Level seed.
    pub seed: u64,
    /// Neighbour selection.
    pub selection: SelectionInput,
    /// Prune policy.
    pub prune: PruneInput,
    /// Distance.
    pub metric: MetricInput,
    /// Dimension.
    pub dim: u32,
    /// Inserts: `inserts % 9`.
    pub inserts: u8,
    /// Search k.
    pub k: u64,
    /// Search ef.
    pub ef: u64,
    /// `verify_inserts`: I4 is a hard failure only when on.
    pub verify_inserts: bool,
    /// Coordinates, repeated to the dimension (empty: all 1).
    pub pattern: List<Coord>,
}

impl ParamsFuzzInput {
    /// Whether the builder must reject these values (its documented ranges).
    pub fn invalid(&self) -> bool {
        let m0 = self.m0.unwrap_or(self.m.saturating_mul(2));
        let ml = self.ml_bits.map(f64::from_bits);
        !(2..=1024).contains(&self.m)
            || m0 < self.m
            || m0 > 4096
            || !(1..=1 << 20).contains(&self.ef_construction)
            || ml.is_some_and(|ml| !(ml.is_finite() && ml > 0.0 && ml <= 10.0))
            || self.level_cap.is_some_and(|c| c > 32)
    }

    /// How many points the body inserts: `inserts % (MAX_PARAMS_INSERTS + 1)`,
    /// so every count from 0 to [`MAX_PARAMS_INSERTS`] is reachable.
    pub fn insert_count(&self) -> usize {
        usize::from(self.inserts) % (MAX_PARAMS_INSERTS + 1)
    }
}

/// Row `i` of the `params` body: `pattern` repeated to `dim`, with
/// coordinate `i % dim` moved by `i`, so rows differ where the pattern is
/// finite.
pub fn params_row(pattern: &[f32], dim: usize, i: usize) -> Vec<f32> {
    let mut v: Vec<f32> = (0..dim).map(|j| pattern[j % pattern.len()]).collect();
    v[i % dim] += i as f32;
    v
}

fn usize_of(x: u64) -> usize {
    usize::try_from(x).unwrap_or(usize::MAX)
}

/// The `params` body.
pub fn params(input: &ParamsFuzzInput) -> Ran {
    if input.pattern.0.len() > 64 {
        return Ran::default();
    }
    let mut b = Params::builder()
        .m(usize_of(input.m))
        .ef_construction(usize_of(input.ef_construction))
        .seed(input.seed)
        .selection(input.selection.selection())
        .prune(input.prune.policy())
        .metric(input.metric.metric())
        .verify_inserts(input.verify_inserts);
    if let Some(m0) = input.m0 {
        b = b.m0(usize_of(m0));
    }
    if let Some(bits) = input.ml_bits {
        b = b.ml(f64::from_bits(bits));
    }
    if let Some(c) = input.level_cap {
        b = b.level_cap(c);
    }
    let Some(params) = checked_params(b.build(), input.invalid(), input) else { return Ran::default() };
    let mut ran = Ran::default();
    let dim = usize_of(u64::from(input.dim));
    let mut h = match Hnsw::new(dim, params.clone()) {
        Ok(h) => {
            assert!((1..=hnswlab::index::MAX_DIM).contains(&dim), "Hnsw::new accepted dim {dim}");
            h
        }
        Err(e) => {
            assert!(
                Defect::of(&e) == Defect::Param && !(1..=hnswlab::index::MAX_DIM).contains(&dim),
                "Hnsw::new({dim}) failed: {e:?}"
            );
            return ran;
        }
    };
    let metric = params.metric();
    let pattern = if input.pattern.0.is_empty() { vec![1.0] } else { floats(&input.pattern.0) };
    let mut first_accepted = None;
    for i in 0..input.insert_count() {
        let v = params_row(&pattern, dim, i);
        let what = format!("insert {i} under {params:?}");
        let gave_up = h.stats().findability_failures;
        let r = h.insert_traced(i as u64, &v);
        let gave_up = h.stats().findability_failures > gave_up;
        Expect::vector(metric, dim, &v).judge(&r, Some(&v), &what);
        if let Ok(t) = r {
            if let Err(x) = check_insert_open(&h, &t, &expectations(&params, h.len(), 0), &params, gave_up) {
                panic!("{what}: check_insert failed:\n{x}");
            }
            ran.inserts += 1;
            first_accepted.get_or_insert(v);
        }
    }
    if let Err(x) = check_all_open(&h, &expectations(&params, h.len(), 2), &params) {
        panic!("check_all failed under {params:?}:\n{x}");
    }
    ran.checks += 1;
    let q = first_accepted.unwrap_or_else(|| vec![1.0; dim]);
    let (k, ef) = (usize_of(input.k), usize_of(input.ef));
    let mut expect = Expect::vector(metric, dim, &q);
    if k == 0 {
        expect.must.push(Defect::ZeroK);
    }
    if ef < k {
        expect.must.push(Defect::EfBelowK);
    }
    if h.is_empty() {
        expect.must.push(Defect::Empty);
    }
    let what = format!("search k {k} ef {ef} under {params:?}");
    let r = h.search(&q, k, ef);
    expect.judge(&r, Some(&q), &what);
    if let Ok(found) = r {
        check_results(&h, &q, k, &found, false, &what);
        ran.searches += 1;
    }
    ran
}

// ---------------------------------------------------------------------------
// Bytes in, as libFuzzer decodes them
// ---------------------------------------------------------------------------

/// Decode `data` as libfuzzer-sys does and run `body`; undecodable bytes are
/// skipped (and check nothing).
pub fn run_bytes<'a, T: Arbitrary<'a>>(data: &'a [u8], body: fn(&T) -> Ran) -> Ran {
    T::arbitrary_take_rest(Unstructured::new(data)).map_or(Ran::default(), |input| body(&input))
}

/// Decode `data` as libfuzzer-sys does, for printing a reproducer.
pub fn decode<'a, T: Arbitrary<'a>>(data: &'a [u8]) -> Option<T> {
    T::arbitrary_take_rest(Unstructured::new(data)).ok()
}

/// A fuzz body taking libFuzzer's bytes.
pub type Body = fn(&[u8]) -> Ran;

/// Every target by name, as a bytes-in body.
pub const TARGETS: [(&str, Body); 7] = [
    ("ops", |d| run_bytes(d, ops)),
    ("strategies_agree", |d| run_bytes(d, strategies_agree)),
    ("exact", |d| run_bytes(d, exact)),
    ("params", |d| run_bytes(d, params)),
    ("load_hnswlib", load_hnswlib),
    ("load_faiss", load_faiss),
    ("load_hnswlab", load_hnswlab),
];

/// The `{:#?}` reproducer of `data` for `target`, or `None` if it does not decode.
pub fn reproducer(target: &str, data: &[u8]) -> Option<String> {
    match target {
        "ops" => decode::<OpsInput>(data).map(|i| format!("{i:#?}")),
        "strategies_agree" => decode::<AgreeInput>(data).map(|i| format!("{i:#?}")),
        "exact" => decode::<ExactInput>(data).map(|i| format!("{i:#?}")),
        "params" => decode::<ParamsFuzzInput>(data).map(|i| format!("{i:#?}")),
        // The input is the file: its bytes are the reproducer.
        "load_hnswlib" | "load_faiss" => Some(format!("{data:?}")),
        // Raw bytes: the mode byte, then the file.
        "load_hnswlab" => Some(format!("{data:?}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only an I4 miss is tolerated, and only where the build does not
    /// promise findability (or its repair gave up and counted the miss);
    /// every other violation fails the body.
    #[test]
    fn only_an_unpromised_i4_miss_is_tolerated() {
        let miss = Violation::NotFindable { node: NodeId(1), ef: 4, found: None, found_dist: 1.0, self_dist: 0.0 };
        let omitted = Violation::Omitted { kind: "NotFindable", omitted: 3 };
        let link = Violation::SelfLink { node: NodeId(2), layer: hnswlab::Layer(0) };
        let plain = Params::builder().m(3).build().unwrap();
        let verify = Params::builder().m(3).verify_inserts(true).build().unwrap();
        let of = |v: Vec<Violation>| Violations(v);
        assert_eq!(tolerated_removed(&plain, of(vec![miss.clone(), omitted.clone()]), false), None);
        assert_eq!(
            tolerated_removed(&plain, of(vec![miss.clone(), link.clone()]), false),
            Some(of(vec![link.clone()]))
        );
        assert_eq!(tolerated_removed(&verify, of(vec![miss.clone()]), false), Some(of(vec![miss.clone()])));
        assert_eq!(tolerated_removed(&verify, of(vec![miss.clone(), omitted]), true), None);
        assert_eq!(tolerated_removed(&verify, of(vec![link.clone()]), true), Some(of(vec![link])));
    }

    /// `List` only changes how an input prints: from any bytes it decodes
    /// as `Vec` does, alone, nested, and as the last field (take-rest), so
    /// a corpus file means the same input with either; and it prints as a
    /// `vec!` literal that pastes back.
    #[test]
    fn a_list_decodes_as_a_vec_does_and_prints_as_rust() {
        let mut r = hnswlab::synthetic::Rng::new(61);
        for len in 0..200usize {
            let bytes: Vec<u8> = (0..len).map(|_| r.below(256) as u8).collect();
            let list = List::<List<i8>>::arbitrary(&mut Unstructured::new(&bytes))
                .map(|l| l.0.into_iter().map(|x| x.0).collect::<Vec<_>>());
            let vec = Vec::<Vec<i8>>::arbitrary(&mut Unstructured::new(&bytes));
            assert_eq!(list.ok(), vec.ok(), "{len} bytes");
            let list = List::<(u8, List<i8>)>::arbitrary_take_rest(Unstructured::new(&bytes))
                .map(|l| l.0.into_iter().map(|(a, b)| (a, b.0)).collect::<Vec<_>>());
            let vec = Vec::<(u8, Vec<i8>)>::arbitrary_take_rest(Unstructured::new(&bytes));
            assert_eq!(list.ok(), vec.ok(), "{len} bytes, take rest");
        }
        assert_eq!(
            format!("{:?}", List(vec![List(vec![1i8, -2]), List(vec![])])),
            "List(vec![List(vec![1, -2]), List(vec![])])"
        );
    }
}
