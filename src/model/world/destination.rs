//! Destinations: where a message goes (one sender's mail to one receiver, [`DestinationId`])
//! and the connection slots the sender keeps for it ([`Destination`]: connections in use and
//! the first-in first-out line of messages waiting for one). How slots are taken and given
//! back lives in `connections`.

use std::collections::VecDeque;
use std::ops::{Index, IndexMut};

/// One sender's mail to one receiver. Two indices side by side rather than one packed number,
/// at no cost in size (a message record stays 40 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct DestinationId {
    sender: u32,
    receiver: u32,
}

impl DestinationId {
    /// The destination of `sender`'s mail to `receiver` (indices in the scenario).
    pub fn new(sender: usize, receiver: usize) -> DestinationId {
        DestinationId {
            sender: sender as u32,
            receiver: receiver as u32,
        }
    }

    /// The sender's index in the scenario.
    #[inline]
    pub fn sender(self) -> usize {
        self.sender as usize
    }

    /// The receiver's index in the scenario.
    #[inline]
    pub fn receiver(self) -> usize {
        self.receiver as usize
    }
}

/// A sender's connections to one receiver.
#[derive(Debug, Default)]
pub(super) struct Destination {
    /// Connections open (each carrying an attempt).
    pub busy: u32,
    /// Messages waiting for a connection, by slot, first come first served.
    pub waiting: VecDeque<u32>,
}

/// Every destination's connections, one entry per sender × receiver.
#[derive(Debug)]
pub(super) struct Destinations {
    receivers: usize,
    all: Vec<Destination>,
}

impl Destinations {
    /// No connections open and nobody waiting, for `senders` × `receivers` destinations.
    pub fn new(senders: usize, receivers: usize) -> Destinations {
        Destinations {
            receivers,
            all: (0..senders * receivers)
                .map(|_| Destination::default())
                .collect(),
        }
    }

    #[inline]
    fn position(&self, id: DestinationId) -> usize {
        id.sender() * self.receivers + id.receiver()
    }
}

impl Index<DestinationId> for Destinations {
    type Output = Destination;

    #[inline]
    fn index(&self, id: DestinationId) -> &Destination {
        &self.all[self.position(id)]
    }
}

impl IndexMut<DestinationId> for Destinations {
    #[inline]
    fn index_mut(&mut self, id: DestinationId) -> &mut Destination {
        let position = self.position(id);
        &mut self.all[position]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_names_its_sender_and_receiver() {
        let id = DestinationId::new(3, 7);
        assert_eq!((id.sender(), id.receiver()), (3, 7));
        assert_ne!(id, DestinationId::new(7, 3));
    }

    #[test]
    fn every_sender_receiver_pair_has_its_own_slots() {
        let mut table = Destinations::new(2, 3);
        for sender in 0..2 {
            for receiver in 0..3 {
                let id = DestinationId::new(sender, receiver);
                table[id].busy = (10 * sender + receiver) as u32;
                table[id].waiting.push_back(receiver as u32);
            }
        }
        for sender in 0..2 {
            for receiver in 0..3 {
                let id = DestinationId::new(sender, receiver);
                assert_eq!(table[id].busy, (10 * sender + receiver) as u32);
                assert_eq!(table[id].waiting, [receiver as u32]);
            }
        }
    }
}
