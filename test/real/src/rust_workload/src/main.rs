// rust_workload: Rust's std threading, used as ordinary programs use it: thread::spawn
// and join (with threads that panic on purpose and the payloads join hands back),
// thread::scope borrowing local data, mpsc channels (unbounded, bounded and rendezvous)
// with many producers, Arc<Mutex>, RwLock, Condvar (wait_while, wait_timeout), Barrier,
// Once, atomics, thread_local! values with Drop, park/unpark, sleeps, Builder with names
// and stack sizes, and thousands of short threads. Every line it prints depends only on
// SCALE, never on scheduling, so a run under goshim must print what a native run prints;
// a failed self-check prints a FAIL line (from any thread) and makes the exit status 1.
// Each part's wall time goes to stderr. It builds with Debian 12's rustc (1.63): no
// OnceLock, which is a Once underneath.
//
// usage: rust_workload SCALE   (1: the quick suite's size, 4: the full one's)
use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::{HashSet, VecDeque};
use std::panic;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, TryRecvError};
use std::sync::{Arc, Barrier, Condvar, Mutex, Once, RwLock, TryLockError};
use std::thread;
use std::time::{Duration, Instant};

use Ordering::{Acquire, Relaxed, Release, SeqCst};

static FAILURES: AtomicUsize = AtomicUsize::new(0);

fn fail(what: &str) {
    // one println! per line: stdout's lock keeps lines from different threads whole
    println!("FAIL {}", what);
    FAILURES.fetch_add(1, SeqCst);
}

fn check(ok: bool, what: &str) {
    if !ok {
        fail(what);
    }
}

// collatz is the per-thread work: cheap, but enough that threads overlap.
fn collatz(mut n: u64) -> u64 {
    let mut steps = 0;
    while n > 1 {
        n = if n % 2 == 1 { 3 * n + 1 } else { n / 2 };
        steps += 1;
    }
    steps
}

fn collatz_range(lo: u64, hi: u64) -> u64 {
    (lo..hi).map(collatz).sum()
}

// A sleep must never return early: it is a correctness check, not a timing one.
fn sleep_checked(d: Duration, who: &str) {
    let t0 = Instant::now();
    thread::sleep(d);
    if t0.elapsed() < d {
        fail(&format!("{}: thread::sleep({:?}) returned early", who, d));
    }
}

// spawn_join: threads hand their results back through join.
fn spawn_join(scale: u64) -> usize {
    let n = 64;
    let hs: Vec<_> = (0..n)
        .map(|i| {
            thread::spawn(move || {
                let lo = i * 500 * scale + 1;
                let mut sum = collatz_range(lo, lo + 250 * scale);
                sleep_checked(Duration::from_millis(1), "spawn");
                sum += collatz_range(lo + 250 * scale, lo + 500 * scale);
                sum
            })
        })
        .collect();
    let sum: u64 = hs.into_iter().map(|h| h.join().unwrap()).sum();
    check(
        sum == collatz_range(1, n * 500 * scale + 1),
        "spawn: wrong sum",
    );
    println!("spawn: {} threads, collatz steps {}", n, sum);
    n as usize
}

// on_purpose: the payload of a panic this program causes (the panic hook keeps quiet).
fn on_purpose(payload: &(dyn std::any::Any + Send)) -> bool {
    let s = payload
        .downcast_ref::<String>()
        .map(|s| s.as_str())
        .or_else(|| payload.downcast_ref::<&str>().copied());
    s.map_or(false, |s| s.starts_with("on purpose"))
}

