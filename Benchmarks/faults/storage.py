#!/usr/bin/env python3
"""Disk full and read-only stores under sustained ingest, with a real `serve` (issue 6, faults).

Needs root (mounts). Three scenarios, each on its own small file system:

  full       tmpfs; a filler file takes every free byte, later it is deleted.
  immutable  ext4 on a loop device; `chattr +i` on the store's files (ext4 then fails writes
             on open descriptors with EPERM; tmpfs does not), later -i.
  remount-ro ext4 on a loop device with errors=remount-ro; an ext4 error is triggered
             (/sys/fs/ext4/<dev>/trigger_fs_error), so writes fail with EROFS as on a
             disk that went bad. The kernel will not remount it read-write, so recovery
             is what an operator does: stop the service, fsck, mount, start it again.

While the fault lasts, clients keep POSTing (each batch retried until it is
acknowledged, as a client honouring 503 + Retry-After does, but every 0.2 s), and
/healthz is polled. Printed per scenario: status codes, /healthz answers, the
service's `store:` log lines, how long recovery took, and acknowledged vs stored.
A learning agent is sent 999 unique calls in all (the baseline freezes at 1,000):
if detection had counted a refused batch it would be frozen at the end.

usage: sudo Benchmarks/faults/storage.py [--binary .build/release/driftwatch] [--scenario full,immutable,remount-ro]
"""
import argparse, collections, http.client, json, os, signal, sqlite3, subprocess, sys, tempfile, threading, time

PORT = 18840


