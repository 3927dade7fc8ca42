//! Write the `load_hnswlab` fuzz seed corpus (valid small index files) into a folder:
//! `cargo run -p hnswlab-invariants --features fuzzing --example load_hnswlab_seeds -- fuzz/regressions/load_hnswlab`

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(std::env::args_os().nth(1).expect("usage: load_hnswlab_seeds FOLDER"));
    std::fs::create_dir_all(&dir)?;
    for (name, bytes) in hnswlab_invariants::fuzzing::load_hnswlab_seeds() {
        std::fs::write(dir.join(&name), &bytes)?;
        println!("{name}: {} bytes", bytes.len());
    }
    Ok(())
}
