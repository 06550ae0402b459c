//! Signatures for the certificates that travel inside other messages (Castro & Liskov §4.4:
//! view-change messages carry signed checkpoint and prepare messages; §3: a faulty replica
//! cannot forge an honest replica's signature).
//!
//! Point-to-point messages need no signature here: the network stamps the true sender on every
//! envelope. Certificates, though, are forwarded: a VIEW-CHANGE carries other replicas' PREPAREs
//! and CHECKPOINTs, and a NEW-VIEW carries other replicas' VIEW-CHANGEs. A `Signed<T>` can only be
//! made by a `Keyring`, and a keyring signs only as the replica it was issued to, so behaviour
//! code (which is handed its replica's keyring) cannot speak for anyone else. The tag is a keyed
//! SHA-256 over a secret that the simulator derives per trial and never hands out.

use super::message::{Checkpoint, Digest, ReplicaId, Vote};

/// What a signature covers: a domain tag and the value's bytes.
pub trait Signable {
    /// Appends a domain-separated encoding of the value.
    fn encode_for_signature(&self, out: &mut Vec<u8>);
}

/// Which protocol step a signed vote belongs to; part of what is signed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum VoteKind {
    /// `PRE-PREPARE(v, n, d)` by the primary.
    PrePrepare,
    /// `PREPARE(v, n, d, i)` by a backup.
    Prepare,
}

impl Signable for (VoteKind, Vote) {
    fn encode_for_signature(&self, out: &mut Vec<u8>) {
        let (kind, vote) = self;
        out.push(match kind {
            VoteKind::PrePrepare => b'P',
            VoteKind::Prepare => b'p',
        });
        out.extend_from_slice(&vote.view.to_le_bytes());
        out.extend_from_slice(&vote.seq.to_le_bytes());
        out.extend_from_slice(&vote.digest.0);
    }
}

impl Signable for Checkpoint {
    fn encode_for_signature(&self, out: &mut Vec<u8>) {
        out.push(b'C');
        out.extend_from_slice(&self.seq.to_le_bytes());
        out.extend_from_slice(&self.state.0);
    }
}

impl Signable for Digest {
    fn encode_for_signature(&self, out: &mut Vec<u8>) {
        out.push(b'D');
        out.extend_from_slice(&self.0);
    }
}

/// A value with its signer and an unforgeable tag.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Signed<T> {
    signer: ReplicaId,
    value: T,
    tag: [u8; 16],
}

impl<T> Signed<T> {
    /// The replica that signed.
    pub fn signer(&self) -> ReplicaId {
        self.signer
    }

    /// The signed value.
    pub fn value(&self) -> &T {
        &self.value
    }
}

/// One replica's signing key, and everyone's verification key.
#[derive(Clone)]
pub struct Keyring {
    me: ReplicaId,
    secret: [u8; 32],
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keyring(replica {})", self.me)
    }
}

impl Keyring {
    /// Issues replica `me`'s keyring for a trial whose secret is `trial_secret`. Only the
    /// simulator calls this; behaviours receive their replica's keyring and cannot build others.
    pub fn issue(me: ReplicaId, trial_secret: u64) -> Keyring {
        Keyring {
            me,
            secret: Digest::of(&[b"keyring", &trial_secret.to_le_bytes()]).0,
        }
    }

    /// The replica this keyring signs for.
    pub fn owner(&self) -> ReplicaId {
        self.me
    }

    fn tag<T: Signable>(&self, signer: ReplicaId, value: &T) -> [u8; 16] {
        let mut bytes = Vec::with_capacity(96);
        value.encode_for_signature(&mut bytes);
        let digest = Digest::of(&[&self.secret, &signer.to_le_bytes(), &bytes]);
        let mut tag = [0u8; 16];
        tag.copy_from_slice(&digest.0[..16]);
        tag
    }

    /// Signs `value` as this keyring's owner.
    pub fn sign<T: Signable>(&self, value: T) -> Signed<T> {
        Signed {
            signer: self.me,
            tag: self.tag(self.me, &value),
            value,
        }
    }

    /// Whether `signed` was really signed by its claimed signer.
    pub fn verify<T: Signable>(&self, signed: &Signed<T>) -> bool {
        self.tag(signed.signer, &signed.value) == signed.tag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote() -> Vote {
        Vote {
            view: 1,
            seq: 2,
            digest: Digest([3; 32]),
        }
    }

    #[test]
    fn verifies_own_and_others_signatures() {
        let a = Keyring::issue(0, 42);
        let b = Keyring::issue(1, 42);
        let s = a.sign((VoteKind::Prepare, vote()));
        assert!(b.verify(&s));
        assert_eq!(s.signer(), 0);
    }

    #[test]
    fn rejects_tampering_and_other_trials() {
        let a = Keyring::issue(0, 42);
        let mut s = a.sign((VoteKind::Prepare, vote()));
        s.value.1.seq = 3;
        assert!(!a.verify(&s), "changed value");
        let mut s = a.sign((VoteKind::Prepare, vote()));
        s.signer = 2;
        assert!(!a.verify(&s), "claimed another signer");
        let s = a.sign((VoteKind::Prepare, vote()));
        assert!(!Keyring::issue(1, 43).verify(&s), "another trial's key");
        let pp = a.sign((VoteKind::PrePrepare, vote()));
        let p = a.sign((VoteKind::Prepare, vote()));
        assert_ne!(pp.tag, p.tag, "kinds are domain-separated");
    }
}
