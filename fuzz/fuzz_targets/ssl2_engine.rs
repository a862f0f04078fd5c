#![no_main]
// The body lives in the library so the corpus replay (examples/replay.rs) runs the same code.
libfuzzer_sys::fuzz_target!(|data: &[u8]| openschannel_fuzz::ssl2_engine(data));
