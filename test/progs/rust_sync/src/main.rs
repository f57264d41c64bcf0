// Rust's std::sync under goshim: its Mutex, Condvar, RwLock, Barrier and thread parking
// are futex calls through libc's syscall(), which goshim turns into parked Gs.
// (not under GOSHIM_TLS=shared: Rust keeps its thread handle in a thread-local)
use std::sync::{mpsc, Arc, Barrier, Condvar, Mutex, RwLock};
use std::thread;

fn mutex() {
    let m = Arc::new(Mutex::new(0u64));
    let hs: Vec<_> = (0..16)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || {
                for _ in 0..10_000 {
                    *m.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    println!("mutex: {}", *m.lock().unwrap());
}

fn condvar() {
    let pair = Arc::new((Mutex::new(0u32), Condvar::new()));
    let p2 = pair.clone();
    let h = thread::spawn(move || {
        let (l, c) = &*p2;
        for _ in 0..1_000 {
            let mut g = l.lock().unwrap();
            while *g % 2 == 1 {
                g = c.wait(g).unwrap();
            }
            *g += 1;
            c.notify_one();
        }
    });
    let (l, c) = &*pair;
    for _ in 0..1_000 {
        let mut g = l.lock().unwrap();
        while *g % 2 == 0 {
            g = c.wait(g).unwrap();
        }
        *g += 1;
        c.notify_one();
    }
    h.join().unwrap();
    println!("condvar ping-pong: {}", *l.lock().unwrap());
}

fn rwlock() {
    let rw = Arc::new(RwLock::new((0u64, 0u64)));
    let hs: Vec<_> = (0..8)
        .map(|i| {
            let rw = rw.clone();
            thread::spawn(move || {
                let mut torn = 0;
                for _ in 0..5_000 {
                    if i % 2 == 0 {
                        let mut w = rw.write().unwrap();
                        w.0 += 1;
                        w.1 += 1;
                    } else {
                        let r = rw.read().unwrap();
                        if r.0 != r.1 {
                            torn += 1;
                        }
                    }
                }
                torn
            })
        })
        .collect();
    let torn: u32 = hs.into_iter().map(|h| h.join().unwrap()).sum();
    println!("rwlock: {} writes, {} torn reads", rw.read().unwrap().0, torn);
}

fn barrier() {
    let b = Arc::new(Barrier::new(8));
    let leaders = Arc::new(Mutex::new(0));
    let hs: Vec<_> = (0..8)
        .map(|_| {
            let (b, l) = (b.clone(), leaders.clone());
            thread::spawn(move || {
                for _ in 0..100 {
                    if b.wait().is_leader() {
                        *l.lock().unwrap() += 1;
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    println!("barrier: {} leaders in 100 rounds", *leaders.lock().unwrap());
}

fn channel() {
    let (tx, rx) = mpsc::sync_channel(4);
    let hs: Vec<_> = (0..8u64)
        .map(|i| {
            let tx = tx.clone();
            thread::spawn(move || {
                for k in 0..1_000u64 {
                    tx.send(i * 1_000 + k).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let (n, sum) = rx.iter().fold((0u64, 0u64), |(n, s), v| (n + 1, s + v));
    for h in hs {
        h.join().unwrap();
    }
    println!("mpsc: {} items, sum {}", n, sum);
}

fn main() {
    mutex();
    condvar();
    rwlock();
    barrier();
    channel();
}
