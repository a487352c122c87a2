//! DNS trouble windows of one kind, shared by the `mx_lookup` and `spf` rules: while a window
//! covers the attempt and names its sender, the window's share of attempts fails.

use crate::domain::DnsKind;
use crate::engine::{RandomStream, SimTime};
use crate::scenario::{DnsTrouble, Receiver};

/// A receiver's DNS trouble windows of one kind, in file order.
pub(super) struct DnsWindows<'a> {
    windows: Vec<&'a DnsTrouble>,
}

impl<'a> DnsWindows<'a> {
    /// `spec`'s windows of `kind`, or `None` if it has none.
    pub fn of(spec: &'a Receiver, kind: DnsKind) -> Option<DnsWindows<'a>> {
        let windows: Vec<&DnsTrouble> =
            spec.dns_trouble.iter().filter(|w| w.kind == kind).collect();
        (!windows.is_empty()).then_some(DnsWindows { windows })
    }

    /// Whether a window covers `now` for `sender` and this attempt is among those affected
    /// (one draw per window that covers it, until one fails it).
    pub fn fail(&self, now: SimTime, sender: usize, rng: &mut RandomStream) -> bool {
        self.windows.iter().any(|dns| {
            dns.start <= now
                && now < dns.end
                && dns.senders.contains(&sender)
                && rng.chance(dns.fraction.get())
        })
    }
}
