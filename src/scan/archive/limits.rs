//! The limits that keep a hostile archive from costing more than a plain
//! file would: nesting depth, entries, bytes per member, bytes expanded in
//! all, compression ratio, bytes held in memory. A limit that is hit ends
//! the part of the archive it guards and becomes a note; the scan goes on.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::{self, Read};

/// Archives inside archives opened, the outermost counting as 1.
pub const MAX_DEPTH: u32 = 5;
/// Entries read from one archive.
pub const MAX_ENTRIES: u64 = 100_000;
/// Bytes of one member scanned (the rest is not).
pub const MAX_MEMBER: u64 = 256 << 20;
/// Bytes decompressed for one archive, nested archives included.
pub const MAX_EXPANDED: u64 = 4 << 30;
/// Decompressed bytes per compressed byte beyond which a stream is a bomb.
pub const MAX_RATIO: u64 = 100;
/// The ratio counts from this many bytes out: a small file of one repeated
/// line compresses far better than 100:1 and is no bomb.
pub const RATIO_FROM: u64 = 1 << 20;
/// Bytes of zips held in memory at once for one archive: a zip's directory
/// is at its end, so a zip that is not a file on disk (a layer entry, a git
/// blob, a member) is read whole before it is opened.
pub const MAX_HELD: u64 = 512 << 20;
/// Notes kept for one archive; the rest are counted.
pub const MAX_NOTES: usize = 20;

/// A limit that stopped decompression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Ratio,
    Expanded,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Ratio => write!(
                f,
                "compression ratio over {MAX_RATIO}:1 (a possible decompression bomb); the rest was not read"
            ),
            Limit::Expanded => write!(
                f,
                "more than {} GiB decompressed for this archive (a possible decompression bomb); the rest was not read",
                MAX_EXPANDED >> 30
            ),
        }
    }
}

impl std::error::Error for Limit {}

/// The limit behind an I/O error, if one is.
pub fn limit_of(e: &io::Error) -> Option<Limit> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<Limit>())
        .copied()
}

/// What one archive (with everything nested in it) may still use.
pub struct Budget {
    expanded: Cell<u64>,
    held: Cell<u64>,
    /// Limits hit, with the archive whose stream hit them, not yet noted.
    tripped: RefCell<Vec<(String, Limit)>>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            expanded: Cell::new(MAX_EXPANDED),
            held: Cell::new(MAX_HELD),
            tripped: RefCell::new(Vec::new()),
        }
    }
}

impl Budget {
    /// Bytes that may still be held in memory.
    pub fn held_left(&self) -> u64 {
        self.held.get()
    }

    pub fn hold(&self, n: u64) {
        self.held.set(self.held.get().saturating_sub(n));
    }

    pub fn release(&self, n: u64) {
        self.held
            .set(self.held.get().saturating_add(n).min(MAX_HELD));
    }

    /// The limits hit since the last call.
    pub fn take_tripped(&self) -> Vec<(String, Limit)> {
        std::mem::take(&mut *self.tripped.borrow_mut())
    }
}

/// Counts the bytes read through it (the compressed side of a decoder).
pub struct Count<'c, R> {
    pub inner: R,
    pub n: &'c Cell<u64>,
}

impl<R: Read> Read for Count<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.set(self.n.get() + k as u64);
        Ok(k)
    }
}

/// Where a guard learns how many compressed bytes went in.
pub enum Input<'c> {
    /// Counted as the decoder reads them.
    Counted(&'c Cell<u64>),
    /// Known beforehand (a zip member's compressed size).
    Fixed(u64),
}

/// The decompressed side of a decoder: fails, and keeps failing, once the
/// stream passes the ratio or the archive's expansion budget.
pub struct Guard<'g, R> {
    inner: R,
    input: Input<'g>,
    out: u64,
    budget: &'g Budget,
    /// The archive (or member) this stream decompresses, for the note.
    what: &'g str,
    stopped: Option<Limit>,
}

impl<'g, R: Read> Guard<'g, R> {
    pub fn new(inner: R, input: Input<'g>, budget: &'g Budget, what: &'g str) -> Self {
        Guard {
            inner,
            input,
            out: 0,
            budget,
            what,
            stopped: None,
        }
    }

    fn stop(&mut self, limit: Limit) -> io::Error {
        if self.stopped.is_none() {
            self.stopped = Some(limit);
            self.budget
                .tripped
                .borrow_mut()
                .push((self.what.to_string(), limit));
        }
        io::Error::other(limit)
    }
}

impl<R: Read> Read for Guard<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(limit) = self.stopped {
            return Err(io::Error::other(limit));
        }
        if buf.is_empty() {
            return Ok(0);
        }
        let left = self.budget.expanded.get();
        if left == 0 {
            // At the budget: fine only if the stream ends here.
            let mut one = [0u8; 1];
            return match self.inner.read(&mut one)? {
                0 => Ok(0),
                _ => Err(self.stop(Limit::Expanded)),
            };
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.out += n as u64;
        self.budget.expanded.set(left - n as u64);
        let input = match &self.input {
            Input::Counted(c) => c.get(),
            Input::Fixed(n) => *n,
        };
        if self.out > RATIO_FROM && self.out > input.max(1).saturating_mul(MAX_RATIO) {
            return Err(self.stop(Limit::Ratio));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_high_ratio_stops_the_stream_and_is_recorded_once() {
        let budget = Budget::default();
        let data = vec![b'a'; (RATIO_FROM as usize) * 2];
        let mut g = Guard::new(&data[..], Input::Fixed(1000), &budget, "bomb.gz");
        let err = std::io::copy(&mut g, &mut std::io::sink()).unwrap_err();
        assert_eq!(limit_of(&err), Some(Limit::Ratio));
        let again = g.read(&mut [0u8; 8]).unwrap_err();
        assert_eq!(limit_of(&again), Some(Limit::Ratio));
        assert_eq!(
            budget.take_tripped(),
            vec![("bomb.gz".into(), Limit::Ratio)]
        );
    }

    #[test]
    fn a_fair_ratio_reads_to_the_end() {
        let budget = Budget::default();
        let data = vec![b'a'; (RATIO_FROM as usize) * 2];
        let mut g = Guard::new(
            &data[..],
            Input::Fixed(data.len() as u64 / 10),
            &budget,
            "x",
        );
        assert_eq!(
            std::io::copy(&mut g, &mut std::io::sink()).unwrap(),
            data.len() as u64
        );
        assert!(budget.take_tripped().is_empty());
    }

    #[test]
    fn the_expansion_budget_is_shared() {
        let budget = Budget::default();
        budget.expanded.set(10);
        let data = [b'a'; 8];
        let mut a = Guard::new(&data[..], Input::Fixed(8), &budget, "a");
        assert_eq!(std::io::copy(&mut a, &mut std::io::sink()).unwrap(), 8);
        let mut b = Guard::new(&data[..], Input::Fixed(8), &budget, "b");
        let err = std::io::copy(&mut b, &mut std::io::sink()).unwrap_err();
        assert_eq!(limit_of(&err), Some(Limit::Expanded));
    }
}
