//! The real `hnswlab` binary over a generated table of hostile inputs —
//! sizes, files, configs, paths and signals. Every case must end with exit
//! code 1 or 2 and a message naming the input, no panic text, no file
//! created outside its sandbox's `--out`, and no half-written output.
//!
//! Each case runs in a fresh sandbox: `<root>/a/b/cwd` is the working
//! directory, so a name like `../../x` that escaped would land inside
//! `<root>` where the walk after the run sees it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn hnswlab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hnswlab"))
}

/// A scratch tree for one case.
struct Sandbox {
    root: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(root.path().join("a/b/cwd")).expect("cwd");
        Sandbox { root }
    }
    fn cwd(&self) -> PathBuf {
        self.root.path().join("a/b/cwd")
    }
    fn out(&self) -> PathBuf {
        self.cwd().join("out")
    }
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.cwd().join(name);
        std::fs::write(&p, bytes).expect("write input");
        p
    }
    fn run(&self, args: &[&str]) -> Output {
        hnswlab().args(args).current_dir(self.cwd()).output().expect("run hnswlab")
    }
    /// Every path under the root, relative to it.
    fn files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                out.push(p.strip_prefix(base).unwrap().to_path_buf());
                if p.is_dir() {
                    walk(&p, base, out);
                }
            }
        }
        let mut v = Vec::new();
        walk(self.root.path(), self.root.path(), &mut v);
        v.sort();
        v
    }
}

/// Exit 1 or 2, `wants` in stderr, no panic, and nothing new outside `out`.
fn assert_rejected(case: &str, sb: &Sandbox, before: &[PathBuf], run: &Output, wants: &str) {
    let err = String::from_utf8_lossy(&run.stderr);
    let code = run.status.code();
    assert!(matches!(code, Some(1) | Some(2)), "{case}: exit {code:?}, stderr:\n{err}");
    assert!(err.contains(wants), "{case}: stderr does not name `{wants}`:\n{err}");
    for bad in ["panicked", "RUST_BACKTRACE", "stack backtrace", "overflow", "memory allocation"] {
        // "overflows" in our own messages is fine; the panic's "attempt to ... with overflow" is not.
        if bad == "overflow" {
            assert!(!err.contains("with overflow"), "{case}: arithmetic overflow:\n{err}");
        } else {
            assert!(!err.contains(bad), "{case}: `{bad}` in stderr:\n{err}");
        }
    }
    let out_rel = sb.out().strip_prefix(sb.root.path()).unwrap().to_path_buf();
    for p in sb.files().iter().filter(|p| !before.contains(p)) {
        assert!(p.starts_with(&out_rel), "{case}: created {} outside --out", p.display());
    }
    // A rejected run publishes nothing: --out is absent or was there before.
    if sb.out().exists() {
        assert!(before.contains(&out_rel), "{case}: a rejected run created --out");
    }
}