// panics: a third of the threads panic with a formatted message, a third with a literal;
// join returns each payload. One more panics holding a mutex, which is then poisoned.
fn panics(scale: u64) -> usize {
    let n = 90 * scale as usize;
    let hs: Vec<_> = (0..n)
        .map(|i| {
            thread::spawn(move || {
                thread::sleep(Duration::from_micros(50));
                match i % 3 {
                    0 => panic!("on purpose {}", i),
                    1 => panic!("on purpose"),
                    _ => i,
                }
            })
        })
        .collect();
    let (mut formatted, mut literal, mut returned) = (0, 0, 0);
    for (i, h) in hs.into_iter().enumerate() {
        match h.join() {
            Ok(v) => {
                check(
                    i % 3 == 2 && v == i,
                    &format!("panic: thread {} returned {}", i, v),
                );
                returned += 1;
            }
            Err(p) => {
                if let Some(s) = p.downcast_ref::<String>() {
                    check(
                        i % 3 == 0 && *s == format!("on purpose {}", i),
                        &format!("panic: thread {}: {:?}", i, s),
                    );
                    formatted += 1;
                } else if let Some(s) = p.downcast_ref::<&str>() {
                    check(
                        i % 3 == 1 && *s == "on purpose",
                        &format!("panic: thread {}: {:?}", i, s),
                    );
                    literal += 1;
                } else {
                    fail(&format!(
                        "panic: thread {}: payload of an unexpected type",
                        i
                    ));
                }
            }
        }
    }

    let m = Arc::new(Mutex::new(7));
    let m2 = Arc::clone(&m);
    let r = thread::spawn(move || {
        let mut g = m2.lock().unwrap();
        *g += 1;
        panic!("on purpose: poison");
    })
    .join();
    check(r.is_err(), "panic: the poisoning thread did not panic");
    let poisoned = m.lock().map_or_else(|e| *e.into_inner(), |_| 0);
    check(
        poisoned == 8 && m.is_poisoned(),
        "panic: mutex not poisoned or value lost",
    );
    println!(
        "panic: {} threads, {} formatted and {} literal payloads, {} returned, mutex poisoned at {}",
        n, formatted, literal, returned, poisoned
    );
    n + 1
}

// scoped: scoped threads borrow a local vector, write disjoint chunks of another and
// lock a local mutex, none of them 'static.
fn scoped(scale: u64) -> usize {
    let n = 100_000 * scale;
    let data: Vec<u64> = (1..=n).collect();
    let mut squares = vec![0u64; n as usize];
    let total = Mutex::new(0u64);
    let chunk = data.len() / 16;
    thread::scope(|s| {
        for part in data.chunks(chunk) {
            let total = &total;
            s.spawn(move || *total.lock().unwrap() += part.iter().sum::<u64>());
        }
        for (out, part) in squares.chunks_mut(chunk).zip(data.chunks(chunk)) {
            s.spawn(move || {
                for (o, v) in out.iter_mut().zip(part) {
                    *o = v * v;
                }
            });
        }
    });
    let total = total.into_inner().unwrap();
    let sq: u64 = squares.iter().sum();
    check(total == n * (n + 1) / 2, "scope: wrong sum");
    check(
        sq == n * (n + 1) * (2 * n + 1) / 6,
        "scope: wrong sum of squares",
    );
    println!(
        "scope: 32 scoped threads over {} borrowed values, sum {}, squares {}",
        n, total, sq
    );
    32
}

// receive_all: drains rx (which ends when every sender is gone), checking that each
// producer's values arrive in the order it sent them; returns (count, sum).
fn receive_all(rx: mpsc::Receiver<(usize, u64)>, producers: usize, what: &str) -> (u64, u64) {
    let mut next = vec![0u64; producers];
    let (mut count, mut sum) = (0, 0);
    for (p, v) in rx {
        if v != next[p] {
            fail(&format!(
                "{}: producer {} sent {} but {} arrived",
                what, p, next[p], v
            ));
        }
        next[p] = v + 1;
        count += 1;
        sum += v;
    }
    (count, sum)
}

// produce: PRODUCERS threads each send 0..PER through a clone of tx.
fn produce<S>(
    tx: S,
    producers: usize,
    per: u64,
    send: fn(&S, (usize, u64)),
) -> Vec<thread::JoinHandle<()>>
where
    S: Clone + Send + 'static,
{
    (0..producers)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || (0..per).for_each(|v| send(&tx, (p, v))))
        })
        .collect()
}

