//! The worker pool every batch of trials runs on: `threads` worker threads, each with its own
//! actix System, taking job indices from one atomic counter, and the results gathered on the
//! calling thread, which is told of each as it comes (in completion order) and put back in job
//! order. `run_jobs` (a run's trials) and the explorer's campaign (drawn scenarios) both use it.
//!
//! Jobs are handed out in index order and every job handed out runs to its end, so when the pool
//! stops early (an error, or the deadline passed) the jobs that ran are a prefix of the list
//! (with an error, those after the failing one may be unreported).

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What the pool tells its caller, on the calling thread.
pub(crate) enum Told<'a, R> {
    /// A job finished with this result (in completion order).
    Done(&'a R),
    /// Every job finished so far has been told, and the collecting thread is about to wait a
    /// moment: the time to write them out.
    Gathered,
}

/// How long the collecting thread waits between gathering finished jobs.
const GATHER: Duration = Duration::from_millis(1);

/// Far past any job index: stored in the counter, it stops the handing out.
const STOPPED: usize = usize::MAX / 2;

/// Runs jobs `0..count` on `threads` workers (`work(i)` is job i's future, on the worker's
/// actix System) and returns the results of the jobs that ran, as (index, result) in index
/// order. No job is
/// handed out once `deadline` has passed. `told` hears of each result on the calling thread,
/// and of each gathering; an error from it, or from a job, stops the handing out (jobs already
/// started finish, unreported) and is returned.
pub(crate) fn run_pool<R, E, W, F>(
    count: usize,
    threads: usize,
    deadline: Option<Instant>,
    work: &W,
    told: &mut dyn FnMut(Told<'_, R>) -> Result<(), E>,
) -> Result<Vec<(usize, R)>, E>
where
    R: Send,
    E: Send,
    W: Fn(usize) -> F + Sync,
    F: Future<Output = Result<R, E>>,
{
    let next = AtomicUsize::new(0);
    let threads = threads.clamp(1, count.max(1));
    let (tx, rx) = mpsc::channel::<(usize, Result<R, E>)>();
    let mut done: Vec<(usize, R)> = Vec::new();
    let mut failure = None;
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || {
                let system = actix::System::new();
                system.block_on(async {
                    loop {
                        if deadline.is_some_and(|d| Instant::now() >= d) {
                            next.store(STOPPED, Ordering::Relaxed);
                            break;
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= count {
                            break;
                        }
                        let result = work(i).await;
                        let failed = result.is_err();
                        if tx.send((i, result)).is_err() || failed {
                            break;
                        }
                    }
                });
            });
        }
        drop(tx);
        // `None`: the end of a gathering.
        let mut take = |finished: Option<(usize, Result<R, E>)>| {
            if failure.is_some() {
                return;
            }
            let result = match finished {
                Some((i, result)) => result.and_then(|r| {
                    told(Told::Done(&r))?;
                    done.push((i, r));
                    Ok(())
                }),
                None => told(Told::Gathered),
            };
            if let Err(e) = result {
                failure = Some(e);
                next.store(STOPPED, Ordering::Relaxed);
            }
        };
        // Small trials finish thousands of times a second: waking this thread for each one
        // took a core's time from the workers, so it takes what has come, then waits a moment.
        while let Ok(first) = rx.recv() {
            take(Some(first));
            while let Ok(more) = rx.try_recv() {
                take(Some(more));
            }
            take(None);
            std::thread::sleep(GATHER);
        }
    });
    match failure {
        Some(e) => Err(e),
        None => {
            done.sort_by_key(|(i, _)| *i);
            Ok(done)
        }
    }
}
