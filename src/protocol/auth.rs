//! Signatures for the certificates that travel inside other messages (Castro & Liskov §4.4:
//! view-change messages carry signed checkpoint and prepare messages; §3: a faulty replica
//! cannot forge an honest replica's signature).
//!
//! Point-to-point messages need no signature here: the network stamps the true sender on every
//! envelope. Certificates, though, are forwarded: a VIEW-CHANGE carries other replicas' PREPAREs
//! and CHECKPOINTs, and a NEW-VIEW carries other replicas' VIEW-CHANGEs. A `Signed<T>` can only be
//! made by a `Keyring`, and a keyring signs only as the replica it was issued to, so behaviour
//! code (which is handed its replica's keyring) cannot speak for anyone else. The tag is a
//! 128-bit keyed hash over a secret that the simulator derives per trial and never hands out.
//! It models an unforgeable signature, not a cryptographic one: nothing in the simulator tries
//! to forge tags, so a fast folded-multiply hash serves (SHA-256 here cost a third of the run
//! time of view-change-heavy sweeps).

use super::message::{Checkpoint, Digest, ReplicaId, Vote};

/// What a signature covers: a domain tag and the value's fields.
pub trait Signable {
    /// Feeds a domain-separated encoding of the value to `h`.
    fn feed(&self, h: &mut TagHasher);
}

const P0: u64 = 0xa076_1d64_78bd_642f;
const P1: u64 = 0xe703_7ed1_a0b4_28db;

/// Folded 64x64 -> 128-bit multiply: the mixing step of wyhash-style hashes.
fn fold(a: u64, b: u64) -> u64 {
    let m = u128::from(a) * u128::from(b);
    (m as u64) ^ ((m >> 64) as u64)
}

/// The keyed hash behind signature tags.
pub struct TagHasher {
    a: u64,
    b: u64,
}

impl TagHasher {
    fn new(secret: [u64; 2], signer: ReplicaId) -> TagHasher {
        TagHasher {
            a: secret[0] ^ u64::from(signer).wrapping_mul(P0),
            b: secret[1],
        }
    }

    /// Feeds one 64-bit word.
    pub fn word(&mut self, x: u64) {
        self.a = fold(self.a ^ x ^ P0, self.b ^ P1);
        self.b = self.b.wrapping_add(x).rotate_left(29) ^ self.a;
    }

    /// Feeds a digest.
    pub fn digest(&mut self, d: &Digest) {
        for chunk in d.0.chunks_exact(8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.word(u64::from_le_bytes(word));
        }
    }

    fn finish(self) -> [u64; 2] {
        let hi = fold(self.a ^ P1, self.b ^ P0);
        let lo = fold(self.b ^ hi, self.a ^ P1);
        [hi, lo]
    }
}

/// Which protocol step a signed vote belongs to; part of what is signed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum VoteKind {
    /// `PRE-PREPARE(v, n, d)` by the primary.
    PrePrepare,
    /// `PREPARE(v, n, d, i)` by a backup.
    Prepare,
    /// `COMMIT(v, n, d, i)` by any replica; q of them certify a batch (a commit certificate).
    Commit,
}

impl Signable for (VoteKind, Vote) {
    fn feed(&self, h: &mut TagHasher) {
        let (kind, vote) = self;
        h.word(match kind {
            VoteKind::PrePrepare => 0x5050,
            VoteKind::Prepare => 0x7070,
            VoteKind::Commit => 0x6363,
        });
        h.word(vote.view);
        h.word(vote.seq);
        h.digest(&vote.digest);
    }
}

impl Signable for Checkpoint {
    fn feed(&self, h: &mut TagHasher) {
        h.word(0x4343);
        h.word(self.seq);
        h.digest(&self.state);
    }
}

impl Signable for Digest {
    fn feed(&self, h: &mut TagHasher) {
        h.word(0x4444);
        h.digest(self);
    }
}

/// A value with its signer and an unforgeable tag.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Signed<T> {
    signer: ReplicaId,
    value: T,
    tag: [u64; 2],
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
    secret: [u64; 2],
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
        let d = Digest::of(&[b"keyring", &trial_secret.to_le_bytes()]).0;
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&d[i * 8..i * 8 + 8]);
            u64::from_le_bytes(w)
        };
        Keyring {
            me,
            secret: [word(0), word(1)],
        }
    }

    /// The replica this keyring signs for.
    pub fn owner(&self) -> ReplicaId {
        self.me
    }

    fn tag<T: Signable>(&self, signer: ReplicaId, value: &T) -> [u64; 2] {
        let mut h = TagHasher::new(self.secret, signer);
        value.feed(&mut h);
        h.finish()
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
            digest: Digest([3; 16]),
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
