//! Exact top-k ground truth for texmex files, by brute force on every core.
//!
//! ```sh
//! cargo run --release -p hnswlab-experiments --example ground_truth -- BASE.fvecs QUERY.fvecs K OUT.ivecs [l2|ip|cosine]
//! ```
//!
//! Writes one row of `K` base ids per query, nearest first (ties by lower id),
//! as `.ivecs`. `experiments/scripts/fetch_mnist.sh` uses it for MNIST.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use hnswlab::oracle::exact_knn_flat;
use hnswlab::Metric;
use hnswlab_experiments::metrics::prepared;
use hnswlab_experiments::texmex;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 || args.len() > 5 {
        bail!("usage: ground_truth BASE.fvecs QUERY.fvecs K OUT.ivecs [l2|ip|cosine]");
    }
    let (base_path, query_path) = (PathBuf::from(&args[0]), PathBuf::from(&args[1]));
    let k: usize = args[2].parse().context("K must be a whole number")?;
    let out = PathBuf::from(&args[3]);
    let metric = match args.get(4).map(String::as_str).unwrap_or("l2") {
        "l2" => Metric::L2,
        "ip" => Metric::InnerProduct,
        "cosine" => Metric::Cosine,
        other => bail!("metric `{other}`: expected l2, ip or cosine"),
    };
    let base = texmex::read_fvecs(&base_path, None)?;
    let queries = texmex::read_fvecs(&query_path, None)?;
    if base.dim != queries.dim {
        bail!("base dimension {} differs from query dimension {}", base.dim, queries.dim);
    }
    let k = k.min(base.len());
    let dim = base.dim;
    let b = prepared(metric, dim, &base.data)?;
    let q = prepared(metric, dim, &queries.data)?;
    let threads = std::thread::available_parallelism().map(|t| t.get()).unwrap_or(1);
    let per = queries.len().div_ceil(threads).max(1);
    let ids: Vec<i32> = std::thread::scope(|s| -> Result<Vec<i32>> {
        let handles: Vec<_> = q
            .chunks(per * dim)
            .map(|chunk| {
                let b = &b;
                s.spawn(move || {
                    let mut ids = Vec::new();
                    for v in chunk.chunks_exact(dim) {
                        ids.extend(exact_knn_flat(metric, b, dim, v, k)?.into_iter().map(|s| s.id.0 as i32));
                    }
                    Ok::<_, hnswlab::Error>(ids)
                })
            })
            .collect();
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.join().expect("ground-truth worker panicked")?);
        }
        Ok(all)
    })?;
    texmex::write(&out, k, &ids).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("{}: top-{k} of {} queries over {} base vectors", out.display(), queries.len(), base.len());
    Ok(())
}
