//! Stopping on a signal: SIGINT (Ctrl-C), SIGTERM (what `timeout`, systemd, Slurm time limits
//! and Kubernetes send) and SIGHUP (a closed terminal or SSH session) are handled alike.
//!
//! The signals are blocked in every thread and received by one thread of their own, which may
//! do anything safely (remove folders, print). While a simulation or a study runs (a
//! *cooperative* phase, [`cooperative`]) the first signal only sets the cancel flag the runs
//! check every few thousand events; the command then removes its staging folder and exits with
//! 128 + the signal's number (130, 143, 129). Outside such a phase (charts being drawn, files
//! being written, a scenario being read), and at a second signal in any phase, the process
//! removes its open staging folders and exits at once with that code: nothing is left
//! half-written either way.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use mailsim::report::remove_unfinished;

/// Set at the first signal; simulations and studies check it.
static CANCEL: AtomicBool = AtomicBool::new(false);
/// The first signal received (0: none).
static RECEIVED: AtomicI32 = AtomicI32::new(0);
/// Whether the current phase stops by itself promptly once [`CANCEL`] is set.
static COOPERATIVE: AtomicBool = AtomicBool::new(false);

/// The flag that tells runs to stop.
pub fn cancel_flag() -> &'static AtomicBool {
    &CANCEL
}

/// The first signal received, if any.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// The error of a command stopped by the signal received (SIGINT if none was recorded).
pub fn interrupted() -> super::CliError {
    super::CliError::Interrupted(received().unwrap_or(2))
}

/// The exit code for `signal`: 128 + its number, as shells report it.
pub fn exit_code(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(u8::MAX)
}

/// Runs `work`, which checks [`cancel_flag`] often, so that a first signal only sets the flag
/// and lets it stop by itself; `None` if a signal arrived meanwhile (the caller then stops).
pub fn cooperative<T>(work: impl FnOnce() -> T) -> Option<T> {
    COOPERATIVE.store(true, Ordering::SeqCst);
    let result = work();
    COOPERATIVE.store(false, Ordering::SeqCst);
    // The handler records the signal before it reads the phase, and the phase ends before the
    // signal is read here: a signal is never missed by both.
    received().is_none().then_some(result)
}

/// Blocks the signals in this thread and in every thread it starts from now on, and starts the
/// thread that receives them. Call first thing in `main`, before any other thread exists.
#[cfg(unix)]
pub fn install() {
    // SAFETY: `sigset_t` is plain data that `sigemptyset` initialises; the calls only read and
    // write the set and this thread's signal mask.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut set, signal);
        }
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return; // the signals keep their default action: the process ends
        }
        set
    };
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            loop {
                let mut signal = 0;
                // SAFETY: `set` is initialised and blocked in every thread; `signal` is written.
                if unsafe { libc::sigwait(&set, &mut signal) } == 0 {
                    handle(signal);
                }
            }
        });
    if spawned.is_err() {
        // Without a receiver the blocked signals would be ignored: restore their default.
        // SAFETY: as above.
        unsafe {
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        }
    }
}

/// Elsewhere only Ctrl-C is handled, and always ends the process at once.
#[cfg(not(unix))]
pub fn install() {
    let _ = ctrlc::set_handler(|| handle(2));
}

/// What a signal does: the first in a cooperative phase sets the cancel flag; any other ends
/// the process now, after removing its unfinished output.
fn handle(signal: i32) {
    let first = RECEIVED
        .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok();
    CANCEL.store(true, Ordering::SeqCst);
    if first && COOPERATIVE.load(Ordering::SeqCst) {
        return;
    }
    remove_unfinished();
    eprintln!("{}", super::INTERRUPTED);
    std::process::exit(i32::from(exit_code(signal)));
}