// channels: many producers on an unbounded channel and on a bounded one; a ping-pong
// over two rendezvous channels, whose send must wait for the receiver.
fn channels(scale: u64) -> usize {
    let (producers, per) = (64 * scale as usize, 500);
    let (tx, rx) = mpsc::channel();
    let hs = produce(tx, producers, per, |tx, m| tx.send(m).unwrap());
    let (count, sum) = receive_all(rx, producers, "channel");
    hs.into_iter().for_each(|h| h.join().unwrap());
    check(count == producers as u64 * per, "channel: lost messages");
    println!(
        "channel: {} producers, {} messages, sum {}",
        producers, count, sum
    );

    let (bproducers, bper) = (16, 1000 * scale);
    let (tx, rx) = mpsc::sync_channel(8);
    let hs = produce(tx, bproducers, bper, |tx, m| tx.send(m).unwrap());
    let (count, sum) = receive_all(rx, bproducers, "sync_channel");
    hs.into_iter().for_each(|h| h.join().unwrap());
    check(
        count == bproducers as u64 * bper,
        "sync_channel: lost messages",
    );
    println!(
        "sync_channel(8): {} producers, {} messages, sum {}",
        bproducers, count, sum
    );

    let rounds = 500 * scale;
    let (ping_tx, ping_rx) = mpsc::sync_channel::<u64>(0);
    let (pong_tx, pong_rx) = mpsc::sync_channel::<u64>(0);
    let sent = Arc::new(AtomicBool::new(false));
    let sent2 = Arc::clone(&sent);
    let echo = thread::spawn(move || {
        ping_tx.send(0).unwrap();
        sent2.store(true, SeqCst);
        for v in pong_rx {
            ping_tx.send(v + 1).unwrap();
        }
    });
    // the echo thread's first send cannot complete before this recv
    thread::sleep(Duration::from_millis(5));
    check(
        !sent.load(SeqCst),
        "sync_channel(0): send returned before a receiver took it",
    );
    let mut v = ping_rx.recv().unwrap();
    for _ in 0..rounds {
        pong_tx.send(v + 1).unwrap();
        v = ping_rx.recv().unwrap();
    }
    drop(pong_tx);
    echo.join().unwrap();
    check(v == 2 * rounds, "sync_channel(0): wrong count");
    check(
        matches!(ping_rx.try_recv(), Err(TryRecvError::Disconnected)),
        "sync_channel(0): not disconnected",
    );
    println!(
        "sync_channel(0): {} rendezvous ping-pongs, last {}",
        rounds, v
    );
    producers + bproducers + 1
}

