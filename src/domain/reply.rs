//! SMTP replies: basic code, enhanced status code, text and the scope of the failure.

use std::fmt;

/// How much of the delivery a temporary failure concerns. Real MTAs react differently to each
/// (Postfix throttles a destination only on site-level failures; Exim keys its retry records by
/// host, host+message or address).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The connection, greeting or EHLO failed: the whole destination is affected.
    Site,
    /// A reply to MAIL FROM, DATA or end of data: this message is affected.
    Message,
    /// A reply to RCPT TO: this recipient is affected.
    Recipient,
}

/// What a reply means for the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyClass {
    /// 2xx: delivered.
    Accepted,
    /// 4xx or a connection failure: try again later.
    Temporary,
    /// 5xx: bounce now.
    Permanent,
}

/// Every reply the model can produce.
///
/// The texts are the ones Microsoft 365 and common MTAs send (see
/// `reference/mta-retry-facts.md` §5); `[IP]` stands for the sending IP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Reply {
    /// `250 2.0.0 OK`.
    Accepted,
    /// `451 4.7.500 Server busy` at RCPT TO: the receiver's per-IP throttle is exhausted.
    ServerBusy,
    /// `451 4.7.650` at MAIL FROM: deferred because of the sending IP's reputation.
    IpReputation,
    /// `550 5.1.10 Recipient not found` at RCPT TO.
    RecipientNotFound,
    /// The TCP connection timed out (no SMTP reply; Postfix reports 4.4.1).
    ConnectTimeout,
    /// The TCP connection was refused (no SMTP reply; 4.4.1).
    ConnectRefused,
    /// `421 4.3.2` at the greeting: the service is unavailable.
    Greeting421,
    /// `451 4.3.2` to every transaction while the receiver is impaired.
    TemporaryError451,
    /// `451 4.7.500 Access denied, please try again later` at RCPT TO: an anti-spam rule
    /// restricts the sending IP (the documented 4.7.500–699 "ASxxx" family).
    AccessDenied,
    /// `451 4.7.0` at MAIL FROM: the receiver's SPF check of the sending domain returned
    /// temperror (its DNS lookup failed).
    SpfTempError,
    /// The sender could not resolve the receiver's MX records (no connection was made; Postfix
    /// reports 4.4.3).
    MxLookupFailed,
    /// `450 4.2.0 Greylisted` at RCPT TO: the sender/recipient/IP triplet is new to a greylisting
    /// receiver, or was first seen less than the greylisting delay ago.
    Greylisted,
    /// `550 5.7.606 Access denied, banned sending IP [IP]` at RCPT TO, until delisted.
    BannedIp,
    /// `451 4.7.26` after DATA: the sender's SPF/DKIM/DMARC checks failed and the receiver
    /// defers the message (RFC 7372: "multiple authentication checks failed").
    AuthDeferral,
    /// `550 5.7.515` after DATA: the sending domain fails the receiver's authentication
    /// requirements (Outlook.com's reply to unauthenticated bulk mail).
    AuthRejected,
    /// `550 5.2.121` at RCPT TO: the recipient's hourly receive limit for one sender is reached.
    SenderHourlyLimit,
    /// `550 5.2.122` at RCPT TO: the recipient's hourly receive limit from all senders is
    /// reached.
    RecipientHourlyLimit,
}

impl Reply {
    /// Every reply, in a fixed order (used to index per-reply counters).
    pub const ALL: [Reply; 17] = [
        Reply::Accepted,
        Reply::ServerBusy,
        Reply::IpReputation,
        Reply::RecipientNotFound,
        Reply::ConnectTimeout,
        Reply::ConnectRefused,
        Reply::Greeting421,
        Reply::TemporaryError451,
        Reply::AccessDenied,
        Reply::SpfTempError,
        Reply::MxLookupFailed,
        Reply::Greylisted,
        Reply::BannedIp,
        Reply::AuthDeferral,
        Reply::AuthRejected,
        Reply::SenderHourlyLimit,
        Reply::RecipientHourlyLimit,
    ];

    /// Position in [`Reply::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The basic SMTP code; `None` when no SMTP reply was received (connection failures).
    pub fn code(self) -> Option<u16> {
        match self {
            Reply::Accepted => Some(250),
            Reply::ServerBusy
            | Reply::IpReputation
            | Reply::TemporaryError451
            | Reply::AccessDenied
            | Reply::SpfTempError
            | Reply::AuthDeferral => Some(451),
            Reply::Greylisted => Some(450),
            Reply::RecipientNotFound
            | Reply::BannedIp
            | Reply::AuthRejected
            | Reply::SenderHourlyLimit
            | Reply::RecipientHourlyLimit => Some(550),
            Reply::Greeting421 => Some(421),
            Reply::ConnectTimeout | Reply::ConnectRefused | Reply::MxLookupFailed => None,
        }
    }

