#!/usr/bin/env python3
"""vg-live-objects.py: find SSPI objects a C program never released, in valgrind logs.

Valgrind's definite/indirect leak kinds cannot see these: the library keeps every object it
hands to C in a process-wide registry (handle tables, the FreeContextBuffer allocation set,
the certificate registry), so a forgotten DeleteSecurityContext, FreeCredentialsHandle,
FreeContextBuffer, CertFreeCertificateContext or CertCloseStore leaves a block that is still
reachable (or, behind a hash table's interior pointer, "possibly lost") at exit.

Run valgrind (without -q) with `--leak-check=full --show-leak-kinds=all --num-callers=30`; this script
reads the logs, classifies every loss record by its allocation stack and fails when a record
is one of those caller-owned objects:

  buffer       malloc called directly by buffers::provider_alloc (a token, package info, ...)
  context      the Arc<Mutex<Context>> a context handle points to
  credential   the Arc<Mutex<Credential>> a credential handle points to
  cert-context the boxed CERT_CONTEXT from new_cert_context
  store        the HCERTSTORE box from new_store (not the registry map around it)

Process-wide, bounded state (the session cache, the system trust store, aws-lc thread state,
the registries' own tables) is never reported. Needs debug info in the library (the release
profile has `debug = 1`).

usage: vg-live-objects.py [--expect KIND,KIND,...] LOG...
  --expect: self-test mode; succeed only when exactly these kinds are found.
exit status: 0 clean (or expectation met), 1 objects found (or expectation not met), 2 usage.
"""
import re
import sys

RECORD = re.compile(r"^==\d+== (\S+ bytes in \S+ blocks) are (.+?) in loss record (\d+) of (\d+)$")
FRAME = re.compile(r"^==\d+==    (?:at|by) 0x[0-9A-Fa-f]+: (.*)$")

MUTEX = "ArcInner<lock_api::mutex::Mutex<parking_lot::raw_mutex::RawMutex, openschannel::sspi::"


def classify(frames):
    """The caller-owned object kind this allocation stack creates, or None."""
    if len(frames) > 1 and frames[0].startswith("malloc ") and "buffers::provider_alloc" in frames[1]:
        return "buffer"
    for f in frames:
        if MUTEX + "context::Context>>" in f:
            return "context"
        if MUTEX + "credentials::Credential>>" in f:
            return "credential"
        if "certs::CertBox>" in f:
            return "cert-context"
    if any("new_store" in f for f in frames) and not any("with_registry" in f for f in frames):
        return "store"
    return None


def records(path):
    """Yields (header, frames) for every loss record of a valgrind log."""
    cur = None
    with open(path, errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\n")
            m = RECORD.match(line)
            if m:
                if cur:
                    yield cur
                cur = (f"{m.group(1)} {m.group(2)}", [])
                continue
            if cur is None:
                continue
            fm = FRAME.match(line)
            if fm:
                cur[1].append(fm.group(1))
            else:
                yield cur
                cur = None
    if cur:
        yield cur


def main(argv):
    expect = None
    if len(argv) > 1 and argv[0] == "--expect":
        expect = set(argv[1].split(","))
        argv = argv[2:]
    if not argv:
        print(__doc__.strip().splitlines()[-4], file=sys.stderr)
        return 2
    found = set()
    nrec = 0
    for path in argv:
        with open(path, errors="replace") as fh:
            if "HEAP SUMMARY:" not in fh.read():
                print(f"vg-live-objects: {path}: no HEAP SUMMARY (valgrind without --leak-check, or -q?)")
                return 1
        for header, frames in records(path):
            nrec += 1
            kind = classify(frames)
            if kind is None:
                continue
            found.add(kind)
            if expect is None:
                # The first frames outside the standard library say who created it.
                ours = [f for f in frames if "library/" not in f and "UnknownInlinedFun" not in f][:6]
                print(f"{path}: live {kind} at exit ({header}):")
                for f in ours:
                    print(f"    {f[:200]}")
    if expect is not None:
        if found == expect:
            print(f"vg-live-objects: self-test ok, found exactly {','.join(sorted(found))}")
            return 0
        print(f"vg-live-objects: self-test FAILED: expected {sorted(expect)}, found {sorted(found)}")
        return 1
    if found:
        print(f"vg-live-objects: {len(argv)} log(s): caller-owned objects still alive at exit: {sorted(found)}")
        return 1
    print(f"vg-live-objects: {len(argv)} log(s), {nrec} loss records, no caller-owned object alive at exit")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