// mutex_rwlock: Arc<Mutex> counters; writers move units between two RwLock'd counters
// while readers check that their sum is intact. Fixed operation counts on both sides.
fn mutex_rwlock(scale: u64) -> usize {
    let (n, per) = (32, 2000 * scale);
    let m = Arc::new(Mutex::new((0u64, Vec::new())));
    let hs: Vec<_> = (0..n)
        .map(|i| {
            let m = Arc::clone(&m);
            thread::spawn(move || {
                for k in 0..per {
                    let mut g = m.lock().unwrap();
                    g.0 += 1;
                    if k == per - 1 {
                        g.1.push(i);
                    }
                }
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
    let (count, mut last) = Arc::try_unwrap(m).unwrap().into_inner().unwrap();
    last.sort_unstable();
    check(
        count == n * per && last == (0..n).collect::<Vec<_>>(),
        "mutex: lost updates",
    );

    let held = Mutex::new(());
    let g = held.lock().unwrap();
    let would_block = thread::scope(|s| {
        s.spawn(|| matches!(held.try_lock(), Err(TryLockError::WouldBlock)))
            .join()
            .unwrap()
    });
    drop(g);
    check(would_block, "mutex: try_lock took a held mutex");
    println!(
        "mutex: {} threads x {} increments = {}, try_lock on a held mutex would block",
        n, per, count
    );

    let (readers, reads, writers, writes) = (8, 4000 * scale, 2, 2000 * scale);
    let rw = Arc::new(RwLock::new((1000i64, 0i64)));
    let seen = Arc::new(AtomicU64::new(0));
    let mut hs = Vec::new();
    for _ in 0..readers {
        let (rw, seen) = (Arc::clone(&rw), Arc::clone(&seen));
        hs.push(thread::spawn(move || {
            for i in 0..reads {
                let g = rw.read().unwrap();
                if g.0 + g.1 != 1000 {
                    fail("rwlock: torn read");
                    return;
                }
                drop(g);
                seen.fetch_add(1, Relaxed);
                if i % 64 == 0 {
                    thread::yield_now();
                }
            }
        }));
    }
    for w in 0..writers {
        let rw = Arc::clone(&rw);
        hs.push(thread::spawn(move || {
            for _ in 0..writes {
                let mut g = rw.write().unwrap();
                let d = if (w == 0) == (g.0 > 500) { 1 } else { -1 };
                g.0 -= d;
                g.1 += d;
            }
        }));
    }
    hs.into_iter().for_each(|h| h.join().unwrap());
    let g = rw.read().unwrap();
    check(seen.load(SeqCst) == readers * reads, "rwlock: lost reads");
    println!(
        "rwlock: {} readers x {} reads, {} writers x {} writes, a+b = {}",
        readers,
        reads,
        writers,
        writes,
        g.0 + g.1
    );
    n as usize + 1 + readers as usize + writers
}

// condvar: a bounded queue on wait_while; a gate opened with notify_all; wait_timeout
// that must not report a timeout early, and one woken by a notify.
fn condvar(scale: u64) -> usize {
    let (producers, consumers, per, cap) = (4u64, 4, 5000 * scale, 16);
    let q = Mutex::new(VecDeque::new());
    let (not_empty, not_full) = (Condvar::new(), Condvar::new());
    let (count, sum) = (AtomicU64::new(0), AtomicU64::new(0));
    thread::scope(|s| {
        for _ in 0..consumers {
            s.spawn(|| loop {
                let mut g = not_empty
                    .wait_while(q.lock().unwrap(), |q| q.is_empty())
                    .unwrap();
                let v: i64 = g.pop_front().unwrap();
                drop(g);
                not_full.notify_one();
                if v < 0 {
                    return;
                }
                sum.fetch_add(v as u64, Relaxed);
                count.fetch_add(1, Relaxed);
            });
        }
        let ps: Vec<_> = (0..producers)
            .map(|p| {
                let (q, not_empty, not_full) = (&q, &not_empty, &not_full);
                s.spawn(move || {
                    for i in 1..=per {
                        let mut g = not_full
                            .wait_while(q.lock().unwrap(), |q| q.len() >= cap)
                            .unwrap();
                        g.push_back((p * per + i) as i64);
                        drop(g);
                        not_empty.notify_one();
                    }
                })
            })
            .collect();
        ps.into_iter().for_each(|h| h.join().unwrap());
        for _ in 0..consumers {
            q.lock().unwrap().push_back(-1); // one stop mark per consumer
            not_empty.notify_one();
        }
    });
    let total = producers * per;
    check(
        count.load(SeqCst) == total && sum.load(SeqCst) == total * (total + 1) / 2,
        "condvar: lost or extra items",
    );
    println!(
        "condvar queue: {} producers, {} consumers, {} items, sum {}",
        producers,
        consumers,
        total,
        sum.load(SeqCst)
    );

    let gate = (Mutex::new((false, 0)), Condvar::new(), Condvar::new());
    thread::scope(|s| {
        for _ in 0..32 {
            s.spawn(|| {
                let mut g = gate.0.lock().unwrap();
                g.1 += 1;
                gate.2.notify_one();
                drop(gate.1.wait_while(g, |g| !g.0).unwrap());
            });
        }
        let mut g = gate
            .2
            .wait_while(gate.0.lock().unwrap(), |g| g.1 < 32)
            .unwrap();
        g.0 = true;
        gate.1.notify_all();
    });

    let m = Mutex::new(false);
    let cv = Condvar::new();
    let mut g = m.lock().unwrap();
    for ms in [1, 5, 20] {
        let d = Duration::from_millis(ms);
        let t0 = Instant::now();
        let (g2, r) = cv.wait_timeout(g, d).unwrap();
        g = g2;
        check(
            !r.timed_out() || t0.elapsed() >= d,
            "condvar: wait_timeout timed out early",
        );
        let t0 = Instant::now();
        let (g2, r) = cv.wait_timeout_while(g, d, |_| true).unwrap();
        g = g2;
        check(
            r.timed_out() && t0.elapsed() >= d,
            "condvar: wait_timeout_while returned early",
        );
    }
    drop(g);
    let woken = thread::scope(|s| {
        s.spawn(|| {
            thread::sleep(Duration::from_millis(2));
            *m.lock().unwrap() = true;
            cv.notify_one();
        });
        let (g, r) = cv
            .wait_timeout_while(m.lock().unwrap(), Duration::from_secs(60), |f| !*f)
            .unwrap();
        drop(g);
        !r.timed_out()
    });
    check(woken, "condvar: wait_timeout_while not woken by notify_one");
    println!("condvar: 32 waiters released by notify_all, wait_timeout and wait_timeout_while");
    consumers + producers as usize + 32 + 1
}

// barrier: each phase every thread adds its share; the leader checks the sum and resets it
// between two waits.
fn barrier(scale: u64) -> usize {
    let (n, phases) = (8u64, 100 * scale);
    let b = Barrier::new(n as usize);
    let acc = AtomicU64::new(0);
    let leaders = AtomicU64::new(0);
    thread::scope(|s| {
        for i in 1..=n {
            let (b, acc, leaders) = (&b, &acc, &leaders);
            s.spawn(move || {
                for ph in 1..=phases {
                    acc.fetch_add(i * ph, SeqCst);
                    if b.wait().is_leader() {
                        let got = acc.swap(0, SeqCst);
                        check(
                            got == n * (n + 1) / 2 * ph,
                            &format!("barrier: phase {} sum {}", ph, got),
                        );
                        leaders.fetch_add(1, SeqCst);
                    }
                    b.wait();
                }
            });
        }
    });
    check(
        leaders.load(SeqCst) == phases,
        "barrier: wrong number of leaders",
    );
    println!(
        "barrier: {} threads, {} phases, one leader each",
        n,
        leaders.load(SeqCst)
    );
    n as usize
}

// once: 32 threads race to a slow Once; it runs once and every caller sees its result.
fn once() -> usize {
    static INIT: Once = Once::new();
    static VALUE: AtomicU64 = AtomicU64::new(0);
    let runs = AtomicUsize::new(0);
    thread::scope(|s| {
        for _ in 0..32 {
            s.spawn(|| {
                INIT.call_once(|| {
                    thread::sleep(Duration::from_millis(2));
                    runs.fetch_add(1, SeqCst);
                    VALUE.store(42, Relaxed);
                });
                check(
                    VALUE.load(Relaxed) == 42,
                    "once: call_once returned before the value was set",
                );
            });
        }
    });
    check(
        runs.load(SeqCst) == 1 && INIT.is_completed(),
        "once: ran more than once or not completed",
    );
    println!("once: 32 threads, call_once ran {} time", runs.load(SeqCst));
    32
}

// TicketLock guards a plain counter with atomics alone.
struct TicketLock {
    next: AtomicUsize,
    serving: AtomicUsize,
    value: UnsafeCell<u64>,
}

// Safety: value is only touched by the ticket's holder.
unsafe impl Sync for TicketLock {}

impl TicketLock {
    fn add(&self, d: u64) {
        let me = self.next.fetch_add(1, Relaxed);
        while self.serving.load(Acquire) != me {
            thread::yield_now();
        }
        unsafe { *self.value.get() += d };
        self.serving.store(me + 1, Release);
    }
}

// atomics: fetch_add and fetch_max from many threads, a ticket lock, and values handed
// over with release/acquire.
fn atomics(scale: u64) -> usize {
    let (n, per) = (16u64, 10_000 * scale);
    let (sum, max) = (AtomicU64::new(0), AtomicU64::new(0));
    let lock = TicketLock {
        next: AtomicUsize::new(0),
        serving: AtomicUsize::new(0),
        value: UnsafeCell::new(0),
    };
    thread::scope(|s| {
        for i in 0..n {
            let (sum, max) = (&sum, &max);
            s.spawn(move || {
                for k in 0..per {
                    sum.fetch_add(k, Relaxed);
                    max.fetch_max(i * per + k, Relaxed);
                }
            });
        }
        for i in 0..4 {
            let lock = &lock;
            s.spawn(move || (0..500 * scale).for_each(|k| lock.add(i + k)));
        }
    });
    let locked = lock.value.into_inner();
    check(
        sum.load(SeqCst) == n * per * (per - 1) / 2,
        "atomics: fetch_add lost updates",
    );
    check(max.load(SeqCst) == n * per - 1, "atomics: wrong fetch_max");
    check(
        locked == 4 * 500 * scale * (500 * scale - 1) / 2 + 6 * 500 * scale,
        "atomics: ticket lock lost updates",
    );

    let rounds = 500 * scale;
    let data: Vec<AtomicU64> = (0..64).map(|_| AtomicU64::new(0)).collect();
    let (ready, taken) = (AtomicU64::new(0), AtomicU64::new(0));
    thread::scope(|s| {
        s.spawn(|| {
            for r in 1..=rounds {
                while taken.load(Acquire) != r - 1 {
                    thread::yield_now();
                }
                for (k, d) in data.iter().enumerate() {
                    d.store(r * k as u64, Relaxed);
                }
                ready.store(r, Release);
            }
        });
        for r in 1..=rounds {
            while ready.load(Acquire) != r {
                thread::yield_now();
            }
            if data
                .iter()
                .enumerate()
                .any(|(k, d)| d.load(Relaxed) != r * k as u64)
            {
                fail(&format!(
                    "atomics: round {} saw stale data after acquire",
                    r
                ));
            }
            taken.store(r, Release);
        }
    });
    println!(
        "atomics: fetch_add sum {}, fetch_max {}, ticket lock {}, {} release/acquire hand-offs",
        sum.load(SeqCst),
        max.load(SeqCst),
        locked,
        rounds
    );
    n as usize + 4 + 1
}

static TL_NEW: AtomicUsize = AtomicUsize::new(0);
static TL_DROPPED: Mutex<Vec<usize>> = Mutex::new(Vec::new());

// Counted records its construction, and its id when a thread's exit drops it.
struct Counted {
    id: usize,
}

impl Counted {
    fn new() -> Counted {
        TL_NEW.fetch_add(1, SeqCst);
        Counted { id: usize::MAX }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        // a destructor at thread exit that takes a lock, as real ones do
        TL_DROPPED.lock().unwrap().push(self.id);
    }
}

thread_local! {
    static COUNTED: RefCell<Counted> = RefCell::new(Counted::new());
    static VALUE: Cell<usize> = const { Cell::new(usize::MAX) };
}

// thread_locals: only threads that touch COUNTED construct it; every one is dropped at
// thread exit; each thread's VALUE keeps its value across switches.
fn thread_locals() -> usize {
    let n = 256;
    let all_alive = Barrier::new(n);
    let addrs = Mutex::new(HashSet::new());
    thread::scope(|s| {
        let hs: Vec<_> = (0..n)
            .map(|i| {
                let (all_alive, addrs) = (&all_alive, &addrs);
                s.spawn(move || {
                    VALUE.with(|v| v.set(i));
                    if i % 2 == 0 {
                        COUNTED.with(|c| c.borrow_mut().id = i);
                    }
                    addrs
                        .lock()
                        .unwrap()
                        .insert(VALUE.with(|v| v as *const Cell<usize> as usize));
                    // all alive at once: the addresses cannot have been reused
                    all_alive.wait();
                    for k in 0..20 {
                        thread::yield_now();
                        if k % 5 == 0 {
                            thread::sleep(Duration::from_micros(100));
                        }
                        let v = VALUE.with(|v| v.get());
                        if v != i {
                            fail(&format!("thread_local: thread {} sees {}", i, v));
                            break;
                        }
                    }
                })
            })
            .collect();
        // joined by hand: the scope's end waits only for the closures to return, and a
        // thread's thread_local destructors run after that
        hs.into_iter().for_each(|h| h.join().unwrap());
    });
    let mut dropped = TL_DROPPED.lock().unwrap().clone();
    dropped.sort_unstable();
    let news = TL_NEW.load(SeqCst);
    check(
        addrs.lock().unwrap().len() == n,
        "thread_local: shared addresses",
    );
    check(
        news == n / 2 && dropped == (0..n).step_by(2).collect::<Vec<_>>(),
        &format!(
            "thread_local: {} constructed, {} dropped",
            news,
            dropped.len()
        ),
    );
    println!(
        "thread_local: {} threads, {} distinct addresses, {} constructed, {} dropped",
        n,
        addrs.lock().unwrap().len(),
        news,
        dropped.len()
    );
    n
}

// park: a ping-pong by park/unpark, threads parked until released, an unpark before
// park, and park_timeout.
fn park(scale: u64) -> usize {
    let rounds = 2000 * scale;
    let turn = AtomicU64::new(0);
    let player = |me: u64, other: &thread::Thread| {
        for _ in 0..rounds {
            while turn.load(SeqCst) % 2 != me {
                thread::park();
            }
            turn.fetch_add(1, SeqCst);
            other.unpark();
        }
    };
    thread::scope(|s| {
        let main = thread::current();
        let partner = s.spawn(move || player(1, &main));
        player(0, partner.thread());
    });
    check(turn.load(SeqCst) == 2 * rounds, "park: wrong count");

    let released = AtomicBool::new(false);
    let woke = AtomicUsize::new(0);
    thread::scope(|s| {
        let hs: Vec<_> = (0..16)
            .map(|_| {
                s.spawn(|| {
                    while !released.load(SeqCst) {
                        thread::park();
                    }
                    woke.fetch_add(1, SeqCst);
                })
            })
            .collect();
        thread::sleep(Duration::from_millis(2));
        check(
            woke.load(SeqCst) == 0,
            "park: a thread ran on before it was released",
        );
        released.store(true, SeqCst);
        hs.iter().for_each(|h| h.thread().unpark());
    });

    // the token an earlier unpark left makes this park return at once
    thread::current().unpark();
    thread::park();
    let deadline = Instant::now() + Duration::from_millis(5);
    while Instant::now() < deadline {
        thread::park_timeout(deadline.saturating_duration_since(Instant::now()));
    }
    println!(
        "park: {} hand-offs, {} threads unparked, park_timeout",
        turn.load(SeqCst),
        woke.load(SeqCst)
    );
    17
}

// sleeps: many threads sleeping different lengths at once.
fn sleeps() -> usize {
    let hs: Vec<_> = (0..100u64)
        .map(|i| {
            thread::spawn(move || sleep_checked(Duration::from_micros(100 * (i % 10 + 1)), "sleep"))
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
    sleep_checked(Duration::from_millis(10), "sleep");
    println!("sleep: 100 threads");
    100
}

// deep recurses N frames of about 1 KiB each, to use the stack a thread asked for.
#[inline(never)]
fn deep(n: usize) -> u64 {
    let buf = [n as u8; 1024];
    if n == 0 {
        return 0;
    }
    // the volatile read after the call keeps buf in this frame
    deep(n - 1) + unsafe { std::ptr::read_volatile(&buf[n % buf.len()]) } as u64
}

// builder: named threads with stack sizes from 64 KiB to 16 MiB, each recursing through
// half its stack; names seen through thread::current() and the join handle.
fn builder() -> usize {
    let sizes = [64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20];
    let n = 40;
    let hs: Vec<_> = (0..n)
        .map(|i| {
            let size: usize = sizes[i % sizes.len()];
            thread::Builder::new()
                .name(format!("worker-{}", i))
                .stack_size(size)
                .spawn(move || {
                    let me = thread::current();
                    check(
                        me.name() == Some(format!("worker-{}", i).as_str()),
                        &format!("builder: thread {} is named {:?}", i, me.name()),
                    );
                    let frames = size / 2 / 1100;
                    (frames, deep(frames))
                })
                .unwrap()
        })
        .collect();
    let mut total = 0;
    for (i, h) in hs.into_iter().enumerate() {
        check(
            h.thread().name() == Some(format!("worker-{}", i).as_str()),
            "builder: handle's name",
        );
        let (frames, sum) = h.join().unwrap();
        let want: u64 = (1..=frames).map(|k| k as u8 as u64).sum();
        check(
            sum == want,
            &format!("builder: thread {}'s recursion returned {}", i, sum),
        );
        total += frames;
    }
    let unnamed = thread::spawn(|| thread::current().name().map(String::from))
        .join()
        .unwrap();
    check(unnamed.is_none(), "builder: a plain spawn has a name");
    check(
        thread::current().name() == Some("main"),
        "builder: the main thread is not \"main\"",
    );
    println!(
        "builder: {} named threads, stacks 64 KiB to 16 MiB, {} frames deep in all",
        n, total
    );
    n + 1
}

// many: thousands of short threads, in batches so that a few hundred are alive at once.
fn many(scale: u64) -> usize {
    let (n, batch) = (2000 * scale, 250);
    let main = thread::current().id();
    let mut ids = HashSet::new();
    let mut sum = 0;
    for b in (0..n).step_by(batch) {
        let hs: Vec<_> = (b..b + batch as u64)
            .map(|i| thread::spawn(move || (collatz(i + 1), thread::current().id())))
            .collect();
        for h in hs {
            let (v, id) = h.join().unwrap();
            sum += v;
            ids.insert(id);
        }
    }
    check(
        !ids.contains(&main) && ids.len() as u64 == n,
        "many: thread ids not distinct",
    );
    check(sum == collatz_range(1, n + 1), "many: wrong sum");
    println!(
        "many: {} threads in batches of {}, collatz steps {}",
        n, batch, sum
    );
    n as usize
}

// timed runs one part, reports its wall time on stderr (not compared) and returns the
// number of threads it started.
fn timed(name: &str, part: impl FnOnce() -> usize) -> usize {
    let t0 = Instant::now();
    let threads = part();
    eprintln!("{}: {:.1} ms", name, t0.elapsed().as_secs_f64() * 1000.0);
    threads
}

fn main() {
    let scale: u64 = match std::env::args().nth(1).map(|a| a.parse()) {
        Some(Ok(s)) if s >= 1 => s,
        _ => {
            eprintln!("usage: rust_workload SCALE");
            std::process::exit(2);
        }
    };
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !on_purpose(info.payload()) {
            default_hook(info);
        }
    }));
    println!("rust_workload scale {}", scale);
    let mut threads = 0;
    threads += timed("spawn", || spawn_join(scale));
    threads += timed("panic", || panics(scale));
    threads += timed("scope", || scoped(scale));
    threads += timed("channels", || channels(scale));
    threads += timed("mutex_rwlock", || mutex_rwlock(scale));
    threads += timed("condvar", || condvar(scale));
    threads += timed("barrier", || barrier(scale));
    threads += timed("once", once);
    threads += timed("atomics", || atomics(scale));
    threads += timed("thread_local", thread_locals);
    threads += timed("park", || park(scale));
    threads += timed("sleep", sleeps);
    threads += timed("builder", builder);
    threads += timed("many", || many(scale));
    println!("threads: {} started", threads);
    let failed = FAILURES.load(SeqCst);
    println!("{}", if failed > 0 { "FAILED" } else { "done" });
    std::process::exit(if failed > 0 { 1 } else { 0 });
}
