//! gcm-ref: AES-128-GCM sealing through aws-lc-rs, the crate inside libopenschannel.so (which
//! exports no primitives), for the `ours` column of bench's ref_aes128gcm_16k row. A cargo
//! example of this crate (`cargo build --release --example gcm_ref`, run by bench/Makefile), so
//! it links the same aws-lc-rs version and aws-lc code as the library. Same work as bench.c's gcm_ref_run: copy a
//! 16 KiB plaintext into a record buffer, seal it in place as a TLS 1.2 record (12-byte nonce
//! = 4 fixed + 8-byte sequence, 13-byte additional data), tag after the ciphertext.
//! Usage: gcm-ref SECONDS; prints `BENCH_GCM <MB/s>` (1 MB = 10^6 bytes).
use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM};
use std::time::Instant;

const LEN: usize = 16384;

fn main() {
    let secs: f64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let key_bytes: [u8; 16] = core::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &key_bytes).expect("AES-128-GCM key"));
    let src: Vec<u8> = (0..LEN).map(|i| (i as u32).wrapping_mul(2654435761).rotate_right(13) as u8).collect();
    let mut rec = vec![0u8; 13 + LEN + 16];
    let mut seq = 0u64;
    let seal = |rec: &mut [u8], seq: u64| {
        let mut nonce = [0x42u8; 12];
        nonce[4..].copy_from_slice(&seq.to_be_bytes());
        let mut aad = [0u8; 13];
        aad[..8].copy_from_slice(&seq.to_be_bytes());
        aad[8..].copy_from_slice(&[23, 3, 3, (LEN >> 8) as u8, LEN as u8]);
        let (body, tag) = rec[13..].split_at_mut(LEN);
        body.copy_from_slice(&src);
        let t = key.seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), body).expect("seal");
        tag.copy_from_slice(t.as_ref());
        (nonce, aad)
    };
    // Correctness pass: the sealed record opens to the plaintext.
    let (nonce, aad) = seal(&mut rec, u64::MAX);
    let opened = key.open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut rec[13..]).expect("open");
    assert_eq!(opened, &src[..], "AES-128-GCM round trip");
    let t0 = Instant::now();
    while t0.elapsed().as_secs_f64() < secs * 0.1 {
        seal(&mut rec, seq);
        seq += 1;
    }
    let (t0, mut n) = (Instant::now(), 0u64);
    loop {
        seal(&mut rec, seq);
        seq += 1;
        n += 1;
        let el = t0.elapsed().as_secs_f64();
        if el >= secs {
            println!("BENCH_GCM {:.3}", n as f64 * LEN as f64 / el / 1e6);
            break;
        }
    }
    std::hint::black_box(&rec);
}
