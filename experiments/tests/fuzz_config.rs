//! The experiments' fuzz targets (`config`, `load_data`) in an ordinary
//! `cargo test` (stable, no cargo-fuzz): every file in
//! `fuzz/regressions/<target>/` through the same body; then seeded mutations
//! of the built-in configs — line deletions, duplications, byte flips and
//! hostile values spliced into keys — each of which must be a typed error or
//! a valid plan, and every bit of every `load_data` seed flipped, each a
//! typed error or a valid data set. Never a panic.

use std::path::{Path, PathBuf};

use hnswlab::synthetic::Rng;
use hnswlab_experiments::fuzzing::{config_text, load_data, load_data_seeds};

const SEEDS: [&str; 4] = [
    include_str!("../configs/quick.toml"),
    include_str!("../configs/full.toml"),
    include_str!("../configs/compare-quick.toml"),
    include_str!("../configs/compare.toml"),
];

/// Values an attacker would try for any key.
const HOSTILE: [&str; 16] = [
    "\"../x\"",
    "\"../../x\"",
    "\"/abs\"",
    "\"..\"",
    "\"\"",
    "0",
    "-1",
    "18446744073709551615",
    "4611686018427387904",
    "9223372036854775807",
    "nan",
    "inf",
    "-2147483648",
    "[]",
    "[0, 100000]",
    "\"\\u0000\"",
];

fn regressions(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions").join(target)
}

/// Every file in `dir` through `body`, each reported by name; returns how many.
fn replay(dir: &Path, body: fn(&[u8])) -> usize {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for p in &files {
        println!("replaying {}", p.display());
        body(&std::fs::read(p).unwrap());
    }
    files.len()
}

#[test]
fn replay_the_committed_corpus() {
    assert!(replay(&regressions("config"), config_text) >= 3, "the corpus lost its seeds");
}

#[test]
fn replay_the_committed_load_data_corpus() {
    let n = replay(&regressions("load_data"), load_data);
    assert!(n >= load_data_seeds().len(), "the corpus lost its seeds");
}

/// The committed `load_data` seeds are the generator's current output
/// (regenerate: `cargo run -p hnswlab-experiments --example load_data_seeds --
/// fuzz/regressions/load_data`), and each texmex and HDF5 seed loads.
#[test]
fn load_data_seeds_are_current_and_load() {
    let dir = regressions("load_data");
    for (name, bytes) in load_data_seeds() {
        let committed = std::fs::read(dir.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(committed == bytes, "{name}: committed seed differs from the generator's output");
        let scratch = tempfile::tempdir().unwrap();
        let file = scratch.path().join(if name.contains("hdf5") { "s.hdf5" } else { "s.vecs" });
        std::fs::write(&file, &bytes[3..]).unwrap();
        let loaded = match bytes[0] {
            0 => hnswlab_experiments::texmex::read_fvecs(&file, None).map(|v| v.len()).map_err(|e| e.to_string()),
            1 => hnswlab_experiments::texmex::read_ivecs(&file, None).map(|v| v.len()).map_err(|e| e.to_string()),
            2 => hnswlab_experiments::texmex::read_bvecs(&file, None).map(|v| v.len()).map_err(|e| e.to_string()),
            _ => hnswlab_experiments::hdf5::load(&file, None, None).map(|d| d.n()).map_err(|e| format!("{e:#}")),
        };
        assert!(loaded.as_ref().is_ok_and(|&n| n >= 2), "{name} does not load: {loaded:?}");
    }
}

/// One bit flipped per byte (bit `offset % 8`) of every `load_data` seed,
/// the three leading bytes included: each is a typed error or a valid data set.
#[test]
fn load_data_seed_bit_flips() {
    let mut failed = Vec::new();
    for (name, clean) in load_data_seeds() {
        for at in 0..clean.len() {
            let mut b = clean.clone();
            b[at] ^= 1 << (at % 8);
            if let Err(e) = std::panic::catch_unwind(|| load_data(&b)) {
                let why = e.downcast_ref::<String>().map(String::as_str).or(e.downcast_ref::<&str>().copied());
                failed.push(format!("{name}, bit {} of byte {at}: {}", at % 8, why.unwrap_or("?")));
            }
        }
    }
    assert!(failed.is_empty(), "{} flips fail:\n{}", failed.len(), failed.join("\n"));
}

#[test]
fn mutated_configs_are_errors_or_valid_plans() {
    let seed = 20261203;
    println!("seed {seed}");
    let mut r = Rng::new(seed);
    for case in 0..3000 {
        let base = SEEDS[r.below(SEEDS.len() as u64) as usize];
        let mut lines: Vec<String> = base.lines().map(String::from).collect();
        for _ in 0..1 + r.below(4) {
            let i = r.below(lines.len() as u64) as usize;
            match r.below(4) {
                0 => {
                    lines.remove(i);
                }
                1 => {
                    let l = lines[i].clone();
                    lines.insert(i, l);
                }
                2 => {
                    if let Some((key, _)) = lines[i].split_once('=') {
                        let v = HOSTILE[r.below(HOSTILE.len() as u64) as usize];
                        lines[i] = format!("{key}= {v}");
                    }
                }
                _ => {
                    let mut bytes = lines[i].clone().into_bytes();
                    if !bytes.is_empty() {
                        let j = r.below(bytes.len() as u64) as usize;
                        bytes[j] ^= 1 << r.below(7);
                    }
                    lines[i] = String::from_utf8_lossy(&bytes).into_owned();
                }
            }
            if lines.is_empty() {
                break;
            }
        }
        let text = lines.join("\n");
        let caught = std::panic::catch_unwind(|| config_text(text.as_bytes()));
        assert!(caught.is_ok(), "case {case} (seed {seed}) panicked on:\n{text}");
    }
}