    /// The enhanced status code (RFC 3463).
    pub fn enhanced(self) -> &'static str {
        match self {
            Reply::Accepted => "2.0.0",
            Reply::ServerBusy | Reply::AccessDenied => "4.7.500",
            Reply::IpReputation => "4.7.650",
            Reply::RecipientNotFound => "5.1.10",
            Reply::SpfTempError => "4.7.0",
            Reply::MxLookupFailed => "4.4.3",
            Reply::Greylisted => "4.2.0",
            Reply::BannedIp => "5.7.606",
            Reply::AuthDeferral => "4.7.26",
            Reply::AuthRejected => "5.7.515",
            Reply::SenderHourlyLimit => "5.2.121",
            Reply::RecipientHourlyLimit => "5.2.122",
            Reply::ConnectTimeout | Reply::ConnectRefused => "4.4.1",
            Reply::Greeting421 | Reply::TemporaryError451 => "4.3.2",
        }
    }

    /// The reply text, with `[IP]` where the receiver names the sending IP.
    pub fn text(self) -> &'static str {
        match self {
            Reply::Accepted => "OK",
            Reply::ServerBusy => "Server busy. Please try again later from [IP]",
            Reply::IpReputation => {
                "The mail server [IP] has been temporarily rate limited due to IP reputation"
            }
            Reply::RecipientNotFound => "Recipient not found",
            Reply::ConnectTimeout => "connect to receiver: Connection timed out",
            Reply::ConnectRefused => "connect to receiver: Connection refused",
            Reply::Greeting421 => "Service not available, closing transmission channel",
            Reply::TemporaryError451 => "Temporary server error. Please try again later",
            Reply::AccessDenied => "Access denied, please try again later",
            Reply::SpfTempError => {
                "Temporary authentication failure: SPF check of the sending domain returned temperror"
            }
            Reply::MxLookupFailed => {
                "Host or domain name not found. Name service error for type=MX: Host not found, try again"
            }
            Reply::Greylisted => "Greylisted, please try again later",
            Reply::BannedIp => "Access denied, banned sending IP [IP]",
            Reply::AuthDeferral => {
                "Multiple authentication checks failed (SPF, DKIM, DMARC). Please try again later"
            }
            Reply::AuthRejected => {
                "Access denied, sending domain does not meet the required authentication level"
            }
            Reply::SenderHourlyLimit => {
                "Recipient's per hour message receive limit from specific sender exceeded"
            }
            Reply::RecipientHourlyLimit => "Recipient's per hour message receive limit exceeded",
        }
    }

    /// Which part of the delivery the reply concerns.
    pub fn scope(self) -> Scope {
        match self {
            Reply::ConnectTimeout
            | Reply::ConnectRefused
            | Reply::Greeting421
            | Reply::MxLookupFailed => Scope::Site,
            Reply::IpReputation
            | Reply::TemporaryError451
            | Reply::SpfTempError
            | Reply::AuthDeferral
            | Reply::AuthRejected
            | Reply::Accepted => Scope::Message,
            Reply::ServerBusy
            | Reply::RecipientNotFound
            | Reply::AccessDenied
            | Reply::Greylisted
            | Reply::BannedIp
            | Reply::SenderHourlyLimit
            | Reply::RecipientHourlyLimit => Scope::Recipient,
        }
    }

    /// Delivered, try again, or bounce.
    pub fn class(self) -> ReplyClass {
        match self.enhanced().as_bytes()[0] {
            b'2' => ReplyClass::Accepted,
            b'5' => ReplyClass::Permanent,
            _ => ReplyClass::Temporary,
        }
    }
}

/// The full reply line, e.g. `451 4.7.500 Server busy. Please try again later from [IP]`.
impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code() {
            Some(code) => write!(f, "{code} {} {}", self.enhanced(), self.text()),
            None => write!(f, "{} {}", self.enhanced(), self.text()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_match_the_table() {
        for (i, reply) in Reply::ALL.iter().enumerate() {
            assert_eq!(reply.index(), i);
        }
    }

    #[test]
    fn classes_and_scopes_follow_the_codes() {
        assert_eq!(Reply::Accepted.class(), ReplyClass::Accepted);
        assert_eq!(Reply::RecipientNotFound.class(), ReplyClass::Permanent);
        assert_eq!(Reply::ServerBusy.class(), ReplyClass::Temporary);
        assert_eq!(Reply::ServerBusy.scope(), Scope::Recipient);
        assert_eq!(Reply::IpReputation.scope(), Scope::Message);
        assert_eq!(Reply::ConnectTimeout.scope(), Scope::Site);
        assert_eq!(Reply::BannedIp.class(), ReplyClass::Permanent);
        assert_eq!(Reply::Greylisted.class(), ReplyClass::Temporary);
        assert_eq!(Reply::MxLookupFailed.scope(), Scope::Site);
        assert_eq!(Reply::MxLookupFailed.code(), None);
        assert_eq!(
            Reply::BannedIp.to_string(),
            "550 5.7.606 Access denied, banned sending IP [IP]"
        );
        assert_eq!(
            Reply::ServerBusy.to_string(),
            "451 4.7.500 Server busy. Please try again later from [IP]"
        );
    }
}
