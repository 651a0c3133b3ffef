//! Group commit: a request that wrote something waits for a flush that began
//! after its write. One thread runs `flush` (write + fsync) for every waiter
//! queued since the previous flush began, so concurrent requests share one
//! fsync instead of each paying for their own (sled's `flush_async` would
//! start one flush per caller).

use std::sync::mpsc;
use std::thread;

use tokio::sync::oneshot;

use super::{StoreError, StoreResult};

type Waiter = oneshot::Sender<Result<(), String>>;

/// The handle requests use to wait for durability.
#[derive(Debug, Clone)]
pub(super) struct Flusher {
    queue: mpsc::Sender<Waiter>,
}

impl Flusher {
    /// Starts the flush thread for `db`; it ends when every handle is dropped.
    pub(super) fn start(db: sled::Db) -> StoreResult<Self> {
        let (queue, waiters) = mpsc::channel::<Waiter>();
        thread::Builder::new()
            .name("gatehouse-flush".into())
            .spawn(move || {
                while let Ok(first) = waiters.recv() {
                    // Everyone queued now wrote before this flush starts.
                    let mut batch = vec![first];
                    batch.extend(waiters.try_iter());
                    let started = std::time::Instant::now();
                    let outcome = db.flush().map(|_| ()).map_err(|e| e.to_string());
                    log::trace!(
                        "flushed for {} waiters in {} µs",
                        batch.len(),
                        started.elapsed().as_micros()
                    );
                    for waiter in batch {
                        let _ = waiter.send(outcome.clone());
                    }
                }
            })
            .map_err(|e| StoreError::Db(e.to_string()))?;
        Ok(Flusher { queue })
    }

    /// Waits until every write this task made before the call is on disk.
    pub(super) async fn flush(&self) -> StoreResult<()> {
        let (tx, rx) = oneshot::channel();
        self.queue
            .send(tx)
            .map_err(|_| StoreError::Db("the flush thread has stopped".into()))?;
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Db(e)),
            Err(_) => Err(StoreError::Db("the flush thread has stopped".into())),
        }
    }
}
