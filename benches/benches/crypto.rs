//! Sealing and opening per RSA backend, batch opening on 1 and 2 threads, and the
//! references measured in the same run: the `rsa` crate's own blinded OAEP-SHA1
//! decrypt, and `openssl speed -seconds 3 rsa2048` private operations per second.
//!
//! `cargo bench -p electie-benches --bench crypto` prints criterion's figures, then
//! `crypto:` lines with medians of 5 interleaved rounds (each round runs `openssl speed`,
//! the rsa crate, and every opener) and the ratios of issue 3
//! (`cargo bench -p electie-benches --bench crypto -- ratios-only` skips criterion):
//! fast open ≥ 0.85 × openssl sign/s, pure-Rust open ≥ 0.9 × the rsa crate's blinded
//! decrypt, batch 1 → 2 threads ≥ 1.8×.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use electie_core::python_json::{self, Object, Value};
use electie_crypto::{AesKeyLength, Backend, Opener, PrivateKey, Sealed, Sealer};

const SERVER_PRIVATE: &str =
    include_str!("../../../shared/vectors/electiersa-v0.1.1-keys/server_private.pem");
const GATEWAY_PRIVATE: &str =
    include_str!("../../../shared/vectors/electiersa-v0.1.1-keys/gateway_private.pem");

/// Votes per batch in the batch benchmarks.
const BATCH: usize = 256;

