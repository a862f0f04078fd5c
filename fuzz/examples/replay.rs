//! Runs fuzz targets over the committed corpus without libFuzzer (no sanitizer, no coverage):
//! a regression check that every seed still runs, and with `--mutate N` a deterministic,
//! coverage-free mutation fuzzer (N mutants per seed, fixed xorshift seed, so a failure
//! reproduces; a failing input is written to fuzz/artifacts/replay-crash before the abort).
//!
//! `--reached` instead counts how far the engine targets' seeds get (established, application
//! data, renegotiation, close_notify): the figure fuzz/README.md reports.
//!
//!   cd fuzz && RUSTFLAGS='--cfg fuzzing' cargo run --release --example replay [--mutate N] [TARGET...]
//!   cd fuzz && RUSTFLAGS='--cfg fuzzing' cargo run --release --example replay -- --reached [CORPUS_DIR]
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

/// The input being run, saved by the panic hook.
static CURRENT: Mutex<Vec<u8>> = Mutex::new(Vec::new());

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 9] = [
    ("record_open", openschannel_fuzz::record_open),
    ("handshake_msgs", openschannel_fuzz::handshake_msgs),
    ("server_engine", openschannel_fuzz::server_engine),
    ("client_engine", openschannel_fuzz::client_engine),
    ("ssl2_engine", openschannel_fuzz::ssl2_engine),
    ("x509", openschannel_fuzz::x509),
    ("sspi_accept", openschannel_fuzz::sspi_accept),
    ("sspi_decrypt", openschannel_fuzz::sspi_decrypt),
    ("pkcs12", openschannel_fuzz::pkcs12),
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// libFuzzer-like byte mutations, 1 to 4 stacked.
fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(8) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = [0, 0xff, 0x7f, 0x80, 1][rng.below(5)];
            }
            2 => v.truncate(rng.below(v.len() + 1)),
            3 => {
                let i = rng.below(v.len() + 1);
                let junk: Vec<u8> = (0..1 + rng.below(16)).map(|_| rng.next() as u8).collect();
                v.splice(i..i, junk);
            }
            4 if v.len() > 1 => {
                let a = rng.below(v.len());
                let b = (a + 1 + rng.below(64)).min(v.len());
                v.drain(a..b);
            }
            5 if !other.is_empty() => {
                // Cross-over with another seed of the same target.
                let a = rng.below(v.len() + 1);
                let b = rng.below(other.len());
                let n = rng.below(other.len() - b) + 1;
                v.splice(a..a, other[b..b + n].iter().copied());
            }
            6 if v.len() >= 2 => {
                // A big-endian u16 (a length, in most of our formats) set to something odd.
                let i = rng.below(v.len() - 1);
                let x = [0u16, 1, 0xffff, 0x4000, 0x4001, (v[i] as u16) << 8 | v[i + 1] as u16 ^ 1][rng.below(6)];
                v[i..i + 2].copy_from_slice(&x.to_be_bytes());
            }
            _ if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = v[i].wrapping_add(rng.below(5) as u8).wrapping_sub(2);
            }
            _ => {}
        }
    }
    v
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut mutants = 0usize;
    if args.first().map(String::as_str) == Some("--mutate") {
        mutants = args.get(1).and_then(|n| n.parse().ok()).expect("--mutate N");
        args.drain(..2);
    }
    if args.first().map(String::as_str) == Some("--reached") {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        reached(args.get(1).map_or(root.as_path(), Path::new));
        return;
    }
    // A panic anywhere (also inside the library's catch_unwind at the C boundary) is a failure.
    let hook = std::panic::take_hook();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::panic::set_hook(Box::new(move |info| {
        hook(info);
        if let Ok(input) = CURRENT.try_lock() {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts").join("replay-crash");
            let _ = std::fs::create_dir_all(path.parent().unwrap());
            if std::fs::write(&path, &*input).is_ok() {
                eprintln!("input written to {}", path.display());
            }
        }
        std::process::abort();
    }));
    let mut rng = Rng(0x5eed_0f0c_a11e_d5d5);
    for (name, target) in TARGETS {
        if !args.is_empty() && !args.iter().any(|a| a == name) {
            continue;
        }
        let dir = root.join("corpus").join(name);
        let mut seeds: Vec<Vec<u8>> = Vec::new();
        let mut paths: Vec<_> = std::fs::read_dir(&dir).map(|rd| rd.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        paths.sort();
        for p in paths {
            seeds.push(std::fs::read(p).unwrap());
        }
        assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
        let start = Instant::now();
        let run = |input: &[u8]| {
            input.clone_into(&mut CURRENT.lock().unwrap());
            target(input);
        };
        for s in &seeds {
            run(s);
        }
        let mut runs = seeds.len();
        for i in 0..seeds.len() * mutants {
            let other = &seeds[rng.below(seeds.len())];
            let m = mutate(&mut rng, &seeds[i % seeds.len()], other);
            run(&m);
            runs += 1;
        }
        println!("{name}: {} seeds, {runs} runs, {:.1} s", seeds.len(), start.elapsed().as_secs_f64());
    }
}

/// Every engine seed under `corpus` (`<corpus>/server_engine`, `client_engine`, `ssl2_engine`)
/// through its target, counting how far each got.
fn reached(corpus: &Path) {
    let targets: [(&str, fn(&[u8]) -> openschannel_fuzz::Reached); 3] = [
        ("server_engine", openschannel_fuzz::server_engine_reached),
        ("client_engine", openschannel_fuzz::client_engine_reached),
        ("ssl2_engine", openschannel_fuzz::ssl2_engine_reached),
    ];
    for (name, target) in targets {
        let mut paths: Vec<_> = std::fs::read_dir(corpus.join(name)).map(|rd| rd.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        paths.sort();
        let (mut est, mut data, mut reneg, mut closed) = (0, 0, 0, 0);
        for p in &paths {
            let r = target(&std::fs::read(p).unwrap());
            est += usize::from(r.established);
            data += usize::from(r.data_records > 0);
            reneg += usize::from(r.renegotiated);
            closed += usize::from(r.closed);
            if !r.established {
                println!("  {name}: {} does not reach the established state", p.file_name().unwrap().to_string_lossy());
            }
        }
        println!(
            "{name}: {} seeds (random stream: {}); established {est}, application data opened {data}, renegotiated {reneg}, close_notify read {closed}",
            paths.len(),
            if openschannel::crypto::random::DETERMINISTIC { "deterministic" } else { "OS" },
        );
    }
}