def request(method, path, body=None, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    c.request(method, path, body=body, headers={"Content-Type": "application/x-ndjson"} if body else {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict(r.getheaders()), data


def wait_ready(deadline):
    while time.time() < deadline:
        try:
            if request("GET", "/healthz", timeout=2)[0] == 200:
                return True
        except Exception:
            pass
        time.sleep(0.05)
    return False


class Load:
    """Clients that retry each batch until it is acknowledged; records every answer."""

    def __init__(self, tag, clients=2):
        self.tag, self.stop = tag, threading.Event()
        self.acked, self.codes, self.messages = set(), collections.Counter(), collections.Counter()
        self.retry_after = collections.Counter()
        self.latencies, self.answers = [], []
        self.learner_left = 999
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.client, args=(k,)) for k in range(clients)]

    def batch(self, k, n):
        ids = [f"{self.tag}-c{k}-{n}-{i}" for i in range(200)]
        lines = [json.dumps({"agent": f"st-{i % 5}", "tool": f"t{i % 4}", "session": f"s-{n}", "call_id": c,
                             "args": {"i": i, "note": "x" * 100}}) for i, c in enumerate(ids)]
        with self.lock:
            take = min(self.learner_left, 10) if k == 0 else 0
            self.learner_left -= take
        learner = [f"{self.tag}-learner-{k}-{n}-{j}" for j in range(take)]
        lines += [json.dumps({"agent": "learner", "tool": "t", "call_id": c}) for c in learner]
        return ids + learner, "\n".join(lines)

    def client(self, k):
        n = 0
        while not self.stop.is_set():
            ids, body = self.batch(k, n)
            while True:  # the same batch until acknowledged
                t = time.time()
                try:
                    status, headers, data = request("POST", "/v1/events", body)
                except Exception as e:
                    status, headers, data = f"no answer ({type(e).__name__})", {}, b""
                with self.lock:
                    self.latencies.append(time.time() - t)
                    self.answers.append((time.time(), status))
                    self.codes[status] += 1
                    if status == 503:
                        self.retry_after[headers.get("Retry-After")] += 1
                        self.messages[json.loads(data).get("error", "")[:110]] += 1
                if status == 202:
                    with self.lock:
                        self.acked.update(ids)
                    time.sleep(0.02)  # a steady load, not a race to fill the disk
                    break
                if self.stop.is_set() and (status != 503 or time.time() > self.give_up_at):
                    break
                time.sleep(0.2)
            n += 1

    def start(self):
        for t in self.threads: t.start()

    def finish(self):
        """Stops; a batch refused with 503 is retried for up to 30 s more until it is acknowledged."""
        self.give_up_at = time.time() + 30
        self.stop.set()
        for t in self.threads: t.join()


def poll_health(into, stop):
    while not stop.is_set():
        try:
            status, _, data = request("GET", "/healthz", timeout=5)
            reason = json.loads(data).get("reason", "ok") if data else ""
            into.append((time.time(), status, reason))
        except Exception as e:
            into.append((time.time(), f"no answer ({type(e).__name__})", ""))
        time.sleep(0.1)


def serve(db, log):
    proc = subprocess.Popen([BINARY, "serve", "--db", db, "--listen", f"127.0.0.1:{PORT}"], cwd=os.path.dirname(db),
                            stdout=subprocess.DEVNULL, stderr=open(log, "a"))
    if not wait_ready(time.time() + 30):
        proc.kill(); raise SystemExit(f"serve did not become ready; see {log}")
    return proc


def fill(path):
    """Writes a file until the file system is full; returns bytes written."""
    n, chunk = 0, b"\0" * (1 << 16)
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                n += f.write(chunk)
        except OSError:
            pass
    return n


def run(name, mountpoint, db, inject, heal, restart_to_heal=False, device=None):
    print(f"\n== {name} ==")
    log = os.path.join(WORK, f"{name}.log")
    proc = serve(db, log)
    load, health, hstop = Load(name), [], threading.Event()
    load.start()
    poller = threading.Thread(target=poll_health, args=(health, hstop)); poller.start()
    time.sleep(2)
    t_fault = time.time()
    print(f"fault: {inject()}")
    time.sleep(5)
    t_heal = time.time()
    if restart_to_heal:
        hstop.set(); poller.join()
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill(); code = "killed after 30 s"
        print(f"SIGTERM while the store is read-only: exit {code} after {time.time() - t_heal:.1f} s")
        print(f"healed: {heal()}")
        proc = serve(db, log)
        hstop.clear(); poller = threading.Thread(target=poll_health, args=(health, hstop)); poller.start()
    else:
        print(f"healed: {heal()}")
    time.sleep(4)
    load.finish()
    hstop.set(); poller.join()
    learner = json.loads(request("GET", "/v1/agents/learner")[2]).get("state")
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=60)
    con = sqlite3.connect(db)
    integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    stored = {r[0] for r in con.execute("SELECT call_id FROM events WHERE call_id LIKE ?", (f"{name}-%",))}
    learner_stored = con.execute("SELECT count(*) FROM events WHERE agent = 'learner' AND call_id LIKE ?", (f"{name}-%",)).fetchone()[0]
    con.close()
    during = collections.Counter(s for t, s, _ in health if t_fault < t < t_heal)
    reasons = collections.Counter(r for t, s, r in health if t_fault < t < t_heal and s != 200)
    print(f"POST /v1/events answers: {dict(load.codes)}; Retry-After on 503: {dict(load.retry_after)}")
    for m, n in load.messages.most_common(3):
        print(f"  503 x{n}: {m}…")
    lat = sorted(load.latencies)
    print(f"POST latency: p50 {lat[len(lat) // 2] * 1000:.1f} ms, p99 {lat[int(len(lat) * 0.99)] * 1000:.1f} ms, "
          f"max {lat[-1] * 1000:.1f} ms over {len(lat)} requests")
    print(f"/healthz during the fault: {dict(during)}, reasons {dict(reasons)}")
    first_health = next((t for t, s, _ in health if t > t_heal and s == 200), None)
    first_ok = next((t for t, s in load.answers if t > t_heal and s == 202), None)
    refused = [t for t, s in load.answers if s != 202]
    print(f"first refused POST {refused[0] - t_fault:.2f} s after the fault" if refused else "no POST was refused")
    print(f"after the fix: first 202 after {first_ok - t_heal:.1f} s, /healthz 200 after {first_health - t_heal:.1f} s"
          if first_ok and first_health else f"after the fix: first 202 {first_ok}, /healthz 200 {first_health}")
    lines = [l.rstrip() for l in open(log) if l.startswith("store:") or "not stored" in l]
    print(f"log ({len(lines)} store lines):")
    for l in lines[:6]:
        print(f"  {l[:230]}")
    missing = load.acked - stored
    print(f"acknowledged {len(load.acked)}, stored {len(stored)}, acknowledged but missing {len(missing)}; "
          f"integrity {integrity}; exit code at SIGTERM {code}")
    print(f"learner: {learner_stored} calls stored (999 sent); detection's state before the stop: {learner}"
          + (" (this process saw only the calls after the restart)" if restart_to_heal else ""))
    return not missing and integrity == "ok" and learner_stored == 999 and (restart_to_heal or learner == "learning")


