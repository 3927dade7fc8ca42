//! The `config` fuzz target in an ordinary `cargo test` (stable, no
//! cargo-fuzz): every file in `fuzz/regressions/config/` through the same
//! body, then seeded mutations of the built-in configs — line deletions,
//! duplications, byte flips and hostile values spliced into keys — each of
//! which must be a typed error or a valid plan, never a panic.

use std::path::PathBuf;

use hnswlab::synthetic::Rng;
use hnswlab_experiments::fuzzing::config_text;

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

#[test]
fn replay_the_committed_corpus() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/config");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        println!("replaying {}", p.display());
        config_text(&std::fs::read(&p).unwrap());
        n += 1;
    }
    assert!(n >= 3, "the corpus lost its seeds");
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