fn vote(index: usize) -> Object {
    let text = format!(
        r#"{{"party_id": {}, "candidate_ids": [{}, {}, {}], "token": "tok{index:012}", "election_id": "nrsr_2023"}}"#,
        index % 25 + 1,
        index % 150 + 1,
        index % 150 + 2,
        index % 150 + 3,
    );
    match python_json::loads(&text) {
        Ok(Value::Object(object)) => object,
        _ => Object::new(),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// `openssl speed -seconds 3 rsa2048`: RSA-2048 sign (private-key operations) per
/// second on one core, or `None` when the openssl tool is not installed.
fn openssl_speed() -> Option<f64> {
    let output = Command::new("openssl")
        .args(["speed", "-seconds", "3", "rsa2048"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    // "rsa 2048 bits 0.000237s 0.000014s   4227.0  70812.3" (sign/s is the third number)
    let line = text
        .lines()
        .find(|line| line.starts_with("rsa 2048 bits"))?;
    let numbers: Vec<&str> = line.split_whitespace().collect();
    numbers.get(5)?.parse().ok()
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn pool(threads: usize) -> rayon::ThreadPool {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool,
        Err(error) => panic!("cannot start {threads} threads: {error}"),
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let (Ok(server), Ok(gateway)) = (
        PrivateKey::from_pem(SERVER_PRIVATE),
        PrivateKey::from_pem(GATEWAY_PRIVATE),
    ) else {
        panic!("the vector keys parse")
    };
    let backends: Vec<Backend> = Backend::ALL
        .into_iter()
        .filter(|backend| backend.is_available())
        .collect();
    let mut rng = electie_crypto::system_rng();
    let votes: Vec<Object> = (0..BATCH).map(vote).collect();
    let reference_sealer = Sealer::new(&gateway, &server.public_key());
    let sealed: Vec<Sealed> = votes
        .iter()
        .filter_map(|vote| {
            reference_sealer
                .seal(vote, AesKeyLength::Aes256, &mut rng)
                .ok()
        })
        .collect();
    assert_eq!(sealed.len(), BATCH);
    let openers: Vec<(Backend, Opener)> = backends
        .iter()
        .filter_map(|&backend| {
            Opener::with_backend(&server, &gateway.public_key(), backend)
                .ok()
                .map(|opener| (backend, opener))
        })
        .collect();

    // The rsa crate's own blinded RSA-OAEP-SHA1 decryption of the same wrapped keys.
    let wrapped: Vec<Vec<u8>> = sealed
        .iter()
        .map(|item| decode_base64(&item.encrypted_object))
        .collect();
    let rsa_key = {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        match rsa::RsaPrivateKey::from_pkcs1_pem(SERVER_PRIVATE.trim()) {
            Ok(key) => key,
            Err(error) => panic!("{error}"),
        }
    };
    let mut blinding = electie_crypto::system_rng();
    let mut rsa_crate_decrypt = |index: usize| {
        black_box(
            rsa_key
                .decrypt_blinded(
                    &mut blinding,
                    rsa::Oaep::<sha1::Sha1>::new(),
                    &wrapped[index % BATCH],
                )
                .is_ok(),
        )
    };

    let mut group = criterion.benchmark_group("crypto");
    group.throughput(Throughput::Elements(1));
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(4));
    for &backend in &backends {
        let Ok(sealer) = Sealer::with_backend(&gateway, &server.public_key(), backend) else {
            continue;
        };
        let mut index = 0;
        group.bench_function(format!("seal/{backend}"), |bench| {
            bench.iter(|| {
                index += 1;
                black_box(sealer.seal(&votes[index % BATCH], AesKeyLength::Aes256, &mut rng))
            })
        });
    }
    for (backend, opener) in &openers {
        let mut index = 0;
        group.bench_function(format!("open/{backend}"), |bench| {
            bench.iter(|| {
                index += 1;
                black_box(opener.open(&sealed[index % BATCH]))
            })
        });
    }
    {
        let mut index = 0;
        group.bench_function("reference/rsa-crate blinded OAEP-SHA1 decrypt", |bench| {
            bench.iter(|| {
                index += 1;
                rsa_crate_decrypt(index)
            })
        });
    }
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(10);
    for (backend, opener) in &openers {
        for threads in [1, 2] {
            let pool = pool(threads);
            group.bench_function(
                format!("batch {BATCH} open/{backend}/{threads} threads"),
                |bench| bench.iter(|| black_box(pool.install(|| opener.open_batch(&sealed)))),
            );
        }
    }
    group.finish();

    // Ratios from interleaved runs in this process. Each round runs `openssl speed`,
    // then alternates single operations of the rsa crate and of every opener (so
    // machine load hits them alike), then alternates batches on 1 and 2 threads.
    // Ratios are computed per round; the medians of 5 rounds are printed.
    let rounds = 5;
    let load_before = load_average();
    let pools = [pool(1), pool(2)];
    let mut openssl_rates = Vec::new();
    let mut rsa_crate_rates = Vec::new();
    let mut open_rates: Vec<Vec<f64>> = vec![Vec::new(); openers.len()];
    let mut open_ratios: Vec<Vec<f64>> = vec![Vec::new(); openers.len()];
    let mut batch_rates: Vec<[Vec<f64>; 2]> = vec![[Vec::new(), Vec::new()]; openers.len()];
    let mut batch_ratios: Vec<Vec<f64>> = vec![Vec::new(); openers.len()];
    for _ in 0..rounds {
        let openssl = openssl_speed();
        if let Some(openssl) = openssl {
            openssl_rates.push(openssl);
        }
        let mut rsa_time = Duration::ZERO;
        let mut open_time = vec![Duration::ZERO; openers.len()];
        let mut operations = 0usize;
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            let before = Instant::now();
            rsa_crate_decrypt(operations);
            rsa_time += before.elapsed();
            for (slot, (_, opener)) in openers.iter().enumerate() {
                let before = Instant::now();
                let opened = opener.open(&sealed[operations % BATCH]);
                open_time[slot] += before.elapsed();
                assert!(opened.is_ok());
            }
            operations += 1;
        }
        let rsa_rate = operations as f64 / rsa_time.as_secs_f64();
        rsa_crate_rates.push(rsa_rate);
        for (slot, (backend, opener)) in openers.iter().enumerate() {
            let open_rate = operations as f64 / open_time[slot].as_secs_f64();
            open_rates[slot].push(open_rate);
            let reference = match backend {
                Backend::RustCrypto => Some(rsa_rate),
                _ => openssl,
            };
            if let Some(reference) = reference {
                open_ratios[slot].push(open_rate / reference);
            }
            let mut batch_time = [Duration::ZERO; 2];
            for _ in 0..3 {
                for (threads, pool) in pools.iter().enumerate() {
                    let before = Instant::now();
                    let results = pool.install(|| opener.open_batch(&sealed));
                    batch_time[threads] += before.elapsed();
                    assert!(results.iter().all(Result::is_ok));
                }
            }
            for threads in 0..2 {
                batch_rates[slot][threads]
                    .push((3 * BATCH) as f64 / batch_time[threads].as_secs_f64());
            }
            batch_ratios[slot].push(batch_time[0].as_secs_f64() / batch_time[1].as_secs_f64());
        }
    }
    let rsa_crate = median(rsa_crate_rates);
    let openssl = (!openssl_rates.is_empty()).then(|| median(openssl_rates.clone()));
    println!(
        "crypto: load average before {load_before}, after {} (2 vCPUs; other work on the machine skews every figure)",
        load_average()
    );
    println!(
        "crypto: rsa crate blinded OAEP-SHA1 decrypt {rsa_crate:.0}/s (one core, median of {rounds} rounds)"
    );
    match openssl {
        Some(openssl) => println!(
            "crypto: openssl speed -seconds 3 rsa2048: {openssl:.0} sign/s (one core, median of {rounds}: {openssl_rates:.0?})"
        ),
        None => println!("crypto: openssl tool not available for the reference"),
    }
    for (slot, (backend, _)) in openers.iter().enumerate() {
        let open = median(open_rates[slot].clone());
        let one = median(batch_rates[slot][0].clone());
        let two = median(batch_rates[slot][1].clone());
        let reference = match (backend, open_ratios[slot].is_empty()) {
            (_, true) => "no reference".to_owned(),
            (Backend::RustCrypto, false) => format!(
                "{:.3} x rsa crate blinded decrypt, paired (target >= 0.9)",
                median(open_ratios[slot].clone())
            ),
            (_, false) => format!(
                "{:.3} x openssl speed rsa2048 sign/s (target >= 0.85)",
                median(open_ratios[slot].clone())
            ),
        };
        println!(
            "crypto: open/{backend}: {open:.0} votes/s on one core = {reference}; batch of {BATCH}: 1 thread {one:.0}/s, 2 threads {two:.0}/s = {:.2}x (target >= 1.8)",
            median(batch_ratios[slot].clone())
        );
    }
    criterion.final_summary();
}

fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.bytes() {
        let Some(value) = ALPHABET.iter().position(|&a| a == byte) else {
            continue;
        };
        bits = (bits << 6) | value as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}
