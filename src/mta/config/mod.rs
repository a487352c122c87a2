//! Config import.