fn fvecs(dim: usize, rows: &[Vec<f32>]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rows {
        out.extend_from_slice(&(dim as i32).to_le_bytes());
        for x in r {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    out
}

fn ivecs(rows: &[Vec<i32>]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rows {
        out.extend_from_slice(&(r.len() as i32).to_le_bytes());
        for x in r {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    out
}

/// 30 base vectors, 4 queries of dim 2 on a grid; exact top-10 for the queries.
type Rows<T> = Vec<Vec<T>>;

fn small_set() -> (Rows<f32>, Rows<f32>, Rows<i32>) {
    let base: Vec<Vec<f32>> = (0..30).map(|i| vec![(i % 6) as f32, (i / 6) as f32]).collect();
    let queries: Vec<Vec<f32>> = (0..4).map(|i| vec![i as f32 + 0.25, 1.1]).collect();
    let gt = queries
        .iter()
        .map(|q| {
            let mut ids: Vec<(f32, i32)> = base
                .iter()
                .enumerate()
                .map(|(i, b)| ((b[0] - q[0]).powi(2) + (b[1] - q[1]).powi(2), i as i32))
                .collect();
            ids.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            ids.iter().take(10).map(|p| p.1).collect()
        })
        .collect();
    (base, queries, gt)
}

#[test]
fn hostile_sizes_are_usage_or_input_errors() {
    let max = u64::MAX.to_string();
    let wrap = (1u64 << 62).to_string();
    // (args after `build`, text the message must contain)
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--queries", &max, "--n", "10", "--dim", "4"], "--queries"),
        (vec!["--queries", &wrap, "--n", "10", "--dim", "4"], "--queries"),
        (vec!["--queries", "1000000000", "--n", "10", "--dim", "128"], "--queries"),
        (vec!["--n", &max, "--dim", "4"], "--n"),
        (vec!["--n", "1000000000", "--dim", "128"], "--n"),
        (vec!["--n", "10", "--dim", "0"], "--dim"),
        (vec!["--n", "10", "--dim", "65537"], "--dim"),
        (vec!["--n", "0"], "--n"),
        (vec!["--threads", "0"], "--threads"),
        (vec!["--threads", "1025"], "--threads"),
        (vec!["--threads", "100000"], "--threads"),
        (vec!["--threads", &max], "--threads"),
        (vec!["--m", "0", "--n", "10", "--dim", "2"], "m"),
        (vec!["--ef", "0", "--n", "10", "--dim", "2"], "ef"),
        (vec!["--ef-construction", &max, "--n", "10", "--dim", "2"], "ef"),
    ];
    for (args, wants) in cases {
        let sb = Sandbox::new();
        let before = sb.files();
        let mut all = vec!["build"];
        all.extend(&args);
        let run = sb.run(&all);
        assert_rejected(&format!("build {}", args.join(" ")), &sb, &before, &run, wants);
    }
    // The hidden worker: absurd passes and threads are usage errors before any file is read.
    for (flag, value) in [("--passes", max.as_str()), ("--passes", "0"), ("--threads", "100000")] {
        let sb = Sandbox::new();
        let before = sb.files();
        let mut args = vec!["compare-worker", "--base", "b", "--query", "q", "--kth", "k", "--m", "8"];
        args.extend(["--ef-construction", "16", "--ef", "10", "--strategy", "sequential", "--json", "j"]);
        args.extend(["--threads", "1", "--passes", "1"]);
        let at = args.iter().rposition(|a| *a == flag).unwrap();
        args[at + 1] = value;
        let run = sb.run(&args);
        assert_rejected(&format!("compare-worker {flag} {value}"), &sb, &before, &run, flag);
    }
}

#[test]
fn hostile_files_name_the_file_and_the_problem() {
    let (base, queries, gt) = small_set();
    let good_base = fvecs(2, &base);
    let good_query = fvecs(2, &queries);
    let mut truncated = good_base.clone();
    truncated.truncate(good_base.len() - 3);
    let mut bad_header = good_base.clone();
    bad_header[12..16].copy_from_slice(&(-7i32).to_le_bytes());
    let mut nan = base.clone();
    nan[3][1] = f32::NAN;
    let mut huge = base.clone();
    huge[5][0] = 1e30;
    let mut dup_gt = gt.clone();
    dup_gt[2][1] = dup_gt[2][0];
    let mut more_gt = gt.clone();
    more_gt.push(gt[0].clone());
    let mut far_gt = gt.clone();
    far_gt[1][4] = 30;
    let mut wrong_gt = gt.clone();
    wrong_gt[0] = (20..30).collect();
    // (case, base bytes, query bytes, ground truth bytes, extra args, text the message must contain)
    type Case<'a> = (&'a str, Vec<u8>, Vec<u8>, Option<Vec<u8>>, Vec<&'a str>, &'a str);
    let cases: Vec<Case> = vec![
        ("empty base", vec![], good_query.clone(), None, vec![], "holds no vectors"),
        ("truncated base", truncated, good_query.clone(), None, vec![], "truncated"),
        ("negative dimension header", bad_header, good_query.clone(), None, vec![], "dimension -7"),
        ("NaN coordinate", fvecs(2, &nan), good_query.clone(), None, vec![], "non-finite"),
        ("huge finite coordinate", fvecs(2, &huge), good_query.clone(), None, vec![], "too large"),
        ("query of another dim", good_base.clone(), fvecs(3, &[vec![1.0, 2.0, 3.0]]), None, vec![], "dimension"),
        ("ground truth repeats an id", good_base.clone(), good_query.clone(), Some(ivecs(&dup_gt)), vec![], "twice"),
        (
            "ground truth has more rows",
            good_base.clone(),
            good_query.clone(),
            Some(ivecs(&more_gt)),
            vec![],
            "5 ground-truth rows for 4 queries",
        ),
        (
            "ground truth id out of range",
            good_base.clone(),
            good_query.clone(),
            Some(ivecs(&far_gt)),
            vec![],
            "is id 30",
        ),
        (
            "ground truth not the nearest",
            good_base.clone(),
            good_query.clone(),
            Some(ivecs(&wrong_gt)),
            vec![],
            "disagrees with brute force",
        ),
    ];
    for (case, b, q, g, extra, wants) in cases {
        let sb = Sandbox::new();
        sb.write("b.fvecs", &b);
        sb.write("q.fvecs", &q);
        let mut args = vec!["build", "--base", "b.fvecs", "--query", "q.fvecs", "--m", "4", "--ef", "10"];
        if let Some(g) = &g {
            sb.write("gt.ivecs", g);
            args.extend(["--groundtruth", "gt.ivecs"]);
        }
        args.extend(extra);
        let before = sb.files();
        let run = sb.run(&args);
        assert_rejected(case, &sb, &before, &run, wants);
    }
    // A missing file names it, with the OS message once.
    let sb = Sandbox::new();
    let before = sb.files();
    let run = sb.run(&["build", "--base", "nope.fvecs", "--query", "nope-q.fvecs"]);
    assert_rejected("missing file", &sb, &before, &run, "nope.fvecs");
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
    // The override turns a disagreeing ground truth into a note.
    let sb = Sandbox::new();
    sb.write("b.fvecs", &good_base);
    sb.write("q.fvecs", &good_query);
    sb.write("gt.ivecs", &ivecs(&wrong_gt));
    let args = ["build", "--base", "b.fvecs", "--query", "q.fvecs", "--groundtruth", "gt.ivecs", "--trust-groundtruth"];
    let run = sb.run(&[&args[..], &["--m", "4", "--ef", "10"]].concat());
    assert!(run.status.success(), "trusted: {}", String::from_utf8_lossy(&run.stderr));
    assert!(String::from_utf8_lossy(&run.stdout).contains("disagrees with brute force"), "the note is printed");
}

/// A config of one data set `dataset` (TOML lines), tiny enough to run in a second.
fn config(name: &str, dataset: &str) -> String {
    format!(
        "name = \"{name}\"\nthreads = [1]\nef = [10]\nfixed_ef = 10\nstrategies = [\"sequential\"]\n\
         [[builds]]\nm = 4\nef_construction = 16\n[[datasets]]\n{dataset}\n"
    )
}

fn compare_config(dataset: &str) -> String {
    format!(
        "name = \"c\"\nm = 4\nef_construction = 16\nthreads = [1]\nrounds = 1\nsearch_passes = 1\nef = [10]\n\
         libs = []\n[strategies]\n1 = [\"sequential\"]\n[[datasets]]\n{dataset}\n"
    )
}

#[test]
fn hostile_configs_fail_before_any_run_and_write_nothing_outside_out() {
    let gauss = "kind = \"gaussian\"\nn = 50\ndim = 2\nqueries = 5";
    let lines = |name: &str, body: &str| format!("name = \"{name}\"\n{body}");
    // (report name, data set lines, text the message must contain)
    let cases: Vec<(String, String, &str)> = vec![
        ("../x".into(), lines("d", gauss), "../x"),
        ("../../x".into(), lines("d", gauss), "../../x"),
        ("/abs".into(), lines("d", gauss), "/abs"),
        ("..".into(), lines("d", gauss), ".."),
        (".".into(), lines("d", gauss), "name"),
        ("ok".into(), lines("../x", gauss), "../x"),
        ("ok".into(), lines("a/b", gauss), "a/b"),
        ("ok".into(), lines("d", "kind = \"duplicates\"\nn = 50\ndim = 2\ncopies = 0"), "copies"),
        ("ok".into(), lines("d", "kind = \"duplicates\"\nn = 5\ndim = 2\ncopies = 6"), "copies"),
        ("ok".into(), lines("d", "kind = \"lattice\"\nn = 50\ndim = 2\nrange = -1"), "range"),
        ("ok".into(), lines("d", "kind = \"lattice\"\nn = 18446744073709551615\ndim = 2\nrange = 1"), "n x dim"),
        (
            "ok".into(),
            lines("d", "kind = \"gaussian\"\nn = 50\ndim = 2\nqueries = 4611686018427387904"),
            "queries x dim",
        ),
        ("ok".into(), lines("d", "kind = \"gaussian\"\nn = 50\ndim = 2\nmetric = \"nope\""), "metric"),
        (
            "ok".into(),
            lines("d", "kind = \"texmex\"\nbase = \"missing.fvecs\"\nquery = \"missing.fvecs\""),
            "missing.fvecs",
        ),
    ];
    for (name, dataset, wants) in &cases {
        for with_out in [true, false] {
            let sb = Sandbox::new();
            let cfg = sb.write("c.toml", config(name, dataset).as_bytes());
            let before = sb.files();
            let out = sb.out();
            let mut args = vec!["report".to_string(), "--config".into(), cfg.display().to_string()];
            if with_out {
                args.extend(["--out".into(), out.display().to_string()]);
            }
            let run = sb.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
            assert_rejected(&format!("report name {name:?} {dataset:?} out {with_out}"), &sb, &before, &run, wants);
            if !with_out {
                assert!(!sb.cwd().join("reports").exists() || name == "ok", "{name}: reports/ created");
            }
        }
    }
    // compare validates data sets the same way.
    for (dataset, wants) in [
        (lines("../x", gauss), "../x"),
        (lines("../../x", gauss), "../../x"),
        (lines("d", "kind = \"duplicates\"\nn = 50\ndim = 2\ncopies = 0"), "copies"),
        (lines("d", "kind = \"duplicates\"\nn = 5\ndim = 2\ncopies = 6"), "copies"),
        (lines("d", "kind = \"lattice\"\nn = 50\ndim = 2\nrange = -1"), "range"),
    ] {
        let sb = Sandbox::new();
        let cfg = sb.write("c.toml", compare_config(&dataset).as_bytes());
        let before = sb.files();
        let out = sb.out().display().to_string();
        let run = sb.run(&["compare", "--config", &cfg.display().to_string(), "--out", &out]);
        assert_rejected(&format!("compare {dataset:?}"), &sb, &before, &run, wants);
    }
    // Unknown keys and broken TOML are errors too.
    for text in ["name = \"x\"\nbogus = 1", "name = ", "[[datasets]]\nname = 3", "\u{0}"] {
        let sb = Sandbox::new();
        let cfg = sb.write("c.toml", text.as_bytes());
        let before = sb.files();
        let run = sb.run(&["report", "--config", &cfg.display().to_string(), "--out", &sb.out().display().to_string()]);
        assert_rejected(&format!("config {text:?}"), &sb, &before, &run, "c.toml");
    }
}

#[test]
fn repetitions_and_rounds_past_their_limits_are_refused_naming_the_key() {
    let gauss = "name = \"d\"\nkind = \"gaussian\"\nn = 50\ndim = 2\nqueries = 5";
    let (reps, rounds) = (hnswlab_experiments::limits::MAX_REPETITIONS, hnswlab_experiments::limits::MAX_ROUNDS);
    let huge = i64::MAX.to_string();
    // (command, config text, extra flags, text the message must contain)
    let mut cases: Vec<(&str, String, Vec<String>, String)> = Vec::new();
    for value in ["0".to_string(), (reps + 1).to_string(), huge.clone()] {
        let text = config("r", gauss).replace("threads = [1]", &format!("threads = [1]\nrepetitions = {value}"));
        cases.push(("report", text, vec![], format!("repetitions {value}")));
    }
    for value in ["0".to_string(), (rounds + 1).to_string(), huge.clone()] {
        let text = compare_config(gauss).replace("rounds = 1", &format!("rounds = {value}"));
        cases.push(("compare", text, vec![], format!("rounds {value}")));
        // The flag overrides a valid config and is refused as a usage error (exit 2).
        cases.push(("compare", compare_config(gauss), vec!["--rounds".into(), value], "--rounds".into()));
    }
    for (command, text, extra, wants) in &cases {
        let sb = Sandbox::new();
        let cfg = sb.write("c.toml", text.as_bytes());
        let before = sb.files();
        let mut args = vec![command.to_string(), "--config".into(), cfg.display().to_string()];
        args.extend(["--out".into(), sb.out().display().to_string()]);
        args.extend(extra.iter().cloned());
        let run = sb.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_rejected(&format!("{command} {wants}"), &sb, &before, &run, wants);
        assert_eq!(run.status.code(), Some(if extra.is_empty() { 1 } else { 2 }), "{command} {wants}");
    }
}

#[test]
fn hostile_output_paths_are_refused_before_the_run() {
    let gauss = "name = \"d\"\nkind = \"gaussian\"\nn = 50\ndim = 2\nqueries = 5";
    // (setup of --out, text the message must contain)
    type Setup = fn(&Path);
    let cases: Vec<(&str, Setup, &str)> = vec![
        ("a plain file", |out| std::fs::write(out, "x").unwrap(), "not a folder"),
        (
            "a folder of someone's files",
            |out| {
                std::fs::create_dir(out).unwrap();
                std::fs::write(out.join("thesis.tex"), "x").unwrap();
            },
            "refusing",
        ),
        (
            "a folder with a subfolder",
            |out| {
                std::fs::create_dir_all(out.join("src")).unwrap();
            },
            "refusing",
        ),
    ];
    for (what, setup, wants) in cases {
        let sb = Sandbox::new();
        let cfg = sb.write("c.toml", config("r", gauss).as_bytes());
        setup(&sb.out());
        let before = sb.files();
        let run = sb.run(&["report", "--config", &cfg.display().to_string(), "--out", &sb.out().display().to_string()]);
        assert_rejected(what, &sb, &before, &run, wants);
        assert_eq!(sb.files(), before, "{what}: something changed");
    }
    for out in [".", "..", "/"] {
        let sb = Sandbox::new();
        let cfg = sb.write("c.toml", config("r", gauss).as_bytes());
        let before = sb.files();
        let run = sb.run(&["report", "--config", &cfg.display().to_string(), "--out", out]);
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "--out {out}: {err}");
        assert!(err.contains("--out"), "--out {out}: {err}");
        assert_eq!(sb.files(), before, "--out {out}");
    }
}

#[test]
fn a_config_path_and_a_data_file_beginning_with_a_dash_work() {
    let (base, queries, _) = small_set();
    let sb = Sandbox::new();
    sb.write("-b.fvecs", &fvecs(2, &base));
    sb.write("-q.fvecs", &fvecs(2, &queries));
    let dataset = "name = \"t\"\nkind = \"texmex\"\nbase = \"-b.fvecs\"\nquery = \"-q.fvecs\"";
    sb.write("-c.toml", config("r", dataset).as_bytes());
    let run = sb.run(&["report", "--config=-c.toml", "--out", "out"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(sb.out().join("report.md").exists());
}

#[test]
fn segment_parallel_health_shows_every_segment() {
    for threads in [2usize, 3, 4] {
        let sb = Sandbox::new();
        let t = threads.to_string();
        let args = ["build", "--strategy", "segment-parallel", "--threads", &t, "--no-check-inserts"];
        let run =
            sb.run(&[&args[..], &["--n", "400", "--dim", "4", "--queries", "10", "--m", "4", "--ef", "10"]].concat());
        let text = String::from_utf8_lossy(&run.stdout);
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        for i in 0..threads {
            assert!(
                text.contains(&format!("segment  {i} of {threads}")),
                "threads {threads}: segment {i} missing:\n{text}"
            );
        }
        assert_eq!(text.matches("layer    nodes").count(), threads, "one table per segment:\n{text}");
    }
}

#[cfg(unix)]
#[test]
fn an_interrupted_report_leaves_the_previous_run_whole() {
    let sb = Sandbox::new();
    let small = "name = \"d\"\nkind = \"gaussian\"\nn = 60\ndim = 2\nqueries = 5";
    let cfg = sb.write("small.toml", config("r", small).as_bytes());
    let out = sb.out().display().to_string();
    let first = sb.run(&["report", "--config", &cfg.display().to_string(), "--out", &out]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let snapshot = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap())
            })
            .collect();
        v.sort();
        v
    };
    let previous = snapshot(&sb.out());
    // A run long enough to be interrupted mid-way, by SIGINT and by SIGTERM.
    let big = "name = \"d\"\nkind = \"clustered\"\nn = 60000\ndim = 32\nqueries = 200";
    let cfg = sb.write("big.toml", config("r", big).as_bytes());
    let mut interrupted = 0;
    for (signal, delay_ms) in [("INT", 700u64), ("TERM", 1500)] {
        let mut child = hnswlab()
            .args(["report", "--config", &cfg.display().to_string(), "--out", &out])
            .current_dir(sb.cwd())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let killed = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        let now = snapshot(&sb.out());
        if status.success() {
            // Finished before the signal: then it is the new run, whole.
            assert!(now.iter().any(|(n, _)| n == "report.md"), "SIG{signal}: a finished run lacks report.md");
        } else {
            assert_eq!(status.code(), Some(130), "SIG{signal}: {status:?}");
            assert_eq!(now, previous, "SIG{signal}: the previous run changed");
            interrupted += 1;
        }
        let beside: Vec<String> = std::fs::read_dir(sb.cwd())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!beside.iter().any(|n| n.contains("partial")), "SIG{signal}: a staging folder was left: {beside:?}");
    }
    assert!(interrupted > 0, "both runs finished before their signal: the test interrupted nothing");
}
