//! Write the `load_data` fuzz seed corpus (small valid texmex and HDF5 files,
//! each behind its three leading bytes) into a folder:
//! `cargo run -p hnswlab-experiments --example load_data_seeds -- fuzz/regressions/load_data`

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(std::env::args_os().nth(1).expect("usage: load_data_seeds FOLDER"));
    std::fs::create_dir_all(&dir)?;
    for (name, bytes) in hnswlab_experiments::fuzzing::load_data_seeds() {
        std::fs::write(dir.join(&name), &bytes)?;
        println!("{name}: {} bytes", bytes.len());
    }
    Ok(())
}