def main():
    global BINARY, WORK  # noqa: PLW0603 (set once, read by the helpers)
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/driftwatch")
    ap.add_argument("--scenario", default="full,immutable,remount-ro")
    a = ap.parse_args()
    BINARY = os.path.abspath(a.binary)
    WORK = tempfile.mkdtemp(prefix="dw-storage-")
    if os.geteuid() != 0:
        raise SystemExit("needs root (mount, chattr, loop devices)")
    results = {}
    for name in a.scenario.split(","):
        mnt = os.path.join(WORK, name)
        os.makedirs(mnt)
        db = os.path.join(mnt, "dw.db")
        if name == "full":
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512m", "tmpfs", mnt], check=True)
            filler = os.path.join(mnt, "filler")
            results[name] = run(name, mnt, db,
                                lambda: f"filler took {fill(filler) / 1e6:.1f} MB; {os.statvfs(mnt).f_bavail} blocks free",
                                lambda: (os.remove(filler), "filler deleted")[1])
            subprocess.run(["umount", mnt], check=True)
        elif name == "immutable":
            image = os.path.join(WORK, "immutable.img")
            subprocess.run(["truncate", "-s", "256M", image], check=True)
            subprocess.run(["mkfs.ext4", "-q", image], check=True)
            subprocess.run(["mount", "-o", "loop", image, mnt], check=True)
            files = lambda: [p for p in (db, db + "-wal", db + "-shm") if os.path.exists(p)]
            results[name] = run(name, mnt, db,
                                lambda: (subprocess.run(["chattr", "+i"] + files(), check=True), "chattr +i on the store's files")[1],
                                lambda: (subprocess.run(["chattr", "-i"] + files(), check=True), "chattr -i")[1])
            subprocess.run(["umount", mnt], check=True)
        elif name == "remount-ro":
            image = os.path.join(WORK, "ext4.img")
            subprocess.run(["truncate", "-s", "256M", image], check=True)
            subprocess.run(["mkfs.ext4", "-q", image], check=True)
            subprocess.run(["mount", "-o", "loop,errors=remount-ro", image, mnt], check=True)
            dev = os.path.basename(subprocess.run(["findmnt", "-no", "SOURCE", mnt], capture_output=True, text=True).stdout.strip())

            def inject():
                with open(f"/sys/fs/ext4/{dev}/trigger_fs_error", "w") as f:
                    f.write("driftwatch storage fault test\n")
                return f"ext4 error triggered on {dev}: " + subprocess.run(["findmnt", "-no", "OPTIONS", mnt], capture_output=True, text=True).stdout.strip()

            def heal():
                subprocess.run(["umount", mnt], check=True)
                fsck = subprocess.run(["e2fsck", "-fy", image], capture_output=True).returncode
                subprocess.run(["mount", "-o", "loop,errors=remount-ro", image, mnt], check=True)
                return f"unmounted, e2fsck exit {fsck}, mounted read-write again, service restarted"
            results[name] = run(name, mnt, db, inject, heal, restart_to_heal=True)
            subprocess.run(["umount", mnt], check=True)
    print(f"\n{results}; work directory {WORK}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
