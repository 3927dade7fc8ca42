//! The Python interpreter that runs the peer libraries (hnswlib, faiss) and
//! their fixtures: `$HNSWLAB_PYTHON` when set (CI points it at the virtual
//! environment `.ci/python-env` makes), else `python3` from `PATH`.

/// The environment variable naming the interpreter.
pub const ENV: &str = "HNSWLAB_PYTHON";

/// The interpreter to run: `$HNSWLAB_PYTHON`, or `python3`.
pub fn interpreter() -> String {
    match std::env::var(ENV) {
        Ok(p) if !p.trim().is_empty() => p,
        _ => "python3".into(),
    }
}
